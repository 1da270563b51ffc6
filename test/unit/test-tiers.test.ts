/**
 * The test tiers (vitest.config.ts projects, one folder each) and what `npm test` provides for them: the unit
 * tier needs no build and no Pulumi CLI, so scripts/run-tests.js skips both for it, and no unit test (nor a test
 * helper it imports) may depend on them.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(__dirname, "..", "..");
const { TIERS, selectTiers } = require("../../scripts/lib/select-tiers.js") as {
  TIERS: string[];
  selectTiers: (args: readonly string[]) => { tiers: string[]; needsBuild: boolean; needsPulumiCli: boolean };
};

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** `file` and the test helpers it imports, transitively (relative imports inside test/). */
function collectWithLocalImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const match of fs.readFileSync(file, "utf8").matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const target = path.resolve(path.dirname(file), match[1]);
    const resolved = [target, `${target}.ts`].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
    if (resolved && resolved.startsWith(path.join(ROOT, "test") + path.sep)) collectWithLocalImports(resolved, seen);
  }
  return seen;
}

// What needs a build (dist/, the compiled CLI or provider) or the real Pulumi CLI.
const FORBIDDEN_IN_UNIT: Array<[RegExp, string]> = [
  [/\b(ensureBuilt|prepareProviderPackage|serializeSeatsProvider|serializeSeatsProviderObject|startDynamicPlugin)\(/, "builds dist/ (test/helpers/build.ts, dynamic-plugin.ts)"],
  // Called without an environment they read PULUMI_BIN_DIR or run setup-pulumi.sh (a fake environment is fine).
  [/\b(requirePulumiBinDir|findPulumiBinDir)\(\s*\)|\b(setupPulumiCli|createPulumiProject)\(|process\.env\.PULUMI_BIN_DIR/, "needs the real Pulumi CLI"],
  [/(["'`]|\.\/)dist\/|["'`]dist["'`],|\bbin\/csp-seats|\bCLI\b.*\bspawn|spawn\w*\(\s*["'`]pulumi/, "runs compiled code or the CLI"],
  [/helpers\/(build|pulumi-project|dynamic-plugin)"/, "imports a helper of the build-needing tiers"],
];

describe("selectTiers (what scripts/run-tests.js provides)", () => {
  it("runs every tier, with a build and the Pulumi CLI, when no filter is given", () => {
    expect(selectTiers([])).toEqual({ tiers: TIERS, needsBuild: true, needsPulumiCli: true });
    expect(selectTiers(["--reporter", "verbose"])).toEqual({ tiers: TIERS, needsBuild: true, needsPulumiCli: true });
  });

  it("needs neither a build nor the Pulumi CLI for the unit tier, by folder, file or project", () => {
    for (const args of [["test/unit"], ["test/unit/"], ["./test/unit/money.test.ts"], ["--project", "unit"], ["--project=unit"], ["test/unit", "-t", "money"]]) {
      expect(selectTiers(args), args.join(" ")).toEqual({ tiers: ["unit"], needsBuild: false, needsPulumiCli: false });
    }
  });

  it("builds for integration and pulumi, and adds the Pulumi CLI only for e2e", () => {
    expect(selectTiers(["test/integration"])).toEqual({ tiers: ["integration"], needsBuild: true, needsPulumiCli: false });
    expect(selectTiers(["test/unit", "test/pulumi/provider-plugin.test.ts"])).toEqual({ tiers: ["unit", "pulumi"], needsBuild: true, needsPulumiCli: false });
    expect(selectTiers(["test/e2e/gitops-workflows.test.ts"])).toEqual({ tiers: ["e2e"], needsBuild: true, needsPulumiCli: true });
  });

  it("follows --project over file filters, as vitest does (filters only narrow the named projects)", () => {
    expect(selectTiers(["--project", "unit", "money"])).toEqual({ tiers: ["unit"], needsBuild: false, needsPulumiCli: false });
    expect(selectTiers(["--project", "unit", "--project", "e2e"]).tiers).toEqual(["unit", "e2e"]);
  });

  it("provides everything when a filter does not name a tier (a file-name fragment, an unknown project)", () => {
    expect(selectTiers(["money"]).needsPulumiCli).toBe(true);
    expect(selectTiers(["test/unit", "planner"]).tiers).toEqual(TIERS);
    expect(selectTiers(["--project", "nope"]).tiers).toEqual(TIERS);
    expect(selectTiers(["--project", "fuzz"])).toEqual({ tiers: ["fuzz"], needsBuild: true, needsPulumiCli: false });
    expect(selectTiers(["test/browser"])).toEqual({ tiers: ["browser"], needsBuild: true, needsPulumiCli: false });
  });
});

describe("the tier folders", () => {
  it("hold every test file: none lies outside test/<tier>/", () => {
    const tests = listFiles(path.join(ROOT, "test")).filter((file) => file.endsWith(".test.ts"));
    const outside = tests.map((file) => path.relative(ROOT, file).split(path.sep).join("/")).filter((file) => !TIERS.some((tier) => file.startsWith(`test/${tier}/`)));
    expect(tests.length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it("keep the unit tier free of builds and of the Pulumi CLI, helpers included", () => {
    const problems: string[] = [];
    const unitTests = listFiles(path.join(ROOT, "test", "unit")).filter((file) => file.endsWith(".ts") && file !== __filename);
    for (const file of new Set(unitTests.flatMap((test) => [...collectWithLocalImports(test)]))) {
      const text = fs.readFileSync(file, "utf8");
      for (const [pattern, why] of FORBIDDEN_IN_UNIT) {
        const match = pattern.exec(text);
        if (match) problems.push(`${path.relative(ROOT, file)}: "${match[0]}" ${why}`);
      }
    }
    expect(unitTests.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });
});
