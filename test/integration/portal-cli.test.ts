/**
 * `csp-seats portal serve|seed|outbox|orders` as users run it: the compiled CLI (dist/, built once by
 * test/helpers/build.ts) spawned in a temp directory, talking to the real state file and the real HTTP server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Order, OutboxMessage } from "../../provider/core/model";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { createHttpPortal } from "../../provider/backends/http/http-portal";
import { CLI, ensureBuilt } from "../helpers/build";
import { getCleanEnv } from "../helpers/demo-workspace";
import { buildTestFixture } from "../helpers/portal-server";

let dir: string;
let statePath: string;
const running: ChildProcessWithoutNullStreams[] = [];

function start(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, "--state", statePath, ...args], { cwd: dir, env: getCleanEnv(env) });
  running.push(child);
  return child;
}

/** Runs the CLI to completion. */
async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout, stderr };
}

/** Starts `portal serve` and resolves once it printed its URL (bounded wait). */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string; exit: Promise<number | null> }> {
  const child = start(["portal", "serve", "--port", "0", ...args], env);
  let output = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`portal serve printed no URL within 20 s:\n${output}`)), 20_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes("Ctrl-C stops")) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", () => reject(new Error(`portal serve exited early:\n${output}`)));
  });
  return { child, url, output: () => output, exit };
}

async function writeFixture(fixture: unknown): Promise<string> {
  const file = path.join(dir, "fixture.yaml");
  await fs.writeFile(file, stringify(fixture));
  return file;
}

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await fs.rm(dir, { recursive: true, force: true });
});

describe("csp-seats portal", () => {
  it("seed without a file loads the built-in demo and says what it seeded", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-"));
    statePath = path.join(dir, "state.json");
    const demo = await loadPortalFixture(getDemoFixturePath());
    const result = await runCli(["portal", "seed"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`seeded ${demo.subscriptions.length} subscription(s)`);
    expect(result.stdout).toContain("the built-in demo fixture");
    for (const sub of demo.subscriptions) expect(result.stdout).toContain(sub.id);
    expect(JSON.parse(await fs.readFile(statePath, "utf8"))).toBeTypeOf("object");
  });

  it("seed --fixture loads a file; orders and outbox start empty", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-"));
    statePath = path.join(dir, "state.json");
    const file = await writeFixture(buildTestFixture({ processingDelayMs: 0 }));
    const seeded = await runCli(["portal", "seed", "--fixture", file]);
    expect([seeded.code, seeded.stdout]).toEqual([0, expect.stringContaining("seeded 22 subscription(s) with 22 license line(s) for 1 customer(s)")]);
    const orders = await runCli(["portal", "orders", "--format", "json"]);
    expect([orders.code, JSON.parse(orders.stdout)]).toEqual([0, []]);
    const outbox = await runCli(["portal", "outbox"]);
    expect([outbox.code, outbox.stdout]).toEqual([0, expect.stringContaining("the outbox is empty")]);
  });

  it.each([
    { reason: "an unknown subcommand", args: ["portal", "dance"], stderr: /unknown portal command "dance"/ },
    { reason: "a bad format", args: ["portal", "orders", "--format", "xml"], stderr: /--format must be text or json/ },
    { reason: "a bad port", args: ["portal", "serve", "--port", "http"], stderr: /--port must be a number/ },
    { reason: "a fixture that is not valid", args: ["portal", "seed", "--fixture", "broken.yaml"], stderr: /error\[/ },
    { reason: "an unseeded state", args: ["portal", "orders"], stderr: /error\[PORTAL_NOT_SEEDED\]/ },
  ])("fails with exit 1 and a message on $reason", async ({ args, stderr }) => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-"));
    statePath = path.join(dir, "state.json");
    await fs.writeFile(path.join(dir, "broken.yaml"), "customers: 3\n");
    const result = await runCli(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(stderr);
  });

  it("serve: prints the URL, serves the API with the token from the environment (never printed), stops on SIGTERM", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-"));
    statePath = path.join(dir, "state.json");
    await runCli(["portal", "seed", "--fixture", await writeFixture(buildTestFixture({ processingDelayMs: 0 }))]);
    const token = "env-token-5d1e0b";
    const server = await serve([], { CSP_SEATS_TOKEN: token });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const portal = await createHttpPortal({ endpoint: server.url, token, minRetryDelayMs: 1 });
    let placed: Order;
    try {
      placed = await portal.placeOrder({ subscriptionId: "sub-main", lines: [{ sku: "m365-basic", quantity: 22, effective: "now" }], idempotencyKey: "cli-k1" });
      expect((await fetch(`${server.url}/v1/orders`)).status).toBe(401);
    } finally {
      await portal.close();
    }
    server.child.kill("SIGTERM");
    expect(await server.exit).toBe(0);
    expect(server.output()).toContain("stopped (SIGTERM)");
    expect(server.output()).not.toContain(token);

    const orders = await runCli(["portal", "orders", "--format", "json"]);
    expect((JSON.parse(orders.stdout) as Order[]).map((o) => [o.id, o.status])).toEqual([[placed.id, "completed"]]);
    const text = await runCli(["portal", "orders"]);
    expect(text.stdout).toMatch(new RegExp(`${placed.id}\\s+sub-main\\s+completed`));
    expect(text.stdout).toContain("m365-basic 20->22 (now)");
    const outbox = await runCli(["portal", "outbox", "--format", "json"]);
    expect((JSON.parse(outbox.stdout) as OutboxMessage[]).map((m) => m.kind).sort()).toEqual(["charges-notice", "order-confirmation"]);
    const outboxText = await runCli(["portal", "outbox"]);
    expect(outboxText.stdout).toContain(`order ${placed.id}`);
    expect(outboxText.stdout).toContain("Subject:");
  });

  it("serve without a token generates one, prints it, and requires it", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-"));
    statePath = path.join(dir, "state.json");
    await runCli(["portal", "seed"]);
    const server = await serve(["--host", "127.0.0.1"]);
    const token = /token \(generated[^:]*\): (\S+)/.exec(server.output())?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    const withToken = await fetch(`${server.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${token}` } });
    const without = await fetch(`${server.url}/v1/subscriptions`);
    expect([withToken.status, without.status]).toEqual([200, 401]);
    server.child.kill("SIGINT");
    expect(await server.exit).toBe(0);
  });
});
