import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import { formatPercentChange, multiplyMoney } from "../../provider/core/money";
import { planSeats, planSubscription } from "../../provider/core/plan/planner";
import { computeRecurringTotals, countBillingMonths } from "../../provider/core/plan/recurring";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const now = new Date(NOW);
const eur = (amount: string) => ({ currency: "EUR", amount });
const annual = { billingPeriod: { start: "2026-01-01", end: "2027-01-01" }, termEnd: "2026-12-31", renewalDate: "2027-01-01" };

describe("countBillingMonths", () => {
  it.each([
    { period: { start: "2026-11-01", end: "2026-12-01" }, months: 1, reason: "a monthly period" },
    { period: { start: "2026-11-26", end: "2026-12-26" }, months: 1, reason: "a monthly period mid-month" },
    { period: { start: "2026-01-01", end: "2027-01-01" }, months: 12, reason: "an annual period" },
    { period: { start: "2026-01-31", end: "2026-02-28" }, months: 1, reason: "an end clamped to a short month" },
    { period: { start: "2026-02-28", end: "2026-03-31" }, months: 1, reason: "a start clamped to a short month" },
    { period: { start: "2024-02-29", end: "2027-02-28" }, months: 36, reason: "a three-year term from a leap day" },
    { period: { start: "2026-11-01", end: "2026-12-16" }, months: 1, reason: "no whole number of months: the nearest, at least 1" },
  ])("counts $months for $reason", ({ period, months }) => {
    expect(countBillingMonths(period)).toBe(months);
  });
});

describe("formatPercentChange", () => {
  it.each([
    { before: 3n, after: 4n, percent: "+33.3" },
    { before: 3n, after: 2n, percent: "-33.3" },
    { before: 8n, after: 9n, percent: "+12.5" },
    { before: 16n, after: 17n, percent: "+6.3" },
    { before: 16n, after: 15n, percent: "-6.3" },
    { before: 1000n, after: 1000n, percent: "0.0" },
    { before: 200_000n, after: 200_001n, percent: "+0.0" },
    { before: 100n, after: 0n, percent: "-100.0" },
    { before: 0n, after: 500n, percent: null },
  ])("$before -> $after is $percent (exact ratio, rounded once, half away from zero)", ({ before, after, percent }) => {
    expect(formatPercentChange(before, after)).toBe(percent);
  });

  it("multiplies money exactly", () => {
    expect(multiplyMoney(eur("19.99"), 3)).toEqual(eur("59.97"));
  });
});

