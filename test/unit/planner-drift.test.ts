import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { LicenseLine, Subscription } from "../../provider/core/model";
import { computeDrift } from "../../provider/core/drift";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const clock = createFixedClock(NOW);

describe("computeDrift", () => {
  it.each<{ reason: string; line?: Partial<LicenseLine>; subscription?: Partial<Subscription>; desired: number; want: Record<string, unknown> }>([
    { reason: "purchased equals desired: no drift", line: { usage: 10 }, desired: 10, want: { drifted: false, difference: 0, idleSeats: 0 } },
    {
      reason: "seats bought in the portal beyond the file (out of band) drift, idle seats priced per period",
      line: { limit: 14, usage: 9 },
      desired: 10,
      want: { drifted: true, difference: 4, idleSeats: 5, idleCost: { currency: "EUR", amount: "100.00" } },
    },
    { reason: "fewer purchased than desired drifts the other way", line: { limit: 8, usage: 8 }, desired: 10, want: { drifted: true, difference: -2, idleSeats: 0 } },
    {
      reason: "a scheduled change that reaches the desired count is not drift (nothing left to order), and says when it converges",
      subscription: { scheduledChanges: [{ sku: "M365-BP", quantity: 8, effectiveDate: "2027-01-01" }] },
      desired: 8,
      want: { drifted: false, difference: 2, convergesOn: "2027-01-01", scheduledChanges: [{ sku: "M365-BP", quantity: 8, effectiveDate: "2027-01-01" }] },
    },
    {
      reason: "a scheduled change to another count does not excuse the difference: still drift",
      subscription: { scheduledChanges: [{ sku: "M365-BP", quantity: 9, effectiveDate: "2027-01-01" }] },
      desired: 8,
      want: { drifted: true, difference: 2, scheduledChanges: [{ sku: "M365-BP", quantity: 9, effectiveDate: "2027-01-01" }] },
    },
    {
      reason: "refundable seats and the earliest closing window are reported",
      line: { refundableBatches: [buildBatch(2, NOW, 100), buildBatch(1, NOW, 1), buildBatch(5, NOW, 200)] },
      desired: 10,
      want: { refundableQuantity: 3, refundableUntil: "2026-11-29T02:00:00.000Z" },
    },
    { reason: "unknown usage: idle seats are unknown, not zero", line: { usage: null }, desired: 10, want: { assigned: null, idleSeats: null, idleCost: null } },
    {
      reason: "tenant-wide usage is never split into idle seats",
      line: { usage: 30, usageScope: "tenant-wide sku SPB" },
      desired: 10,
      want: { assigned: 30, usageScope: "tenant-wide sku SPB", idleSeats: null },
    },
  ])("$reason", ({ line, subscription, desired, want }) => {
    const report = computeDrift({ defaults: {}, subscriptions: [{ id: "SUB-1", licenses: { "M365-BP": desired } }] }, [buildSubscription({ ...subscription, lines: [buildLine(line)] })], clock);
    expect(report.subscriptions[0].lines[0]).toMatchObject({ sku: "M365-BP", desired, ...want });
    expect(report.hasDrift).toBe(want.drifted ?? false);
    expect(report.hasErrors).toBe(false);
  });

  it("sums idle cost per currency and reports file problems as errors, ignoring unlisted lines", () => {
    const observed = [
      buildSubscription({ lines: [buildLine({ usage: 7 }), buildLine({ sku: "UNMANAGED", limit: 50, usage: 0 })] }),
      buildSubscription({ id: "SUB-US", currency: "USD", lines: [buildLine({ unitPrice: { currency: "USD", amount: "30.00" }, usage: 9 })] }),
    ];
    const report = computeDrift(
      {
        defaults: {},
        subscriptions: [
          { id: "SUB-1", licenses: { "M365-BP": 10 } },
          { id: "SUB-US", licenses: { "M365-BP": 10, NOPE: 1 } },
          { id: "MISSING", licenses: { "M365-BP": 1 } },
        ],
      },
      observed,
      clock,
    );
    expect(report.checkedAt).toBe(NOW);
    expect(report.subscriptions[0].lines.map((l) => l.sku)).toEqual(["M365-BP"]);
    expect(report.idleTotals).toEqual([
      { currency: "EUR", idleSeats: 3, idleCost: { currency: "EUR", amount: "60.00" } },
      { currency: "USD", idleSeats: 1, idleCost: { currency: "USD", amount: "30.00" } },
    ]);
    expect(report.findings.map((f) => f.code)).toEqual(["UNKNOWN_SKU", "UNKNOWN_SUBSCRIPTION"]);
    expect(report.hasErrors).toBe(true);
    expect(report.hasDrift).toBe(false);
  });
});
