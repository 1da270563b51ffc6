/** The shared deferred-change mechanism: planner and drift for a portal that cannot schedule changes. */
import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import { computeDrift } from "../../provider/core/drift";
import type { DesiredState } from "../../provider/core/desired-types";
import { planSeats } from "../../provider/core/plan/planner";
import { listPendingChanges } from "../../provider/core/plan/plan-status";
import { renderDriftText, renderPlanMarkdown, renderPlanText } from "../../provider/report";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T09:00:00.000Z";
const noSchedule = { canScheduleChanges: false as const, canValidateChanges: false as const };

function state(target: number, downgradePolicy?: "refuse" | "at-renewal"): DesiredState {
  return { defaults: {}, subscriptions: [{ id: "SUB-1", licenses: { "M365-BP": target }, ...(downgradePolicy ? { downgradePolicy } : {}) }] } as DesiredState;
}

describe("deferred decreases", () => {
  it("hold a decrease outside the window instead of scheduling it, with its window", () => {
    const observed = buildSubscription({ ...noSchedule, lines: [buildLine({ usage: 8 })] });
    const plan = planSeats(state(8), [observed], createFixedClock(NOW));
    const [sub] = plan.subscriptions;
    expect(sub.orderLines).toEqual([]);
    expect(plan.hasChanges).toBe(false);
    expect(sub.lines[0]).toMatchObject({ action: "down", effective: "renewal", effectiveDate: "2027-01-01", deferred: { windowOpens: "2027-01-01", windowCloses: "2027-01-08" } });
    expect(sub.findings.map((f) => f.code)).toEqual(["DEFERRED_DECREASE"]);
    expect(listPendingChanges(sub)).toEqual([]);
    expect(renderPlanText(plan)).toContain("window 2027-01-01..2027-01-08");
    expect(renderPlanMarkdown(plan)).toContain("deferred: nothing ordered now");
  });

  it("leave portals that schedule changes as they were (an order line at renewal)", () => {
    const plan = planSeats(state(8), [buildSubscription({ lines: [buildLine({ usage: 8 })] })], createFixedClock(NOW));
    expect(plan.subscriptions[0].orderLines).toEqual([{ sku: "M365-BP", quantity: 8, effective: "renewal" }]);
    expect(plan.subscriptions[0].lines[0].deferred).toBeUndefined();
  });

  it("split: the refundable part now (an estimate), the rest deferred", () => {
    const observed = buildSubscription({ ...noSchedule, lines: [buildLine({ usage: 8, refundableBatches: [buildBatch(1, NOW, 10)] })] });
    const [sub] = planSeats(state(8), [observed], createFixedClock(NOW)).subscriptions;
    expect(sub.orderLines).toEqual([{ sku: "M365-BP", quantity: 9, effective: "now" }]);
    expect(sub.lines.map((l) => [l.effective, l.desired, l.estimate ?? false, l.deferred !== undefined])).toEqual([
      ["now", 9, true, false],
      ["renewal", 8, false, true],
    ]);
    expect(sub.findings.map((f) => f.code).sort()).toEqual(["DEFERRED_DECREASE", "ESTIMATE_NOT_VALIDATED"]);
  });

  it("downgradePolicy refuse still refuses", () => {
    const observed = buildSubscription({ ...noSchedule, lines: [buildLine({ usage: 8 })] });
    const [sub] = planSeats(state(8, "refuse"), [observed], createFixedClock(NOW)).subscriptions;
    expect(sub.findings.map((f) => f.code)).toEqual(["OUTSIDE_WINDOW"]);
    expect(sub.blocked).toBe(true);
  });

  it("drift: scheduled (no drift) before the window, drift with its message inside it", () => {
    const before = computeDrift(state(8), [buildSubscription({ ...noSchedule, lines: [buildLine({ usage: 8 })] })], createFixedClock(NOW));
    expect(before.hasDrift).toBe(false);
    expect(before.subscriptions[0].lines[0]).toMatchObject({ drifted: false, convergesOn: "2027-01-01", deferred: { ready: false, quantity: 2, windowOpens: "2027-01-01", windowCloses: "2027-01-08" } });
    expect(renderDriftText(before)).toContain("scheduled: deferred decrease: 2 seats, window opens 2027-01-01, closes 2027-01-08");

    const inside = "2027-01-02T09:00:00.000Z";
    const renewed = buildSubscription({ ...noSchedule, renewalDate: "2028-01-01", lines: [buildLine({ usage: 8, refundableBatches: [{ quantity: 10, addedAt: "2027-01-01T00:00:00.000Z", refundableUntil: "2027-01-08T00:00:00.000Z" }] })] });
    const ready = computeDrift(state(8), [renewed], createFixedClock(inside));
    expect(ready.hasDrift).toBe(true);
    expect(ready.subscriptions[0].lines[0].deferred).toMatchObject({ ready: true, message: "deferred decrease ready: 2 seats, window closes 2027-01-08" });
    expect(renderDriftText(ready)).toContain("DRIFT deferred decrease ready: 2 seats, window closes 2027-01-08");
    // The same line on a portal that schedules changes: plain drift, as before.
    expect(computeDrift(state(8), [buildSubscription({ lines: [buildLine({ usage: 8 })] })], createFixedClock(NOW)).hasDrift).toBe(true);
  });
});
