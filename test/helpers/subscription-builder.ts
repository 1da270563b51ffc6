/**
 * A fake-state builder for observed subscriptions: sensible defaults (an active, eligible EUR subscription with a
 * monthly period around 2026-11-26 and one line), overridden per test. Pure data, no portal needed.
 */
import type { LicenseLine, RefundableBatch, Subscription } from "../../provider/core/model";
import { REDUCTION_WINDOW_MS } from "../../provider/core/rules";

/** A license line: 10 seats of SKU `M365-BP` at 20.00 EUR, 8 assigned, no refundable batches. */
export function buildLine(overrides: Partial<LicenseLine> = {}): LicenseLine {
  return {
    sku: "M365-BP",
    displayName: "Microsoft 365 Business Premium",
    usage: 8,
    limit: 10,
    unitPrice: { currency: overrides.unitPrice?.currency ?? "EUR", amount: "20.00" },
    minQuantity: 0,
    maxQuantity: 300,
    refundableBatches: [],
    ...overrides,
  };
}

/** A batch of `quantity` seats added `hoursAgo` hours before `now` (refundable for 168 hours after that). */
export function buildBatch(quantity: number, now: string, hoursAgo: number): RefundableBatch {
  const added = Date.parse(now) - hoursAgo * 3_600_000;
  return { quantity, addedAt: new Date(added).toISOString(), refundableUntil: new Date(added + REDUCTION_WINDOW_MS).toISOString() };
}

/** A subscription `SUB-1` ("Contoso HQ") billed monthly 2026-11-01..2026-12-01, term to 2026-12-31, renewal 2027-01-01. */
export function buildSubscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: "SUB-1",
    name: "Contoso HQ",
    customerId: "CUST-1",
    status: "active",
    eligibility: { eligible: true },
    currency: "EUR",
    billingPeriod: { start: "2026-11-01", end: "2026-12-01" },
    termEnd: "2026-12-31",
    renewalDate: "2027-01-01",
    autoRenew: true,
    paymentMethods: [
      { id: "pm-card", label: "Visa ending 4242", isDefault: true },
      { id: "pm-invoice", label: "Invoice", isDefault: false },
    ],
    revision: "rev-1",
    lines: [buildLine()],
    scheduledChanges: [],
    ...overrides,
  };
}
