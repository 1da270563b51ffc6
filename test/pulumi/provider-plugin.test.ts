/**
 * SubscriptionSeats through Pulumi's REAL dynamic-provider plugin over gRPC, as the engine drives it: the
 * serialized `__provider` text is rebuilt by the plugin, which loads `csp-seats/provider-impl` by package name
 * and talks to the embedded portal over HTTP (backend `http`, token from Configure as a secret).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Order, Subscription } from "../../provider/core/model";
import { createSeatsUrn, startDynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { buildStackConfig, getCleanEnv, PROCESSING_DELAY_MS, startSeatsHarness, TOKEN, type SeatsHarness } from "./seats-fixture";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

let h: SeatsHarness;

beforeAll(async () => {
  h = await startSeatsHarness();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const ORDERS = "POST /v1/orders";

function declared(subscriptionId: string, licenses: Record<string, number>, settings: Record<string, unknown> = {}): Record<string, unknown> {
  return { __provider: h.providerText, subscriptionId, licenses, settings };
}

function sortBySku<T extends { sku: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.sku.localeCompare(b.sku));
}

async function readSubscription(id: string): Promise<Subscription> {
  return h.portal.portal.getSubscription(id);
}

async function listOrders(id: string): Promise<Order[]> {
  return h.portal.portal.listOrders({ subscriptionId: id });
}

/** Places and completes an order behind Pulumi's back (someone in the portal UI). */
async function changeOutOfBand(id: string, sku: string, quantity: number): Promise<void> {
  const order = await h.portal.portal.placeOrder({ subscriptionId: id, lines: [{ sku, quantity, effective: "now" }], idempotencyKey: `oob-${id}-${sku}-${quantity}` });
  h.portal.clock.advance(PROCESSING_DELAY_MS + 1);
  const done = await h.portal.portal.getOrder(order.id);
  expect(done.status).toBe("completed");
}

describe("the serialized provider", () => {
  it("is tiny, loads the implementation by package name and captures no endpoint or token", () => {
    expect(Buffer.byteLength(h.providerText)).toBeLessThan(20 * 1024);
    expect(h.providerText).toContain('require("csp-seats/provider-impl")');
    expect(h.providerText).not.toContain(TOKEN);
    expect(h.providerText).not.toContain(h.portal.url);
    expect(h.providerText).not.toContain("127.0.0.1");
  });
});

