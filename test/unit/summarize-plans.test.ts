/** The `plan` stack output: its wording comes from core/describe and must not change under existing stacks. */
import { describe, expect, it } from "vitest";
import { summarizePlans } from "../../provider/pulumi/resource";
import type { SubscriptionPlan } from "../../provider/core/plan/types";

const eur = (amount: string) => ({ currency: "EUR", amount });
const line = { displayName: "A", usage: 1, refundableQuantity: 0, effectiveDate: "2026-05-12", charge: eur("0.00"), refund: eur("0.00") } as const;

const plan: SubscriptionPlan = {
  subscriptionId: "sub-1",
  name: "Contoso",
  currency: "EUR",
  revision: "r1",
  lines: [
    { ...line, sku: "A", currentLimit: 10, desired: 7, delta: -3, action: "down", effective: "now", refund: eur("10.00") },
    { ...line, sku: "B", currentLimit: 6, desired: 4, delta: -2, action: "down", effective: "renewal", effectiveDate: "2026-12-01", alreadyScheduled: true },
  ],
  orderLines: [{ sku: "A", quantity: 7, effective: "now" }],
  charge: eur("0.00"),
  refund: eur("10.00"),
  net: eur("-10.00"),
  findings: [
    { severity: "warning", code: "USAGE_SHARED", subscriptionId: "sub-1", sku: "A", message: "A: assigned seats are counted tenant-wide", fix: "Check assignments." },
    { severity: "violation", code: "GUARDRAIL_MAX_CHARGE", subscriptionId: "sub-1", message: "this run would charge too much" },
  ],
  idempotencyKey: "k",
  allowBelowUsage: false,
};

describe("summarizePlans wording", () => {
  const summary = summarizePlans([plan]);

  it("words a refund, leaves out what the portal already has scheduled", () => {
    expect(summary.subscriptions[0].changes).toEqual(["A 10 -> 7 now: refund 10.00 EUR"]);
  });

  it("words findings as severity, code and message, without the fix", () => {
    expect(summary.subscriptions[0].findings).toEqual(["warning USAGE_SHARED: A: assigned seats are counted tenant-wide", "violation GUARDRAIL_MAX_CHARGE: this run would charge too much"]);
  });

  it("words the money of the subscription and of the totals", () => {
    expect(summary).toMatchObject({ hasChanges: true, hasViolations: true, totals: [{ currency: "EUR", charge: "0.00 EUR", refund: "10.00 EUR", net: "-10.00 EUR" }] });
    expect(summary.subscriptions[0]).toMatchObject({ charge: "0.00 EUR", refund: "10.00 EUR", net: "-10.00 EUR" });
  });

  it("carries the monthly cost per currency and per subscription, and leaves it out for a plan recorded without it", () => {
    const amounts = { before: eur("56.00"), after: eur("39.20"), change: eur("-16.80") };
    const cost = { perPeriod: amounts, monthly: amounts, percentChange: "-30.0" };
    const withCost: SubscriptionPlan = { ...plan, recurring: { monthsPerPeriod: 1, lines: [], total: cost } };
    const summary = summarizePlans([withCost]);
    expect(summary.monthlyTotals).toEqual([{ currency: "EUR", current: "56.00 EUR", change: "-16.80 EUR", new: "39.20 EUR", percentChange: "-30.0" }]);
    expect(summary.subscriptions[0].monthly).toMatchObject({ current: "56.00 EUR", change: "-16.80 EUR", new: "39.20 EUR" });
    const { recurring: _cost, ...older } = withCost;
    expect(summarizePlans([older]).subscriptions[0]).not.toHaveProperty("monthly");
  });

  it("summarizes nothing as no changes", () => {
    expect(summarizePlans([undefined])).toEqual({ hasChanges: false, hasViolations: false, totals: [], monthlyTotals: [], subscriptions: [] });
  });
});
