/**
 * `npm run bench:fleet`: `csp-seats fleet preview` of 60 tenants x 3 subscriptions (each tenant on its own
 * embedded portal, one change per subscription to plan) with --parallel 1, 2 and 4, through the real CLI and the
 * real Pulumi CLI on a local file backend. A first run at the highest parallelism creates the stacks (not
 * timed: a fleet's stacks exist after its first day); then each level is timed. Prints wall time, speed-up over
 * --parallel 1, and peak memory: the largest single process (GNU time's max RSS over the process tree) and the
 * whole tree's RSS, sampled every 200 ms from /proc.
 *
 * Run: `npm run bench:fleet` (builds, then runs dist/bench/fleet.js). Options: --tenants N, --subscriptions N,
 * --parallel 1,2,4. Uses PULUMI_BIN_DIR when set, else scripts/setup-pulumi.sh.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import type { PortalFixture } from "../provider/simulator/fixture";
import { createLocalStackEnv, findPulumiBinDir, REPO_ROOT } from "../scripts/lib/pulumi-env";
import { buildBenchFixture } from "./bench-fixture";

const CLI = path.join(REPO_ROOT, "bin", "csp-seats.js");

interface Options {
  tenants: number;
  subscriptions: number;
  parallel: number[];
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { tenants: 60, subscriptions: 3, parallel: [1, 2, 4] };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1] ?? ""];
    if (name === "--parallel") options.parallel = value.split(",").map(Number);
    else if (name === "--tenants") options.tenants = Number(value);
    else if (name === "--subscriptions") options.subscriptions = Number(value);
    else throw new Error(`unknown option ${name}; use --tenants N, --subscriptions N, --parallel 1,2,4`);
  }
  if (![options.tenants, options.subscriptions, ...options.parallel].every((n) => Number.isSafeInteger(n) && n >= 1)) throw new Error("every option needs whole numbers of at least 1");
  return options;
}

function buildFixture(count: number): PortalFixture {
  return buildBenchFixture({
    count,
    customers: 1,
    idDigits: 0,
    lines: () => [{ sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 8, limit: 10, unitPrice: "5.60" }],
  });
}

/** The RSS (KiB) of `pid` and all its descendants, from /proc. */
function readTreeRss(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      rss.set(Number(entry), (Number(fields[21]) * 4096) / 1024);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const current = stack.pop()!;
    total += rss.get(current) ?? 0;
    stack.push(...(children.get(current) ?? []));
  }
  return total;
}

interface Measured {
  parallel: number;
  seconds: number;
  exitCode: number | null;
  maxProcessRssMiB: number;
  peakTreeRssMiB: number;
}

function runFleetPreview(root: string, env: NodeJS.ProcessEnv, parallel: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const timeFile = path.join(root, `time-${parallel}.txt`);
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, process.execPath, CLI, "fleet", "preview", "--parallel", String(parallel), "--format", "json", "--output", `report-${parallel}.json`], { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, readTreeRss(child.pid!))), 200);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 2) return reject(new Error(`fleet preview --parallel ${parallel} exited ${code} (expected 2: changes pending):\n${stderr.slice(-3000)}`));
      const maxKiB = Number(fs.readFileSync(timeFile, "utf8").trim().split("\n").pop());
      resolve({ parallel, seconds, exitCode: code, maxProcessRssMiB: maxKiB / 1024, peakTreeRssMiB: peak / 1024 });
    });
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const binDir = findPulumiBinDir();
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-bench-fleet-")));
  const env = { ...createLocalStackEnv({ binDir, dir: root, passphrase: { value: "bench-passphrase-not-a-secret" } }), CI: "true" };
  fs.mkdirSync(path.join(root, "backend"), { recursive: true });
  const cpus = os.cpus();
  const version = spawnSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8" }).stdout.trim();
  process.stdout.write(`machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; node ${process.version}; pulumi ${version}\n`);
  process.stdout.write(`fleet: ${options.tenants} tenants x ${options.subscriptions} subscriptions, one embedded portal per tenant, ${root}\n\n`);
  try {
    fs.writeFileSync(path.join(root, "fleet.yaml"), "pulumi:\n  project: bench-fleet\n");
    const fixture = buildFixture(options.subscriptions);
    const seats = ["subscriptions:", ...fixture.subscriptions.flatMap((s) => [`  - id: ${s.id}`, "    licenses:", "      m365-business-basic: 11"])].join("\n") + "\n";
    for (let i = 1; i <= options.tenants; i++) {
      const dir = path.join(root, `tenant-${String(i).padStart(3, "0")}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "seats.yaml"), seats);
      fs.writeFileSync(path.join(dir, "tenant.yaml"), "statePath: portal-state.json\n");
      await seedEmbeddedPortal({ statePath: path.join(dir, "portal-state.json"), fixture });
    }
    const warm = Math.max(...options.parallel);
    process.stdout.write(`creating the stacks (fleet preview --parallel ${warm}, not timed)...\n`);
    const first = await runFleetPreview(root, env, warm);
    process.stdout.write(`  ${first.seconds.toFixed(1)} s\n\n`);
    const results: Measured[] = [];
    for (const parallel of options.parallel) {
      const measured = await runFleetPreview(root, env, parallel);
      results.push(measured);
      process.stdout.write(`--parallel ${parallel}: ${measured.seconds.toFixed(1)} s\n`);
    }
    const base = results.find((r) => r.parallel === 1)?.seconds ?? results[0].seconds;
    process.stdout.write("\n| --parallel | wall time | speed-up | per tenant | largest process RSS | process tree RSS (peak) |\n|---:|---:|---:|---:|---:|---:|\n");
    for (const r of results) {
      process.stdout.write(`| ${r.parallel} | ${r.seconds.toFixed(1)} s | ${(base / r.seconds).toFixed(2)}x | ${((r.seconds / options.tenants) * 1000).toFixed(0)} ms | ${r.maxProcessRssMiB.toFixed(0)} MiB | ${r.peakTreeRssMiB.toFixed(0)} MiB |\n`);
    }
    process.stdout.write(`\n${JSON.stringify({ tenants: options.tenants, subscriptions: options.subscriptions, results })}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:fleet failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
