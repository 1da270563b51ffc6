/**
 * The embedded portal's state file under concurrency and crashes: separate portal instances and separate
 * processes never lose an update, and a process killed in the middle of a write leaves the previous state.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedPortal, type EmbeddedPortal } from "../../provider/simulator/embedded-portal";
import type { FixtureSubscription } from "../../provider/simulator/fixture";
import { advancePortalState, isPortalStateBehind } from "../../provider/simulator/order-engine";
import type { PortalState } from "../../provider/simulator/portal-state";
import { readStateSnapshot, STALE_LOCK_MS } from "../../provider/simulator/state-store";
import { buildFixture, catchError, setUpPortal, T0, type PortalSetup } from "./embedded-portal-helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const VITE_NODE = path.join(ROOT, "node_modules", "vite-node", "vite-node.mjs");

let setup: PortalSetup;
afterEach(async () => {
  await setup?.cleanup();
});

/** A fixture with `count` independent subscriptions `sub-0`..`sub-<count-1>`, 10 seats each. */
function buildWideFixture(count: number, faultTimes: number) {
  const base = buildFixture();
  const template = base.subscriptions[0];
  const subscriptions: FixtureSubscription[] = Array.from({ length: count }, (_, i) => ({
    ...template,
    id: `sub-${i}`,
    lines: [{ sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 1, limit: 10, unitPrice: "5.60" }],
  }));
  return buildFixture({ subscriptions, faults: [{ route: "POST /v1/orders", kind: "status", status: 500, times: faultTimes }] });
}

/** Runs a TypeScript file in a separate Node.js process (vite-node ships with vitest). */
function runChild(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE_NODE, script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const CHILD_WORKER = `
import { openEmbeddedPortal } from ${JSON.stringify(path.join(ROOT, "provider/simulator/embedded-portal"))};
import { createFixedClock } from ${JSON.stringify(path.join(ROOT, "provider/core/clock"))};
(async () => {
  const portal = await openEmbeddedPortal({ statePath: process.env.STATE_PATH!, clock: createFixedClock(${JSON.stringify(T0)}) });
  const worker = Number(process.env.WORKER);
  let hits = 0;
  for (let i = 0; i < Number(process.env.TAKES); i += 1) {
    if (await portal.takeFault("POST", "/v1/orders")) hits += 1;
    await portal.placeOrder({ idempotencyKey: "w" + worker + "-" + i, subscriptionId: "sub-" + worker, lines: [{ sku: "m365-business-basic", quantity: 11 + i, effective: "now" }] });
  }
  process.stdout.write(JSON.stringify({ hits }) + "\\n");
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

const CHILD_CRASH = `
import * as fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { openEmbeddedPortal } from ${JSON.stringify(path.join(ROOT, "provider/simulator/embedded-portal"))};
import { createFixedClock } from ${JSON.stringify(path.join(ROOT, "provider/core/clock"))};
// Simulate a kill -9 after the new state was written to its temp file and fsynced, but before the rename.
(fs.promises as unknown as { rename: unknown }).rename = async () => process.exit(137);
syncBuiltinESMExports();
(async () => {
  const portal = await openEmbeddedPortal({ statePath: process.env.STATE_PATH!, clock: createFixedClock(${JSON.stringify(T0)}) });
  await portal.placeOrder({ idempotencyKey: "crash", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 25, effective: "now" }] });
  process.stdout.write("the rename happened: the crash was not simulated\\n");
})();
`;

describe("concurrent writers", () => {
  it("never loses an update with many portal instances writing at once in one process", async () => {
    const writers = 16;
    setup = await setUpPortal(buildWideFixture(writers, 25));
    const portals: EmbeddedPortal[] = await Promise.all(Array.from({ length: writers }, () => setup.open()));
    const [orders, hits] = await Promise.all([
      Promise.all(portals.map((portal, i) => portal.placeOrder({ idempotencyKey: `k-${i}`, subscriptionId: `sub-${i}`, lines: [{ sku: "m365-business-basic", quantity: 12, effective: "now" }] }))),
      // 40 racing uses of a rule good for 25: exactly 25 must get it.
      Promise.all(Array.from({ length: 40 }, (_, i) => portals[i % writers].takeFault("POST", "/v1/orders"))),
    ]);
    expect(new Set(orders.map((o) => o.id)).size).toBe(writers);
    expect(hits.filter((rule) => rule !== undefined)).toHaveLength(25);
    expect(await setup.portal.getFaults()).toEqual([]);
    const subs = await setup.portal.listSubscriptions();
    expect(subs.map((s) => s.lines[0].limit)).toEqual(Array(writers).fill(12));
    expect(await setup.portal.listOrders()).toHaveLength(writers);
    expect(await setup.portal.listOutbox()).toHaveLength(writers * 2);
  });

  it("never loses an update with separate processes writing at once", async () => {
    const workers = 4;
    const takes = 6;
    setup = await setUpPortal(buildWideFixture(workers, 20));
    const script = path.join(setup.dir, "worker.ts");
    await fs.writeFile(script, CHILD_WORKER);
    const results = await Promise.all(
      Array.from({ length: workers }, (_, i) => runChild(script, { STATE_PATH: setup.statePath, WORKER: String(i), TAKES: String(takes) })),
    );
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const hits = results.reduce((sum, r) => sum + (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { hits: number }).hits, 0);
    // 24 racing uses of a rule good for 20.
    expect(hits).toBe(20);
    expect(await setup.portal.getFaults()).toEqual([]);
    expect(await setup.portal.listOrders()).toHaveLength(workers * takes);
    expect((await setup.portal.listSubscriptions()).map((s) => s.lines[0].limit)).toEqual(Array(workers).fill(10 + takes));
  }, 60_000);
});

const CHILD_ORDER = `
import { openEmbeddedPortal } from ${JSON.stringify(path.join(ROOT, "provider/simulator/embedded-portal"))};
import { createFixedClock } from ${JSON.stringify(path.join(ROOT, "provider/core/clock"))};
(async () => {
  const portal = await openEmbeddedPortal({ statePath: process.env.STATE_PATH!, clock: createFixedClock(${JSON.stringify(T0)}) });
  await portal.placeOrder({ idempotencyKey: "from-child-" + process.env.SEATS, subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: Number(process.env.SEATS), effective: "now" }] });
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