describe("check and diff (what a preview runs)", () => {
  it("returns the plan with every line's money, reading the subscription once and ordering nothing", async () => {
    const reads = h.count("GET /v1/subscriptions/sub-apply");
    const lists = h.count("GET /v1/subscriptions");
    const urn = createSeatsUrn("sub-apply");
    // +2 m365-basic now; -2 exchange-p1, outside its window: scheduled for renewal at no charge.
    const checked = await h.plugin.check(urn, {}, declared("sub-apply", { "m365-basic": 22, "exchange-p1": 4 }));
    expect(checked.failures).toEqual([]);
    const plan = decodeStoredPlan(checked.inputs.plan)!;
    const byKey = Object.fromEntries(plan.lines.map((l) => [`${l.sku}/${l.effective}`, l]));
    // 2 seats x 5.60 EUR x 20 of 31 days (2026-05-12 .. 2026-06-01) = 7.2258 -> 7.23
    expect(byKey["m365-basic/now"]).toMatchObject({ currentLimit: 20, desired: 22, action: "up", effectiveDate: "2026-05-12", charge: { currency: "EUR", amount: "7.23" } });
    expect(byKey["exchange-p1/renewal"]).toMatchObject({ currentLimit: 6, desired: 4, action: "down", effectiveDate: "2026-12-01", charge: { amount: "0.00" }, refund: { amount: "0.00" } });
    expect(sortBySku(plan.orderLines)).toEqual([
      { sku: "exchange-p1", quantity: 4, effective: "renewal" },
      { sku: "m365-basic", quantity: 22, effective: "now" },
    ]);
    expect(plan).toMatchObject({ charge: { amount: "7.23" }, refund: { amount: "0.00" }, net: { amount: "7.23" }, revision: (await readSubscription("sub-apply")).revision });

    const diff = await h.plugin.diff(urn, "sub-apply", {}, checked.inputs);
    expect(diff).toMatchObject({ changes: "some", replaces: [], deleteBeforeReplace: false });
    // The first check of the process lists the portal's subscriptions (8, one page of 50) and plans from that
    // listing; diff reads nothing.
    expect(h.count("GET /v1/subscriptions") - lists).toBe(1);
    expect(h.count("GET /v1/subscriptions/sub-apply") - reads).toBe(0);
    expect(h.count(ORDERS)).toBe(0);
  });

  it("reports no change when the plan has no order lines, whatever the inputs look like", async () => {
    const urn = createSeatsUrn("sub-apply");
    const unchanged = await h.plugin.check(urn, {}, declared("sub-apply", { "m365-basic": 20, "exchange-p1": 6 }));
    expect(decodeStoredPlan(unchanged.inputs.plan)!.orderLines).toEqual([]);
    // Old state saying 10 seats would make a naive input diff report a change; the plan decides.
    const diff = await h.plugin.diff(urn, "sub-apply", { licenses: { "m365-basic": 10 }, limits: { "m365-basic": 10 } }, unchanged.inputs);
    expect(diff.changes).toBe("none");
  });

  it.each([
    {
      reason: "a charge over the maxCharge guardrail blocks the subscription",
      id: "sub-guard",
      licenses: { "m365-basic": 40 },
      settings: { guardrails: { maxCharge: "10.00" } },
      property: "settings.guardrails.maxCharge",
      code: "GUARDRAIL_MAX_CHARGE",
    },
    { reason: "a limit below the assigned seats takes licenses from users", id: "sub-guard", licenses: { "m365-basic": 8 }, settings: {}, property: "licenses.m365-basic", code: "BELOW_USAGE" },
    { reason: "a subscription bought through a channel partner cannot be changed here", id: "sub-partner", licenses: { "m365-basic": 6 }, settings: {}, property: "subscriptionId", code: "INELIGIBLE" },
    { reason: "an unknown SKU is a typo or a wrong subscription", id: "sub-guard", licenses: { "m365-e5": 3 }, settings: {}, property: "licenses.m365-e5", code: "UNKNOWN_SKU" },
    { reason: "an unknown subscription id", id: "sub-nope", licenses: { "m365-basic": 3 }, settings: {}, property: "subscriptionId", code: "UNKNOWN_SUBSCRIPTION" },
    { reason: "a negative seat count never reaches the portal", id: "sub-guard", licenses: { "m365-basic": -1 }, settings: {}, property: "licenses.m365-basic", code: "INVALID_SEAT_COUNT" },
  ])("fails the check with the reason when $reason", async ({ id, licenses, settings, property, code }) => {
    const reads = h.count(`GET /v1/subscriptions/${id}`) + h.count("GET /v1/subscriptions");
    const checked = await h.plugin.check(createSeatsUrn(id), {}, declared(id, licenses as unknown as Record<string, number>, settings));
    expect(checked.failures).toContainEqual({ property, reason: expect.stringContaining(code) });
    expect(h.count(ORDERS)).toBe(0);
    // A malformed input is refused before any portal read; the others need at most one: the process's listing
    // (taken by an earlier check here) holds them, and an id it does not hold is read on its own.
    const made = h.count(`GET /v1/subscriptions/${id}`) + h.count("GET /v1/subscriptions") - reads;
    if (code === "INVALID_SEAT_COUNT") expect(made).toBe(0);
    else if (code === "UNKNOWN_SUBSCRIPTION") expect(made).toBe(1);
    else expect(made).toBeLessThanOrEqual(1);
  });
});

