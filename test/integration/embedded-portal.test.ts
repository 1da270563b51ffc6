import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { OrderRequest, PlaceOrderRequest } from "../../provider/core/model";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { buildFixture, catchError, setUpPortal, T0, type PortalSetup } from "./embedded-portal-helpers";

let setup: PortalSetup;

afterEach(async () => {
  await setup?.cleanup();
});

const eur = (amount: string) => ({ currency: "EUR", amount });
const basic = (quantity: number, effective: "now" | "renewal" = "now") => ({ sku: "m365-business-basic", quantity, effective });

describe("opening and seeding", () => {
  it("refuses a state file that was never seeded, saying how to seed it", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-unseeded-"));
    try {
      const error = await catchError(openEmbeddedPortal({ statePath: path.join(dir, "nope", "state.json") }));
      expect(error.code).toBe("PORTAL_NOT_SEEDED");
      expect(error.fix).toContain("csp-seats portal seed");
      expect(error.fix).toContain("npm start");
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("re-seeding replaces the state: orders are gone and old revisions no longer match", async () => {
    setup = await setUpPortal();
    const before = await setup.portal.getSubscription("sub-basic");
    await setup.portal.placeOrder({ idempotencyKey: "k1", subscriptionId: "sub-basic", lines: [basic(22)] });
    await seedEmbeddedPortal({ statePath: setup.statePath, fixture: buildFixture(), clock: createFixedClock(T0) });
    expect(await setup.portal.listOrders()).toEqual([]);
    const after = await setup.portal.getSubscription("sub-basic");
    expect(after.lines[0].limit).toBe(20);
    expect(after.revision).not.toBe(before.revision);
  });

  it("refuses an invalid fixture at seeding (a price with more decimals than the currency has)", async () => {
    const fixture = buildFixture();
    const jpy = { ...fixture.subscriptions[0], currency: "JPY" };
    const error = await catchError(seedEmbeddedPortal({ statePath: path.join(os.tmpdir(), "never-written.json"), fixture: { ...fixture, subscriptions: [jpy] } }));
    expect(error.code).toBe("PORTAL_FIXTURE_INVALID");
    expect(error.summary).toContain("5.60 JPY has more than 0 decimal digits");
  });
});

describe("reading subscriptions", () => {
  beforeEach(async () => {
    setup = await setUpPortal();
  });

  it("shows a subscription like a CSP portal: usage/limit, price, windows, renewal date, revision", async () => {
    const sub = await setup.portal.getSubscription("sub-basic");
    expect(sub).toMatchObject({
      id: "sub-basic",
      status: "active",
      eligibility: { eligible: true },
      currency: "EUR",
      billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
      termEnd: "2026-11-30",
      renewalDate: "2026-12-01",
      autoRenew: true,
      scheduledChanges: [],
    });
    expect(sub.lines[0]).toEqual({
      sku: "m365-business-basic",
      displayName: "Microsoft 365 Business Basic",
      usage: 12,
      limit: 20,
      unitPrice: eur("5.60"),
      minQuantity: 1,
      maxQuantity: 300,
      refundableBatches: [{ quantity: 3, addedAt: "2026-05-10T09:00:00.000Z", refundableUntil: "2026-05-17T09:00:00.000Z" }],
    });
    expect(sub.paymentMethods).toEqual([
      { id: "pm-invoice", label: "Invoice", isDefault: true },
      { id: "pm-visa", label: "Visa ending 4242", isDefault: false },
    ]);
    expect(typeof sub.revision).toBe("string");
  });

  it("lists every subscription across pages, in portal order", async () => {
    const all = await setup.portal.listSubscriptions();
    expect(all.map((s) => s.id)).toEqual(["sub-basic", "sub-partner", "sub-suspended", "sub-noauto", "sub-e3", "sub-flaky"]);
  });

  it("filters by ids (unknown ids are simply absent) and by customer", async () => {
    expect((await setup.portal.listSubscriptions({ ids: ["sub-e3", "sub-basic", "sub-missing"] })).map((s) => s.id)).toEqual(["sub-basic", "sub-e3"]);
    expect((await setup.portal.listSubscriptions({ customerId: "fabrikam" })).map((s) => s.id)).toEqual(["sub-partner", "sub-suspended"]);
  });

  it("pages with the fixture's page size and opaque tokens", async () => {
    const seen: string[][] = [];
    let token: string | undefined;
    do {
      const page = await setup.portal.listSubscriptionsPage(token === undefined ? {} : { pageToken: token });
      seen.push(page.subscriptions.map((s) => s.id));
      token = page.nextPageToken;
    } while (token !== undefined);
    expect(seen).toEqual([
      ["sub-basic", "sub-partner"],
      ["sub-suspended", "sub-noauto"],
      ["sub-e3", "sub-flaky"],
    ]);
    const big = await setup.portal.listSubscriptionsPage({ pageSize: 4, ids: ["sub-flaky", "sub-e3", "sub-basic"] });
    expect(big.subscriptions.map((s) => s.id)).toEqual(["sub-basic", "sub-e3", "sub-flaky"]);
    expect(big.nextPageToken).toBeUndefined();
  });

  it.each([
    { reason: "garbage token", options: { pageToken: "not-a-token" } },
    { reason: "page size zero", options: { pageSize: 0 } },
    { reason: "page size too big", options: { pageSize: 5000 } },
  ])("refuses a bad page request ($reason)", async ({ options }) => {
    const error = await catchError(setup.portal.listSubscriptionsPage(options));
    expect(error).toMatchObject({ code: "PORTAL_BAD_REQUEST", status: 400 });
  });

  it("reports an unknown subscription as 404", async () => {
    expect(await catchError(setup.portal.getSubscription("sub-missing"))).toMatchObject({ code: "PORTAL_SUBSCRIPTION_NOT_FOUND", status: 404 });
  });

  it("shows why a subscription is ineligible", async () => {
    expect((await setup.portal.getSubscription("sub-partner")).eligibility).toEqual({ eligible: false, reasonCode: "channel-partner", reason: "Bought through a channel partner." });
    expect((await setup.portal.getSubscription("sub-suspended")).eligibility).toMatchObject({ eligible: false, reasonCode: "suspended" });
  });
});

describe("order rules", () => {
  beforeEach(async () => {
    setup = await setUpPortal();
  });

  const cases: Array<{ reason: string; request: OrderRequest; code: string; status: number; mention?: string }> = [
    { reason: "bought through a channel partner", request: { subscriptionId: "sub-partner", lines: [basic(11)] }, code: "PORTAL_INELIGIBLE", status: 403, mention: "channel partner" },
    { reason: "suspended subscription", request: { subscriptionId: "sub-suspended", lines: [{ sku: "m365-e3", quantity: 4, effective: "now" }] }, code: "PORTAL_INELIGIBLE", status: 403, mention: "suspended" },
    { reason: "unknown subscription", request: { subscriptionId: "sub-missing", lines: [basic(11)] }, code: "PORTAL_SUBSCRIPTION_NOT_FOUND", status: 404 },
    { reason: "below the 12 assigned seats", request: { subscriptionId: "sub-basic", lines: [basic(11, "renewal")] }, code: "PORTAL_BELOW_USAGE", status: 422, mention: "12 assigned" },
    { reason: "below the sku minimum", request: { subscriptionId: "sub-basic", lines: [{ sku: "exchange-online-plan-1", quantity: 0, effective: "renewal" }] }, code: "PORTAL_QUANTITY_OUT_OF_RANGE", status: 422 },
    { reason: "above the sku maximum (5)", request: { subscriptionId: "sub-basic", lines: [{ sku: "teams-essentials", quantity: 6, effective: "now" }] }, code: "PORTAL_QUANTITY_OUT_OF_RANGE", status: 422, mention: "0..5" },
    { reason: "unknown sku", request: { subscriptionId: "sub-basic", lines: [{ sku: "m365-e5", quantity: 1, effective: "now" }] }, code: "PORTAL_SKU_NOT_FOUND", status: 422, mention: "m365-e5" },
    { reason: "the same sku twice, both now", request: { subscriptionId: "sub-basic", lines: [basic(21), basic(22)] }, code: "PORTAL_DUPLICATE_SKU", status: 422 },
    { reason: "the same sku twice, both at renewal", request: { subscriptionId: "sub-basic", lines: [basic(15, "renewal"), basic(16, "renewal")] }, code: "PORTAL_DUPLICATE_SKU", status: 422 },
    {
      reason: "decrease of seats added long ago",
      request: { subscriptionId: "sub-basic", lines: [{ sku: "exchange-online-plan-1", quantity: 5, effective: "now" }] },
      code: "PORTAL_DECREASE_OUTSIDE_WINDOW",
      status: 422,
      mention: "2026-12-01",
    },
    { reason: "decrease of 4 when only 3 are refundable", request: { subscriptionId: "sub-basic", lines: [basic(16)] }, code: "PORTAL_DECREASE_OUTSIDE_WINDOW", status: 422, mention: "only 3 of the 4" },
    { reason: "change at renewal without auto-renew", request: { subscriptionId: "sub-noauto", lines: [{ sku: "m365-e3", quantity: 2, effective: "renewal" }] }, code: "PORTAL_RENEWAL_NEEDS_AUTO_RENEW", status: 422 },
    { reason: "unknown payment method", request: { subscriptionId: "sub-basic", lines: [basic(22)], paymentMethodId: "pm-bitcoin" }, code: "PORTAL_PAYMENT_METHOD_NOT_FOUND", status: 422, mention: "pm-invoice" },
    { reason: "stale revision", request: { subscriptionId: "sub-basic", lines: [basic(22)], expectedRevision: "000000-1" }, code: "PORTAL_STALE_REVISION", status: 412 },
    { reason: "no lines", request: { subscriptionId: "sub-basic", lines: [] }, code: "PORTAL_BAD_REQUEST", status: 400 },
    { reason: "a fraction of a seat", request: { subscriptionId: "sub-basic", lines: [basic(21.5)] }, code: "PORTAL_BAD_REQUEST", status: 400 },
    { reason: "an unknown effective", request: { subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 21, effective: "later" as "now" }] }, code: "PORTAL_BAD_REQUEST", status: 400 },
    { reason: "a notify address that is not one", request: { subscriptionId: "sub-basic", lines: [basic(21)], notifyEmail: "nobody" }, code: "PORTAL_BAD_REQUEST", status: 400 },
  ];

  it.each(cases)("refuses: $reason -> $code", async ({ request, code, status, mention }) => {
    const revisionBefore = request.subscriptionId === "sub-missing" ? undefined : (await setup.portal.getSubscription(request.subscriptionId)).revision;
    for (const attempt of [setup.portal.estimateOrder(request), setup.portal.placeOrder({ ...request, idempotencyKey: `key-${code}` })]) {
      const error = await catchError(attempt);
      expect(error).toMatchObject({ code, status });
      expect(error.fix?.length).toBeGreaterThan(0);
      if (mention) expect(`${error.summary} ${error.fix}`).toContain(mention);
    }
    expect(await setup.portal.listOrders()).toEqual([]);
    if (revisionBefore) expect((await setup.portal.getSubscription(request.subscriptionId)).revision).toBe(revisionBefore);
  });

  it("allows going below usage when the request says so", async () => {
    const order = await setup.portal.placeOrder({ idempotencyKey: "k", subscriptionId: "sub-basic", lines: [basic(10, "renewal")], allowBelowUsage: true });
    expect(order.status).toBe("completed");
    expect((await setup.portal.getSubscription("sub-basic")).scheduledChanges).toEqual([{ sku: "m365-business-basic", quantity: 10, effectiveDate: "2026-12-01", orderId: order.id }]);
  });

  it("accepts one sku twice when one line is now and the other at renewal, chaining them", async () => {
    const estimate = await setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(17), basic(14, "renewal")] });
    expect(estimate.lines).toEqual([
      { sku: "m365-business-basic", from: 20, to: 17, effective: "now", effectiveDate: "2026-05-12", amount: eur("-10.84") },
      { sku: "m365-business-basic", from: 17, to: 14, effective: "renewal", effectiveDate: "2026-12-01", amount: eur("0.00") },
    ]);
  });

  it("refuses a line priced in another currency than the subscription (mixed currencies)", async () => {
    const state = JSON.parse(await fs.readFile(setup.statePath, "utf8"));
    state.subscriptions[0].lines[1].unitPrice = { currency: "USD", amount: "4.00" };
    await fs.writeFile(setup.statePath, JSON.stringify(state));
    const error = await catchError(setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(21), { sku: "exchange-online-plan-1", quantity: 7, effective: "now" }] }));
    expect(error).toMatchObject({ code: "PORTAL_BAD_REQUEST", status: 400 });
    expect(error.fix).toContain("Mixed currencies");
  });
});