describe("cached reads (one parse per version of the state file)", () => {
  it("answers reads from one frozen parsed copy while the file is unchanged", async () => {
    setup = await setUpPortal();
    const first = await readStateSnapshot<PortalState>(setup.statePath);
    expect(await readStateSnapshot<PortalState>(setup.statePath)).toBe(first);
    expect(Object.isFrozen(first.subscriptions[0].lines[0])).toBe(true);
    // What a read returns is the caller's own copy, not the shared state.
    const order = await setup.portal.placeOrder({ idempotencyKey: "copy", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 22, effective: "now" }] });
    const read = await setup.portal.getOrder(order.id);
    expect(Object.isFrozen(read)).toBe(false);
    expect(await readStateSnapshot<PortalState>(setup.statePath)).not.toBe(first);
  });

  it("sees a write by another portal instance in the same process", async () => {
    setup = await setUpPortal();
    expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(20);
    const other = await setup.open();
    await other.placeOrder({ idempotencyKey: "other", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 23, effective: "now" }] });
    expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(23);
  });

  it("sees every write by another process, one after the other", async () => {
    setup = await setUpPortal();
    const script = path.join(setup.dir, "order.ts");
    await fs.writeFile(script, CHILD_ORDER);
    expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(20);
    for (const seats of [24, 21]) {
      const result = await runChild(script, { STATE_PATH: setup.statePath, SEATS: String(seats) });
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(seats);
    }
    expect(await setup.portal.listOrders({ subscriptionId: "sub-basic" })).toHaveLength(2);
  }, 60_000);

  it("sees a state file rewritten in place (not renamed), e.g. re-seeded by hand", async () => {
    setup = await setUpPortal();
    await setup.portal.getSubscription("sub-basic");
    const state = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    state.subscriptions[0].name = "Renamed by hand";
    await fs.writeFile(setup.statePath, JSON.stringify(state));
    expect((await setup.portal.getSubscription("sub-basic")).name).toBe("Renamed by hand");
  });

  it("still brings a cached state up to now: an order due by now shows completed, and a read saves nothing", async () => {
    setup = await setUpPortal(buildFixture({ processingDelayMs: 10_000 }));
    const placed = await setup.portal.placeOrder({ idempotencyKey: "slow", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 22, effective: "now" }] });
    expect((await setup.portal.getOrder(placed.id)).status).toBe("submitted");
    setup.clock.advance(10_000);
    const before = await fs.readFile(setup.statePath, "utf8");
    const read = await setup.portal.getOrder(placed.id);
    expect(read.status).toBe("completed");
    // Reads never write (issue #9): the completion is saved by the next write, exactly as the read showed it.
    expect(await fs.readFile(setup.statePath, "utf8")).toBe(before);
    await setup.portal.setFaults([]);
    const saved = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    expect(saved.orders[0].order).toEqual(read);
  });

  // isPortalStateBehind decides whether a cached state can answer; it must agree with advancePortalState.
  it.each([
    { reason: "nothing due yet", at: T0, placeOrder: false, behind: false },
    { reason: "an order submitted, not yet processing", at: "2026-05-12T09:00:04.000Z", placeOrder: true, behind: false },
    { reason: "an order due to start processing", at: "2026-05-12T09:00:05.000Z", placeOrder: true, behind: true },
    { reason: "an order due to complete", at: "2026-05-12T09:00:10.000Z", placeOrder: true, behind: true },
    { reason: "a billing period ended", at: "2026-06-01T00:00:00.000Z", placeOrder: false, behind: true },
    { reason: "a monthly term renewed", at: "2026-06-01T00:00:00.000Z", placeOrder: false, behind: true },
  ])("tells whether time passing changes the state ($reason)", async ({ at, placeOrder, behind }) => {
    setup = await setUpPortal(buildFixture({ processingDelayMs: 10_000 }));
    if (placeOrder) await setup.portal.placeOrder({ idempotencyKey: "p", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 22, effective: "now" }] });
    const state = structuredClone(await readStateSnapshot<PortalState>(setup.statePath));
    expect(isPortalStateBehind(state, new Date(at))).toBe(behind);
    expect(advancePortalState(state, new Date(at))).toBe(behind);
  });
});

