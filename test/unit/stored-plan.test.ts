/**
 * The plan as a resource stores it (core/plan/stored-plan.ts): one compact JSON text that decodes to the plan the
 * provider stored, for every shape the planner makes, and the object csp-seats 0.1 stored still reads the same.
 */
import { describe, expect, it } from "vitest";
import { planSubscription } from "../../provider/core/plan/planner";
import { decodeStoredPlan, encodeStoredPlan, toStoredPlan } from "../../provider/core/plan/stored-plan";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-20T10:00:00.000Z";
const at = new Date(NOW);

const cases: Array<{ name: string; why: string; plan: SubscriptionPlan }> = [
  {
    name: "an increase now",
    why: "a line with its charge, the totals and the monthly cost before/after",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 12 } }, {}, buildSubscription(), at),
  },
  {
    name: "a refunded decrease",
    why: "a refund inside the 168-hour window",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 8 } }, {}, buildSubscription({ lines: [buildLine({ usage: 6, refundableBatches: [buildBatch(4, NOW, 10)] })] }), at),
  },
  {
    name: "a decrease at renewal, below usage allowed",
    why: "allowBelowUsage true is kept (false is left out), effective renewal",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 5 }, allowBelowUsage: true, downgradePolicy: "at-renewal" }, {}, buildSubscription(), at),
  },
  {
    name: "a yearly period",
    why: "perPeriod differs from monthly, so it is stored",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 14 } }, {}, buildSubscription({ billingPeriod: { start: "2026-01-01", end: "2027-01-01" } }), at),
  },
  {
    name: "a blocked plan",
    why: "a violation: blocked and the requested monthly cost are kept",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 40 }, guardrails: { maxCharge: "1.00" } }, {}, buildSubscription(), at),
  },
  {
    name: "nothing to change",
    why: "no lines, zero money, findings only",
    plan: planSubscription({ id: "SUB-1", licenses: { "M365-BP": 10 } }, {}, buildSubscription(), at),
  },
];

describe("stored plan text", () => {
  const rows = cases.map(({ name, why, plan }) => [name, why, plan] as const);

  it.each(rows)("%s decodes to the stored plan (%s)", (_name, _why, plan) => {
    const text = encodeStoredPlan(plan);
    expect(decodeStoredPlan(text)).toEqual(JSON.parse(JSON.stringify({ ...toStoredPlan(plan), lines: toStoredPlan(plan).lines.map((line) => ({ ...line, displayName: line.sku })) })));
  });

  it.each(rows)("%s is at most 70 %% of the object as JSON (%s)", (_name, _why, plan) => {
    expect(encodeStoredPlan(plan).length).toBeLessThanOrEqual(0.7 * JSON.stringify(toStoredPlan(plan)).length);
  });

  it("keeps the line's money readable in the text itself: amounts in the plan's currency", () => {
    const stored = JSON.parse(encodeStoredPlan(cases[0].plan)) as { currency: string; lines: Array<{ sku: string; desired: number; charge: string }>; charge: string };
    expect(stored.currency).toBe("EUR");
    expect(stored.lines.map((line) => [line.sku, line.desired, line.charge])).toEqual([["M365-BP", 12, cases[0].plan.lines[0].charge.amount]]);
    expect(stored.charge).toBe(cases[0].plan.charge.amount);
  });

  it("writes money in another currency with its code", () => {
    const plan = cases[0].plan;
    const foreign: SubscriptionPlan = { ...plan, lines: plan.lines.map((line) => ({ ...line, refund: { currency: "USD", amount: "1.00" } })) };
    expect(JSON.parse(encodeStoredPlan(foreign)).lines[0].refund).toBe("1.00 USD");
    expect(decodeStoredPlan(encodeStoredPlan(foreign))!.lines[0].refund).toEqual({ currency: "USD", amount: "1.00" });
  });

  it("reads the object csp-seats 0.1 stored as it was", () => {
    const old = JSON.parse(JSON.stringify(toStoredPlan(cases[1].plan))) as SubscriptionPlan;
    expect(decodeStoredPlan(old)).toEqual(old);
  });

  it.each([
    ["absent", undefined],
    ["a preview's unknown value", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
    ["truncated text", encodeStoredPlan(cases[0].plan).slice(0, 40)],
    ["JSON that is not a plan", JSON.stringify({ subscriptionId: "SUB-1" })],
    ["a number", 12],
  ])("is undefined for %s", (_name, value) => {
    expect(decodeStoredPlan(value)).toBeUndefined();
  });
});
