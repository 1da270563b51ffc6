import { describe, expect, it } from "vitest";
import type { LicenseLine, RefundableBatch, Subscription } from "../../provider/core/model";
import {
  checkLineChange,
  createBatch,
  getRefundableQuantity,
  getRefundableUntil,
  priceOrderLine,
  REDUCTION_WINDOW_MS,
  splitDecrease,
  takeFromBatches,
} from "../../provider/core/rules";
import { buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-05-12T09:00:00.000Z";
const HOUR = 3_600_000;
const at = (iso: string): Date => new Date(iso);

/** `quantity` seats added `hoursAgo` hours before NOW. */
function batch(quantity: number, hoursAgo: number): RefundableBatch {
  return createBatch(quantity, new Date(Date.parse(NOW) - hoursAgo * HOUR));
}

/** Business Basic at 5.60 EUR: 10 seats, 5 assigned, minimum 1. */
function line(overrides: Partial<LicenseLine> = {}): LicenseLine {
  return buildLine({ sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 5, unitPrice: { currency: "EUR", amount: "5.60" }, minQuantity: 1, ...overrides });
}

/** Billed monthly in May 2026 (31 days), renewing on 2026-12-01, with one `line()`. */
function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return buildSubscription({
    billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
    termEnd: "2026-11-30",
    renewalDate: "2026-12-01",
    lines: [line()],
    ...overrides,
  });
}

describe("the 168-hour reduction window", () => {
  const added = "2026-05-05T09:00:00.000Z";
  const seats = line({ refundableBatches: [createBatch(3, at(added))] });

  it("closes exactly 168 hours after the seats were added", () => {
    expect(createBatch(3, at(added)).refundableUntil).toBe("2026-05-12T09:00:00.000Z");
    expect(REDUCTION_WINDOW_MS).toBe(168 * HOUR);
  });

  it.each([
    { when: "2026-05-05T09:00:00.000Z", refundable: 3, reason: "the moment they were added" },
    { when: "2026-05-12T08:59:59.999Z", refundable: 3, reason: "one millisecond before the window closes" },
    { when: "2026-05-12T09:00:00.000Z", refundable: 0, reason: "exactly at 168 h the window is closed" },
    { when: "2026-05-13T09:00:00.000Z", refundable: 0, reason: "a day later" },
  ])("$refundable refundable at $when ($reason)", ({ when, refundable }) => {
    expect(getRefundableQuantity(seats, at(when))).toBe(refundable);
  });

  it("never reports more refundable seats than the limit", () => {
    expect(getRefundableQuantity(line({ limit: 2, refundableBatches: [batch(5, 1)] }), at(NOW))).toBe(2);
  });

  it("reports the earliest closing open window", () => {
    const mixed = line({ refundableBatches: [batch(1, 200), batch(2, 100), batch(3, 10)] });
    expect(getRefundableUntil(mixed, at(NOW))).toBe(batch(2, 100).refundableUntil);
    expect(getRefundableUntil(line({ refundableBatches: [batch(1, 200)] }), at(NOW))).toBeUndefined();
  });
});

describe("takeFromBatches", () => {
  it.each([
    {
      reason: "newest batch first, then the next newest",
      batches: [batch(2, 48), batch(3, 24)],
      take: 4,
      expected: [{ ...batch(2, 48), quantity: 1 }],
    },
    {
      reason: "input order does not matter: newest is by addedAt",
      batches: [batch(3, 24), batch(2, 48)],
      take: 4,
      expected: [{ ...batch(2, 48), quantity: 1 }],
    },
    {
      reason: "a partial take leaves the rest of the newest batch",
      batches: [batch(2, 48), batch(3, 24)],
      take: 1,
      expected: [batch(2, 48), { ...batch(3, 24), quantity: 2 }],
    },
    {
      reason: "expired batches are dropped and never taken from",
      batches: [batch(5, 200), batch(3, 24)],
      take: 2,
      expected: [{ ...batch(3, 24), quantity: 1 }],
    },
    {
      reason: "taking everything leaves nothing",
      batches: [batch(2, 48), batch(3, 24)],
      take: 5,
      expected: [],
    },
  ])("$reason", ({ batches, take, expected }) => {
    expect(takeFromBatches(batches, take, at(NOW))).toEqual(expected);
  });
});

describe("splitDecrease", () => {
  const mixed = line({ limit: 10, usage: 2, refundableBatches: [batch(3, 24), batch(7, 400)] });

  it.each([
    { reason: "3 of 10 refundable, remove 5: 3 now, the rest at renewal", l: mixed, target: 5, expected: { nowTo: 7, renewalTo: 5 } },
    { reason: "3 of 10 refundable, remove 3: all now", l: mixed, target: 7, expected: { nowTo: 7, renewalTo: undefined } },
    { reason: "3 of 10 refundable, remove 2: all now", l: mixed, target: 8, expected: { nowTo: 8, renewalTo: undefined } },
    { reason: "nothing refundable: all at renewal", l: line({ limit: 10 }), target: 6, expected: { nowTo: undefined, renewalTo: 6 } },
    { reason: "an increase is not a decrease", l: mixed, target: 12, expected: { nowTo: undefined, renewalTo: undefined } },
    { reason: "no change", l: mixed, target: 10, expected: { nowTo: undefined, renewalTo: undefined } },
  ])("$reason", ({ l, target, expected }) => {
    expect(splitDecrease(l, target, at(NOW))).toEqual(expected);
  });
});

