/**
 * Reads at scale, counted by the http test server: a preview of N = 250 subscriptions (3 pages of 100) makes
 * ceil(N / pageSize) + 2 requests at most, whatever the order the engine runs the checks in; an `up` adds, per
 * changed subscription, the fresh read before ordering, the order and the verifying read after it, and nothing
 * for unchanged ones. The snapshot is per command (plugin process) and for planning only: a change made in the
 * portal shows in the next command's preview, and an `up` that planned from a snapshot gone stale orders nothing.
 */
import type * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { createSeatsUrn, prepareProviderPackage, secret, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { FIXTURE_SUBSCRIPTION_BASE } from "../helpers/fixture-base";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";
import { getCleanEnv, TOKEN } from "./seats-fixture";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

const COUNT = 250;
const PAGE_SIZE = 100;
const PAGES = Math.ceil(COUNT / PAGE_SIZE);
const ids = Array.from({ length: COUNT }, (_, i) => `sub-s${String(i + 1).padStart(3, "0")}`);

function buildScaleFixture(): PortalFixture {
  return {
    now: "2026-05-12T09:00:00.000Z",
    processingDelayMs: 0,
    pageSize: PAGE_SIZE,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: ids.map((id, i) => ({
      ...FIXTURE_SUBSCRIPTION_BASE,
      id,
      name: `Scale ${i + 1}`,
      lines: [{ sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 1, limit: 5, unitPrice: "5.60" }],
    })),
  };
}

let portal: TestPortalServer;
let engine: EngineStub;
let providerText: string;
let requests: string[] = [];
const plugins: DynamicPlugin[] = [];

/** A new plugin process: what one Pulumi command gets. The portal's own clock, not a pinned one. */
async function startCommand(): Promise<DynamicPlugin> {
  const plugin = await startDynamicPlugin({ engineAddress: engine.address, env: getCleanEnv() });
  plugins.push(plugin);
  await plugin.configure({ "csp-seats:backend": "http", "csp-seats:endpoint": portal.url, "csp-seats:token": secret(TOKEN), "csp-seats:orderTimeoutSeconds": "30" });
  return plugin;
}

function declared(id: string, seats: number): Record<string, unknown> {
  return { __provider: providerText, subscriptionId: id, licenses: { "m365-basic": seats }, settings: {} };
}

function countRequests(predicate: (route: string) => boolean): number {
  return requests.filter(predicate).length;
}

beforeAll(async () => {
  await prepareProviderPackage();
  providerText = await serializeSeatsProvider();
  portal = await startTestPortalServer(buildScaleFixture(), TOKEN);
  portal.server.prependListener("request", (req: http.IncomingMessage) => requests.push(`${req.method} ${(req.url ?? "").split("?")[0]}`));
  engine = await startEngineStub();
}, 180_000);

afterAll(async () => {
  for (const plugin of plugins) await plugin.close();
  await engine?.close();
  await portal?.dispose();
});

describe(`${COUNT} subscriptions over the http backend`, { timeout: 180_000 }, () => {
  it(`a preview makes ${PAGES} list requests and nothing else, however many checks run at once`, async () => {
    const plugin = await startCommand();
    requests = [];
    // The engine checks resources as they are registered, many at a time.
    const checked = await Promise.all(ids.map((id, i) => plugin.check(createSeatsUrn(id), {}, declared(id, i < 10 ? 6 : 5))));
    const diffs = await Promise.all(ids.map((id, i) => plugin.diff(createSeatsUrn(id), id, {}, checked[i].inputs)));
    expect(checked.every((c) => c.failures.length === 0)).toBe(true);
    expect(diffs.filter((d) => d.changes === "some")).toHaveLength(10);
    expect(decodeStoredPlan(checked[0].inputs.plan)!.lines).toEqual([expect.objectContaining({ sku: "m365-basic", currentLimit: 5, desired: 6, charge: { currency: "EUR", amount: "3.61" } })]);
    expect(requests.length).toBeLessThanOrEqual(PAGES + 2);
    expect(countRequests((r) => r === "GET /v1/subscriptions")).toBe(PAGES);
    // The portal's time came with the listing (X-Portal-Time): no extra request for it.
    expect(countRequests((r) => r === "GET /healthz")).toBe(0);
  });

  it("an up re-reads, orders and verifies each changed subscription, and reads nothing more for unchanged ones", async () => {
    const plugin = await startCommand();
    requests = [];
    const changed = new Set(ids.slice(0, 10));
    const checked = await Promise.all(ids.map((id) => plugin.check(createSeatsUrn(id), {}, declared(id, changed.has(id) ? 6 : 5))));
    const diffs = await Promise.all(ids.map((id, i) => plugin.diff(createSeatsUrn(id), id, {}, checked[i].inputs)));
    const toUpdate = ids.filter((_, i) => diffs[i].changes === "some");
    expect(toUpdate).toEqual([...changed]);
    await Promise.all(toUpdate.map((id) => plugin.update(createSeatsUrn(id), id, { subscriptionId: id }, checked[ids.indexOf(id)].inputs)));

    expect(countRequests((r) => r === "GET /v1/subscriptions")).toBe(PAGES);
    expect(countRequests((r) => r === "POST /v1/orders")).toBe(changed.size);
    for (const id of ids) expect(countRequests((r) => r === `GET /v1/subscriptions/${id}`)).toBe(changed.has(id) ? 2 : 0);
    const other = requests.filter((r) => r !== "GET /v1/subscriptions" && r !== "POST /v1/orders" && !r.startsWith("GET /v1/subscriptions/") && !r.startsWith("GET /v1/orders/"));
    expect(other).toEqual([]);
    for (const id of changed) expect((await portal.portal.getSubscription(id)).lines[0].limit).toBe(6);
  });

  it("an unchanged subscription's check returns its stored inputs as they are, so the engine has nothing to rewrite", async () => {
    const first = await startCommand();
    const stored = (await first.check(createSeatsUrn(ids[150]), {}, declared(ids[150], 5))).inputs;
    const next = await startCommand();
    const again = await next.check(createSeatsUrn(ids[150]), stored, declared(ids[150], 5));
    expect(again.inputs).toEqual(stored);
    // Something to order: a fresh plan with its own checkedAt.
    const changed = await next.check(createSeatsUrn(ids[150]), stored, declared(ids[150], 6));
    expect(decodeStoredPlan(changed.inputs.plan)!.orderLines).toHaveLength(1);
    expect(changed.inputs.checkedAt).not.toBe(stored.checkedAt);
  });

  it("the next command's preview sees a change made in the portal after the last one (no snapshot across commands)", async () => {
    const first = await startCommand();
    const before = await first.check(createSeatsUrn(ids[100]), {}, declared(ids[100], 5));
    expect(decodeStoredPlan(before.inputs.plan)!.orderLines).toEqual([]);
    const current = await portal.portal.getSubscription(ids[100]);
    await portal.portal.placeOrder({ subscriptionId: ids[100], expectedRevision: current.revision, lines: [{ sku: "m365-basic", quantity: 8, effective: "now" }], idempotencyKey: "scale-oob-1" });

    const next = await startCommand();
    const after = await next.check(createSeatsUrn(ids[100]), {}, declared(ids[100], 5));
    expect(decodeStoredPlan(after.inputs.plan)!.orderLines).toEqual([{ sku: "m365-basic", quantity: 5, effective: "now" }]);
  });

  it("an up never orders from the snapshot: a change made after the listing is caught by the fresh read (PLAN_STALE)", async () => {
    const plugin = await startCommand();
    const id = ids[200];
    const checked = await plugin.check(createSeatsUrn(id), {}, declared(id, 7));
    expect(decodeStoredPlan(checked.inputs.plan)!.orderLines).toHaveLength(1);
    const current = await portal.portal.getSubscription(id);
    await portal.portal.placeOrder({ subscriptionId: id, expectedRevision: current.revision, lines: [{ sku: "m365-basic", quantity: 9, effective: "now" }], idempotencyKey: "scale-oob-2" });
    const orders = (await portal.portal.listOrders({ subscriptionId: id })).length;

    await expect(plugin.update(createSeatsUrn(id), id, { subscriptionId: id }, checked.inputs)).rejects.toThrow(/PLAN_STALE: subscription sub-s201 changed since it was planned/);
    expect(await portal.portal.listOrders({ subscriptionId: id })).toHaveLength(orders);
    // The refused plan's snapshot entry is dropped: a check in the same command reads the subscription again.
    const again = await plugin.check(createSeatsUrn(id), {}, declared(id, 7));
    expect(decodeStoredPlan(again.inputs.plan)!.revision).toBe((await portal.portal.getSubscription(id)).revision);
  });
});
