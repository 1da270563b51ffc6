/**
 * `csp-seats portal serve` as a child process the fault campaign can SIGKILL and start again on the same state
 * file and port: the compiled CLI (bin/csp-seats.js, as users run it), with the token in CSP_SEATS_TOKEN.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The compiled CLI: bin/csp-seats.js of the repository this file is in (from bench/ or dist/bench/). */
export function findCli(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "bin", "csp-seats.js");
    if (fs.existsSync(candidate) && fs.existsSync(path.join(dir, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`bin/csp-seats.js not found above ${from}`);
  }
}

/** A running (or restartable) `portal serve`. */
export interface PortalProcess {
  /** `http://127.0.0.1:PORT`, the same across restarts. */
  readonly endpoint: string;
  /** SIGKILLs the server, waits for it to die, starts it again on the same port; resolves with the time it was down. */
  killAndRestart(): Promise<number>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

function cleanEnv(token: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("CSP_SEATS_")) delete env[key];
  return { ...env, CSP_SEATS_TOKEN: token };
}

/** Starts `portal serve --port port` and resolves once it printed where it listens; rejects if it exits first. */
function startOnce(cli: string, statePath: string, token: string, port: number): Promise<Started> {
  const child = spawn(process.execPath, [cli, "--state", statePath, "portal", "serve", "--port", String(port)], { env: cleanEnv(token), stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise<Started>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`portal serve printed no address within ${READY_TIMEOUT_MS / 1000} s:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve({ child, port: Number(match[1]), exited });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`portal serve exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
}

/** Starts `portal serve` on a free port over `statePath` (already seeded). */
export async function startPortalProcess(options: { cli: string; statePath: string; token: string }): Promise<PortalProcess> {
  const { cli, statePath, token } = options;
  let current = await startOnce(cli, statePath, token, 0);
  const port = current.port;
  const restart = async (): Promise<Started> => {
    // The old listening socket is gone with its process, but be patient with a port the kernel still holds.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await startOnce(cli, statePath, token, port);
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(100);
      }
    }
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async killAndRestart() {
      const started = performance.now();
      current.child.kill("SIGKILL");
      await current.exited;
      current = await restart();
      return performance.now() - started;
    },
    async stop() {
      const { child, exited } = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
