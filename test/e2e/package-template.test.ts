/**
 * csp-seats as users get it (issue #11): the packed tarball, a project made by `pulumi new` from
 * templates/csp-seats in a temporary directory outside the repository, the tarball installed there from npm's
 * cache (no network, no link to this checkout), and the real Pulumi CLI running the template's TypeScript
 * program against the embedded demo portal: money in the preview, orders placed by `pulumi up`, then a preview
 * with --expect-no-changes. Also what `npm pack` ships, and that the installed copy exports what the docs name.
 *
 * The one change to the template is the `csp-seats` dependency: a `file:` path to the tarball instead of the
 * registry range, with a package-lock.json derived from this repository's (test/helpers/offline-lock.ts), since
 * an offline npm resolves only from a lockfile.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStackEnv } from "../../scripts/lib/pulumi-env";
import { ROOT, ensureBuilt } from "../helpers/build";
import { createOfflineLockfile } from "../helpers/offline-lock";
import { requirePulumiBinDir, runProcess, type CommandResult } from "../helpers/pulumi-project";

const TEMPLATE = path.join(ROOT, "templates", "csp-seats");
const MIB = 1024 * 1024;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  integrity: string;
  entryCount: number;
  files: Array<{ path: string; size: number }>;
}

let work: string;
let project: string;
let packed: PackResult;
let env: NodeJS.ProcessEnv;
let pulumiBin: string;

function pulumi(args: readonly string[]): Promise<CommandResult> {
  return runProcess(pulumiBin, [...args, "--stack", "dev", "--non-interactive"], { cwd: project, env, timeoutMs: 180_000 });
}

function npx(args: readonly string[]): Promise<CommandResult> {
  return runProcess("npx", ["csp-seats", ...args], { cwd: project, env });
}

/** The text of a Markdown section: from its heading to the next heading of the same level. */
function readSection(file: string, heading: string): string {
  const text = fs.readFileSync(file, "utf8");
  const start = text.indexOf(heading);
  if (start === -1) throw new Error(`${file} has no section "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const next = text.indexOf(`\n${level} `, start + heading.length);
  return text.slice(start, next === -1 ? undefined : next);
}

/** The ```ts code blocks of a Markdown text. */
function getTypeScriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** A template copy whose csp-seats dependency is the tarball, with a lockfile so npm installs it offline. */
function writeOfflineTemplate(dir: string, tarball: string): void {
  fs.cpSync(TEMPLATE, dir, { recursive: true });
  const manifestPath = path.join(dir, "package.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { name: string; dependencies: Record<string, string> };
  const spec = `file:${path.relative(work, tarball)}`;
  manifest.dependencies["csp-seats"] = spec;
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "package-lock.json"), `${JSON.stringify(createOfflineLockfile(manifest, { spec, integrity: packed.integrity }), null, 2)}\n`);
}

beforeAll(async () => {
  pulumiBin = path.join(requirePulumiBinDir(), "pulumi");
  await ensureBuilt();
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-package-")));
  // dist/ is fresh (ensureBuilt); --ignore-scripts skips prepack's second tsc and prepare's link-self.js.
  const stdout = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  packed = (JSON.parse(stdout) as PackResult[])[0];
  const tarball = path.join(work, packed.filename);
  writeOfflineTemplate(path.join(work, "template"), tarball);
  project = path.join(work, "contoso-seats");
  env = {
    ...createLocalStackEnv({ binDir: requirePulumiBinDir(), dir: work, passphrase: { value: "package-e2e-not-a-secret" } }),
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  fs.mkdirSync(path.join(work, "backend"));
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("is small: under 1 MiB packed, no tests, no fixtures but the demo, no sources but .d.ts and the template's program", () => {
    const paths = packed.files.map((file) => file.path);
    expect(packed.size).toBeLessThan(MIB);
    expect(packed.unpackedSize).toBeLessThan(2 * MIB);
    expect(paths.filter((file) => /^(test|bench|scripts|tools|\.ci)\/|^dist\/(test|bench|scripts)\/|fixtures?\//.test(file))).toEqual([]);
    expect(paths.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && file !== "templates/csp-seats/index.ts")).toEqual([]);
    expect(paths.filter((file) => /fixture.*\.ya?ml$/.test(file))).toEqual(["provider/simulator/demo-fixture.yaml"]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "package.json",
        "bin/csp-seats.js",
        "dist/provider/index.js",
        "dist/provider/index.d.ts",
        "dist/provider/pulumi/provider-impl.js",
        "dist/schema/seats.schema.json",
        "schema/seats.schema.json",
        "schema/portal-fixture.schema.json",
        "schema/portal-openapi.yaml",
        "templates/csp-seats/Pulumi.yaml",
        "templates/csp-seats/README.md",
        "templates/csp-seats/seats.yaml",
        "examples/gitops/workflows/seats-preview.yml",
        "docs/formats.md",
      ]),
    );
  });

  it("ships every entry point of package.json", () => {
    const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, string | Record<string, string>> };
    const targets = Object.values(ours.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)));
    const paths = new Set(packed.files.map((file) => file.path));
    const entries = [ours.main, ours.types, ...Object.values(ours.bin), ...targets].map((file) => file.replace(/^\.\//, ""));
    expect(entries.filter((file) => !paths.has(file))).toEqual([]);
  });
});