describe("placing orders", () => {
  it("puts every up- and downgrade of one subscription in one order, priced like the estimate, with per-line results", async () => {
    setup = await setUpPortal();
    const request: OrderRequest = {
      subscriptionId: "sub-basic",
      lines: [basic(18), { sku: "exchange-online-plan-1", quantity: 8, effective: "now" }, { sku: "teams-essentials", quantity: 0, effective: "renewal" }],
    };
    const estimate = await setup.portal.estimateOrder(request);
    // 5.60 x -2 x 20/31 = -7.23 refund; 3.70 x 2 x 20/31 = 4.77 charge; renewal change costs nothing now.
    expect(estimate).toEqual({
      subscriptionId: "sub-basic",
      currency: "EUR",
      lines: [
        { sku: "m365-business-basic", from: 20, to: 18, effective: "now", effectiveDate: "2026-05-12", amount: eur("-7.23") },
        { sku: "exchange-online-plan-1", from: 6, to: 8, effective: "now", effectiveDate: "2026-05-12", amount: eur("4.77") },
        { sku: "teams-essentials", from: 2, to: 0, effective: "renewal", effectiveDate: "2026-12-01", amount: eur("0.00") },
      ],
      charge: eur("4.77"),
      refund: eur("7.23"),
      total: eur("-2.46"),
    });
    const order = await setup.portal.placeOrder({ ...request, idempotencyKey: "plan-1" });
    expect(order).toMatchObject({ status: "completed", charge: estimate.charge, refund: estimate.refund, total: estimate.total, paymentMethodId: "pm-invoice", notifyEmail: "it-admin@contoso.example" });
    expect(order.lines.map((l) => [l.sku, l.result?.status])).toEqual([
      ["m365-business-basic", "applied"],
      ["exchange-online-plan-1", "applied"],
      ["teams-essentials", "scheduled"],
    ]);
    const sub = await setup.portal.getSubscription("sub-basic");
    expect(sub.lines.map((l) => l.limit)).toEqual([18, 8, 2]);
    // Two of the three refundable seats were taken; the two new Exchange seats get their own 168-hour window.
    expect(sub.lines[0].refundableBatches).toEqual([{ quantity: 1, addedAt: "2026-05-10T09:00:00.000Z", refundableUntil: "2026-05-17T09:00:00.000Z" }]);
    expect(sub.lines[1].refundableBatches).toEqual([{ quantity: 2, addedAt: T0, refundableUntil: "2026-05-19T09:00:00.000Z" }]);
    expect(sub.scheduledChanges).toEqual([{ sku: "teams-essentials", quantity: 0, effectiveDate: "2026-12-01", orderId: order.id }]);
    // Only one refundable basic seat is left now.
    expect(await catchError(setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(16)] }))).toMatchObject({ code: "PORTAL_DECREASE_OUTSIDE_WINDOW" });
  });

  it("uses the payment method the order names", async () => {
    setup = await setUpPortal();
    const order = await setup.portal.placeOrder({ idempotencyKey: "k", subscriptionId: "sub-basic", lines: [basic(21)], paymentMethodId: "pm-visa" });
    expect(order.paymentMethodId).toBe("pm-visa");
    const notice = (await setup.portal.listOutbox()).find((m) => m.kind === "charges-notice");
    expect(notice?.body).toContain("Payment method: Visa ending 4242");
  });

  it("runs an order submitted -> processing -> completed after processingDelayMs, blocking other orders meanwhile", async () => {
    setup = await setUpPortal(buildFixture({ processingDelayMs: 10_000 }));
    const { portal, clock } = setup;
    const revisions = [(await portal.getSubscription("sub-basic")).revision];
    const placed = await portal.placeOrder({ idempotencyKey: "slow", subscriptionId: "sub-basic", lines: [basic(22)], expectedRevision: revisions[0] });
    expect(placed.status).toBe("submitted");
    const during = await portal.getSubscription("sub-basic");
    revisions.push(during.revision);
    expect(during.lines[0].limit).toBe(20);
    expect(during.eligibility).toMatchObject({ eligible: false, reasonCode: "order-in-progress" });
    expect(await catchError(portal.placeOrder({ idempotencyKey: "second", subscriptionId: "sub-basic", lines: [basic(23)] }))).toMatchObject({
      code: "PORTAL_ORDER_IN_PROGRESS",
      status: 409,
    });
    expect(await catchError(portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(23)] }))).toMatchObject({ code: "PORTAL_ORDER_IN_PROGRESS" });
    // Another subscription is not blocked.
    expect((await portal.placeOrder({ idempotencyKey: "other", subscriptionId: "sub-e3", lines: [{ sku: "m365-e3", quantity: 9, effective: "now" }] })).status).toBe("submitted");
    expect(await portal.listOutbox()).toEqual([]);

    clock.advance(5_000);
    expect((await portal.getOrder(placed.id)).status).toBe("processing");
    clock.advance(4_999);
    expect((await portal.getOrder(placed.id)).status).toBe("processing");
    clock.advance(1);
    const done = await portal.getOrder(placed.id);
    expect(done).toMatchObject({ status: "completed", completedAt: "2026-05-12T09:00:10.000Z" });
    const after = await portal.getSubscription("sub-basic");
    revisions.push(after.revision);
    expect(after.lines[0].limit).toBe(22);
    expect(after.eligibility).toEqual({ eligible: true });
    expect(after.lines[0].refundableBatches.at(-1)).toEqual({ quantity: 2, addedAt: "2026-05-12T09:00:10.000Z", refundableUntil: "2026-05-19T09:00:10.000Z" });
    expect(new Set(revisions).size).toBe(3);
    // The planned revision is stale now.
    expect(await catchError(portal.placeOrder({ idempotencyKey: "third", subscriptionId: "sub-basic", lines: [basic(23)], expectedRevision: revisions[0] }))).toMatchObject({
      code: "PORTAL_STALE_REVISION",
      status: 412,
    });
  });

  it("sends a confirmation and a separate charges notice to the customer contact, or to the address the order names", async () => {
    setup = await setUpPortal();
    const first = await setup.portal.placeOrder({ idempotencyKey: "a", subscriptionId: "sub-basic", lines: [basic(22), basic(17, "renewal")] });
    const second = await setup.portal.placeOrder({ idempotencyKey: "b", subscriptionId: "sub-e3", lines: [{ sku: "m365-e3", quantity: 10, effective: "now" }], notifyEmail: "cfo@contoso.example" });
    const outbox = await setup.portal.listOutbox();
    expect(outbox.map((m) => [m.kind, m.to, m.orderId])).toEqual([
      ["order-confirmation", "it-admin@contoso.example", first.id],
      ["charges-notice", "it-admin@contoso.example", first.id],
      ["order-confirmation", "cfo@contoso.example", second.id],
      ["charges-notice", "cfo@contoso.example", second.id],
    ]);
    expect(outbox[0].subject).toContain(first.id);
    expect(outbox[0].body).toContain("Microsoft 365 Business Basic (m365-business-basic): 20 -> 22 seats from 2026-05-12: applied");
    expect(outbox[0].body).toContain("22 -> 17 seats at renewal on 2026-12-01: scheduled");
    expect(outbox[1].body).toContain("charge 7.23 EUR");
    expect(outbox[1].body).toContain("Total charged: 7.23 EUR");
    // 33.75 x 2 x 20/31 = 43.548 -> 43.55
    expect(outbox[3].body).toContain("charge 43.55 EUR");
    expect(outbox[3].body).toContain("Payment method: Invoice");
    expect(new Set(outbox.map((m) => m.id)).size).toBe(4);
    expect(outbox.every((m) => m.sentAt === T0)).toBe(true);
  });

  it("reports a partial failure of a multi-line order line by line, charging only what was applied", async () => {
    setup = await setUpPortal();
    const order = await setup.portal.placeOrder({
      idempotencyKey: "flaky",
      subscriptionId: "sub-flaky",
      lines: [
        { sku: "m365-business-standard", quantity: 7, effective: "now" },
        { sku: "exchange-online-plan-1", quantity: 3, effective: "now" },
      ],
    });
    expect(order.status).toBe("error");
    expect(order.error?.code).toBe("PORTAL_ORDER_PARTIALLY_FAILED");
    expect(order.lines.map((l) => [l.sku, l.result?.status, l.amount.amount])).toEqual([
      ["m365-business-standard", "applied", "15.10"],
      ["exchange-online-plan-1", "failed", "0.00"],
    ]);
    expect(order.lines[1].result?.message).toContain("800095");
    expect(order.charge).toEqual(eur("15.10"));
    expect((await setup.portal.getSubscription("sub-flaky")).lines.map((l) => l.limit)).toEqual([7, 2]);
    const outbox = await setup.portal.listOutbox();
    expect(outbox[0].subject).toContain("completed with errors");
    expect(outbox[1].body).not.toContain("exchange-online-plan-1");
  });

  it("fails the whole order when no line can be applied, and sends no charges notice", async () => {
    setup = await setUpPortal();
    const order = await setup.portal.placeOrder({ idempotencyKey: "flaky", subscriptionId: "sub-flaky", lines: [{ sku: "exchange-online-plan-1", quantity: 3, effective: "now" }] });
    expect(order).toMatchObject({ status: "error", error: { code: "PORTAL_ORDER_FAILED" }, total: eur("0.00") });
    expect((await setup.portal.listOutbox()).map((m) => m.kind)).toEqual(["order-confirmation"]);
  });
});

