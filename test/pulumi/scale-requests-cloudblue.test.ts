/**
 * Reads at scale on CloudBlue, counted by the SimpleAPI test server (which still holds every request and response
 * to the vendor's contract): SimpleAPI has no bulk products read, so a preview of N = 250 subscriptions reads each
 * on its own, two requests a subscription (`GET /subscriptions/{id}` and its recent `GET /orders`) plus one
 * `POST /orders/estimate` for a changed one, and once per command the token and the catalog entry of each mpn;
 * never more than csp-seats:concurrency (default 8) requests in flight, however many checks the engine runs at
 * once. An `up` adds, per changed subscription, the fresh read, the order, its completion poll and the verifying
 * read, and nothing for unchanged ones. No read outlives its command, and a Retry-After is waited out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";
import { buildCbSubscription, startCloudBlueTestServer, type CloudBlueTestServer, type RecordedRequest } from "../helpers/cloudblue-test-server";
import { createSeatsUrn, prepareProviderPackage, secret, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { getCleanEnv } from "./seats-fixture";

const COUNT = 250;
const NOW = "2026-05-12T09:00:00.000Z";
const MPN = "CFQ7TTC0LH18-P1Y-M";
const CUSTOMER = "1000001";
const CREDENTIALS = { username: "api-user@reseller.example", password: "pw-Sc4le-s3cret!cb", subscriptionKey: "sk-scale-0123456789-cb", marketplace: "us" };
const ids = Array.from({ length: COUNT }, (_, i) => String(2_000_001 + i));

/** SimpleAPI requests per subscription read (the subscription, its orders of the last 168 hours). */
const PER_READ = 2;

let cloudblue: CloudBlueTestServer;
let engine: EngineStub;
let providerText: string;
const plugins: DynamicPlugin[] = [];

/** A new plugin process: what one Pulumi command gets. */
async function startCommand(extra: Record<string, unknown> = {}): Promise<DynamicPlugin> {
  const plugin = await startDynamicPlugin({ engineAddress: engine.address, env: getCleanEnv() });
  plugins.push(plugin);
  await plugin.configure({
    "csp-seats:backend": "cloudblue",
    "csp-seats:endpoint": cloudblue.url,
    "csp-seats:marketplace": CREDENTIALS.marketplace,
    "csp-seats:subscriptionKey": secret(CREDENTIALS.subscriptionKey),
    "csp-seats:username": CREDENTIALS.username,
    "csp-seats:password": secret(CREDENTIALS.password),
    "csp-seats:customerId": CUSTOMER,
    "csp-seats:now": NOW,
    "csp-seats:orderTimeoutSeconds": "30",
    ...extra,
  });
  return plugin;
}

function declared(id: string, seats: number): Record<string, unknown> {
  return { __provider: providerText, subscriptionId: id, licenses: { [MPN]: seats }, settings: {} };
}

function seatsOf(id: string): number {
  return cloudblue.subscriptions.get(id)!.products![0].quantity!;
}

/** Sets a subscription's seats in "the portal" (the control panel), as an out-of-band change. */
function changeInPortal(id: string, seats: number): void {
  const sub = cloudblue.subscriptions.get(id)!;
  sub.products![0].quantity = seats;
  sub.lastModifiedDate = "2026-05-12";
}

/** Which subscription a request is about (path id, or the orders query), if any. */
function subscriptionOf(request: RecordedRequest): string | undefined {
  if (request.route === "GET /subscriptions/{id}") return decodeURIComponent(request.path.split("/").pop()!);
  if (request.route === "GET /orders") return request.query.subscriptionId;
  if (request.route === "POST /orders" || request.route === "POST /orders/estimate") return (request.body as { subscriptionId?: string }).subscriptionId;
  return undefined;
}

function countRoutes(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of cloudblue.requests) counts[request.route] = (counts[request.route] ?? 0) + 1;
  return counts;
}

/** The engine's preview: every resource checked at once, then diffed. */
async function preview(plugin: DynamicPlugin, seats: (id: string, i: number) => number) {
  const checked = await Promise.all(ids.map((id, i) => plugin.check(createSeatsUrn(id), {}, declared(id, seats(id, i)))));
  const diffs = await Promise.all(ids.map((id, i) => plugin.diff(createSeatsUrn(id), id, {}, checked[i].inputs)));
  expect(checked.flatMap((c) => c.failures)).toEqual([]);
  return { checked, diffs };
}

