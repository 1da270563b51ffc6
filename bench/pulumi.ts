/**
 * `npm run bench:pulumi`: what csp-seats adds to `pulumi preview` and `pulumi up`, against the engine's floor, in
 * the same run, with the real Pulumi CLI on a local file backend. For each size N (default 200 and 1,000):
 *   - floor: a program of N trivial dynamic resources (check and diff answer at once, create and update return
 *     their inputs);
 *   - csp-seats: N subscriptions in seats.yaml against the embedded portal, every one with one change to plan;
 * it previews both alternately (`--runs` times each, median), then `pulumi up` of each (every csp-seats
 * subscription changes: one order each), then updates where `--changed` of the N change (exactly that many
 * orders): right after that up, one round later, and after an up with nothing to order (the last round's orders
 * then rewrite nothing); it prints the ratios, the state per resource and the peak RSS of the program and the
 * plugin.
 *
 * `--latency MS` instead previews csp-seats through the http backend (a portal server in this process) with 0 ms
 * and with MS ms injected on every request, alternately, and prints the ratio and the requests per preview.
 *
 * Run: `npm run bench:pulumi -- [--subscriptions 200,1000] [--runs N] [--changed N] [--latency MS]`.
 * Uses PULUMI_BIN_DIR when set, else scripts/setup-pulumi.sh. Times on a shared machine are noise; the ratios,
 * measured side by side, are the figure.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs/promises";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import type { PortalFixture } from "../provider/simulator/fixture";
import { createPortalServer } from "../provider/simulator/server/server";
import { createLocalStackEnv, findPulumiBinDir, REPO_ROOT, writeLocalProject } from "../scripts/lib/pulumi-env";
import { buildBenchFixture } from "./bench-fixture";
import { formatCpu, formatMiB, formatSeconds, median, runPulumi, type BenchProject, type PulumiRun } from "./pulumi-processes";

const ROOT = REPO_ROOT;
/** The goals: csp-seats within 1.25x of the floor; latency adds at most 10 %. */
const TARGET_RATIO = 1.25;
const TARGET_LATENCY_RATIO = 1.1;
const TOKEN = "bench-token-3c9e1f";

const USAGE = `Usage: npm run bench:pulumi -- [--subscriptions 200,1000] [--runs N] [--changed N] [--latency MS] [--no-up]

csp-seats (N subscriptions, embedded portal) against N trivial dynamic resources, alternately, per size N.
  --subscriptions N,M   sizes (default 200,1000)
  --runs N              timed previews of each per size (default 1)
  --changed N           subscriptions that change in the second up (default N/10)
  --no-up               previews only
  --latency MS          preview over the http backend with 0 ms and MS ms per request instead
Uses PULUMI_BIN_DIR when set, else scripts/setup-pulumi.sh.
`;

interface Options {
  sizes: number[];
  runs: number;
  changed?: number;
  latencyMs?: number;
  up: boolean;
  help: boolean;
}

function parseCount(name: string, value: string | undefined, min: number): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) throw new Error(`${name} needs a whole number of at least ${min}, got ${value}`);
  return number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { sizes: [200, 1000], runs: 1, up: true, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === "--help" || name === "-h") options.help = true;
    else if (name === "--no-up") options.up = false;
    else if (name === "--subscriptions") options.sizes = (value ?? "").split(",").map((part) => parseCount(name, part, 1));
    else if (name === "--runs") options.runs = parseCount(name, value, 1);
    else if (name === "--changed") options.changed = parseCount(name, value, 0);
    else if (name === "--latency") options.latencyMs = parseCount(name, value, 0);
    else throw new Error(`unknown option ${name}; see --help`);
    if (name !== "--help" && name !== "-h" && name !== "--no-up") i += 1;
  }
  return options;
}

/** N subscriptions, each with a refundable batch of 2 Basic seats and an Exchange line. */
function buildFixture(count: number): PortalFixture {
  return buildBenchFixture({
    count,
    customers: 1,
    idDigits: 4,
    lines: () => [
      { sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 8, limit: 10, unitPrice: "5.60", batches: [{ quantity: 2, addedAt: "2026-05-10T14:30:00Z" }] },
      { sku: "exchange-online-plan-1", displayName: "Exchange Online (Plan 1)", usage: 3, limit: 5, unitPrice: "3.70" },
    ],
  });
}

