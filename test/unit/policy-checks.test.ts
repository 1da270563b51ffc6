/** The policy pack's checks over a SubscriptionSeats plan: exact money per currency, and which line broke which limit. */
import { describe, expect, it } from "vitest";
import type { PlannedLine, SubscriptionPlan } from "../../provider/core/plan/types";
import {
  checkBelowAssigned,
  checkDecreaseRefundable,
  checkLinePercentChange,
  checkMonthlyIncrease,
  checkOneOffCharge,
  checkStackMonthlyIncrease,
} from "../../policy/checks";
import { SEATS_POLICIES } from "../../policy/index";

const eur = (amount: string) => ({ currency: "EUR", amount });

function buildLine(overrides: Partial<PlannedLine>): PlannedLine {
  const currentLimit = overrides.currentLimit ?? 10;
  const desired = overrides.desired ?? 12;
  return {
    sku: "m365-basic",
    displayName: "Microsoft 365 Business Basic",
    usage: 5,
    currentLimit,
    desired,
    delta: desired - currentLimit,
    action: desired > currentLimit ? "up" : desired < currentLimit ? "down" : "none",
    effective: "now",
    effectiveDate: "2026-06-01",
    charge: eur("0.00"),
    refund: eur("0.00"),
    refundableQuantity: 0,
    ...overrides,
  };
}

function buildPlan(options: { id?: string; currency?: string; monthlyChange?: string; charge?: string; lines?: PlannedLine[] }): SubscriptionPlan {
  const currency = options.currency ?? "EUR";
  const money = (amount: string) => ({ currency, amount });
  return {
    subscriptionId: options.id ?? "sub-a",
    name: "Contoso A",
    currency,
    revision: "r1",
    lines: options.lines ?? [],
    orderLines: [],
    charge: money(options.charge ?? "0.00"),
    refund: money("0.00"),
    net: money(options.charge ?? "0.00"),
    findings: [],
    idempotencyKey: "k",
    allowBelowUsage: false,
    recurring: {
      monthsPerPeriod: 1,
      lines: [],
      total: {
        perPeriod: { before: money("100.00"), after: money("100.00"), change: money(options.monthlyChange ?? "0.00") },
        monthly: { before: money("100.00"), after: money("100.00"), change: money(options.monthlyChange ?? "0.00") },
        percentChange: null,
      },
    },
  };
}

describe("policy checks", () => {
  it("the per-subscription monthly increase: over fails, exactly at the limit passes, a decrease never counts", () => {
    expect(checkMonthlyIncrease(buildPlan({ monthlyChange: "50.01" }), { EUR: "50.00" })).toEqual([
      "subscription sub-a (Contoso A): the monthly cost rises by 50.01 EUR, over the limit of 50.00 EUR per subscription",
    ]);
    expect(checkMonthlyIncrease(buildPlan({ monthlyChange: "50.00" }), { EUR: "50" })).toEqual([]);
    expect(checkMonthlyIncrease(buildPlan({ monthlyChange: "-500.00" }), { EUR: "0" })).toEqual([]);
    // No limit for the currency: not checked.
    expect(checkMonthlyIncrease(buildPlan({ monthlyChange: "9999.00", currency: "USD" }), { EUR: "1.00" })).toEqual([]);
  });

  it("the per-stack increase sums per currency, never across currencies, and ignores decreases", () => {
    const plans = [
      buildPlan({ id: "sub-a", monthlyChange: "30.00" }),
      buildPlan({ id: "sub-b", monthlyChange: "30.01" }),
      buildPlan({ id: "sub-c", monthlyChange: "-40.00" }),
      buildPlan({ id: "sub-d", currency: "USD", monthlyChange: "59.00" }),
    ];
    expect(checkStackMonthlyIncrease(plans, { EUR: "60.00", USD: "60.00" })).toEqual([
      "the stack's monthly cost rises by 60.01 EUR (subscriptions sub-a, sub-b), over the limit of 60.00 EUR per stack",
    ]);
    // Zero-digit currencies are compared in their own minor units.
    expect(checkStackMonthlyIncrease([buildPlan({ currency: "JPY", monthlyChange: "1001" })], { JPY: "1000" })).toEqual([
      "the stack's monthly cost rises by 1001 JPY (subscriptions sub-a), over the limit of 1000 JPY per stack",
    ]);
  });

  it("the one-off charge names the charged lines", () => {
    const lines = [buildLine({ sku: "m365-basic", charge: eur("80.00") }), buildLine({ sku: "exchange-p1", charge: eur("0.00") })];
    expect(checkOneOffCharge(buildPlan({ charge: "80.00", lines }), { EUR: "75.00" })).toEqual([
      "subscription sub-a (Contoso A): a one-off charge of 80.00 EUR (lines m365-basic), over the limit of 75.00 EUR",
    ]);
    expect(checkOneOffCharge(buildPlan({ charge: "75.00", lines }), { EUR: "75.00" })).toEqual([]);
  });

  it("the percent change per line: under or at N % is auto-approved; from zero seats is always over", () => {
    const plan = buildPlan({
      lines: [
        buildLine({ sku: "a", currentLimit: 20, desired: 25 }),
        buildLine({ sku: "b", currentLimit: 20, desired: 26 }),
        buildLine({ sku: "c", currentLimit: 20, desired: 14 }),
        buildLine({ sku: "d", currentLimit: 0, desired: 1 }),
      ],
    });
    expect(checkLinePercentChange(plan, 25)).toEqual([
      "subscription sub-a (Contoso A), line b: 20 -> 26 seats (30.0 %), over the auto-approve limit of 25 %",
      "subscription sub-a (Contoso A), line c: 20 -> 14 seats (-30.0 %), over the auto-approve limit of 25 %",
      "subscription sub-a (Contoso A), line d: 0 -> 1 seats (from zero seats), over the auto-approve limit of 25 %",
    ]);
  });

  it("no decrease below the assigned seats (unknown usage is not judged)", () => {
    const plan = buildPlan({
      lines: [buildLine({ sku: "a", currentLimit: 10, desired: 4, usage: 5 }), buildLine({ sku: "b", currentLimit: 10, desired: 4, usage: null }), buildLine({ sku: "c", currentLimit: 10, desired: 5, usage: 5 })],
    });
    expect(checkBelowAssigned(plan)).toEqual(["subscription sub-a (Contoso A), line a: 4 seats would be fewer than the 5 assigned"]);
  });

  it("decreases now only of refundable seats; at renewal is always fine", () => {
    const plan = buildPlan({
      lines: [
        buildLine({ sku: "a", currentLimit: 10, desired: 6, refundableQuantity: 3 }),
        buildLine({ sku: "b", currentLimit: 10, desired: 7, refundableQuantity: 3 }),
        buildLine({ sku: "c", currentLimit: 10, desired: 2, effective: "renewal" }),
      ],
    });
    expect(checkDecreaseRefundable(plan)).toEqual(["subscription sub-a (Contoso A), line a: removes 4 seats now but only 3 are refundable; decrease at renewal instead"]);
  });

  it("the pack has six policies with unique names, in a fixed order", () => {
    const names = SEATS_POLICIES.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      "seats-monthly-increase-per-subscription",
      "seats-monthly-increase-per-stack",
      "seats-one-off-charge",
      "seats-line-percent-change",
      "seats-no-decrease-below-assigned",
      "seats-decrease-refundable-or-at-renewal",
    ]);
  });
});
