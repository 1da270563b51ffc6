/**
 * The Pax8 backend against the Pax8 test server (every request and response held to Pax8's own OpenAPI
 * documents) and the Graph test server. Every test ends by asserting that neither recorded a violation.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "../../provider/core/clock";
import { computeDrift } from "../../provider/core/drift";
import { isCspSeatsError } from "../../provider/core/errors";
import type { DesiredState } from "../../provider/core/desired-types";
import { planSeats } from "../../provider/core/plan/planner";
import { resolvePax8Config } from "../../provider/backends/pax8/config";
import { Pax8Portal } from "../../provider/backends/pax8/pax8-portal";
import { COMPANY, PAX8_NOW, PAX8_RENEWAL_WINDOW_NOW, PRODUCT, SHARED_USAGE, startPax8Fixture, SUB, type Pax8Fixture } from "../helpers/pax8-fixture";

let fixture: Pax8Fixture;
let clock: ReturnType<typeof createManualClock>;
let sleeps: number[];
let logs: string[];
let portal: Pax8Portal;

function open(extra: Record<string, string> = {}): Pax8Portal {
  const config = resolvePax8Config((key) => ({ ...fixture.settings, ...extra })[key]);
  return new Pax8Portal(config, { clock, sleep: async (ms) => void sleeps.push(ms), log: (line) => logs.push(line), pageSize: 2 });
}

function desired(licenses: Record<string, Record<string, number>>): DesiredState {
  return { defaults: {}, subscriptions: Object.entries(licenses).map(([id, seats]) => ({ id, licenses: seats })) } as DesiredState;
}

beforeEach(async () => {
  fixture = await startPax8Fixture();
  clock = createManualClock(PAX8_NOW);
  sleeps = [];
  logs = [];
  portal = open();
});

afterEach(async () => {
  await portal.close();
  expect(fixture.violations()).toEqual([]);
  await fixture.close();
});

describe("Pax8 reads", () => {
  it("maps one Pax8 subscription to one csp-seats subscription with one line, exact money and tenant-wide usage", async () => {
    const all = await portal.listSubscriptions();
    expect(all.map((s) => s.id).sort()).toEqual([SUB.basic, SUB.exchange, SUB.shared, SUB.trial].sort());
    const basic = all.find((s) => s.id === SUB.basic)!;
    expect(basic).toMatchObject({
      customerId: COMPANY,
      status: "active",
      eligibility: { eligible: true },
      currency: "EUR",
      billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
      renewalDate: "2026-12-01",
      termEnd: "2026-11-30",
      autoRenew: true,
      canScheduleChanges: false,
      canValidateChanges: false,
    });
    expect(basic.lines).toHaveLength(1);
    expect(basic.lines[0]).toMatchObject({ sku: PRODUCT.basic, limit: 20, unitPrice: { currency: "EUR", amount: "5.60" }, minQuantity: 1, maxQuantity: 300, usage: SHARED_USAGE });
    expect(basic.lines[0].usageScope).toMatch(/tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2/);
    expect(basic.lines[0].refundableBatches.filter((b) => Date.parse(b.refundableUntil) > clock.now().getTime())).toEqual([]);
    const trial = all.find((s) => s.id === SUB.trial)!;
    expect(trial.eligibility).toMatchObject({ eligible: false, reasonCode: "trial" });
    // Paged at 2 per page (Pax8 pages from 0), each subscription's detail read for its vendorSkuId.
    expect(fixture.pax8.count("GET /subscriptions")).toBe(2);
    expect(fixture.pax8.requests.find((r) => r.route === "GET /subscriptions")?.query).toMatchObject({ page: "0", size: "2", companyId: COMPANY });
    expect(fixture.pax8.count("POST /token")).toBe(1);
  });

  it("refuses another company's subscription as not found", async () => {
    await expect(portal.getSubscription(SUB.other)).rejects.toMatchObject({ code: "PORTAL_SUBSCRIPTION_NOT_FOUND" });
    await expect(portal.getSubscription("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ code: "PORTAL_SUBSCRIPTION_NOT_FOUND" });
  });

  it("backs off a 429 storm (no Retry-After: exponential with jitter) and retries 5xx on reads", async () => {
    fixture.pax8.inject({ route: "GET /subscriptions/{subscriptionId}", kind: "status", status: 429, times: 4 });
    fixture.pax8.inject({ route: "GET /subscriptions/{subscriptionId}/history", kind: "status", status: 503, times: 2 });
    const sub = await portal.getSubscription(SUB.basic);
    expect(sub.lines[0].limit).toBe(20);
    expect(sleeps.length).toBe(6);
    // Full jitter under a doubling ceiling: never more than 200 ms * 2^(n-1).
    sleeps.slice(0, 4).forEach((ms, i) => expect(ms).toBeLessThanOrEqual(200 * 2 ** i));
  });

  it("refreshes an expired token once on 401 and keeps secrets out of errors", async () => {
    await portal.getSubscription(SUB.basic);
    fixture.pax8.expireTokens();
    await portal.getSubscription(SUB.exchange);
    expect(fixture.pax8.count("POST /token")).toBe(2);
    expect(logs.some((l) => l.includes("token refused"))).toBe(true);
    const bad = open({ clientSecret: "wrong-secret-value" });
    const error = await bad.getSubscription(SUB.basic).catch((e: unknown) => e);
    await bad.close();
    expect(isCspSeatsError(error) && error.code).toBe("PORTAL_UNAUTHORIZED");
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain("wrong-secret-value");
  });

  it("refreshes the token shortly before it expires (tokens live a day)", async () => {
    await portal.getSubscription(SUB.basic);
    clock.advance(86_400_000 - 60_000);
    await portal.getSubscription(SUB.basic);
    expect(fixture.pax8.count("POST /token")).toBe(2);
    expect(fixture.pax8.requests.filter((r) => r.status === 401)).toEqual([]);
  });
});

describe("Pax8 changes", () => {
  it("plans an increase as an estimate and applies it with one PUT of the absolute quantity", async () => {
    const state = desired({ [SUB.basic]: { [PRODUCT.basic]: 22 } });
    const plan = planSeats(state, await portal.listSubscriptions({ ids: [SUB.basic] }), clock);
    const [sub] = plan.subscriptions;
    // 2 seats x 5.60 x 20/31 days = 7.225... -> 7.23 EUR.
    expect(sub.lines[0]).toMatchObject({ action: "up", charge: { amount: "7.23", currency: "EUR" }, estimate: true });
    expect(sub.findings.map((f) => f.code)).toContain("ESTIMATE_NOT_VALIDATED");
    const order = await portal.placeOrder({ subscriptionId: SUB.basic, expectedRevision: sub.revision, lines: sub.orderLines, idempotencyKey: sub.idempotencyKey });
    expect(order).toMatchObject({ status: "completed", charge: { amount: "7.23" } });
    expect(fixture.pax8.requests.filter((r) => r.method === "PUT").map((r) => r.body)).toEqual([{ quantity: 22 }]);
    expect((await portal.getSubscription(SUB.basic)).lines[0].limit).toBe(22);
    await expect(portal.getOrder(order.id)).resolves.toMatchObject({ id: order.id });
    // The new seats are refundable for 168 hours (from the history snapshot Pax8 wrote).
    expect((await portal.getSubscription(SUB.basic)).lines[0].refundableBatches.map((b) => b.quantity)).toEqual([2]);
  });

  it("re-reads after a dropped PUT reply and does not send the change again", async () => {
    const sub = (await portal.listSubscriptions({ ids: [SUB.exchange] }))[0];
    fixture.pax8.inject({ route: "PUT /subscriptions/{subscriptionId}", kind: "drop-after-commit" });
    const order = await portal.placeOrder({ subscriptionId: SUB.exchange, expectedRevision: sub.revision, lines: [{ sku: PRODUCT.exchange, quantity: 8, effective: "now" }], idempotencyKey: "k-drop" });
    expect(order.status).toBe("completed");
    expect(fixture.pax8.count("PUT /subscriptions/{subscriptionId}")).toBe(1);
    expect(fixture.pax8.changes).toEqual([expect.objectContaining({ subscriptionId: SUB.exchange, from: 6, to: 8 })]);
    expect(logs.some((l) => l.includes("not sending it again"))).toBe(true);
  });

  it("sends the PUT again after a 429 refused it, once", async () => {
    const sub = (await portal.listSubscriptions({ ids: [SUB.exchange] }))[0];
    fixture.pax8.inject({ route: "PUT /subscriptions/{subscriptionId}", kind: "status", status: 429 });
    await portal.placeOrder({ subscriptionId: SUB.exchange, expectedRevision: sub.revision, lines: [{ sku: PRODUCT.exchange, quantity: 7, effective: "now" }], idempotencyKey: "k-429" });
    expect(fixture.pax8.count("PUT /subscriptions/{subscriptionId}")).toBe(2);
    expect(fixture.pax8.changes).toHaveLength(1);
  });

  it("refuses a stale plan and a change for renewal before sending anything", async () => {
    await expect(portal.placeOrder({ subscriptionId: SUB.basic, expectedRevision: "stale", lines: [{ sku: PRODUCT.basic, quantity: 21, effective: "now" }], idempotencyKey: "k1" })).rejects.toMatchObject({ code: "PORTAL_STALE_REVISION" });
    await expect(portal.placeOrder({ subscriptionId: SUB.basic, lines: [{ sku: PRODUCT.basic, quantity: 17, effective: "renewal" }], idempotencyKey: "k2" })).rejects.toMatchObject({ code: "PORTAL_BAD_REQUEST" });
    expect(fixture.pax8.count("PUT /subscriptions/{subscriptionId}")).toBe(0);
  });

  it("Pax8 refuses an NCE decrease outside the window with 422", async () => {
    await expect(portal.placeOrder({ subscriptionId: SUB.exchange, lines: [{ sku: PRODUCT.exchange, quantity: 5, effective: "now" }], idempotencyKey: "k3" })).rejects.toMatchObject({ code: "PAX8_REFUSED", status: 422 });
  });
});

describe("deferred NCE decreases", () => {
  it("defers a decrease outside the window, reports it as scheduled, then places it refunded inside the renewal window", async () => {
    const state = desired({ [SUB.exchange]: { [PRODUCT.exchange]: 4 } });
    const before = planSeats(state, await portal.listSubscriptions({ ids: [SUB.exchange] }), clock);
    const line = before.subscriptions[0].lines[0];
    expect(line).toMatchObject({ action: "down", effective: "renewal", deferred: { windowOpens: "2026-12-01", windowCloses: "2026-12-08" }, refund: { amount: "0.00" } });
    expect(before.subscriptions[0].orderLines).toEqual([]);
    expect(before.hasChanges).toBe(false);
    expect(before.findings.map((f) => f.code)).toContain("DEFERRED_DECREASE");
    const early = computeDrift(state, await portal.listSubscriptions({ ids: [SUB.exchange] }), clock);
    expect(early.hasDrift).toBe(false);
    expect(early.subscriptions[0].lines[0]).toMatchObject({ drifted: false, convergesOn: "2026-12-01", deferred: { ready: false, quantity: 2 } });

    fixture.pax8.setNow(PAX8_RENEWAL_WINDOW_NOW);
    clock.set(PAX8_RENEWAL_WINDOW_NOW);
    const observed = await portal.listSubscriptions({ ids: [SUB.exchange] });
    expect(observed[0].renewalDate).toBe("2027-12-01");
    const drift = computeDrift(state, observed, clock);
    expect(drift.hasDrift).toBe(true);
    expect(drift.subscriptions[0].lines[0].deferred).toMatchObject({ ready: true, message: "deferred decrease ready: 2 seats, window closes 2026-12-08" });
    const plan = planSeats(state, observed, clock);
    const [sub] = plan.subscriptions;
    // 2 seats x 3.70 x 30/31 days of 2026-12 = 7.161... -> 7.16 EUR refunded.
    expect(sub.lines[0]).toMatchObject({ action: "down", effective: "now", refund: { amount: "7.16" }, estimate: true });
    const order = await portal.placeOrder({ subscriptionId: SUB.exchange, expectedRevision: sub.revision, lines: sub.orderLines, idempotencyKey: sub.idempotencyKey });
    expect(order).toMatchObject({ status: "completed", refund: { amount: "7.16" } });
    const after = await portal.listSubscriptions({ ids: [SUB.exchange] });
    expect(after[0].lines[0].limit).toBe(4);
    expect(computeDrift(state, after, clock).hasDrift).toBe(false);
  });
});
