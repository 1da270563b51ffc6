#!/usr/bin/env node
"use strict";
// The compiled CLI lives in dist/ (`npm run build`); this shim only starts it.
const { runCli } = require("../dist/provider/cli/main.js");

// A reader that stops early (`csp-seats drift | head -1`, `| true`) closes the pipe: that is not an error of the
// command. Swallow EPIPE (later writes then go nowhere) so the process still ends with the command's exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error && error.code === "EPIPE") return;
    throw error;
  });
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error[INTERNAL]: ${error && error.message}\n`);
    process.exitCode = 1;
  },
);
