/**
 * `npm run bench:portal`: how the `http` backend reads a large portal. Seeds 1,000 subscriptions x 5 license
 * lines, serves them from a child process (so the figures below are the client's own), and reads everything
 * through the client (`listSubscriptions`: the paginated list, one request per page) with 0 ms and with 50 ms of
 * injected latency per request, each run repeated (median reported). Prints requests made, wall time and peak
 * RSS (sampled every 5 ms) for each run, and the targets' verdicts.
 *
 * Run: `npm run bench:portal` (builds, then runs dist/bench/portal.js).
 * Options: --subscriptions N (1000), --lines N (5), --repeat N (3).
 */
import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs/promises";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import type { PortalFixture } from "../provider/simulator/fixture";
import { buildBenchFixture } from "./bench-fixture";
import { createHttpPortal } from "../provider/backends/http/http-portal";
import { createPortalServer } from "../provider/simulator/server/server";

const TOKEN = "bench-token";
const LATENCIES = [0, 50];

interface ServerStats {
  requests: number;
}

/** A fixture of `count` subscriptions with `lines` license lines each. */
function buildPortalBenchFixture(count: number, lines: number): PortalFixture {
  return buildBenchFixture({
    count,
    lines: () =>
      Array.from({ length: lines }, (_, l) => ({
        sku: `sku-${l + 1}`,
        displayName: `Product ${l + 1}`,
        usage: 5 + l,
        limit: 10 + l,
        unitPrice: `${(4 + l).toString()}.50`,
        batches: [{ quantity: 2, addedAt: "2026-05-10T14:30:00Z" }],
      })),
  });
}

/** Child mode: serve the state file and answer `stats` messages with the number of requests seen. */
async function runServerChild(statePath: string): Promise<void> {
  const portal = await openEmbeddedPortal({ statePath });
  const stats: ServerStats = { requests: 0 };
  const server = createPortalServer({ portal, token: TOKEN, log: () => (stats.requests += 1) });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") process.send!({ type: "stats", ...stats, maxRssMb: process.resourceUsage().maxRSS / 1024 });
    if (message.type === "reset") stats.requests = 0;
    if (message.type === "stop") server.close(() => process.exit(0));
  });
  process.send!({ type: "ready", port: (server.address() as AddressInfo).port });
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T): void => {
      if (message.type === type) {
        child.off("message", onMessage);
        resolve(message);
      }
    };
    child.on("message", onMessage);
    child.send({ type });
  });
}

/** Runs `fn` while sampling this process's RSS; returns wall time and the peak. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = process.hrtime.bigint();
  try {
    const result = await fn();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, ms, peakRssMb: peak / (1024 * 1024) };
  } finally {
    clearInterval(sampler);
  }
}

interface Row {
  mode: "list";
  latencyMs: number;
  requests: number;
  subscriptions: number;
  lines: number;
  ms: number;
  peakRssMb: number;
}

async function runBench(count: number, lines: number, repeat: number): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-bench-"));
  const statePath = path.join(dir, "portal-state.json");
  const seeded = await measure(() => seedEmbeddedPortal({ statePath, fixture: buildPortalBenchFixture(count, lines) }));
  const stateBytes = (await fs.stat(statePath)).size;
  const child = fork(__filename, ["--serve", statePath], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once("message", (m) => resolve(m as { port: number })));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = await createHttpPortal({ endpoint, token: TOKEN });
  const rows: Row[] = [];
  const walls = new Map<number, number[]>();
  try {
    // Warm-up: JIT, connections and the OS file cache, so the first measured run is not penalised.
    await client.listSubscriptions();
    for (const latencyMs of LATENCIES) {
      await client.client.request({ method: "PUT", path: "/v1/admin/faults", body: { rules: latencyMs > 0 ? [{ route: "*", kind: "latency", latencyMs }] : [] } });
      const runs: Row[] = [];
      for (let i = 0; i < repeat; i += 1) {
        child.send({ type: "reset" });
        await ask(child, "stats");
        const run = await measure(() => client.listSubscriptions());
        const { requests } = await ask<ServerStats>(child, "stats");
        runs.push({ mode: "list", latencyMs, requests, subscriptions: run.result.length, lines: run.result.reduce((n, s) => n + s.lines.length, 0), ms: run.ms, peakRssMb: run.peakRssMb });
      }
      runs.sort((a, b) => a.ms - b.ms);
      const median = runs[Math.floor(runs.length / 2)];
      rows.push({ ...median, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) });
      walls.set(latencyMs, runs.map((r) => r.ms));
    }
    await client.client.request({ method: "PUT", path: "/v1/admin/faults", body: { rules: [] } });
    const server = await ask<{ maxRssMb: number }>(child, "stats");

    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    print(`csp-seats portal benchmark: ${count} subscriptions x ${lines} lines, state file ${(stateBytes / 1024 / 1024).toFixed(1)} MiB (seeded in ${seeded.ms.toFixed(0)} ms)`);
    print(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "unknown"}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, ${os.platform()} ${os.release()}`);
    print("");
    print(`latency  requests  subscriptions  lines  median wall ms  client peak RSS MiB  all runs (ms)`);
    for (const row of rows) {
      const all = (walls.get(row.latencyMs) ?? []).map((ms) => ms.toFixed(0)).join(", ");
      print(`${`${row.latencyMs} ms`.padStart(7)}  ${String(row.requests).padStart(8)}  ${String(row.subscriptions).padStart(13)}  ${String(row.lines).padStart(5)}  ${row.ms.toFixed(0).padStart(14)}  ${row.peakRssMb.toFixed(1).padStart(19)}  ${all}`);
    }
    print(`server child peak RSS (whole run): ${server.maxRssMb.toFixed(1)} MiB`);
    print("");
    const fast = rows.find((r) => r.latencyMs === 0)!;
    const slow = rows.find((r) => r.latencyMs === 50)!;
    const perSub = Math.max(fast.requests, slow.requests) <= count;
    const ratio = slow.ms / fast.ms;
    print(`requests: ${fast.requests} / ${slow.requests} for ${count} subscriptions (target: at most one per subscription: ${perSub ? "met" : "MISSED"})`);
    print(`50 ms run / 0 ms run = ${ratio.toFixed(2)}x (target <= 5x: ${ratio <= 5 ? "met" : "MISSED"})`);
  } finally {
    await client.close();
    child.send({ type: "stop" });
    await new Promise((resolve) => child.once("exit", resolve));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function readOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`Expected --${name} to be a positive integer`);
  return value;
}

if (process.argv[2] === "--serve") {
  void runServerChild(process.argv[3]);
} else {
  runBench(readOption("subscriptions", 1000), readOption("lines", 5), readOption("repeat", 3)).catch((error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