describe("create and update (what `pulumi up` runs)", () => {
  it("adopts the subscription with ONE order carrying every line, waits for it with progress, verifies and records it", async () => {
    const urn = createSeatsUrn("sub-apply");
    const checked = await h.plugin.check(urn, {}, declared("sub-apply", { "m365-basic": 22, "exchange-p1": 4 }, { notifyEmail: "it@contoso.example" }));
    const plan = decodeStoredPlan(checked.inputs.plan)!;
    const ordersBefore = h.count(ORDERS);
    const created = await h.plugin.create(urn, checked.inputs);

    expect(created.id).toBe("sub-apply");
    expect(h.count(ORDERS) - ordersBefore).toBe(1);
    const orders = await listOrders("sub-apply");
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ idempotencyKey: plan.idempotencyKey, status: "completed", notifyEmail: "it@contoso.example", charge: { amount: "7.23" } });
    expect(sortBySku(orders[0].lines).map((l) => [l.sku, l.to, l.effective])).toEqual([
      ["exchange-p1", 4, "renewal"],
      ["m365-basic", 22, "now"],
    ]);

    const after = await readSubscription("sub-apply");
    expect(after.lines.find((l) => l.sku === "m365-basic")?.limit).toBe(22);
    expect(after.scheduledChanges).toContainEqual(expect.objectContaining({ sku: "exchange-p1", quantity: 4 }));

    const outs = toSeatsView(created.properties);
    expect(outs).toMatchObject({
      subscriptionId: "sub-apply",
      orderId: orders[0].id,
      orderStatus: "completed",
      charge: { currency: "EUR", amount: "7.23" },
      limits: { "m365-basic": 22, "exchange-p1": 6 },
      usage: { "m365-basic": 10, "exchange-p1": 4 },
      revision: after.revision,
    });
    expect(sortBySku(outs.lineResults as Array<{ sku: string }>)).toEqual([
      expect.objectContaining({ sku: "exchange-p1", from: 6, to: 4, status: "scheduled", effectiveDate: "2026-12-01" }),
      expect.objectContaining({ sku: "m365-basic", from: 20, to: 22, status: "applied" }),
    ]);
    // What the order carried, once (in the order record): its lines and planned money, not a second copy of the whole plan.
    expect(outs.appliedPlan).toEqual({
      revision: plan.revision,
      idempotencyKey: plan.idempotencyKey,
      charge: `${plan.charge.amount} EUR`,
      refund: `${plan.refund.amount} EUR`,
      paymentMethodId: plan.paymentMethodId,
      notifyEmail: "it@contoso.example",
    });
    expect(outs.appliedPlan).not.toHaveProperty("lines");
    // Re-planned after the order: nothing left to do, so a later no-op run shows no charge.
    expect(decodeStoredPlan(outs.plan)!.orderLines).toEqual([]);
    expect(JSON.stringify(outs)).not.toContain(TOKEN);

    // Progress went to the engine, in order, while the order was processed.
    const messages = h.engine.logs.map((l) => l.message).filter((m) => m.startsWith("csp-seats sub-apply"));
    expect(messages[0]).toMatch(/placing one order with 2 line\(s\): .*m365-basic 20 -> 22 \(now, charge 7\.23 EUR\)/);
    expect(messages[0]).toMatch(/exchange-p1 6 -> 4 \(at renewal 2026-12-01\)/);
    expect(messages.some((m) => /order \S+ processing/.test(m))).toBe(true);
    expect(messages.at(-1)).toMatch(/completed and verified/);

    // `pulumi refresh` right after: Diff(refreshed outputs, the stored inputs whose plan lists the order just
    // placed) must not report drift.
    const refreshed = await h.plugin.read(urn, "sub-apply", outs);
    expect((await h.plugin.diff(urn, "sub-apply", refreshed.properties, checked.inputs)).changes).toBe("none");

    // The next preview of the same file: nothing to order.
    const again = await h.plugin.check(urn, checked.inputs, declared("sub-apply", { "m365-basic": 22, "exchange-p1": 4 }));
    expect((await h.plugin.diff(urn, "sub-apply", outs, again.inputs)).changes).toBe("none");
  });

  it("refuses a plan made against an older revision and orders nothing", async () => {
    const urn = createSeatsUrn("sub-stale");
    const checked = await h.plugin.check(urn, {}, declared("sub-stale", { "m365-basic": 25 }));
    expect(decodeStoredPlan(checked.inputs.plan)!.orderLines).toHaveLength(1);
    await changeOutOfBand("sub-stale", "exchange-p1", 7);
    const ordersBefore = (await listOrders("sub-stale")).length;
    const postsBefore = h.count(ORDERS);

    await expect(h.plugin.update(urn, "sub-stale", { subscriptionId: "sub-stale" }, checked.inputs)).rejects.toThrow(/PLAN_STALE: subscription sub-stale changed since it was planned.*nothing was ordered.*pulumi refresh/s);
    expect(h.count(ORDERS)).toBe(postsBefore);
    expect(await listOrders("sub-stale")).toHaveLength(ordersBefore);
    expect((await readSubscription("sub-stale")).lines.find((l) => l.sku === "m365-basic")?.limit).toBe(20);
  });

  it("refuses to order a blocked plan even when asked to update directly", async () => {
    const urn = createSeatsUrn("sub-guard");
    const checked = await h.plugin.check(urn, {}, declared("sub-guard", { "m365-basic": 40 }, { guardrails: { maxCharge: "10.00" } }));
    expect(checked.failures.length).toBeGreaterThan(0);
    const postsBefore = h.count(ORDERS);
    await expect(h.plugin.update(urn, "sub-guard", {}, checked.inputs)).rejects.toThrow(/PLAN_BLOCKED: subscription sub-guard is blocked: GUARDRAIL_MAX_CHARGE/);
    expect(h.count(ORDERS)).toBe(postsBefore);
    expect(await listOrders("sub-guard")).toEqual([]);
  });
});

