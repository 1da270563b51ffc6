/**
 * Tests of the compiled CLI: a temp directory with the demo portal seeded in `portal-state.json` and the
 * quickstart `seats.yaml` beside it (what a new user has after `csp-seats portal seed`), and a run of
 * `node bin/csp-seats.js` in it with none of the test process's own CSP_SEATS_* settings.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { CLI, ROOT } from "./build";

/** How a run of the CLI ended and what it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Creates the workspace under the OS temp dir (`prefix` names it); the caller removes it. */
export async function createDemoWorkspace(prefix: string): Promise<{ dir: string; statePath: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
  await fs.copyFile(path.join(ROOT, "examples", "quickstart", "seats.yaml"), path.join(dir, "seats.yaml"));
  return { dir, statePath };
}

/** The test process's environment without its CSP_SEATS_* variables, with `extra` set over it. */
export function getCleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("CSP_SEATS_")) delete env[key];
  return { ...env, ...extra };
}

/**
 * Runs the compiled CLI with `args` in `cwd` (clean environment plus `env`) until it exits. With `hangMs`, a run
 * that takes longer is killed as a hang: its code is null and its stderr says so.
 */
export async function runCompiledCli(args: readonly string[], options: { cwd: string; env?: Record<string, string>; hangMs?: number }): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: getCleanEnv(options.env) });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = options.hangMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.hangMs);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  if (code === null && options.hangMs !== undefined) stderr += `\n(killed after ${options.hangMs / 1000} s: a hang)`;
  return { code, stdout, stderr };
}