describe("idempotency", () => {
  beforeEach(async () => {
    setup = await setUpPortal();
  });

  const request: PlaceOrderRequest = { idempotencyKey: "plan-sub-basic-abc", subscriptionId: "sub-basic", lines: [basic(22)] };

  it("returns the first order for a replayed key and never places a second one", async () => {
    const revision = (await setup.portal.getSubscription("sub-basic")).revision;
    const first = await setup.portal.placeOrder({ ...request, expectedRevision: revision });
    // The replay carries the now stale revision: it must still get the first order, not a 412.
    const replay = await setup.portal.placeOrder({ ...request, expectedRevision: revision });
    expect(replay).toEqual(first);
    expect(await setup.portal.listOrders({ idempotencyKey: request.idempotencyKey })).toHaveLength(1);
    expect((await setup.portal.getSubscription("sub-basic")).lines[0].limit).toBe(22);
    expect((await setup.portal.listOutbox()).length).toBe(2);
  });

  it("refuses a reused key with a different request (422)", async () => {
    const first = await setup.portal.placeOrder(request);
    const error = await catchError(setup.portal.placeOrder({ ...request, lines: [basic(23)] }));
    expect(error).toMatchObject({ code: "PORTAL_BAD_REQUEST", status: 422, details: { orderId: first.id } });
    expect(error.summary).toContain("idempotency key reused with a different request");
    expect(await setup.portal.listOrders()).toHaveLength(1);
  });

  it("refuses an order without a key", async () => {
    expect(await catchError(setup.portal.placeOrder({ ...request, idempotencyKey: "" }))).toMatchObject({ code: "PORTAL_BAD_REQUEST", status: 400 });
  });

  it("lists and fetches orders by subscription and key", async () => {
    const a = await setup.portal.placeOrder(request);
    const b = await setup.portal.placeOrder({ idempotencyKey: "e3", subscriptionId: "sub-e3", lines: [{ sku: "m365-e3", quantity: 9, effective: "now" }] });
    expect((await setup.portal.listOrders()).map((o) => o.id)).toEqual([a.id, b.id]);
    expect((await setup.portal.listOrders({ subscriptionId: "sub-e3" })).map((o) => o.id)).toEqual([b.id]);
    expect(await setup.portal.listOrders({ idempotencyKey: "nope" })).toEqual([]);
    expect(await setup.portal.getOrder(b.id)).toEqual(b);
    expect(await catchError(setup.portal.getOrder("ord-missing"))).toMatchObject({ code: "PORTAL_ORDER_NOT_FOUND", status: 404 });
  });
});