describe("checkLineChange", () => {
  const mixed = line({ limit: 10, usage: 4, refundableBatches: [batch(3, 24)] });

  it.each([
    { reason: "an increase is allowed at any time", sub: subscription(), l: mixed, to: 15, effective: "now" as const, code: undefined },
    { reason: "a decrease inside the window (3 of 10 refundable, remove 3)", sub: subscription(), l: mixed, to: 7, effective: "now" as const, code: undefined },
    { reason: "a decrease beyond the refundable seats", sub: subscription(), l: mixed, to: 6, effective: "now" as const, code: "PORTAL_DECREASE_OUTSIDE_WINDOW" },
    { reason: "the same decrease scheduled at renewal", sub: subscription(), l: mixed, to: 6, effective: "renewal" as const, code: undefined },
    { reason: "at renewal without auto-renew", sub: subscription({ autoRenew: false }), l: mixed, to: 6, effective: "renewal" as const, code: "PORTAL_RENEWAL_NEEDS_AUTO_RENEW" },
    { reason: "below the assigned seats", sub: subscription(), l: line({ usage: 8, refundableBatches: [batch(10, 1)] }), to: 7, effective: "now" as const, code: "PORTAL_BELOW_USAGE" },
    { reason: "below usage at renewal too", sub: subscription(), l: line({ usage: 8 }), to: 7, effective: "renewal" as const, code: "PORTAL_BELOW_USAGE" },
    { reason: "an increase never takes licenses, even with tenant-wide usage above this subscription's seats", sub: subscription(), l: line({ limit: 3, usage: 18, usageScope: "tenant-wide: X, shared by 2 subscriptions" }), to: 4, effective: "now" as const, code: undefined },
    { reason: "unknown usage cannot block", sub: subscription(), l: line({ usage: null, refundableBatches: [batch(10, 1)] }), to: 1, effective: "now" as const, code: undefined },
    { reason: "below the sku minimum", sub: subscription(), l: line({ minQuantity: 5, usage: 0, refundableBatches: [batch(10, 1)] }), to: 4, effective: "now" as const, code: "PORTAL_QUANTITY_OUT_OF_RANGE" },
    { reason: "above the sku maximum", sub: subscription(), l: line({ maxQuantity: 300 }), to: 301, effective: "now" as const, code: "PORTAL_QUANTITY_OUT_OF_RANGE" },
    { reason: "exactly the maximum", sub: subscription(), l: line({ maxQuantity: 300 }), to: 300, effective: "now" as const, code: undefined },
    { reason: "a fraction of a seat", sub: subscription(), l: mixed, to: 10.5, effective: "now" as const, code: "PORTAL_BAD_REQUEST" },
    { reason: "a negative count", sub: subscription(), l: mixed, to: -1, effective: "now" as const, code: "PORTAL_BAD_REQUEST" },
  ])("$reason -> $code", ({ sub, l, to, effective, code }) => {
    const violation = checkLineChange(sub, l, to, effective, at(NOW));
    expect(violation?.code).toBe(code);
    if (violation) {
      // The user must see which license (or, for subscription-wide rules, which subscription) broke the rule.
      expect(violation.summary.includes(l.sku) || violation.summary.includes(sub.id)).toBe(true);
      expect(violation.fix.length).toBeGreaterThan(0);
    }
  });

  it("allows going below usage when asked to", () => {
    const l = line({ usage: 8, refundableBatches: [batch(10, 1)] });
    expect(checkLineChange(subscription(), l, 7, "now", at(NOW), { allowBelowUsage: true })).toBeUndefined();
  });

  it("offers the renewal date when a decrease is outside the window", () => {
    const violation = checkLineChange(subscription(), mixed, 6, "now", at(NOW));
    expect(violation?.summary).toContain("only 3 of the 4 seats");
    expect(violation?.fix).toContain("2026-12-01");
  });
});

describe("priceOrderLine", () => {
  const sub = subscription();

  it("charges an increase for the rest of the period: 5.60 x 2 x 20/31 = 7.23", () => {
    expect(priceOrderLine(sub, line(), 12, "now", at(NOW))).toEqual({
      sku: "m365-business-basic",
      from: 10,
      to: 12,
      effective: "now",
      effectiveDate: "2026-05-12",
      amount: { currency: "EUR", amount: "7.23" },
    });
  });

  it("refunds a decrease now as a negative amount: 5.60 x -3 x 20/31 = -10.84", () => {
    expect(priceOrderLine(sub, line(), 7, "now", at(NOW)).amount).toEqual({ currency: "EUR", amount: "-10.84" });
  });

  it("costs nothing now for a change at renewal, dated the renewal date", () => {
    const priced = priceOrderLine(sub, line(), 7, "renewal", at(NOW));
    expect(priced.amount).toEqual({ currency: "EUR", amount: "0.00" });
    expect(priced.effectiveDate).toBe("2026-12-01");
  });

  it("costs nothing for an unchanged quantity", () => {
    expect(priceOrderLine(sub, line(), 10, "now", at(NOW)).amount).toEqual({ currency: "EUR", amount: "0.00" });
  });
});
