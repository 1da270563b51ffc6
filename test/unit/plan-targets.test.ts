import { describe, expect, it } from "vitest";
import type { SeatTarget } from "../../provider/core/desired-types";
import { planSubscription } from "../../provider/core/plan/planner";
import { deriveTargetCount, isSeatTarget, resolveLicenseCount, type TargetObservation } from "../../provider/core/plan/targets";
import { renderPlanText } from "../../provider/report/plan-text";
import { renderPlanMarkdown } from "../../provider/report/plan-markdown";
import { planSeats } from "../../provider/core/plan/planner";
import { createFixedClock } from "../../provider/core/clock";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";

interface DerivationCase {
  reason: string;
  target: SeatTarget;
  observed: Partial<TargetObservation>;
  count?: number;
  refused?: string;
  text: string;
  downgradePolicy?: string;
}

const derivations: DerivationCase[] = [
  { reason: "usage plus the buffer, inside the range", target: { usagePlus: 2, min: 5, max: 50 }, observed: { usage: 17 }, count: 19, text: "assigned 17 + 2 = 19, within 5..50" },
  { reason: "raised to min", target: { usagePlus: 2, min: 5, max: 50 }, observed: { usage: 1 }, count: 5, text: "assigned 1 + 2 = 3, raised to min 5" },
  { reason: "clamped to max", target: { usagePlus: 2, min: 5, max: 50 }, observed: { usage: 60, limit: 60 }, count: 50, text: "assigned 60 + 2 = 62, clamped to max 50" },
  { reason: "no range: the buffer alone", target: { usagePlus: 0 }, observed: { usage: 7 }, count: 7, text: "assigned 7 + 0 = 7" },
  { reason: "rounded up to roundTo before the range", target: { usagePlus: 2, roundTo: 5, max: 50 }, observed: { usage: 17 }, count: 20, text: "assigned 17 + 2 = 19, rounded up to 20 (roundTo 5), within at most 50" },
  { reason: "already a multiple of roundTo: not rounded", target: { usagePlus: 3, roundTo: 5 }, observed: { usage: 17 }, count: 20, text: "assigned 17 + 3 = 20" },
  { reason: "min alone", target: { usagePlus: 1, min: 3 }, observed: { usage: 4 }, count: 5, text: "assigned 4 + 1 = 5, within 3 or more" },
  { reason: "decrease: never keeps the purchased seats", target: { usagePlus: 2, decrease: "never" }, observed: { usage: 5, limit: 10 }, count: 10, text: "assigned 5 + 2 = 7, decrease: never keeps 10" },
  { reason: "decrease: never still increases at once", target: { usagePlus: 2, decrease: "never" }, observed: { usage: 12, limit: 10 }, count: 14, text: "assigned 12 + 2 = 14" },
  {
    reason: "refundable-only lowers only as far as the refundable seats",
    target: { usagePlus: 1, decrease: "refundable-only" },
    observed: { usage: 3, limit: 10, refundableQuantity: 2 },
    count: 8,
    text: "assigned 3 + 1 = 4, decrease: refundable-only keeps 8 (2 refundable)",
  },
  { reason: "refundable-only: a decrease within the refundable seats goes through", target: { usagePlus: 1, decrease: "refundable-only" }, observed: { usage: 8, limit: 10, refundableQuantity: 3 }, count: 9, text: "assigned 8 + 1 = 9" },
  { reason: "at-renewal overrides the downgradePolicy for the line", target: { usagePlus: 1, decrease: "at-renewal" }, observed: { usage: 3, limit: 10 }, count: 4, text: "assigned 3 + 1 = 4", downgradePolicy: "at-renewal" },
  { reason: "unknown usage is refused, the purchased seats kept", target: { usagePlus: 2 }, observed: { usage: null }, refused: "TARGET_USAGE_UNKNOWN", text: "assigned unknown: target refused, 10 kept" },
  {
    reason: "tenant-wide usage is refused, never split",
    target: { usagePlus: 2 },
    observed: { usage: 30, usageScope: "tenant-wide" },
    refused: "TARGET_USAGE_SHARED",
    text: "assigned 30 (counted tenant-wide, shared with other subscriptions): target refused, 10 kept",
  },
];

describe("deriveTargetCount", () => {
  it.each(derivations)("$reason", (c) => {
    const observed: TargetObservation = { usage: 8, limit: 10, refundableQuantity: 0, ...c.observed };
    const result = deriveTargetCount("M365-BP", c.target, observed);
    expect(result.derivation.text).toBe(c.text);
    if (c.refused) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.code).toBe(c.refused);
        expect(result.fix).toMatch(/number of seats/);
      }
      expect(result.derivation.refused).toBe(true);
      return;
    }
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.count).toBe(c.count);
    expect(result.derivation.desired).toBe(c.count);
    expect(result.downgradePolicy).toBe(c.downgradePolicy);
  });

  it("tells a target from a number", () => {
    expect(isSeatTarget({ usagePlus: 1 })).toBe(true);
    expect(isSeatTarget(5)).toBe(false);
    expect(resolveLicenseCount("X", 5, { usage: 1, limit: 3, refundableQuantity: 0 })).toBe(5);
    expect(resolveLicenseCount("X", { usagePlus: 1 }, { usage: 1, limit: 3, refundableQuantity: 0 })).toBe(2);
    expect(resolveLicenseCount("X", { usagePlus: 1 }, { usage: null, limit: 3, refundableQuantity: 0 })).toBe(3);
  });
});