describe("time passing", () => {
  beforeEach(async () => {
    setup = await setUpPortal();
  });

  it("rolls monthly billing periods forward without renewing an annual term", async () => {
    setup.clock.set("2026-07-15T12:00:00Z");
    const sub = await setup.portal.getSubscription("sub-basic");
    expect(sub.billingPeriod).toEqual({ start: "2026-07-01", end: "2026-08-01" });
    expect(sub.termEnd).toBe("2026-11-30");
    // The window of the three recent seats has closed.
    expect(await catchError(setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(19)] }))).toMatchObject({ code: "PORTAL_DECREASE_OUTSIDE_WINDOW" });
    // 5.60 x 1 x 17/31 (15..31 July) = 3.07
    expect((await setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [basic(21)] })).charge).toEqual(eur("3.07"));
  });

  it("applies scheduled changes at renewal: new term, new limits, every seat in one fresh 168-hour batch", async () => {
    const order = await setup.portal.placeOrder({ idempotencyKey: "r", subscriptionId: "sub-basic", lines: [basic(14, "renewal"), { sku: "teams-essentials", quantity: 0, effective: "renewal" }] });
    expect(order.total).toEqual(eur("0.00"));
    setup.clock.set("2026-11-30T23:59:59.999Z");
    const before = await setup.portal.getSubscription("sub-basic");
    expect(before.lines[0].limit).toBe(20);
    expect(before.billingPeriod).toEqual({ start: "2026-11-01", end: "2026-12-01" });
    setup.clock.set("2026-12-01T00:00:00.000Z");
    const after = await setup.portal.getSubscription("sub-basic");
    expect(after).toMatchObject({ termEnd: "2027-11-30", renewalDate: "2027-12-01", billingPeriod: { start: "2026-12-01", end: "2027-01-01" }, scheduledChanges: [] });
    expect(after.revision).not.toBe(before.revision);
    expect(after.lines.map((l) => [l.sku, l.limit, l.refundableBatches])).toEqual([
      ["m365-business-basic", 14, [{ quantity: 14, addedAt: "2026-12-01T00:00:00.000Z", refundableUntil: "2026-12-08T00:00:00.000Z" }]],
      ["exchange-online-plan-1", 6, [{ quantity: 6, addedAt: "2026-12-01T00:00:00.000Z", refundableUntil: "2026-12-08T00:00:00.000Z" }]],
      ["teams-essentials", 0, []],
    ]);
    // Inside the fresh window a decrease is refunded: 3.70 x -2 x 31/31.
    expect((await setup.portal.estimateOrder({ subscriptionId: "sub-basic", lines: [{ sku: "exchange-online-plan-1", quantity: 4, effective: "now" }] })).refund).toEqual(eur("7.40"));
  });

  it("renews a monthly term every month and catches up several renewals at once", async () => {
    setup.clock.set("2026-06-01T00:00:00Z");
    expect((await setup.portal.getSubscription("sub-e3")).termEnd).toBe("2026-06-30");
    setup.clock.set("2026-09-10T00:00:00Z");
    const sub = await setup.portal.getSubscription("sub-e3");
    expect(sub).toMatchObject({ termEnd: "2026-09-30", billingPeriod: { start: "2026-09-01", end: "2026-10-01" } });
    expect(sub.lines[0].refundableBatches).toEqual([{ quantity: 8, addedAt: "2026-09-01T00:00:00.000Z", refundableUntil: "2026-09-08T00:00:00.000Z" }]);
  });

  it("ends a subscription without auto-renew at the end of its term", async () => {
    setup.clock.set("2026-06-01T00:00:00Z");
    const sub = await setup.portal.getSubscription("sub-noauto");
    expect(sub.status).toBe("terminated");
    expect(sub.eligibility).toMatchObject({ eligible: false, reasonCode: "terminated" });
    expect(await catchError(setup.portal.estimateOrder({ subscriptionId: "sub-noauto", lines: [{ sku: "m365-e3", quantity: 4, effective: "now" }] }))).toMatchObject({ code: "PORTAL_INELIGIBLE" });
  });
});