describe("a project from the template, outside the repository", () => {
  beforeAll(async () => {
    const created = await runProcess(
      pulumiBin,
      ["new", path.join(work, "template"), "--dir", project, "--name", "contoso-seats", "--stack", "dev", "--yes", "--non-interactive", "-c", "csp-seats:backend=embedded"],
      { cwd: work, env, timeoutMs: 240_000 },
    );
    if (created.code !== 0) throw new Error(`pulumi new failed:\n${created.output}`);
  }, 300_000);

  it("is made by pulumi new: the stack, the backend from the config prompt, and csp-seats installed from the tarball", () => {
    expect(path.relative(ROOT, project).startsWith("..")).toBe(true);
    expect(fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8")).toMatch(/^name: contoso-seats$/m);
    expect(fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8")).toMatch(/csp-seats:backend: embedded/);
    const installed = path.join(project, "node_modules", "csp-seats");
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(installed, "scripts"))).toBe(false);
    expect(fs.existsSync(path.join(installed, "dist", "provider", "index.js"))).toBe(true);
  });

  it("exports from the installed package what the docs name, and the provider entry the plugin loads by name", () => {
    const script = [
      'const seats = require("csp-seats");',
      'const names = ["SubscriptionSeats", "declareSubscriptionSeats", "loadSeatsFile", "runSeatsProgram", "summarizePlans", "renderPlanMarkdownChunks", "planSeats", "computeDrift"];',
      'const impl = require("csp-seats/provider-impl");',
      "console.log(JSON.stringify({ missing: names.filter((name) => typeof seats[name] !== 'function'), create: typeof impl.create, from: require.resolve('csp-seats') }));",
    ].join("\n");
    const result = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8" })) as { missing: string[]; create: string; from: string };
    expect(result).toEqual({ missing: [], create: "function", from: path.join(project, "node_modules", "csp-seats", "dist", "provider", "index.js") });
  });

  it("runs the CLI with npx: --help, portal seed, validate, plan --output-dir", async () => {
    const help = await npx(["--help"]);
    expect(help.code, help.output).toBe(0);
    expect(help.stdout).toMatch(/Usage: csp-seats/);
    const seed = await npx(["portal", "seed"]);
    expect(seed.code, seed.output).toBe(0);
    expect(fs.existsSync(path.join(project, ".csp-seats", "portal-state.json"))).toBe(true);
    const validate = await npx(["validate", "seats.yaml"]);
    expect(validate.code, validate.output).toBe(0);
    const plan = await npx(["plan", "--desired", "seats.yaml", "--output-dir", "plan-comments"]);
    expect(plan.code, plan.output).toBe(0);
    expect(fs.readFileSync(path.join(project, "plan-comments", "plan-1.md"), "utf8")).toMatch(/15\.10 EUR/);
  });

  it("type-checks the TypeScript of the README's install section and docs/formats.md against the installed types, and runs the library example", async () => {
    const readme = readSection(path.join(ROOT, "README.md"), "## Install it in your own repository");
    const readmeBlocks = getTypeScriptBlocks(readme);
    expect(readmeBlocks.length).toBe(2);
    readmeBlocks.forEach((block, index) => fs.writeFileSync(path.join(project, `readme-${index + 1}.ts`), block));
    const [example] = getTypeScriptBlocks(readSection(path.join(ROOT, "docs", "formats.md"), "## The same documents from a program"));
    expect(example).toBeDefined();
    const lines = example.split("\n");
    const program = [...lines.filter((line) => line.startsWith("import ")), "async function main(): Promise<void> {", ...lines.filter((line) => !line.startsWith("import ")), "}", "void main();", ""];
    fs.writeFileSync(path.join(project, "library-example.ts"), program.join("\n"));
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
    const files = ["library-example.ts", ...readmeBlocks.map((_, index) => `readme-${index + 1}.ts`)];
    const compiled = await runProcess(process.execPath, [tsc, "--strict", "--module", "node16", "--target", "ES2022", "--types", "node", "--outDir", "example-out", ...files], { cwd: project, env });
    expect(compiled.code, compiled.output).toBe(0);
    const run = await runProcess(process.execPath, [path.join("example-out", "library-example.js")], { cwd: project, env });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/15\.10 EUR/);
  }, 120_000);

  it("previews the money, orders with pulumi up, then has nothing left to change", async () => {
    const preview = await pulumi(["preview", "--diff"]);
    expect(preview.code, preview.output).toBe(0);
    expect(preview.stdout).toMatch(/m365-business-standard 12 -> 14 now: charge 15\.10 EUR/);
    expect(preview.stdout).toMatch(/refund 7\.23 EUR/);
    expect(preview.stdout).toMatch(/\+ 3 to create/);
    expect((await npx(["portal", "orders", "--format", "json"])).stdout).not.toMatch(/sub-contoso/);

    const up = await pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expect(up.stdout).toMatch(/\+ 3 created/);
    const orders = await npx(["portal", "orders"]);
    expect(orders.stdout).toMatch(/sub-contoso-standard\s+completed\s+15\.10 EUR/);
    expect(orders.stdout).toMatch(/sub-contoso-basic\s+completed\s+-7\.23 EUR/);

    const again = await pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
    const drift = await npx(["drift"]);
    expect(drift.code, drift.output).toBe(0);
  }, 600_000);

  it("reports a mistake in seats.yaml at file:line:col and declares nothing", async () => {
    const seatsPath = path.join(project, "seats.yaml");
    fs.writeFileSync(seatsPath, fs.readFileSync(seatsPath, "utf8").replace("m365-business-basic: 18", "m365-business-basic: eighteen"));
    const preview = await pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/seats\.yaml:\d+:\d+/);
    expect(preview.output).toMatch(/nothing is declared until they are fixed/);
  }, 300_000);
});
