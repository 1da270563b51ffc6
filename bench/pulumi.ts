/**
 * `npm run bench:pulumi`: what csp-seats adds to a `pulumi preview`. In the same run, with the real Pulumi CLI on
 * a local file backend, it previews
 *   - csp-seats: 200 subscriptions in seats.yaml against the embedded portal (each `check` reads its
 *     subscription and plans it: money, windows, guardrails), every subscription with one change to plan;
 *   - baseline: a program of 200 trivial dynamic resources (check and diff return at once),
 * alternately, `--runs` times each (default 3), and prints the median of each, the ratio (target <= 1.5) and the
 * Pulumi state size per SubscriptionSeats resource after a `pulumi up` of the csp-seats program.
 *
 * Run: `npm run bench:pulumi` (builds, then runs dist/bench/pulumi.js). Options: --subscriptions N, --runs N, --help.
 * Uses PULUMI_BIN_DIR when set, else scripts/setup-pulumi.sh.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import type { FixtureSubscription, PortalFixture } from "../provider/simulator/fixture";
import { createLocalStackEnv, findPulumiBinDir, REPO_ROOT, writeLocalProject } from "../scripts/lib/pulumi-env";

const ROOT = REPO_ROOT;
const TARGET_RATIO = 1.5;

const USAGE = `Usage: npm run bench:pulumi [-- --subscriptions N] [--runs N]

pulumi preview of csp-seats (N subscriptions, embedded portal) against N trivial dynamic resources, alternately.
  --subscriptions N   resources per program (default 200)
  --runs N            timed previews of each (default 3)
Uses PULUMI_BIN_DIR when set, else scripts/setup-pulumi.sh.
`;

interface Options {
  subscriptions: number;
  runs: number;
  help: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { subscriptions: 200, runs: 3, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === "--help" || name === "-h") {
      options.help = true;
      continue;
    }
    if (name !== "--subscriptions" && name !== "--runs") throw new Error(`unknown option ${name}; use --subscriptions N, --runs N`);
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${name} needs a whole number of at least 1, got ${value}`);
    options[name === "--subscriptions" ? "subscriptions" : "runs"] = number;
    i += 1;
  }
  return options;
}

function buildFixture(count: number): PortalFixture {
  const subscriptions: FixtureSubscription[] = Array.from({ length: count }, (_, i) => ({
    id: `sub-${String(i + 1).padStart(4, "0")}`,
    name: `Bench subscription ${i + 1}`,
    customerId: "contoso",
    status: "active",
    currency: "EUR",
    billingCycle: "monthly",
    billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
    termEnd: "2026-11-30",
    autoRenew: true,
    paymentMethods: [{ id: "pm-invoice", label: "Invoice", isDefault: true }],
    lines: [
      { sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 8, limit: 10, unitPrice: "5.60", batches: [{ quantity: 2, addedAt: "2026-05-10T14:30:00Z" }] },
      { sku: "exchange-online-plan-1", displayName: "Exchange Online (Plan 1)", usage: 3, limit: 5, unitPrice: "3.70" },
    ],
  }));
  return {
    now: "2026-05-12T09:00:00Z",
    processingDelayMs: 0,
    pageSize: 100,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions,
  };
}

function buildSeatsYaml(fixture: PortalFixture): string {
  // One more Business Basic seat everywhere: every subscription has a charge to plan.
  return ["subscriptions:", ...fixture.subscriptions.flatMap((s) => [`  - id: ${s.id}`, "    licenses:", "      m365-business-basic: 11", "      exchange-online-plan-1: 5"])].join("\n") + "\n";
}

const BASELINE_PROGRAM = (count: number): string => `"use strict";
const pulumi = require("@pulumi/pulumi");
// The least a dynamic resource can do: check and diff answer at once, create returns its inputs.
const provider = {
  check: async (olds, news) => ({ inputs: news }),
  diff: async () => ({ changes: false }),
  create: async (inputs) => ({ id: inputs.key, outs: inputs }),
};
class Trivial extends pulumi.dynamic.Resource {
  constructor(name, args) {
    super(provider, name, args, undefined, "Trivial");
  }
}
for (let i = 1; i <= ${count}; i += 1) {
  new Trivial("r" + i, { key: "r" + i, licenses: { "m365-business-basic": 11, "exchange-online-plan-1": 5 } });
}
`;

interface Project {
  dir: string;
  env: NodeJS.ProcessEnv;
}

async function createProject(root: string, name: string, program: string, files: Record<string, string>, pulumiBin: string): Promise<Project> {
  const dir = path.join(root, name);
  writeLocalProject({ dir, name, program });
  for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(dir, file), text);
  const project = { dir, env: createLocalStackEnv({ binDir: pulumiBin, dir, passphrase: { value: "bench" } }) };
  await runPulumi(project, ["stack", "init", "bench"]);
  return project;
}

function runPulumi(project: Project, args: readonly string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: project.dir, env: project.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`pulumi ${args.join(" ")} failed (${code}) in ${project.dir}:\n${stdout}\n${stderr}`));
      else resolve({ ms, stdout });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
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
    `bench:pulumi - pulumi preview of ${options.subscriptions} resources, ${options.runs} run(s) each, alternating\n` +
      `machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; node ${process.version}; pulumi ${version}\n\n`,
  );
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-bench-pulumi-"));
  try {
    const fixture = buildFixture(options.subscriptions);
    const seats = await createProject(root, "csp-seats", `module.exports = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});\n`, { "seats.yaml": buildSeatsYaml(fixture) }, pulumiBin);
    const statePath = path.join(seats.dir, "portal-state.json");
    await seedEmbeddedPortal({ statePath, fixture });
    await runPulumi(seats, ["config", "set", "csp-seats:statePath", statePath]);
    await runPulumi(seats, ["config", "set", "csp-seats:backend", "embedded"]);
    const baseline = await createProject(root, "baseline", BASELINE_PROGRAM(options.subscriptions), {}, pulumiBin);

    // One untimed preview each warms the disk cache and Node's compile cache.
    await runPulumi(baseline, ["preview"]);
    await runPulumi(seats, ["preview"]);
    const times: Record<"seats" | "baseline", number[]> = { seats: [], baseline: [] };
    for (let run = 1; run <= options.runs; run += 1) {
      times.baseline.push((await runPulumi(baseline, ["preview"])).ms);
      times.seats.push((await runPulumi(seats, ["preview"])).ms);
      process.stdout.write(`run ${run}: baseline ${formatSeconds(times.baseline.at(-1)!)}, csp-seats ${formatSeconds(times.seats.at(-1)!)}\n`);
    }
    const seatsMs = median(times.seats);
    const baselineMs = median(times.baseline);
    const ratio = seatsMs / baselineMs;
    process.stdout.write(
      `\npulumi preview, median of ${options.runs}:\n` +
        `  baseline (${options.subscriptions} trivial dynamic resources)  ${formatSeconds(baselineMs)}\n` +
        `  csp-seats (${options.subscriptions} subscriptions, embedded)   ${formatSeconds(seatsMs)}\n` +
        `  ratio ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}): ${ratio <= TARGET_RATIO ? "met" : "MISSED"}\n`,
    );

    const up = await runPulumi(seats, ["up", "--yes", "--skip-preview"]);
    const exported = await runPulumi(seats, ["stack", "export", "--file", path.join(root, "state.json")]);
    void exported;
    const state = JSON.parse(await fs.readFile(path.join(root, "state.json"), "utf8")) as { deployment: { resources: Array<{ type: string }> } };
    const seatsResources = state.deployment.resources.filter((resource) => resource.type.endsWith(":SubscriptionSeats")).length;
    const stateBytes = (await fs.stat(path.join(root, "state.json"))).size;
    const checkpoint = path.join(seats.dir, "backend", ".pulumi", "stacks", "csp-seats", "bench.json");
    const checkpointBytes = (await fs.stat(checkpoint)).size;
    process.stdout.write(
      `\npulumi up (${seatsResources} SubscriptionSeats, one order each): ${formatSeconds(up.ms)}\n` +
        `state after up: checkpoint ${(checkpointBytes / 1024).toFixed(0)} KiB, ${(checkpointBytes / seatsResources / 1024).toFixed(1)} KiB per resource ` +
        `(stack export ${(stateBytes / 1024).toFixed(0)} KiB)\n`,
    );
    if (ratio > TARGET_RATIO) process.exitCode = 1;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:pulumi failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