describe("the fixture clock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-clock-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("starts at the fixture's now and runs on in real time since seeding", async () => {
    const statePath = path.join(dir, "state.json");
    // Seeded "5 seconds ago" by the wall clock.
    await seedEmbeddedPortal({ statePath, fixture: buildFixture(), clock: createFixedClock(new Date(Date.now() - 5_000).toISOString()) });
    const portal = await openEmbeddedPortal({ statePath });
    const elapsed = (await portal.now()).getTime() - Date.parse(T0);
    expect(elapsed).toBeGreaterThanOrEqual(5_000);
    expect(elapsed).toBeLessThan(65_000);
    await portal.close();
  });

  it("completes orders as real time passes, without any injected clock", async () => {
    const statePath = path.join(dir, "state.json");
    await seedEmbeddedPortal({ statePath, fixture: buildFixture({ processingDelayMs: 200 }) });
    const portal = await openEmbeddedPortal({ statePath });
    const order = await portal.placeOrder({ idempotencyKey: "k", subscriptionId: "sub-basic", lines: [basic(21)] });
    expect(order.status).toBe("submitted");
    let status: string = order.status;
    const deadline = Date.now() + 10_000;
    while (status !== "completed" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await portal.getOrder(order.id)).status;
    }
    expect(status).toBe("completed");
    expect((await portal.getSubscription("sub-basic")).lines[0].limit).toBe(21);
    await portal.close();
  });
});