beforeAll(async () => {
  await prepareProviderPackage();
  providerText = await serializeSeatsProvider();
  const at = new Date(NOW);
  cloudblue = await startCloudBlueTestServer({
    credentials: CREDENTIALS,
    subscriptions: ids.map((id, i) =>
      buildCbSubscription(id, {
        name: `Scale ${i + 1}`,
        customerId: CUSTOMER,
        totalPrice: { currency: "EUR", amount: "28.0000" },
        products: [{ mpn: MPN, vendor: "Microsoft", id: "PRD-BASIC", name: "Microsoft 365 Business Basic", quantity: 5, unitPrice: { amount: "5.6000", currency: "EUR" } }],
      }),
    ),
    products: [{ mpn: MPN, vendor: "Microsoft", name: "Microsoft 365 Business Basic", minimumQuantity: "1", maximumQuantity: "300" }],
    pollsToComplete: 1,
    now: () => at,
    // A gateway's latency: concurrent requests overlap at the server, so maxInFlight counts what csp-seats sends at once.
    latencyMs: 5,
  });
  engine = await startEngineStub();
}, 180_000);

afterEach(() => {
  // Every request csp-seats sent, and every answer it relied on, matched SimpleAPI 1.15.
  expect(cloudblue.violations).toEqual([]);
});

afterAll(async () => {
  for (const plugin of plugins) await plugin.close();
  await engine?.close();
  await cloudblue?.close();
});