describe("read and delete (`pulumi refresh`, `pulumi destroy`)", () => {
  it("read returns the observed limits as inputs, so an out-of-band change shows as drift and is planned back", async () => {
    const urn = createSeatsUrn("sub-drift");
    const desired = declared("sub-drift", { "m365-basic": 18 });
    const checked = await h.plugin.check(urn, {}, desired);
    const created = await h.plugin.create(urn, checked.inputs);
    expect(toSeatsView(created.properties).limits).toEqual({ "m365-basic": 18 });

    await changeOutOfBand("sub-drift", "m365-basic", 24);
    const refreshed = await h.plugin.read(urn, "sub-drift", created.properties);
    expect(refreshed.id).toBe("sub-drift");
    expect(refreshed.inputs).toMatchObject({ subscriptionId: "sub-drift", licenses: { "m365-basic": 24 } });
    expect(toSeatsView(refreshed.properties)).toMatchObject({ limits: { "m365-basic": 24 }, usage: { "m365-basic": 10 }, revision: (await readSubscription("sub-drift")).revision });
    expect(JSON.stringify(refreshed)).not.toContain(TOKEN);
    // What `pulumi refresh` then asks: Diff(refreshed outputs, the inputs stored at the last update) shows the drift.
    expect((await h.plugin.diff(urn, "sub-drift", refreshed.properties, checked.inputs)).changes).toBe("some");

    // The file still says 18: the next preview plans 24 -> 18; the 6 seats just added are refundable now.
    const next = await h.plugin.check(urn, refreshed.inputs!, desired);
    const plan = decodeStoredPlan(next.inputs.plan)!;
    expect(plan.orderLines).toEqual([{ sku: "m365-basic", quantity: 18, effective: "now" }]);
    expect(Number(plan.refund.amount)).toBeGreaterThan(0);
    expect((await h.plugin.diff(urn, "sub-drift", refreshed.properties, next.inputs)).changes).toBe("some");
  });

  it("delete stops managing: no order, no seat change", async () => {
    const urn = createSeatsUrn("sub-delete");
    const checked = await h.plugin.check(urn, {}, declared("sub-delete", { "m365-basic": 20 }));
    const created = await h.plugin.create(urn, checked.inputs);
    const before = await readSubscription("sub-delete");
    const postsBefore = h.count(ORDERS);

    await h.plugin.delete(urn, "sub-delete", created.properties);

    expect(h.count(ORDERS)).toBe(postsBefore);
    expect(await listOrders("sub-delete")).toEqual([]);
    const after = await readSubscription("sub-delete");
    expect(after.revision).toBe(before.revision);
    expect(after.lines.map((l) => l.limit)).toEqual(before.lines.map((l) => l.limit));
    expect(h.engine.logs.map((l) => l.message)).toContain("csp-seats sub-delete: no longer managed; its seats are left as they are");
  });
});


describe("configure (stack config over the environment)", () => {
  it.each([
    {
      reason: "with no csp-seats:* config, the CSP_SEATS_* environment selects the backend",
      config: (): Record<string, unknown> => ({}),
      env: (): NodeJS.ProcessEnv => ({ CSP_SEATS_ENDPOINT: h.portal.url, CSP_SEATS_TOKEN: TOKEN, CSP_SEATS_NOW: "2026-05-12T09:00:00Z" }),
      expectError: undefined,
    },
    {
      reason: "the stack config wins over the environment, and a wrong secret token is refused without being echoed",
      config: (): Record<string, unknown> => buildStackConfig(h.portal.url, "wrong-token-0c1e2d"),
      env: (): NodeJS.ProcessEnv => ({ CSP_SEATS_ENDPOINT: h.portal.url, CSP_SEATS_TOKEN: TOKEN }),
      expectError: /PORTAL_UNAUTHORIZED: cannot read subscription sub-guard: missing or wrong bearer token/,
    },
  ])("$reason", async ({ config, env, expectError }) => {
    const plugin = await startDynamicPlugin({ engineAddress: h.engine.address, env: { ...getCleanEnv(), ...env() } });
    try {
      await plugin.configure(config());
      const attempt = plugin.check(createSeatsUrn("sub-guard"), {}, declared("sub-guard", { "m365-basic": 21 }));
      if (expectError) {
        const error = await attempt.then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.message).toMatch(expectError);
        expect(error?.message).not.toContain("wrong-token-0c1e2d");
        expect(plugin.stderr()).not.toContain("wrong-token-0c1e2d");
      } else {
        const checked = await attempt;
        expect(checked.failures).toEqual([]);
        expect(decodeStoredPlan(checked.inputs.plan)!.orderLines).toEqual([{ sku: "m365-basic", quantity: 21, effective: "now" }]);
      }
    } finally {
      await plugin.close();
    }
  });
});
