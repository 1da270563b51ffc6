/**
 * Plans priced with a portal's own quote (a backend with its own rating engine, such as CloudBlue): the quoted
 * amount replaces csp-seats' own proration line by line, the charge guardrail judges the quoted charge, and only
 * unblocked changes planned for now are ever sent for a quote.
 */
import { describe, expect, it } from "vitest";
import type { DesiredSubscription } from "../../provider/desired/desired-state";
import type { OrderEstimate } from "../../provider/core/model";
import { listQuotableLines, planSubscription } from "../../provider/core/plan/planner";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

// 5 of November's 30 days left: csp-seats' own rules price one 20.00 seat at 3.33.
const NOW = "2026-11-26T06:00:00.000Z";

function desired(licenses: Record<string, number>, guardrails: DesiredSubscription["guardrails"] = undefined): DesiredSubscription {
  return { id: "SUB-1", licenses, ...(guardrails ? { guardrails } : {}) };
}

function quote(lines: { sku: string; from: number; to: number; amount: string }[]): OrderEstimate {
  const money = (amount: string) => ({ currency: "EUR", amount });
  return {
    subscriptionId: "SUB-1",
    currency: "EUR",
    lines: lines.map((l) => ({ sku: l.sku, from: l.from, to: l.to, effective: "now" as const, effectiveDate: "2026-11-26", amount: money(l.amount) })),
    charge: money("0.00"),
    refund: money("0.00"),
    total: money("0.00"),
  };
}

const observed = buildSubscription({ lines: [buildLine({ refundableBatches: [buildBatch(3, NOW, 24)] }), buildLine({ sku: "EXO-1", displayName: "Exchange", usage: 1, limit: 4 })] });

describe("planSubscription with the portal's quote", () => {
  it.each([
    {
      reason: "an increase is charged what the portal quotes, not the local proration (2 x 3.33 = 6.67)",
      licenses: { "M365-BP": 12 },
      quoted: [{ sku: "M365-BP", from: 10, to: 12, amount: "5.21" }],
      lines: [["M365-BP", "now", "5.21", "0.00"]],
      totals: { charge: "5.21", refund: "0.00", net: "5.21" },
    },
    {
      reason: "a refund is the portal's quoted negative amount, shown positive",
      licenses: { "M365-BP": 8 },
      quoted: [{ sku: "M365-BP", from: 10, to: 8, amount: "-4.10" }],
      lines: [["M365-BP", "now", "0.00", "4.10"]],
      totals: { charge: "0.00", refund: "4.10", net: "-4.10" },
    },
    {
      reason: "a quote for another target count is not this change's price: the local rules price it",
      licenses: { "M365-BP": 12 },
      quoted: [{ sku: "M365-BP", from: 10, to: 13, amount: "9.99" }],
      lines: [["M365-BP", "now", "6.67", "0.00"]],
      totals: { charge: "6.67", refund: "0.00", net: "6.67" },
    },
  ])("$reason", ({ licenses, quoted, lines, totals }) => {
    const plan = planSubscription(desired(licenses), {}, observed, new Date(NOW), quote(quoted));
    expect(plan.lines.filter((l) => l.action !== "none").map((l) => [l.sku, l.effective, l.charge.amount, l.refund.amount])).toEqual(lines);
    expect({ charge: plan.charge.amount, refund: plan.refund.amount, net: plan.net.amount }).toEqual(totals);
  });

  it.each([
    { reason: "the quoted charge is under maxCharge although csp-seats' own price (6.67) is over it", amount: "4.00", blocked: false },
    { reason: "the quoted charge is over maxCharge although csp-seats' own price (6.67) is under it", amount: "8.00", blocked: true },
  ])("judges the charge guardrail on the quote: $reason", ({ amount, blocked }) => {
    const plan = planSubscription(desired({ "M365-BP": 12 }, { maxCharge: blocked ? "7.00" : "5.00" }), {}, observed, new Date(NOW), quote([{ sku: "M365-BP", from: 10, to: 12, amount }]));
    expect(plan.findings.some((f) => f.code === "GUARDRAIL_MAX_CHARGE")).toBe(blocked);
    expect(plan.orderLines).toHaveLength(blocked ? 0 : 1);
  });

  it("ignores a quote for another subscription", () => {
    const other = { ...quote([{ sku: "M365-BP", from: 10, to: 12, amount: "1.00" }]), subscriptionId: "SUB-2" };
    expect(planSubscription(desired({ "M365-BP": 12 }), {}, observed, new Date(NOW), other).charge.amount).toBe("6.67");
  });
});

describe("listQuotableLines", () => {
  it.each([
    { reason: "changes planned for now, each as an order line", licenses: { "M365-BP": 12, "EXO-1": 5 }, guardrails: undefined, expected: [["M365-BP", 12], ["EXO-1", 5]] },
    { reason: "a decrease scheduled for renewal costs nothing now: not quoted", licenses: { "EXO-1": 2 }, guardrails: undefined, expected: [] },
    { reason: "a plan blocked only by the charge guardrail is quoted (the quote may lift it)", licenses: { "M365-BP": 12 }, guardrails: { maxCharge: "1.00" }, expected: [["M365-BP", 12]] },
    { reason: "a plan blocked by another guardrail is not quoted", licenses: { "M365-BP": 12 }, guardrails: { maxIncrease: 1 }, expected: [] },
  ])("$reason", ({ licenses, guardrails, expected }) => {
    const plan = planSubscription(desired(licenses, guardrails), {}, observed, new Date(NOW));
    expect(listQuotableLines(plan).map((l) => [l.sku, l.quantity])).toEqual(expected);
    expect(listQuotableLines(plan).every((l) => l.effective === "now")).toBe(true);
  });
});
