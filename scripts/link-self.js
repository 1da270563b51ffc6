#!/usr/bin/env node
"use strict";
/**
 * Makes `node_modules/csp-seats` point at this repository, idempotently. Pulumi's dynamic-provider plugin loads
 * the provider implementation by package name (`require("csp-seats/provider-impl")`) from the project's
 * node_modules; in this repository the project is csp-seats itself, so the package must resolve to the repo.
 * Runs from `prepare` (after `npm ci` / `npm install`) and before the tests.
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "csp-seats");
const target = "..";

function linkSelf() {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  let existing;
  try {
    existing = fs.lstatSync(link);
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
  }
  if (existing) {
    if (existing.isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(root)) return "unchanged";
    if (!existing.isSymbolicLink()) {
      // A real directory here is an installed copy of csp-seats (e.g. from a registry); leave it alone.
      return "kept-directory";
    }
    fs.unlinkSync(link);
  }
  try {
    fs.symlinkSync(target, link, "junction");
  } catch (error) {
    // Two concurrent runs (npm ci + a test) may race; the other one made the same link.
    if (error.code !== "EEXIST") throw error;
  }
  return "linked";
}

if (require.main === module) {
  const outcome = linkSelf();
  if (outcome === "kept-directory") {
    process.stderr.write(`link-self: ${link} is a directory, not a link to this repository; left as is\n`);
  }
}

module.exports = { linkSelf };