/** seats.yaml: one more Business Basic seat everywhere (every subscription has a charge), the first `bumped` two more. */
function buildSeatsYaml(fixture: PortalFixture, bumped = 0): string {
  return (
    ["subscriptions:", ...fixture.subscriptions.flatMap((s, i) => [`  - id: ${s.id}`, "    licenses:", `      m365-business-basic: ${i < bumped ? 12 : 11}`, "      exchange-online-plan-1: 5"])].join("\n") +
    "\n"
  );
}

/**
 * An update where `changed` of the N change, the first `changed` more than in the round before. In the first
 * such round the rest were ordered in the previous `up`; in the second they were not (the steady state).
 */
async function benchUpdate(floor: BenchProject, seats: BenchProject, fixture: PortalFixture, statePath: string, bumped: number, changed: number, label: string): Promise<void> {
  const out = (text: string): boolean => process.stdout.write(text);
  const count = fixture.subscriptions.length;
  const before = await countOrders(statePath);
  await fs.writeFile(path.join(floor.dir, "floor.json"), JSON.stringify({ changed: bumped }));
  await fs.writeFile(path.join(seats.dir, "seats.yaml"), buildSeatsYaml(fixture, bumped));
  const floorUpdate = await runPulumi(floor, ["up", "--yes", "--skip-preview"], { sampleRss: true });
  const seatsUpdate = await runPulumi(seats, ["up", "--yes", "--skip-preview"], { sampleRss: true });
  const orders = (await countOrders(statePath)) - before;
  out(ratioLine(`pulumi up, ${changed} of ${count} change${label}`, floorUpdate.ms, seatsUpdate.ms, TARGET_RATIO));
  out(`  orders placed: ${orders} (expected exactly ${changed}: ${orders === changed ? "met" : "MISSED"})\n`);
  out(rssLine("csp-seats update", seatsUpdate, floorUpdate));
}

/** The floor: the least a dynamic resource can do. `floor.json` says how many resources change in this round. */
const FLOOR_PROGRAM = (count: number): string => `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const round = fs.existsSync("floor.json") ? JSON.parse(fs.readFileSync("floor.json", "utf8")) : { changed: 0 };
const provider = {
  check: async (olds, news) => ({ inputs: news }),
  diff: async (id, olds, news) => ({ changes: JSON.stringify(olds.licenses) !== JSON.stringify(news.licenses) }),
  create: async (inputs) => ({ id: inputs.key, outs: inputs }),
  update: async (id, olds, news) => ({ outs: news }),
};
class Trivial extends pulumi.dynamic.Resource {
  constructor(name, args) {
    super(provider, name, args, undefined, "Trivial");
  }
}
for (let i = 1; i <= ${count}; i += 1) {
  new Trivial("r" + i, { key: "r" + i, licenses: { "m365-business-basic": i <= round.changed ? 12 : 11, "exchange-online-plan-1": 5 } });
}
`;

async function createProject(root: string, name: string, program: string, files: Record<string, string>, pulumiBin: string): Promise<BenchProject> {
  const dir = path.join(root, name);
  writeLocalProject({ dir, name, program });
  for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(dir, file), text);
  const project = { dir, env: createLocalStackEnv({ binDir: pulumiBin, dir, passphrase: { value: "bench" } }) };
  await runPulumi(project, ["stack", "init", "bench"]);
  return project;
}

async function setConfig(project: BenchProject, values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values)) await runPulumi(project, ["config", "set", key, value]);
}

/**
 * State per dynamic resource: the resource's own entry in the checkpoint (its inputs, outputs and the engine's
 * envelope: URN, parent, provider, dependencies, timestamps, stack trace), on average, and the file backend's whole
 * checkpoint divided by the number of dynamic resources (the stack's outputs and the header included).
 */
async function measureState(project: BenchProject, name: string): Promise<{ perResource: number; perCheckpoint: number; resources: number }> {
  const file = path.join(project.dir, "backend", ".pulumi", "stacks", name, "bench.json");
  const text = await fs.readFile(file, "utf8");
  const state = JSON.parse(text) as { checkpoint: { latest: { resources: Array<{ type: string }> } } };
  const dynamic = state.checkpoint.latest.resources.filter((resource) => resource.type.startsWith("pulumi-nodejs:dynamic"));
  const count = Math.max(dynamic.length, 1);
  const own = dynamic.reduce((sum, resource) => sum + Buffer.byteLength(JSON.stringify(resource)), 0);
  return { perResource: own / count, perCheckpoint: Buffer.byteLength(text) / count, resources: dynamic.length };
}

