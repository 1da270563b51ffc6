#!/usr/bin/env node
"use strict";
/**
 * `npm test`: builds the project, makes sure the real Pulumi CLI is available (building it from the Go module
 * proxy on first use, see docs/pulumi-cli.md), runs every vitest suite, and ends with a plain
 * `N passed, N failed` line, because CI reads that line and not vitest's own summary.
 * Extra arguments are passed to vitest (e.g. `npm test -- test/unit`, `npm test -- --project e2e`). The build and
 * the Pulumi CLI are provided only for the tiers those arguments ask for (scripts/lib/select-tiers.js): the unit
 * tier needs neither, so `npm test -- test/unit` takes seconds.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { selectTiers } = require("./lib/select-tiers.js");

const root = path.resolve(__dirname, "..");
const resultsFile = path.join(root, ".csp-seats", "test-results.json");
const vitestArgs = process.argv.slice(2);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function step(message) {
  process.stderr.write(`\n== ${message}\n`);
}

const selection = selectTiers(vitestArgs);
step(`node ${process.version}; tiers: ${selection.tiers.join(", ")}`);
if (selection.needsBuild) {
  step("building (tsc)");
  if (run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"]) !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

const env = { ...process.env };
if (selection.needsPulumiCli) {
  step("Pulumi CLI (scripts/setup-pulumi.sh)");
  // The compiled shared module: the demo and the benchmarks get the CLI the same way.
  const { setupPulumiCli } = require(path.join(root, "dist", "scripts", "lib", "pulumi-env.js"));
  try {
    const binDir = setupPulumiCli();
    env.PULUMI_BIN_DIR = binDir;
    env.PATH = `${binDir}${path.delimiter}${env.PATH}`;
    process.stderr.write(`using Pulumi from ${binDir}\n`);
  } catch (error) {
    process.stderr.write(`could not build or find the Pulumi CLI; the end-to-end tests will fail: ${error.message}\n`);
  }
}

step("vitest");
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const vitest = require.resolve("vitest/vitest.mjs");
const code = run(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${resultsFile}`, ...vitestArgs], { env });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
  skipped = report.numPendingTests + report.numTodoTests;
} catch (error) {
  failed = Math.max(1, failed);
  process.stderr.write(`could not read vitest's JSON report: ${error.message}\n`);
}
if (passed === 0 && failed === 0) failed = 1; // a run that executed no test is a failure, not a pass
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