describe("planSubscription recurring cost", () => {
  it("prices an increase per period and per month, beside the prorated charge", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 12 } }, {}, buildSubscription(), now);
    expect(plan.charge).toEqual(eur("6.67"));
    expect(plan.recurring?.monthsPerPeriod).toBe(1);
    expect(plan.recurring?.lines).toEqual([
      {
        sku: "M365-BP",
        unitPrice: eur("20.00"),
        seatsBefore: 10,
        seatsAfter: 12,
        effectiveDate: "2026-11-26",
        perPeriod: { before: eur("200.00"), after: eur("240.00"), change: eur("40.00") },
        monthly: { before: eur("200.00"), after: eur("240.00"), change: eur("40.00") },
        percentChange: "+20.0",
      },
    ]);
    expect(plan.recurring?.total.monthly).toEqual({ before: eur("200.00"), after: eur("240.00"), change: eur("40.00") });
    expect(plan.recurring?.requested).toBeUndefined();
  });

  it("shows an annual price per month too, each figure rounded once with the exact per-period figure alongside", () => {
    const observed = buildSubscription({ ...annual, lines: [buildLine({ unitPrice: eur("100.00"), usage: 10 })] });
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 11 } }, {}, observed, now);
    expect(plan.recurring?.monthsPerPeriod).toBe(12);
    expect(plan.recurring?.total).toEqual({
      perPeriod: { before: eur("1000.00"), after: eur("1100.00"), change: eur("100.00") },
      monthly: { before: eur("83.33"), after: eur("91.67"), change: eur("8.33") },
      percentChange: "+10.0",
    });
  });

  it("counts a decrease split into now + at renewal once per SKU, from the current limit to the final count, from the renewal date", () => {
    const observed = buildSubscription({ lines: [buildLine({ usage: 4, refundableBatches: [buildBatch(3, NOW, 10)] })] });
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 5 } }, {}, observed, now);
    expect(plan.lines.map((l) => `${l.currentLimit}->${l.desired} ${l.effective}`)).toEqual(["10->7 now", "7->5 renewal"]);
    expect(plan.recurring?.lines).toHaveLength(1);
    expect(plan.recurring?.lines[0]).toMatchObject({ seatsBefore: 10, seatsAfter: 5, effectiveDate: "2027-01-01", percentChange: "-50.0" });
    expect(plan.recurring?.total.monthly.change).toEqual(eur("-100.00"));
  });

  it("leaves an unchanged SKU without an effective date and at 0.0 %", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 10 } }, {}, buildSubscription(), now);
    expect(plan.recurring?.lines[0]).not.toHaveProperty("effectiveDate");
    expect(plan.recurring?.lines[0].percentChange).toBe("0.0");
  });

  it("keeps a blocked subscription's total at its current cost, with what the file asked for in requested", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 15 } }, { guardrails: { maxIncrease: 1 } }, buildSubscription(), now);
    expect(plan.blocked).toBe(true);
    expect(plan.recurring?.total.monthly).toEqual({ before: eur("200.00"), after: eur("200.00"), change: eur("0.00") });
    expect(plan.recurring?.requested?.monthly).toEqual({ before: eur("200.00"), after: eur("300.00"), change: eur("100.00") });
    expect(plan.recurring?.lines[0].seatsAfter).toBe(15);
  });

  it("prices a free SKU at zero with no percentage", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 12 } }, {}, buildSubscription({ lines: [buildLine({ unitPrice: eur("0.00") })] }), now);
    expect(plan.recurring?.total.percentChange).toBeNull();
  });

  it("rounds to the currency's own minor units (JPY has none)", () => {
    const jpy = { currency: "JPY", amount: "1000" };
    const observed = buildSubscription({ ...annual, currency: "JPY", lines: [buildLine({ unitPrice: jpy, limit: 1, usage: 1 })] });
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 2 } }, {}, observed, now);
    expect(plan.recurring?.total.monthly).toEqual({ before: { currency: "JPY", amount: "83" }, after: { currency: "JPY", amount: "167" }, change: { currency: "JPY", amount: "83" } });
  });
});

describe("recurring totals", () => {
  const monthly = buildSubscription({ id: "SUB-M", lines: [buildLine()] });
  const yearly = buildSubscription({ id: "SUB-Y", ...annual, lines: [buildLine({ unitPrice: eur("100.00"), limit: 10 })] });
  const usd = buildSubscription({ id: "SUB-US", currency: "USD", lines: [buildLine({ unitPrice: { currency: "USD", amount: "30.00" }, usage: 12 })] });
  const plan = planSeats(
    {
      defaults: {},
      subscriptions: [
        { id: "SUB-M", licenses: { "M365-BP": 10 } },
        { id: "SUB-Y", licenses: { "M365-BP": 11 } },
        { id: "SUB-US", licenses: { "M365-BP": 12 } },
      ],
    },
    [monthly, yearly, usd],
    createFixedClock(NOW),
  );

  it("adds monthly and annual subscriptions exactly per currency and rounds each total once", () => {
    // EUR before: 200 + 1000/12 = 283.333..., after: 200 + 1100/12 = 291.666..., change 100/12 = 8.333...
    expect(plan.recurringTotals).toEqual([
      { currency: "EUR", monthly: { before: eur("283.33"), after: eur("291.67"), change: eur("8.33") }, percentChange: "+2.9" },
      { currency: "USD", monthly: { before: { currency: "USD", amount: "300.00" }, after: { currency: "USD", amount: "360.00" }, change: { currency: "USD", amount: "60.00" } }, percentChange: "+20.0" },
    ]);
  });

  it("leaves out plans without recurring figures (recorded by an older csp-seats)", () => {
    const [m] = plan.subscriptions;
    const { recurring: _recurring, ...old } = m;
    expect(computeRecurringTotals([old, m])).toEqual(computeRecurringTotals([m]));
    expect(computeRecurringTotals([old])).toEqual([]);
  });
});
