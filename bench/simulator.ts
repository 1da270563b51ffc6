/**
 * `npm run bench:simulator`: the embedded portal's own cost per order as a portal fills up. Seeds N subscriptions
 * (one license line each) and converges K of them one after another through app/converge.ts exactly as the
 * dynamic-provider plugin does (open, read, order, wait, verify), each order adding one seat. Prints CPU
 * (user + system of this process) and wall time per order for each window of orders, and the state file's size
 * at the end of the window: orders and e-mails accumulate, so later orders run against a bigger state.
 *
 * Run: `npm run bench:simulator` (builds, then runs dist/bench/simulator.js).
 * Options: --subscriptions N (1000), --orders K (1000), --window W (200).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { convergeSubscription } from "../provider/app/converge";
import { planSubscription } from "../provider/core/plan/planner";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import { buildBenchFixture } from "./bench-fixture";

function readOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function toCpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function main(): Promise<void> {
  const count = readOption("subscriptions", 1000);
  const orders = Math.min(readOption("orders", 1000), count);
  const window = readOption("window", 200);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-bench-simulator-"));
  const statePath = path.join(dir, "state.json");
  try {
    const fixture = buildBenchFixture({ count, lines: () => [{ sku: "m365-business-basic", displayName: "M365 Basic", usage: 8, limit: 10, unitPrice: "5.60" }] });
    await seedEmbeddedPortal({ statePath, fixture });
    console.log(`${count} subscriptions, ${orders} orders, ${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}`);
    console.log(`seeded state: ${((await fs.stat(statePath)).size / 1024 / 1024).toFixed(2)} MiB`);
    console.log("orders      cpu ms/order  wall ms/order  state MiB after");
    let cpu = process.cpuUsage();
    let wall = performance.now();
    let totalCpu = 0;
    for (let i = 0; i < orders; i++) {
      const id = fixture.subscriptions[i].id;
      const portal = await openEmbeddedPortal({ statePath });
      const sub = await portal.getSubscription(id);
      const plan = planSubscription({ id, licenses: { "m365-business-basic": 11 } }, {}, sub, await portal.now());
      await convergeSubscription(portal, id, plan, { timeoutMs: 30_000, report: async () => {} });
      await portal.close();
      const done = i + 1;
      if (done % window === 0 || done === orders) {
        const size = done % window === 0 ? window : done % window;
        const spent = toCpuMs(process.cpuUsage(cpu));
        totalCpu += spent;
        const mib = (await fs.stat(statePath)).size / 1024 / 1024;
        console.log(`${String(done - size + 1).padStart(5)}-${String(done).padEnd(5)} ${(spent / size).toFixed(1).padStart(12)} ${((performance.now() - wall) / size).toFixed(1).padStart(14)} ${mib.toFixed(2).padStart(16)}`);
        cpu = process.cpuUsage();
        wall = performance.now();
      }
    }
    console.log(`all ${orders} orders: ${(totalCpu / orders).toFixed(1)} cpu ms/order, ${(totalCpu / 1000).toFixed(1)} s of CPU`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