describe("faults", () => {
  beforeEach(async () => {
    setup = await setUpPortal(buildFixture({ faults: [{ route: "POST /v1/orders", kind: "status", status: 503, times: 2 }] }));
  });

  it("seeds the fixture's fault rules and counts down their uses", async () => {
    expect(await setup.portal.getFaults()).toEqual([{ route: "POST /v1/orders", kind: "status", status: 503, times: 2 }]);
    expect(await setup.portal.takeFault("GET", "/v1/orders")).toBeUndefined();
    expect(await setup.portal.takeFault("post", "/v1/orders")).toMatchObject({ kind: "status", status: 503 });
    expect(await setup.portal.getFaults()).toEqual([{ route: "POST /v1/orders", kind: "status", status: 503, times: 1 }]);
    expect(await setup.portal.takeFault("POST", "/v1/orders?dryRun=false")).toMatchObject({ kind: "status" });
    expect(await setup.portal.getFaults()).toEqual([]);
    expect(await setup.portal.takeFault("POST", "/v1/orders")).toBeUndefined();
  });

  it.each([
    { route: "GET /v1/subscriptions/*", method: "GET", path: "/v1/subscriptions/sub-basic", hit: true, reason: "* matches one segment" },
    { route: "GET /v1/subscriptions/*", method: "GET", path: "/v1/subscriptions", hit: false, reason: "* needs a segment" },
    { route: "GET /v1/subscriptions/*", method: "GET", path: "/v1/subscriptions/a/b", hit: false, reason: "* matches only one segment" },
    { route: "GET /v1/subscriptions/*", method: "PATCH", path: "/v1/subscriptions/a", hit: false, reason: "the method must match" },
    { route: "* /v1/orders", method: "PUT", path: "/v1/orders/", hit: true, reason: "any method; trailing slash ignored" },
    { route: "*", method: "DELETE", path: "/anything/at/all", hit: true, reason: "* alone matches everything" },
  ])("$route vs $method $path: $hit ($reason)", async ({ route, method, path: p, hit }) => {
    await setup.portal.setFaults([{ route, kind: "latency", latencyMs: 10 }]);
    expect((await setup.portal.takeFault(method, p)) !== undefined).toBe(hit);
    // Without `times` a rule is never used up.
    expect(await setup.portal.getFaults()).toHaveLength(1);
  });

  it("refuses malformed fault rules", async () => {
    const missingLatency = await catchError(setup.portal.setFaults([{ route: "POST /v1/orders", kind: "latency" }]));
    expect(missingLatency).toMatchObject({ code: "PORTAL_BAD_REQUEST", status: 400 });
    expect(missingLatency.summary).toContain("latencyMs");
    expect(await catchError(setup.portal.setFaults([{ route: "/v1/orders", kind: "reset" }]))).toMatchObject({ code: "PORTAL_BAD_REQUEST" });
    expect(await setup.portal.getFaults()).toHaveLength(1);
  });
});
