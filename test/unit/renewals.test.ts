import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredState } from "../../provider/core/desired-types";
import { computeRenewals, getLastDayBefore, listRenewalsAtRisk } from "../../provider/core/renewals";
import { planSeats } from "../../provider/core/plan/planner";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const clock = createFixedClock(NOW);

function desire(...subscriptions: Array<{ id: string; licenses: Record<string, number> }>): DesiredState {
  return { defaults: {}, subscriptions };
}

describe("computeRenewals", () => {
  it("lists the renewals inside the window sorted by date, with seats, value, idle seats and days left", () => {
    const later = buildSubscription({ id: "SUB-2", name: "Later", termEnd: "2027-01-31", renewalDate: "2027-02-01" });
    const soon = buildSubscription({ id: "SUB-1", lines: [buildLine(), buildLine({ sku: "TEAMS", displayName: "Teams", limit: 2, usage: 0, unitPrice: { currency: "EUR", amount: "3.40" } })] });
    const outside = buildSubscription({ id: "SUB-3", termEnd: "2027-06-30", renewalDate: "2027-07-01" });
    const report = computeRenewals(desire({ id: "SUB-2", licenses: { "M365-BP": 10 } }, { id: "SUB-1", licenses: { "M365-BP": 10 } }, { id: "SUB-3", licenses: { "M365-BP": 10 } }), [later, soon, outside], clock);
    expect(report).toMatchObject({ today: "2026-11-26", until: "2027-02-24", withinDays: 90, hasErrors: false });
    expect(report.subscriptions.map((r) => [r.subscriptionId, r.renewalDate, r.daysUntil])).toEqual([
      ["SUB-1", "2027-01-01", 36],
      ["SUB-2", "2027-02-01", 67],
    ]);
    const [first] = report.subscriptions;
    // 10 x 20.00 + 2 x 3.40 per month; idle: 2 of M365-BP and both (unmanaged) Teams seats.
    expect(first).toMatchObject({ seats: 12, seatsAtRenewal: 12, recurring: { monthly: { amount: "206.80" } }, idleAtRenewal: 4, idleMonthly: { amount: "46.80" }, autoRenew: true });
    expect(first.lines.map((l) => [l.sku, l.managed, l.desired])).toEqual([["M365-BP", true, 10], ["TEAMS", false, undefined]]);
    expect(report.totals).toEqual([{ currency: "EUR", renewals: 2, monthly: { currency: "EUR", amount: "406.80" }, idleAtRenewal: 6, idleMonthly: { currency: "EUR", amount: "86.80" } }]);
  });

  it("counts a scheduled change into the seats that renew and shows it, and the change the next apply will schedule", () => {
    const scheduled = buildSubscription({ scheduledChanges: [{ sku: "M365-BP", quantity: 8, effectiveDate: "2027-01-01", orderId: "ORD-1" }] });
    const pending = buildSubscription({ id: "SUB-2", lines: [buildLine({ limit: 12, usage: 8 })] });
    const report = computeRenewals(desire({ id: "SUB-1", licenses: { "M365-BP": 8 } }, { id: "SUB-2", licenses: { "M365-BP": 9 } }), [scheduled, pending], clock);
    const [one, two] = report.subscriptions;
    expect(one).toMatchObject({ seatsAtRenewal: 8, idleAtRenewal: 0, changes: [{ kind: "scheduled", sku: "M365-BP", from: 10, to: 8, effectiveDate: "2027-01-01", orderId: "ORD-1" }] });
    expect(two).toMatchObject({ seatsAtRenewal: 12, idleAtRenewal: 4, changes: [{ kind: "planned", sku: "M365-BP", from: 12, to: 9, effectiveDate: "2027-01-01" }] });
    expect(report.events.map((e) => [e.date, e.kind, e.subscriptionId])).toEqual([
      ["2027-01-01", "scheduled", "SUB-1"],
      ["2027-01-01", "planned", "SUB-2"],
      ["2027-01-01", "renewal", "SUB-1"],
      ["2027-01-01", "renewal", "SUB-2"],
    ]);
  });

  it("shows a change the plan marks deferred, whatever shape the mark has", () => {
    const observed = [buildSubscription({ lines: [buildLine({ limit: 12, usage: 8 })] })];
    const desired = desire({ id: "SUB-1", licenses: { "M365-BP": 11 } });
    const plan = planSeats(desired, observed, clock);
    const marked = { ...plan, subscriptions: plan.subscriptions.map((s) => ({ ...s, lines: s.lines.map((l) => ({ ...l, deferred: { until: "2027-01-01" } })) })) };
    expect(computeRenewals(desired, observed, clock, { plan: marked }).subscriptions[0].changes).toEqual([{ kind: "deferred", sku: "M365-BP", from: 12, to: 11, effectiveDate: "2027-01-01" }]);
  });

  it("reports open refund windows with their last day, per subscription the earliest", () => {
    const observed = [buildSubscription({ lines: [buildLine({ refundableBatches: [buildBatch(2, NOW, 100), buildBatch(1, NOW, 1), buildBatch(5, NOW, 200)] })] })];
    const report = computeRenewals(desire({ id: "SUB-1", licenses: { "M365-BP": 10 } }), observed, clock);
    expect(report.refundWindows.map((w) => [w.quantity, w.closesAt, w.lastDay])).toEqual([
      [2, "2026-11-29T02:00:00.000Z", "2026-11-29"],
      [1, "2026-12-03T05:00:00.000Z", "2026-12-03"],
    ]);
    expect(report.subscriptions[0]).toMatchObject({ refundableQuantity: 3, refundableUntil: "2026-11-29T02:00:00.000Z", lastRefundableDay: "2026-11-29" });
    expect(report.events.filter((e) => e.kind === "refund-window-closes")).toHaveLength(2);
  });

  it("keeps currencies apart, leaves tenant-wide usage out of idle seats, and marks an expiry without auto-renew", () => {
    const usd = buildSubscription({ id: "SUB-USD", currency: "USD", autoRenew: false, lines: [buildLine({ unitPrice: { currency: "USD", amount: "22.00" } })] });
    const shared = buildSubscription({ id: "SUB-2", lines: [buildLine({ usageScope: "tenant-wide sku X" })] });
    const report = computeRenewals(desire({ id: "SUB-USD", licenses: { "M365-BP": 10 } }, { id: "SUB-2", licenses: { "M365-BP": 10 } }), [usd, shared], clock);
    expect(report.totals.map((t) => [t.currency, t.monthly.amount, t.idleAtRenewal])).toEqual([["EUR", "200.00", 0], ["USD", "220.00", 2]]);
    expect(report.subscriptions.find((r) => r.subscriptionId === "SUB-2")?.idleAtRenewal).toBeNull();
    expect(report.events.find((e) => e.subscriptionId === "SUB-USD")).toMatchObject({ kind: "expiry", date: "2026-12-31" });
  });

  it("reports a subscription the portal does not know as a violation", () => {
    const report = computeRenewals(desire({ id: "SUB-X", licenses: { A: 1 } }), [], clock);
    expect(report).toMatchObject({ hasErrors: true, subscriptions: [] });
    expect(report.findings[0]).toMatchObject({ code: "UNKNOWN_SUBSCRIPTION", subscriptionId: "SUB-X" });
  });

  it("adds annual and monthly periods exactly, rounding the total once", () => {
    const seat = (amount: string) => [buildLine({ limit: 1, usage: 1, unitPrice: { currency: "EUR", amount } })];
    const year = { start: "2026-01-01", end: "2027-01-01" };
    const monthly = buildSubscription({ lines: seat("0.01") });
    const annual = buildSubscription({ id: "SUB-2", billingPeriod: year, lines: seat("0.06") });
    const annual2 = buildSubscription({ id: "SUB-3", billingPeriod: year, lines: seat("0.06") });
    const report = computeRenewals(desire({ id: "SUB-1", licenses: {} }, { id: "SUB-2", licenses: {} }, { id: "SUB-3", licenses: {} }), [monthly, annual, annual2], clock);
    // 0.01 + 0.06 / 12 + 0.06 / 12 = 0.02; each rounded alone it would be 0.01 + 0.01 + 0.01.
    expect(report.subscriptions.map((r) => r.recurring.monthly.amount)).toEqual(["0.01", "0.01", "0.01"]);
    expect(report.totals[0].monthly.amount).toBe("0.02");
  });
});