function ratioLine(label: string, floor: number, seats: number, target: number): string {
  const ratio = seats / floor;
  return `  ${label.padEnd(34)} floor ${formatSeconds(floor).padStart(8)}  csp-seats ${formatSeconds(seats).padStart(8)}  ratio ${ratio.toFixed(2)} (target <= ${target}: ${ratio <= target ? "met" : "MISSED"})\n`;
}

function rssLine(label: string, run: PulumiRun, floor?: PulumiRun): string {
  return (
    `  ${label}: peak RSS program ${formatMiB(run.programPeakRss)}, plugin ${formatMiB(run.pluginPeakRss)}; ${formatCpu(run)}\n` +
    (floor ? `  ${"floor".padEnd(label.length)}: peak RSS program ${formatMiB(floor.programPeakRss)}, plugin ${formatMiB(floor.pluginPeakRss)}; ${formatCpu(floor)}\n` : "")
  );
}

async function countOrders(statePath: string): Promise<number> {
  const portal = await openEmbeddedPortal({ statePath });
  try {
    return (await portal.listOrders()).length;
  } finally {
    await portal.close();
  }
}

/** Preview, up, and an update where `changed` of `count` change: csp-seats (embedded) against the floor. */
async function benchSize(root: string, pulumiBin: string, count: number, options: Options): Promise<void> {
  const out = (text: string): boolean => process.stdout.write(text);
  const fixture = buildFixture(count);
  const dir = path.join(root, String(count));
  const seats = await createProject(dir, "csp-seats", `module.exports = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});\n`, { "seats.yaml": buildSeatsYaml(fixture) }, pulumiBin);
  const statePath = path.join(seats.dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture });
  await setConfig(seats, { "csp-seats:statePath": statePath, "csp-seats:backend": "embedded" });
  const floor = await createProject(dir, "floor", FLOOR_PROGRAM(count), {}, pulumiBin);

  out(`\n== ${count} subscriptions ==\n`);
  const previews: Record<"seats" | "floor", number[]> = { seats: [], floor: [] };
  let seatsPreview: PulumiRun | undefined;
  let floorPreview: PulumiRun | undefined;
  for (let run = 1; run <= options.runs; run += 1) {
    floorPreview = await runPulumi(floor, ["preview"], { sampleRss: true });
    previews.floor.push(floorPreview.ms);
    seatsPreview = await runPulumi(seats, ["preview"], { sampleRss: true });
    previews.seats.push(seatsPreview.ms);
    out(`  preview run ${run}: floor ${formatSeconds(previews.floor.at(-1)!)}, csp-seats ${formatSeconds(previews.seats.at(-1)!)}\n`);
  }
  out(ratioLine(`pulumi preview (median of ${options.runs})`, median(previews.floor), median(previews.seats), TARGET_RATIO));
  out(rssLine("csp-seats preview", seatsPreview!, floorPreview));
  if (!options.up) return;

  const floorUp = await runPulumi(floor, ["up", "--yes", "--skip-preview"], { sampleRss: true });
  const seatsUp = await runPulumi(seats, ["up", "--yes", "--skip-preview"], { sampleRss: true });
  const ordersAfterUp = await countOrders(statePath);
  out(ratioLine(`pulumi up, all ${count} change`, floorUp.ms, seatsUp.ms, TARGET_RATIO));
  out(`  orders placed: ${ordersAfterUp} (expected ${count})\n`);
  out(rssLine("csp-seats up", seatsUp, floorUp));
  const floorState = await measureState(floor, "floor");
  const seatsState = await measureState(seats, "csp-seats");
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;
  out(`  state per resource after up: floor ${kib(floorState.perResource)}, csp-seats ${kib(seatsState.perResource)} (target <= 4 KiB: ${seatsState.perResource <= 4096 ? "met" : "MISSED"})\n`);
  out(`  checkpoint / resources (stack outputs included): floor ${kib(floorState.perCheckpoint)}, csp-seats ${kib(seatsState.perCheckpoint)}\n`);

  const changed = Math.min(options.changed ?? Math.max(1, Math.round(count / 10)), Math.floor(count / 3));
  await benchUpdate(floor, seats, fixture, statePath, changed, changed, " (right after the up)");
  await benchUpdate(floor, seats, fixture, statePath, 2 * changed, changed, " (steady state)");
  // An up with nothing to order (untimed) stores the no-op plans of the last round's orders; the next round then
  // changes N/10 other subscriptions and rewrites nothing else: the update of the goal, taken alone.
  await runPulumi(seats, ["up", "--yes", "--skip-preview"]);
  await benchUpdate(floor, seats, fixture, statePath, 3 * changed, changed, " (after a quiet up)");
}