describe("crashes and locks", () => {
  it("keeps the previous state when a process dies between writing the temp file and the rename, and takes over its lock", async () => {
    setup = await setUpPortal();
    const before = await fs.readFile(setup.statePath, "utf8");
    const script = path.join(setup.dir, "crash.ts");
    await fs.writeFile(script, CHILD_CRASH);
    const result = await runChild(script, { STATE_PATH: setup.statePath });
    expect(result.code, result.stdout + result.stderr).toBe(137);
    const left = await fs.readdir(path.dirname(setup.statePath));
    expect(left.some((name) => name.endsWith(".tmp"))).toBe(true);
    expect(left).toContain("portal-state.json.lock");
    expect(await fs.readFile(setup.statePath, "utf8")).toBe(before);

    // Its order never happened (reads need no lock, so they are not held up by the dead one).
    expect(await setup.portal.listOrders()).toEqual([]);
    expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(20);
    // The next write takes the dead process's lock over at once and removes its orphan temp file.
    const order = await setup.portal.placeOrder({ idempotencyKey: "crash", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 25, effective: "now" }] });
    expect(order.status).toBe("completed");
    expect((await fs.readdir(path.dirname(setup.statePath))).filter((name) => name.endsWith(".tmp") || name.endsWith(".lock"))).toEqual([]);
  }, 60_000);

  it("takes over a lock older than the stale limit even when its holder still runs", async () => {
    setup = await setUpPortal();
    const lockPath = `${setup.statePath}.lock`;
    await fs.writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), token: "stuck", acquiredAt: T0 }));
    const old = new Date(Date.now() - STALE_LOCK_MS - 5_000);
    await fs.utimes(lockPath, old, old);
    await setup.portal.setFaults([{ route: "*", kind: "reset", times: 1 }]);
    expect(await setup.portal.getFaults()).toEqual([{ route: "*", kind: "reset", times: 1 }]);
    await expect(fs.access(lockPath)).rejects.toThrow();
  });

  it("writes nothing when an operation is refused", async () => {
    setup = await setUpPortal();
    await setup.portal.getSubscription("sub-basic");
    const before = await fs.readFile(setup.statePath, "utf8");
    await catchError(setup.portal.placeOrder({ idempotencyKey: "x", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 1, effective: "now" }] }));
    expect(await fs.readFile(setup.statePath, "utf8")).toBe(before);
  });

  it.each([
    { reason: "torn JSON", content: '{"version": 1, "subscr', code: "PORTAL_STATE_CORRUPT" },
    { reason: "a state from another version", content: JSON.stringify({ version: 99 }), code: "PORTAL_STATE_CORRUPT" },
  ])("reports a state file it cannot use ($reason)", async ({ content, code }) => {
    setup = await setUpPortal();
    await fs.writeFile(setup.statePath, content);
    const error = await catchError(setup.portal.listSubscriptions());
    expect(error.code).toBe(code);
    expect(error.fix).toContain("csp-seats portal seed");
  });

  it("reports PORTAL_NOT_SEEDED when the state file disappears after opening", async () => {
    setup = await setUpPortal();
    const portal = await openEmbeddedPortal({ statePath: setup.statePath });
    await fs.rm(path.dirname(setup.statePath), { recursive: true });
    expect(await catchError(portal.listSubscriptions())).toMatchObject({ code: "PORTAL_NOT_SEEDED" });
  });
});
