#!/usr/bin/env node
"use strict";
// The compiled CLI lives in dist/ (`npm run build`); this shim only starts it.
const { runCli } = require("../dist/provider/cli/main.js");
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error[INTERNAL]: ${error && error.message}\n`);
    process.exitCode = 1;
  },
);
