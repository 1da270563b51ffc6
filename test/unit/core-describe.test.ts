import { describe, expect, it } from "vitest";
import { describeChange, describePlanChanges, describeRenewal, formatDelta, formatFinding, formatMoney, isZeroMoney } from "../../provider/core/describe";
import { hasOrderLines, hasViolation, isUnchanged, listChangedLines, listPendingChanges } from "../../provider/core/plan/plan-status";
import type { PlanFinding, PlannedLine } from "../../provider/core/plan/types";

const eur = (amount: string) => ({ currency: "EUR", amount });
const base = { displayName: "A", usage: 1, refundableQuantity: 0, effectiveDate: "2026-05-12", charge: eur("0.00"), refund: eur("0.00") } as const;
const up: PlannedLine = { ...base, sku: "m365-basic", currentLimit: 20, desired: 22, delta: 2, action: "up", effective: "now", charge: eur("0.72") };
const refunded: PlannedLine = { ...base, sku: "m365-basic", currentLimit: 10, desired: 7, delta: -3, action: "down", effective: "now", refund: eur("10.00") };
const atRenewal: PlannedLine = { ...base, sku: "exo-p1", currentLimit: 6, desired: 4, delta: -2, action: "down", effective: "renewal", effectiveDate: "2026-12-01" };
const scheduled: PlannedLine = { ...atRenewal, sku: "teams", alreadyScheduled: true };
const unchanged: PlannedLine = { ...base, sku: "visio", currentLimit: 3, desired: 3, delta: 0, action: "none", effective: "now" };

describe("money and deltas", () => {
  it("formats money as amount and currency", () => {
    expect(formatMoney(eur("12.34"))).toBe("12.34 EUR");
  });

  it.each([
    { amount: "0.00", zero: true },
    { amount: "-0.00", zero: true },
    { amount: "0", zero: true },
    { amount: "0.01", zero: false },
    { amount: "-1.00", zero: false },
  ])("tells zero money: $amount -> $zero", ({ amount, zero }) => {
    expect(isZeroMoney(eur(amount))).toBe(zero);
  });

  it.each([
    { delta: 2, text: "+2" },
    { delta: -3, text: "-3" },
    { delta: 0, text: "0" },
  ])("formats a delta $delta as $text", ({ delta, text }) => {
    expect(formatDelta(delta)).toBe(text);
  });
});

describe("describeChange", () => {
  it.each([
    { reason: "an increase with its charge", line: up, summary: "m365-basic 20 -> 22 now: charge 0.72 EUR", progress: "m365-basic 20 -> 22 (now, charge 0.72 EUR)" },
    { reason: "a refunded decrease", line: refunded, summary: "m365-basic 10 -> 7 now: refund 10.00 EUR", progress: "m365-basic 10 -> 7 (now, refund 10.00 EUR)" },
    { reason: "a decrease at renewal, no money", line: atRenewal, summary: "exo-p1 6 -> 4 at renewal 2026-12-01", progress: "exo-p1 6 -> 4 (at renewal 2026-12-01)" },
  ])("words $reason the same in both wordings, punctuation aside", ({ line, summary, progress }) => {
    expect(describeChange(line)).toBe(summary);
    expect(describeChange(line, "progress")).toBe(progress);
  });

  it("lists only the changes still to make: not unchanged lines, not those already scheduled", () => {
    expect(describePlanChanges({ lines: [up, unchanged, scheduled, atRenewal] })).toEqual(["m365-basic 20 -> 22 now: charge 0.72 EUR", "exo-p1 6 -> 4 at renewal 2026-12-01"]);
  });

  it("says when the portal already has a renewal change", () => {
    expect(describeRenewal(scheduled)).toBe("at renewal 2026-12-01 (already scheduled)");
    expect(describeRenewal(atRenewal)).toBe("at renewal 2026-12-01");
  });
});

describe("formatFinding", () => {
  const finding: PlanFinding = { severity: "violation", code: "GUARDRAIL_MAX_INCREASE", subscriptionId: "s", message: "a: +5 seats exceeds the guardrail maxIncrease 2", fix: "Raise guardrails.maxIncrease" };

  it("puts the code first, then the message and the fix", () => {
    expect(formatFinding(finding)).toBe("GUARDRAIL_MAX_INCREASE: a: +5 seats exceeds the guardrail maxIncrease 2. Raise guardrails.maxIncrease");
  });

  it("can lead with the severity and leave the fix out", () => {
    expect(formatFinding(finding, { withSeverity: true, withFix: false })).toBe("violation GUARDRAIL_MAX_INCREASE: a: +5 seats exceeds the guardrail maxIncrease 2");
  });

  it("has no fix sentence when the finding has no fix", () => {
    const { fix: _fix, ...bare } = finding;
    expect(formatFinding(bare)).toBe("GUARDRAIL_MAX_INCREASE: a: +5 seats exceeds the guardrail maxIncrease 2");
  });
});

describe("plan status", () => {
  const warning: PlanFinding = { severity: "warning", code: "IDLE_SEATS", subscriptionId: "s", message: "idle" };
  const violation: PlanFinding = { severity: "violation", code: "BELOW_USAGE", subscriptionId: "s", message: "below" };

  it("tells changed lines from the ones still to make", () => {
    expect(listChangedLines({ lines: [up, unchanged, scheduled] })).toEqual([up, scheduled]);
    expect(listPendingChanges({ lines: [up, unchanged, scheduled] })).toEqual([up]);
  });

  it("has changes to order exactly when there are order lines", () => {
    expect(hasOrderLines({ orderLines: [] })).toBe(false);
    expect(hasOrderLines({ orderLines: [{ sku: "a", quantity: 2, effective: "now" }] })).toBe(true);
  });

  it.each([
    { reason: "no change and no finding", lines: [unchanged], findings: [], expected: true },
    { reason: "a warning alone", lines: [unchanged], findings: [warning], expected: true },
    { reason: "a violation", lines: [unchanged], findings: [violation], expected: false },
    { reason: "a changed line", lines: [unchanged, up], findings: [], expected: false },
    { reason: "a change the portal already has scheduled", lines: [scheduled], findings: [], expected: false },
  ])("counts a subscription with $reason as unchanged: $expected", ({ lines, findings, expected }) => {
    expect(isUnchanged({ lines, findings })).toBe(expected);
    expect(hasViolation({ findings })).toBe(findings.includes(violation));
  });
});