/** Starts the portal's HTTP API in this process over `statePath`, counting requests. */
async function startCountingServer(statePath: string): Promise<{ url: string; requests: () => number; setLatency: (ms: number) => Promise<void>; close: () => Promise<void> }> {
  const portal = await openEmbeddedPortal({ statePath });
  const server = createPortalServer({ portal, token: TOKEN });
  let requests = 0;
  server.on("request", () => (requests += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    setLatency: (ms) => portal.setFaults(ms > 0 ? [{ route: "*", kind: "latency", latencyMs: ms }] : []),
    close: async () => {
      (server as http.Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await portal.close();
    },
  };
}

/** Preview of `count` subscriptions through the http backend at 0 ms and at `latencyMs` per request. */
async function benchLatency(root: string, pulumiBin: string, count: number, latencyMs: number, runs: number): Promise<void> {
  const out = (text: string): boolean => process.stdout.write(text);
  const fixture = buildFixture(count);
  const dir = path.join(root, `latency-${count}`);
  const seats = await createProject(dir, "csp-seats", `module.exports = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});\n`, { "seats.yaml": buildSeatsYaml(fixture) }, pulumiBin);
  const statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture });
  const server = await startCountingServer(statePath);
  try {
    await setConfig(seats, { "csp-seats:backend": "http", "csp-seats:endpoint": server.url });
    await runPulumi(seats, ["config", "set", "--secret", "csp-seats:token", TOKEN]);
    out(`\n== ${count} subscriptions, http backend, 0 ms vs ${latencyMs} ms per request (page size ${fixture.pageSize}) ==\n`);
    const times: Record<"zero" | "slow", number[]> = { zero: [], slow: [] };
    const counts: Record<"zero" | "slow", number[]> = { zero: [], slow: [] };
    for (let run = 1; run <= runs; run += 1) {
      for (const kind of ["zero", "slow"] as const) {
        await server.setLatency(kind === "zero" ? 0 : latencyMs);
        const before = server.requests();
        times[kind].push((await runPulumi(seats, ["preview"])).ms);
        counts[kind].push(server.requests() - before);
      }
      out(`  run ${run}: 0 ms ${formatSeconds(times.zero.at(-1)!)} (${counts.zero.at(-1)} requests), ${latencyMs} ms ${formatSeconds(times.slow.at(-1)!)} (${counts.slow.at(-1)} requests)\n`);
    }
    const ratio = median(times.slow) / median(times.zero);
    const bound = Math.ceil(count / fixture.pageSize!) + 2;
    out(`  ratio ${ratio.toFixed(2)} (target <= ${TARGET_LATENCY_RATIO}: ${ratio <= TARGET_LATENCY_RATIO ? "met" : "MISSED"}); requests per preview ${counts.slow.at(-1)} (bound ceil(N / pageSize) + 2 = ${bound}: ${counts.slow.at(-1)! <= bound ? "met" : "MISSED"})\n`);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const pulumiBin = findPulumiBinDir();
  const version = spawnSync(path.join(pulumiBin, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "1" } }).stdout.trim();
  const cpus = os.cpus();
  process.stdout.write(
    `bench:pulumi - sizes ${options.sizes.join(", ")}; ${options.runs} preview run(s) each, alternating\n` +
      `machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; node ${process.version}; pulumi ${version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`,
  );
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-bench-pulumi-"));
  try {
    for (const count of options.sizes) {
      if (options.latencyMs !== undefined) await benchLatency(root, pulumiBin, count, options.latencyMs, options.runs);
      else await benchSize(root, pulumiBin, count, options);
    }
    process.stdout.write(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  } finally {
    if (!process.env.CSP_SEATS_BENCH_KEEP) await fs.rm(root, { recursive: true, force: true });
    else process.stdout.write(`kept ${root}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:pulumi failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
