"use strict";
/**
 * Which test tiers a `npm test -- <vitest arguments>` run asks for, so that scripts/run-tests.js builds dist/ and
 * provides the Pulumi CLI only when a requested tier needs them. Plain JavaScript: it runs before anything is built.
 * When in doubt (a name filter such as `money`, an unknown project) every tier counts as requested, so a run
 * never lacks what its tests need.
 */

/** The tiers, as vitest projects (vitest.config.ts), each the folder test/<tier>. */
const TIERS = ["unit", "integration", "pulumi", "e2e", "browser", "fuzz"];

/** The tiers that spawn the compiled CLI or provider (dist/) and the one that needs the real Pulumi CLI. */
const NEEDS_BUILD = new Set(["integration", "pulumi", "e2e", "browser", "fuzz"]);
const NEEDS_PULUMI_CLI = new Set(["e2e"]);

/** vitest options that take the next argument as their value (so it is not read as a file filter). */
const OPTIONS_WITH_VALUE = new Set(["-t", "--testNamePattern", "--project", "--reporter", "--outputFile", "--shard", "--pool", "--maxWorkers", "--minWorkers", "--testTimeout", "--hookTimeout", "--retry", "--config", "-c", "--dir", "--root", "-r"]);

/** The tier a file filter names (`test/unit`, `./test/e2e/x.test.ts`), or undefined for anything else. */
function getTierOfPath(filter) {
  const match = /^(?:\.\/)?test\/([^/]+)(?:\/|$)/.exec(filter.replace(/\\/g, "/"));
  return match && TIERS.includes(match[1]) ? match[1] : undefined;
}

/**
 * The tiers `args` (vitest's arguments) select, and whether the run needs a build and the Pulumi CLI.
 * @param {readonly string[]} args
 * @returns {{ tiers: string[], needsBuild: boolean, needsPulumiCli: boolean }}
 */
function selectTiers(args) {
  const projects = [];
  const filters = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === "--project") projects.push(args[++i] ?? "");
    else if (arg.startsWith("--project=")) projects.push(arg.slice("--project=".length));
    else if (OPTIONS_WITH_VALUE.has(arg)) i += 1;
    else if (!arg.startsWith("-")) filters.push(arg);
  }
  // vitest runs only the named projects, and file filters narrow those further; without a project, the filters
  // pick the files, and only a filter naming a tier folder tells which tiers they lie in.
  const named = projects.length > 0 ? projects.map((project) => (TIERS.includes(project) ? project : undefined)) : filters.map(getTierOfPath);
  const tiers = named.length === 0 || named.includes(undefined) ? [...TIERS] : TIERS.filter((tier) => named.includes(tier));
  return {
    tiers,
    needsBuild: tiers.some((tier) => NEEDS_BUILD.has(tier)),
    needsPulumiCli: tiers.some((tier) => NEEDS_PULUMI_CLI.has(tier)),
  };
}

module.exports = { TIERS, selectTiers };
