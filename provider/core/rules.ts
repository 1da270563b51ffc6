/**
 * The seat-change rules and prices that both the planner and the embedded portal apply (pure functions).
 * Keeping one copy is what makes a plan agree with the portal's own quote to the cent; real backends are
 * still asked for their quote, and tests compare the two.
 */
import type { ErrorCode } from "./error-codes";
import type { Effective, LicenseLine, OrderLine, RefundableBatch, Subscription } from "./model";
import { prorate, toDateString, zeroMoney } from "./money";

/** Microsoft New Commerce: seats may be reduced within 168 hours of being added. */
export const REDUCTION_WINDOW_MS = 168 * 3_600_000;

/** The codes `checkLineChange` reports (portal error codes; the planner maps each to a finding code). */
export type RuleCode = Extract<ErrorCode, "PORTAL_BAD_REQUEST" | "PORTAL_BELOW_USAGE" | "PORTAL_DECREASE_OUTSIDE_WINDOW" | "PORTAL_QUANTITY_OUT_OF_RANGE" | "PORTAL_RENEWAL_NEEDS_AUTO_RENEW">;

/** A rule broken by a proposed line change, in the words the user sees. */
export interface RuleViolation {
  /** Stable code (a PortalErrorCode). */
  readonly code: RuleCode;
  readonly summary: string;
  readonly fix: string;
}

/** Seats of `line` that can still be removed with a refund at `now` (never more than the limit). */
export function getRefundableQuantity(line: Pick<LicenseLine, "limit" | "refundableBatches">, now: Date): number {
  const open = line.refundableBatches
    .filter((batch) => Date.parse(batch.refundableUntil) > now.getTime())
    .reduce((sum, batch) => sum + batch.quantity, 0);
  return Math.min(open, line.limit);
}

/** The time the newest open batch's window closes, if any seats are refundable at `now`. */
export function getRefundableUntil(line: Pick<LicenseLine, "refundableBatches">, now: Date): string | undefined {
  const open = line.refundableBatches.filter((batch) => Date.parse(batch.refundableUntil) > now.getTime());
  if (open.length === 0) return undefined;
  return open.map((b) => b.refundableUntil).sort()[0];
}

/** A new batch of `quantity` seats added at `now`, refundable for 168 hours. */
export function createBatch(quantity: number, now: Date): RefundableBatch {
  return {
    quantity,
    addedAt: now.toISOString(),
    refundableUntil: new Date(now.getTime() + REDUCTION_WINDOW_MS).toISOString(),
  };
}

/** Removes `quantity` refundable seats, newest batch first (as Microsoft does); expired batches are dropped. */
export function takeFromBatches(batches: readonly RefundableBatch[], quantity: number, now: Date): RefundableBatch[] {
  const open = batches
    .filter((batch) => Date.parse(batch.refundableUntil) > now.getTime())
    .sort((a, b) => a.addedAt.localeCompare(b.addedAt));
  let left = quantity;
  const kept: RefundableBatch[] = [];
  for (let i = open.length - 1; i >= 0; i -= 1) {
    const batch = open[i];
    const taken = Math.min(left, batch.quantity);
    left -= taken;
    if (batch.quantity - taken > 0) kept.unshift({ ...batch, quantity: batch.quantity - taken });
  }
  return kept;
}

/**
 * Splits a decrease from `line.limit` to `target` into the part that can happen now (inside the 168-hour
 * windows, refunded) and the part that must wait for renewal. `now` is the limit after the immediate part.
 */
export function splitDecrease(line: LicenseLine, target: number, now: Date): { nowTo: number | undefined; renewalTo: number | undefined } {
  const decrease = line.limit - target;
  if (decrease <= 0) return { nowTo: undefined, renewalTo: undefined };
  const refundable = getRefundableQuantity(line, now);
  if (decrease <= refundable) return { nowTo: target, renewalTo: undefined };
  if (refundable === 0) return { nowTo: undefined, renewalTo: target };
  return { nowTo: line.limit - refundable, renewalTo: target };
}

/**
 * Checks one proposed change of `line` to `to` seats, effective `effective`, against the portal's rules.
 * Returns the first rule broken, or undefined when the change is allowed.
 */
export function checkLineChange(
  subscription: Subscription,
  line: LicenseLine,
  to: number,
  effective: Effective,
  now: Date,
  options: { allowBelowUsage?: boolean } = {},
): RuleViolation | undefined {
  if (!Number.isSafeInteger(to) || to < 0) {
    return { code: "PORTAL_BAD_REQUEST", summary: `${line.sku}: quantity ${to} is not a whole number of seats`, fix: "Use a non-negative integer." };
  }
  if (to < line.minQuantity || to > line.maxQuantity) {
    return {
      code: "PORTAL_QUANTITY_OUT_OF_RANGE",
      summary: `${line.sku}: ${to} seats is outside the allowed range ${line.minQuantity}..${line.maxQuantity}`,
      fix: `Choose a quantity between ${line.minQuantity} and ${line.maxQuantity}.`,
    };
  }
  // Only removing seats can take licenses from users: an increase is never "below usage", even when the usage is
  // counted tenant-wide across subscriptions (usageScope) and exceeds this subscription's seats.
  if (line.usage !== null && to < line.usage && to < line.limit && !options.allowBelowUsage) {
    return {
      code: "PORTAL_BELOW_USAGE",
      summary: `${line.sku}: ${to} seats is below the ${line.usage} assigned`,
      fix: `Unassign ${line.usage - to} license(s) first, or set allowBelowUsage: true to take them away.`,
    };
  }
  if (effective === "renewal" && !subscription.autoRenew) {
    return {
      code: "PORTAL_RENEWAL_NEEDS_AUTO_RENEW",
      summary: `${subscription.id}: changes at renewal need auto-renew, which is off`,
      fix: "Turn auto-renew on in the portal, or make the change inside a refund window.",
    };
  }
  if (effective === "now" && to < line.limit) {
    const refundable = getRefundableQuantity(line, now);
    if (line.limit - to > refundable) {
      return {
        code: "PORTAL_DECREASE_OUTSIDE_WINDOW",
        summary: `${line.sku}: only ${refundable} of the ${line.limit - to} seats to remove are inside their 168-hour reduction window`,
        fix: `Schedule the decrease for renewal on ${subscription.renewalDate} (downgrade policy at-renewal), or remove at most ${refundable} seat(s) now.`,
      };
    }
  }
  return undefined;
}

/** Prices one order line: an increase is charged and a decrease now refunded, both prorated daily; renewal changes cost nothing now. */
export function priceOrderLine(subscription: Subscription, line: LicenseLine, to: number, effective: Effective, now: Date): OrderLine {
  const today = toDateString(now);
  if (effective === "renewal" || to === line.limit) {
    return {
      sku: line.sku,
      from: line.limit,
      to,
      effective,
      effectiveDate: effective === "renewal" ? subscription.renewalDate : today,
      amount: zeroMoney(line.unitPrice.currency),
    };
  }
  return {
    sku: line.sku,
    from: line.limit,
    to,
    effective,
    effectiveDate: today,
    amount: prorate(line.unitPrice, to - line.limit, subscription.billingPeriod, today),
  };
}