describe("listRenewalsAtRisk", () => {
  it("finds auto-renewing subscriptions inside the days that renew idle seats", () => {
    const idle = buildSubscription({ termEnd: "2026-11-30", renewalDate: "2026-12-01" });
    const full = buildSubscription({ id: "SUB-2", termEnd: "2026-11-30", renewalDate: "2026-12-01", lines: [buildLine({ usage: 10 })] });
    const far = buildSubscription({ id: "SUB-3" });
    const report = computeRenewals(desire({ id: "SUB-1", licenses: { "M365-BP": 10 } }, { id: "SUB-2", licenses: { "M365-BP": 10 } }, { id: "SUB-3", licenses: { "M365-BP": 10 } }), [idle, full, far], clock);
    expect(listRenewalsAtRisk(report, 7).map((r) => r.subscriptionId)).toEqual(["SUB-1"]);
    expect(listRenewalsAtRisk(report, 90).map((r) => r.subscriptionId)).toEqual(["SUB-1", "SUB-3"]);
  });
});

describe("getLastDayBefore", () => {
  it("is the day of the closing time, or the day before when it closes at midnight", () => {
    expect(getLastDayBefore("2026-05-17T14:30:00.000Z")).toBe("2026-05-17");
    expect(getLastDayBefore("2026-05-17T00:00:00.000Z")).toBe("2026-05-16");
  });
});