describe(`${COUNT} subscriptions over the cloudblue backend`, { timeout: 120_000 }, () => {
  it(`a preview reads each subscription once (${PER_READ} requests), quotes only the changed ones, and keeps at most 8 requests in flight`, async () => {
    const plugin = await startCommand();
    cloudblue.resetCounters();
    const changed = 10;
    const { checked, diffs } = await preview(plugin, (_, i) => (i < changed ? 6 : 5));
    expect(diffs.filter((d) => d.changes === "some")).toHaveLength(changed);
    expect(decodeStoredPlan(checked[0].inputs.plan)!.lines).toEqual([expect.objectContaining({ sku: MPN, currentLimit: 5, desired: 6 })]);

    // Per command: one token, one catalog read of the one mpn. Per subscription: the read. Per change: the quote.
    expect(countRoutes()).toEqual({ "POST /token": 1, "GET /products": 1, "GET /subscriptions/{id}": COUNT, "GET /orders": COUNT, "POST /orders/estimate": changed });
    expect(cloudblue.requests).toHaveLength(2 + PER_READ * COUNT + changed);
    for (const id of ids) expect(cloudblue.requests.filter((r) => subscriptionOf(r) === id)).toHaveLength(PER_READ + (ids.indexOf(id) < changed ? 1 : 0));
    // Reached and never passed: 250 checks at once queue behind the bound (without it, hundreds overlap).
    expect(cloudblue.maxInFlight).toBe(8);
  });

  it("csp-seats:concurrency 3 keeps at most 3 requests in flight, with the same requests", async () => {
    const plugin = await startCommand({ "csp-seats:concurrency": "3" });
    cloudblue.resetCounters();
    await preview(plugin, () => 5);
    expect(countRoutes()).toEqual({ "POST /token": 1, "GET /products": 1, "GET /subscriptions/{id}": COUNT, "GET /orders": COUNT });
    expect(cloudblue.maxInFlight).toBe(3);
  });

  it("a concurrency outside 1..64 is refused with CONFIG_CLOUDBLUE before anything is read", async () => {
    const plugin = await startCommand({ "csp-seats:concurrency": "65" });
    cloudblue.resetCounters();
    const failed = await plugin.check(createSeatsUrn(ids[0]), {}, declared(ids[0], 5)).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failed?.message).toMatch(/the cloudblue concurrency "65" is not a whole number from 1 to 64\. Set csp-seats:concurrency \(or CSP_SEATS_CLOUDBLUE_CONCURRENCY\)/);
    expect(cloudblue.requests).toEqual([]);
  });

  it("an up adds, per changed subscription, the fresh read, the order, its poll and the verifying read, and nothing for the others", async () => {
    const plugin = await startCommand();
    cloudblue.resetCounters();
    const changed = new Set(ids.slice(20, 30));
    const { checked, diffs } = await preview(plugin, (id) => (changed.has(id) ? 7 : 5));
    const toUpdate = ids.filter((_, i) => diffs[i].changes === "some");
    expect(toUpdate).toEqual([...changed]);
    const previewed = cloudblue.requests.length;
    expect(previewed).toBe(2 + PER_READ * COUNT + changed.size);

    cloudblue.resetCounters();
    await Promise.all(toUpdate.map((id) => plugin.update(createSeatsUrn(id), id, { subscriptionId: id }, checked[ids.indexOf(id)].inputs)));
    // Per changed subscription: fresh read (2), POST /orders (1), one poll until completed (1), verifying read (2).
    expect(countRoutes()).toEqual({ "GET /subscriptions/{id}": 2 * changed.size, "GET /orders": 2 * changed.size, "POST /orders": changed.size, "GET /orders/{id}": changed.size });
    for (const id of changed) {
      expect(cloudblue.requests.filter((r) => subscriptionOf(r) === id).map((r) => r.route).sort()).toEqual(["GET /orders", "GET /orders", "GET /subscriptions/{id}", "GET /subscriptions/{id}", "POST /orders"]);
      expect(seatsOf(id)).toBe(7);
    }
    expect(cloudblue.requests.filter((r) => { const id = subscriptionOf(r); return id !== undefined && !changed.has(id); })).toEqual([]);
    expect(cloudblue.maxInFlight).toBeLessThanOrEqual(8);
  });

  it("a change made in the portal shows in the next preview (no read outlives its command, none is cached within one)", async () => {
    const id = ids[100];
    const first = await startCommand();
    expect(decodeStoredPlan((await first.check(createSeatsUrn(id), {}, declared(id, 5))).inputs.plan)!.orderLines).toEqual([]);
    changeInPortal(id, 3);
    // The same command reads again (CloudBlue has no listing snapshot), and so does the next one.
    expect(decodeStoredPlan((await first.check(createSeatsUrn(id), {}, declared(id, 5))).inputs.plan)!.orderLines).toEqual([{ sku: MPN, quantity: 5, effective: "now" }]);
    const next = await startCommand();
    expect(decodeStoredPlan((await next.check(createSeatsUrn(id), {}, declared(id, 5))).inputs.plan)!.orderLines).toEqual([{ sku: MPN, quantity: 5, effective: "now" }]);
    changeInPortal(id, 5);
  });

  it("an up never orders from the preview's read: a change made since is caught by the fresh read (PLAN_STALE)", async () => {
    const id = ids[200];
    const plugin = await startCommand();
    const checked = await plugin.check(createSeatsUrn(id), {}, declared(id, 7));
    expect(decodeStoredPlan(checked.inputs.plan)!.orderLines).toHaveLength(1);
    changeInPortal(id, 9);
    cloudblue.resetCounters();
    await expect(plugin.update(createSeatsUrn(id), id, { subscriptionId: id }, checked.inputs)).rejects.toThrow(new RegExp(`PLAN_STALE: subscription ${id} changed since it was planned`));
    expect(countRoutes()).toEqual({ "GET /subscriptions/{id}": 1, "GET /orders": 1 });
    expect(seatsOf(id)).toBe(9);
  });

  it("waits out a 429's and a 503's Retry-After on a read, and the preview still succeeds", async () => {
    const plugin = await startCommand();
    cloudblue.resetCounters();
    cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 429, retryAfterSeconds: 1, message: "Rate limit is exceeded. Try again in 1 seconds." });
    cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 503, retryAfterSeconds: 1, message: "Service temporarily unavailable" });
    const some = ids.slice(0, 20);
    const checked = await Promise.all(some.map((id) => plugin.check(createSeatsUrn(id), {}, declared(id, 5))));
    expect(checked.flatMap((c) => c.failures)).toEqual([]);
    const reads = cloudblue.requests.filter((r) => r.route === "GET /subscriptions/{id}");
    const refused = reads.filter((r) => r.status === 429 || r.status === 503);
    expect(refused.map((r) => r.status).sort()).toEqual([429, 503]);
    for (const failure of refused) {
      const retried = reads.find((r) => r.path === failure.path && r.receivedAt >= failure.receivedAt && r !== failure);
      expect(retried?.status).toBe(200);
      // The server's own record of when each arrived: the retry came no sooner than Retry-After (1 s).
      expect(retried!.receivedAt - failure.receivedAt).toBeGreaterThanOrEqual(1000);
    }
    expect(reads).toHaveLength(some.length + 2);
  });
});
