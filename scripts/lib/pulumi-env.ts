/**
 * The one place that knows how this repository gets the real Pulumi CLI and how it runs Pulumi on a local stack
 * (file backend, own PULUMI_HOME, passphrase, no cloud, no plugin downloads). The demo (`npm start`), the
 * benchmarks and the end-to-end test helpers all call it. Dev tooling, not part of the provider's layers.
 *
 * It runs compiled (dist/scripts/lib/, for the demo and the benchmarks) and from source (vitest, for the tests),
 * so it finds the repository root by looking for scripts/setup-pulumi.sh instead of counting `..`s.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts", "setup-pulumi.sh")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the csp-seats checkout (scripts/setup-pulumi.sh) above ${start}`);
  }
}

/** The checkout's root directory. */
export const REPO_ROOT = findRepoRoot(__dirname);

/** The script that provides the pinned Pulumi CLI (docs/pulumi-cli.md). */
export const SETUP_PULUMI_SCRIPT = path.join(REPO_ROOT, "scripts", "setup-pulumi.sh");

/** What a Pulumi bin directory must hold: the CLI, the Node.js language host and the dynamic-provider plugin. */
export const PULUMI_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"] as const;

/** The variables `createLocalStackEnv` sets besides PATH (for printing them as shell exports). */
export const LOCAL_STACK_ENV_KEYS = [
  "PULUMI_HOME",
  "PULUMI_BACKEND_URL",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_CONFIG_PASSPHRASE_FILE",
  "PULUMI_SKIP_UPDATE_CHECK",
  "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
] as const;

/** The tools of PULUMI_TOOLS that `binDir` lacks (all of them when it is unset). */
export function getMissingPulumiTools(binDir: string | undefined): string[] {
  return PULUMI_TOOLS.filter((tool) => !binDir || !fs.existsSync(path.join(binDir, tool)));
}

/**
 * Runs scripts/setup-pulumi.sh (its progress goes to this process's stderr; the first run builds the CLI from the
 * Go module proxy) and returns the bin directory it printed as its last line. Throws when the script fails or the
 * directory lacks a tool.
 */
export function setupPulumiCli(): string {
  const result = spawnSync("bash", [SETUP_PULUMI_SCRIPT], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.error) throw new Error(`cannot run scripts/setup-pulumi.sh: ${result.error.message}`);
  const binDir = (result.stdout ?? "").trim().split("\n").pop() ?? "";
  if (result.status !== 0) throw new Error(`scripts/setup-pulumi.sh exited with ${result.status ?? result.signal} (see above and docs/pulumi-cli.md)`);
  const missing = getMissingPulumiTools(binDir || undefined);
  if (missing.length > 0) throw new Error(`scripts/setup-pulumi.sh printed "${binDir}", which lacks ${missing.join(", ")}`);
  return binDir;
}

/** PULUMI_BIN_DIR when it is set, otherwise what `setupPulumiCli` provides. */
export function findPulumiBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PULUMI_BIN_DIR || setupPulumiCli();
}

/** PULUMI_BIN_DIR, for the tests that need the real CLI; throws with what to do when it is unset or incomplete. */
export function requirePulumiBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const binDir = env.PULUMI_BIN_DIR;
  const missing = getMissingPulumiTools(binDir);
  if (!binDir || missing.length > 0) {
    throw new Error(
      `the end-to-end tests need the real Pulumi CLI: PULUMI_BIN_DIR=${binDir ?? "(unset)"} lacks ${missing.join(", ")}. ` +
        "Run them through `npm test` (it runs scripts/setup-pulumi.sh), or export PULUMI_BIN_DIR=$(bash scripts/setup-pulumi.sh | tail -1).",
    );
  }
  return binDir;
}

/**
 * `env` without the caller's own Pulumi settings (every PULUMI_* variable: a local stack brings its own) and,
 * unless `keepCspSeats`, without CSP_SEATS_* (tests and benchmarks must not see the developer's portal settings).
 */
export function getIsolatedEnv(env: NodeJS.ProcessEnv = process.env, options: { keepCspSeats?: boolean } = {}): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("PULUMI_") && (options.keepCspSeats || !key.startsWith("CSP_SEATS_"))));
}

export interface LocalStackEnvOptions {
  /** The directory holding PULUMI_TOOLS; put first on PATH. */
  readonly binDir: string;
  /** The project's working directory: PULUMI_HOME is `<dir>/pulumi-home`, the file backend `<dir>/backend`. */
  readonly dir: string;
  /** The secrets passphrase, as a value (PULUMI_CONFIG_PASSPHRASE) or a file (PULUMI_CONFIG_PASSPHRASE_FILE). */
  readonly passphrase: { readonly value: string } | { readonly file: string };
  /** The environment to start from (default: `getIsolatedEnv()`). */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/** The environment for `pulumi` on a local file-backend stack in `options.dir`: no login, no update check, no downloads. */
export function createLocalStackEnv(options: LocalStackEnvOptions): NodeJS.ProcessEnv {
  const base = options.baseEnv ?? getIsolatedEnv();
  return {
    ...base,
    PATH: `${options.binDir}${path.delimiter}${base.PATH ?? ""}`,
    PULUMI_HOME: path.join(options.dir, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${path.join(options.dir, "backend")}`,
    ...("value" in options.passphrase ? { PULUMI_CONFIG_PASSPHRASE: options.passphrase.value } : { PULUMI_CONFIG_PASSPHRASE_FILE: options.passphrase.file }),
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

export interface LocalProjectOptions {
  readonly dir: string;
  /** The project name in Pulumi.yaml. */
  readonly name: string;
  readonly description?: string;
  /** A comment line written at the top of Pulumi.yaml (without the `# `). */
  readonly comment?: string;
  /** The name in the project's package.json (default: `<name>-project`). */
  readonly packageName?: string;
  /** The program's index.js. */
  readonly program: string;
  /** Where the project's `node_modules` link points (default: the checkout's node_modules, absolute). */
  readonly nodeModules?: string;
}

/**
 * Writes a plain-JavaScript Pulumi project into `options.dir` (created when missing): Pulumi.yaml, a package.json
 * (without one the Node.js runtime warns on every run that it uses the directory as the root), index.js, the
 * `backend` directory of the file backend, and a `node_modules` link (the language host and the dynamic-provider
 * plugin resolve @pulumi/pulumi and csp-seats from the project directory).
 */
export function writeLocalProject(options: LocalProjectOptions): void {
  fs.mkdirSync(path.join(options.dir, "backend"), { recursive: true });
  const yaml = [
    ...(options.comment ? [`# ${options.comment}`] : []),
    `name: ${options.name}`,
    ...(options.description ? [`description: ${options.description}`] : []),
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: false",
    "main: index.js",
    "",
  ];
  fs.writeFileSync(path.join(options.dir, "Pulumi.yaml"), yaml.join("\n"));
  fs.writeFileSync(path.join(options.dir, "package.json"), `${JSON.stringify({ name: options.packageName ?? `${options.name}-project`, private: true }, null, 2)}\n`);
  fs.writeFileSync(path.join(options.dir, "index.js"), options.program);
  fs.symlinkSync(options.nodeModules ?? path.join(REPO_ROOT, "node_modules"), path.join(options.dir, "node_modules"), "junction");
}
