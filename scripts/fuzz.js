#!/usr/bin/env node
"use strict";
/**
 * `npm run fuzz`: the fuzz tier with thousands of cases and a random seed, printed first so that any failure can
 * be replayed: `FUZZ_SEED=<seed> npm run fuzz`. FUZZ_CASES sets the number of cases per campaign (default 3000).
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const seed = process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 32));
const cases = process.env.FUZZ_CASES || "3000";
process.stderr.write(`fuzz: seed ${seed}, ${cases} cases per campaign (replay with FUZZ_SEED=${seed} npm run fuzz)\n`);
const result = spawnSync(process.execPath, [path.join(__dirname, "run-tests.js"), "--project", "fuzz", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_CASES: cases },
});
process.stderr.write(`fuzz: seed ${seed}\n`);
process.exit(result.status ?? 1);