function planTarget(target: SeatTarget, line: Parameters<typeof buildLine>[0] = {}, settings: Record<string, unknown> = {}) {
  return planSubscription({ id: "SUB-1", licenses: { "M365-BP": target }, ...settings }, {}, buildSubscription({ lines: [buildLine(line)] }), new Date(NOW));
}

describe("the planner with targets", () => {
  it("plans the derived count as a literal one and records the derivation", () => {
    const plan = planTarget({ usagePlus: 2, min: 5, max: 50 }, { usage: 17, limit: 10 });
    expect(plan.orderLines).toEqual([{ sku: "M365-BP", quantity: 19, effective: "now" }]);
    expect(plan.lines[0].derivation?.text).toBe("assigned 17 + 2 = 19, within 5..50");
    const literal = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 19 } }, {}, buildSubscription({ lines: [buildLine({ usage: 17, limit: 10 })] }), new Date(NOW));
    expect(plan.charge).toEqual(literal.charge);
    expect(plan.findings.map((f) => f.code)).toEqual(literal.findings.map((f) => f.code));
  });

  it("applies maxIncrease to the derived count", () => {
    const plan = planTarget({ usagePlus: 2 }, { usage: 17, limit: 10 }, { guardrails: { maxIncrease: 5 } });
    expect(plan.blocked).toBe(true);
    expect(plan.findings.map((f) => f.code)).toContain("GUARDRAIL_MAX_INCREASE");
    expect(plan.orderLines).toEqual([]);
  });

  it("applies maxCharge to the derived count", () => {
    const plan = planTarget({ usagePlus: 2 }, { usage: 17, limit: 10 }, { guardrails: { maxCharge: "1.00" } });
    expect(plan.findings.map((f) => f.code)).toContain("GUARDRAIL_MAX_CHARGE");
    expect(plan.blocked).toBe(true);
  });

  it("a max below the assigned seats is below usage, as a literal count would be", () => {
    const plan = planTarget({ usagePlus: 2, max: 6 }, { usage: 8, limit: 10, refundableBatches: [buildBatch(5, NOW, 2)] });
    expect(plan.lines[0].derivation?.text).toBe("assigned 8 + 2 = 10, clamped to max 6");
    expect(plan.findings.map((f) => f.code)).toContain("BELOW_USAGE");
    expect(plan.blocked).toBe(true);
  });

  it("refuses a target on unknown usage: a violation, nothing ordered", () => {
    const plan = planTarget({ usagePlus: 2 }, { usage: null });
    expect(plan.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(["violation:TARGET_USAGE_UNKNOWN"]);
    expect(plan.blocked).toBe(true);
    expect(plan.lines).toHaveLength(1);
    expect(plan.lines[0]).toMatchObject({ action: "none", desired: 10, derivation: { refused: true } });
  });

  it("refuses a target on tenant-wide usage rather than split it", () => {
    const plan = planTarget({ usagePlus: 2 }, { usage: 30, usageScope: "tenant-wide" });
    expect(plan.findings.map((f) => f.code)).toEqual(["TARGET_USAGE_SHARED"]);
    expect(plan.findings[0].sku).toBe("M365-BP");
    expect(plan.orderLines).toEqual([]);
  });

  it("decrease: at-renewal schedules the decrease even when the subscription refuses downgrades", () => {
    const plan = planTarget({ usagePlus: 1, decrease: "at-renewal" }, { usage: 5, limit: 10 }, { downgradePolicy: "refuse" });
    expect(plan.findings.map((f) => f.code)).not.toContain("OUTSIDE_WINDOW");
    expect(plan.orderLines).toEqual([{ sku: "M365-BP", quantity: 6, effective: "renewal" }]);
  });

  it("decrease: refundable-only removes the refundable seats now and schedules nothing", () => {
    const plan = planTarget({ usagePlus: 1, decrease: "refundable-only" }, { usage: 5, limit: 10, refundableBatches: [buildBatch(2, NOW, 2)] });
    expect(plan.orderLines).toEqual([{ sku: "M365-BP", quantity: 8, effective: "now" }]);
    expect(plan.lines.map((l) => l.effective)).toEqual(["now"]);
  });

  it("decrease: never leaves the seats when usage falls", () => {
    const plan = planTarget({ usagePlus: 1, decrease: "never" }, { usage: 5, limit: 10 });
    expect(plan.orderLines).toEqual([]);
    expect(plan.lines[0]).toMatchObject({ action: "none", desired: 10 });
  });

  it("the text and Markdown reports show the derivation", () => {
    const desired = { subscriptions: [{ id: "SUB-1", licenses: { "M365-BP": { usagePlus: 2, min: 5, max: 50 } } }], defaults: {} };
    const plan = planSeats(desired, [buildSubscription({ lines: [buildLine({ usage: 17 })] })], createFixedClock(NOW));
    expect(renderPlanText(plan)).toContain("target M365-BP: assigned 17 + 2 = 19, within 5..50");
    expect(renderPlanMarkdown(plan)).toContain("target `M365-BP`: assigned 17 + 2 = 19, within 5..50");
  });
});
