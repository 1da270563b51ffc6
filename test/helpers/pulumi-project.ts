/**
 * A throwaway Pulumi project for end-to-end tests with the REAL Pulumi CLI: a temp directory holding Pulumi.yaml
 * (runtime nodejs, plain JavaScript), an index.js that re-exports the repository's compiled program
 * (dist/index.js), a `node_modules` link to the repository's node_modules (the language host and the
 * dynamic-provider plugin resolve @pulumi/pulumi and csp-seats from the project directory), a seats.yaml, a
 * local file backend, its own PULUMI_HOME and a passphrase. The portal is the embedded one on a state file in the
 * project, or any backend the stack config names.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { createLocalStackEnv, requirePulumiBinDir, writeLocalProject } from "../../scripts/lib/pulumi-env";
import { CLI, ROOT } from "./build";
import { prepareProviderPackage, SEATS_TYPE } from "./dynamic-plugin";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, for assertions on what a user sees. */
  readonly output: string;
}

export interface PulumiProject {
  readonly dir: string;
  /** The embedded portal's state file (`csp-seats:statePath`). */
  readonly statePath: string;
  /** The environment every `pulumi` run gets (file backend, PULUMI_HOME, passphrase, PATH with the CLI). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args> --stack test --non-interactive` in the project. */
  pulumi(args: readonly string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Runs the compiled `csp-seats` CLI in the project against the same embedded portal. */
  cli(args: readonly string[]): Promise<CommandResult>;
  writeSeats(text: string): Promise<void>;
  /** Sets a stack config value (`csp-seats:...`), as a secret when asked. */
  setConfig(key: string, value: string, options?: { secret?: boolean }): Promise<void>;
  dispose(): Promise<void>;
}

/** The directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`; throws when missing. */
export { requirePulumiBinDir };

/** Runs a process to completion; a timeout kills it and is reported in stderr. */
export function runProcess(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 240_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}

/**
 * Creates the project, a stack `test` and (with `fixture`) a seeded embedded portal. `config` is written to the
 * stack (`csp-seats:statePath` points at the project's portal state unless given).
 */
export async function createPulumiProject(options: { seats: string; fixture?: PortalFixture; config?: Record<string, string>; secrets?: Record<string, string> }): Promise<PulumiProject> {
  const binDir = requirePulumiBinDir();
  await prepareProviderPackage();
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-e2e-")));
  const statePath = path.join(dir, "portal-state.json");
  writeLocalProject({ dir, name: "csp-seats", packageName: "csp-seats-e2e", program: `module.exports = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});\n` });
  await fs.writeFile(path.join(dir, "seats.yaml"), options.seats);
  const env = createLocalStackEnv({ binDir, dir, passphrase: { value: "e2e-passphrase-not-a-secret" } });
  const pulumi = path.join(binDir, "pulumi");
  const runPulumi = (args: readonly string[], runOptions: { timeoutMs?: number } = {}): Promise<CommandResult> =>
    runProcess(pulumi, [...args, "--stack", "test", "--non-interactive"], { cwd: dir, env, ...runOptions });
  const setConfig = async (key: string, value: string, configOptions: { secret?: boolean } = {}): Promise<void> => {
    const result = await runPulumi(["config", "set", key, value, ...(configOptions.secret ? ["--secret"] : [])]);
    if (result.code !== 0) throw new Error(`pulumi config set ${key} failed:\n${result.output}`);
  };
  const project: PulumiProject = {
    dir,
    statePath,
    env,
    pulumi: runPulumi,
    cli: (args) => runProcess(process.execPath, [CLI, ...(options.config?.["csp-seats:backend"] === "http" ? [] : ["--state", statePath]), ...args], { cwd: dir, env }),
    writeSeats: (text) => fs.writeFile(path.join(dir, "seats.yaml"), text),
    setConfig,
    dispose: () => fs.rm(dir, { recursive: true, force: true }),
  };
  const init = await runProcess(pulumi, ["stack", "init", "test", "--non-interactive"], { cwd: dir, env });
  if (init.code !== 0) throw new Error(`pulumi stack init failed:\n${init.output}`);
  for (const [key, value] of Object.entries({ "csp-seats:statePath": statePath, ...options.config })) await setConfig(key, value);
  for (const [key, value] of Object.entries(options.secrets ?? {})) await setConfig(key, value, { secret: true });
  if (options.fixture) await seedEmbeddedPortal({ statePath, fixture: options.fixture });
  return project;
}

/**
 * Creates the project for a vendor backend's `pulumiConfig()`: the plain config and the secrets as given, and
 * `csp-seats:graphTokenEndpoint` with --plaintext (Pulumi takes a key named like "...Token..." for a secret and
 * wants --plaintext to store it in clear); that `config set` must exit 0.
 */
export async function createVendorPulumiProject(seats: string, settings: { config: Record<string, string>; secrets: Record<string, string> }): Promise<PulumiProject> {
  const { "csp-seats:graphTokenEndpoint": tokenEndpoint, ...plain } = settings.config;
  const project = await createPulumiProject({ seats, config: plain, secrets: settings.secrets });
  const set = await project.pulumi(["config", "set", "csp-seats:graphTokenEndpoint", tokenEndpoint, "--plaintext"]);
  try {
    expect(set.code, set.output).toBe(0);
  } catch (error) {
    await project.dispose();
    throw error;
  }
  return project;
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  newState?: { type: string; inputs?: { plan?: string } };
}

/** The SubscriptionSeats steps of `pulumi preview --json` (its stdout). */
export function getSeatsSteps(stdout: string): PreviewStep[] {
  return (JSON.parse(stdout) as { steps: PreviewStep[] }).steps.filter((step) => step.newState?.type === SEATS_TYPE);
}

/** The plan each SubscriptionSeats step carries in its inputs, by resource name. */
export function getStepPlans(steps: readonly PreviewStep[]): Record<string, SubscriptionPlan> {
  return Object.fromEntries(steps.map((step) => [step.urn.split("::").pop()!, decodeStoredPlan(step.newState!.inputs!.plan)!]));
}

/** What a resource step did, by resource name: `[op, name]`. */
export type StepSummary = [op: string, name: string];

/** The steps of `pulumi preview --json` (one JSON document) whose operation is not `same`. */
export function getPreviewChanges(stdout: string): StepSummary[] {
  const json = JSON.parse(stdout) as { steps?: Array<{ op: string; urn: string }> };
  return (json.steps ?? []).filter((step) => step.op !== "same").map((step) => [step.op, step.urn.split("::").pop()!]);
}

/**
 * The steps `pulumi up --yes --json` carried out, other than `same`. Its stdout is the preview's JSON document
 * followed by the update's engine events, one JSON object per line; the steps are the `resourcePreEvent`s after
 * the preview document.
 */
export function getUpChanges(stdout: string): StepSummary[] {
  const events = stdout
    .split("\n")
    .filter((line) => line.startsWith('{"sequence"'))
    .map((line) => JSON.parse(line) as { resourcePreEvent?: { metadata: { op: string; urn: string } }; summaryEvent?: unknown });
  if (!events.some((event) => event.summaryEvent)) throw new Error(`no summary event in the output of pulumi up --json:\n${stdout.slice(-2000)}`);
  return events
    .flatMap((event) => (event.resourcePreEvent ? [event.resourcePreEvent.metadata] : []))
    .filter((step) => step.op !== "same")
    .map((step) => [step.op, step.urn.split("::").pop()!]);
}
