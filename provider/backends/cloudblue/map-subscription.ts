/**
 * A CloudBlue SubscriptionDetailed (with its recent orders, catalog limits and Graph usage) as csp-seats'
 * Subscription: lines, prices, term, eligibility, the revision that makes a plan stale, and the seats still
 * inside their 168-hour reduction window.
 */
import { createHash } from "node:crypto";
import { CspSeatsError } from "../../core/errors";
import type { Eligibility, LicenseLine, RefundableBatch, Subscription } from "../../core/model";
import { zeroMoney } from "../../core/money";
import { REDUCTION_WINDOW_MS, createBatch, takeFromBatches } from "../../core/rules";
import { createVendorValueError } from "../shared/vendor-values";
import { toMoney } from "./amounts";
import { atCloudBlue, checkCbOrder, checkCbProductBound, checkCbSubscription } from "./check-values";
import { deriveTerm, parseVendorDate } from "./map-term";
import { findOpenOrders, mapSubscriptionStatus } from "./map-status";
import { readOrderMarker } from "./order-marker";
import type { CbOrder, CbSubscriptionDetailed } from "./simpleapi-types";

/** Catalog limits of a product (SimpleAPI `Product.minimumQuantity` / `maximumQuantity`). */
export interface ProductLimits {
  readonly minQuantity: number;
  readonly maxQuantity: number;
}

/** Used when the catalog does not say: never plan a line down to 0 (a cancellation) and stay below Microsoft's usual cap. */
export const DEFAULT_PRODUCT_LIMITS: ProductLimits = { minQuantity: 1, maxQuantity: 300 };

/**
 * Parses the catalog's string quantities; a missing bound or a word ("unlimited") falls back to
 * DEFAULT_PRODUCT_LIMITS, a negative or fractional one or a minimum above the maximum is VENDOR_VALUE_INVALID.
 */
export function parseProductLimits(product: { mpn?: string; minimumQuantity?: string; maximumQuantity?: string } | undefined): ProductLimits {
  const mpn = product?.mpn ?? "?";
  const limits = {
    minQuantity: checkCbProductBound(mpn, "minimumQuantity", product?.minimumQuantity) ?? DEFAULT_PRODUCT_LIMITS.minQuantity,
    maxQuantity: checkCbProductBound(mpn, "maximumQuantity", product?.maximumQuantity) ?? DEFAULT_PRODUCT_LIMITS.maxQuantity,
  };
  if (limits.minQuantity > limits.maxQuantity) {
    throw createVendorValueError(atCloudBlue(`product ${mpn}`), "minimumQuantity", product?.minimumQuantity, `the minimum is above the maximum ${limits.maxQuantity}`);
  }
  return limits;
}

/** Assigned seats for a line, as provided by Microsoft Graph (see provider/backends/graph). */
export interface LineUsage {
  readonly usage: number | null;
  readonly usageScope?: string;
}

/** What mapping a subscription needs besides the subscription itself. */
export interface SubscriptionContext {
  readonly now: Date;
  /** Orders of this subscription created within the reduction window (168 h), any status. */
  readonly recentOrders: readonly CbOrder[];
  readonly limits: (mpn: string) => ProductLimits;
  readonly usage: (mpn: string) => LineUsage;
}

/** A short opaque hash over everything that makes a plan stale, including the recent orders (ids and statuses). */
export function computeRevision(subscription: CbSubscriptionDetailed, recentOrders: readonly CbOrder[]): string {
  const canonical = JSON.stringify({
    status: subscription.status,
    renewalStatus: subscription.renewalStatus ?? null,
    expirationDate: subscription.expirationDate ?? null,
    lastModifiedDate: subscription.lastModifiedDate ?? null,
    products: (subscription.products ?? []).map((p) => [p.mpn, p.quantity, p.unitPrice?.amount ?? null]).sort(),
    orders: recentOrders.map((o) => [o.id, o.status]).sort(),
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/**
 * Seats still inside their 168-hour reduction window, derived because SimpleAPI has no such field:
 * every seat counts as added at the start of the term (or creation) at 00:00 UTC — the earliest the window can
 * have opened, so it never closes later than the real one — then csp-seats' own completed orders (read from
 * their markers, oldest first) add batches for increases and remove the newest seats for decreases.
 * Changes made outside csp-seats are not seen, so their seats are not counted as refundable (conservative).
 */
export function deriveRefundableBatches(mpn: string, limit: number, termStart: string, recentOrders: readonly CbOrder[], now: Date): RefundableBatch[] {
  const ours = recentOrders
    .filter((order) => order.status === "completed")
    .map((order) => ({ order, marker: readOrderMarker(order) }))
    .filter((entry) => entry.marker !== undefined && entry.marker.effective === "now")
    .map((entry) => ({ at: new Date(entry.order.provisioningDate ?? entry.order.creationDate ?? now.toISOString()), line: entry.marker!.lines.find((l) => l.sku === mpn) }))
    .filter((entry): entry is { at: Date; line: { sku: string; from: number; to: number } } => entry.line !== undefined && !Number.isNaN(entry.at.getTime()))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const added = ours.reduce((sum, entry) => sum + Math.max(0, entry.line.to - entry.line.from), 0);
  const termAt = parseVendorDate(termStart);
  let batches: RefundableBatch[] = [];
  const initial = Math.max(0, limit - added);
  if (initial > 0 && now.getTime() - termAt.getTime() < REDUCTION_WINDOW_MS) batches.push(createBatch(initial, termAt));
  for (const { at, line } of ours) {
    if (line.to > line.from) batches.push(createBatch(line.to - line.from, at));
    else if (line.to < line.from) batches = takeFromBatches(batches, line.from - line.to, at);
  }
  return batches.filter((batch) => Date.parse(batch.refundableUntil) > now.getTime());
}

/** Maps a SubscriptionDetailed (with its recent orders, catalog limits and usage) onto our Subscription. */
export function mapSubscription(subscription: CbSubscriptionDetailed, context: SubscriptionContext): Subscription {
  checkCbSubscription(subscription);
  for (const order of context.recentOrders) checkCbOrder(order);
  const id = subscription.id ?? "";
  const at = atCloudBlue(`subscription ${id}`);
  const products = subscription.products ?? [];
  const currencies = [...new Set(products.map((p) => p.unitPrice?.currency?.toUpperCase()).filter((c): c is string => Boolean(c)))];
  if (currencies.length > 1) {
    throw new CspSeatsError("CLOUDBLUE_MIXED_CURRENCY", `subscription ${id} prices its products in ${currencies.join(" and ")}`, "csp-seats never adds amounts in different currencies; manage this subscription in the CloudBlue control panel.");
  }
  const currency = currencies[0] ?? subscription.totalPrice?.currency?.toUpperCase() ?? "USD";
  const term = deriveTerm(subscription, context.now);
  const mapped = mapSubscriptionStatus(subscription.status);
  const open = findOpenOrders(context.recentOrders);
  const eligibility: Eligibility =
    mapped.eligibility.eligible && open.length > 0
      ? { eligible: false, reasonCode: "order-in-progress", reason: `order ${open[0].orderNumber ?? open[0].id} is still ${open[0].status}; wait for it to finish` }
      : mapped.eligibility;
  const lines: LicenseLine[] = products.map((product, index) => {
    const mpn = product.mpn ?? product.id ?? "";
    const limits = context.limits(mpn);
    const usage = context.usage(mpn);
    const limit = product.quantity ?? 0;
    return {
      sku: mpn,
      displayName: product.name ?? mpn,
      usage: usage.usage,
      ...(usage.usageScope ? { usageScope: usage.usageScope } : {}),
      limit,
      unitPrice: product.unitPrice ? toMoney(product.unitPrice, at, `products[${index}].unitPrice`) : zeroMoney(currency),
      minQuantity: limits.minQuantity,
      maxQuantity: limits.maxQuantity,
      refundableBatches: subscription.status === "active" ? deriveRefundableBatches(mpn, limit, term.termStart, context.recentOrders, context.now) : [],
    };
  });
  return {
    id,
    name: subscription.name ?? id,
    customerId: subscription.customerId ?? "",
    status: mapped.status,
    eligibility,
    currency,
    billingPeriod: term.billingPeriod,
    termEnd: term.termEnd,
    renewalDate: term.renewalDate,
    autoRenew: subscription.renewalStatus ?? false,
    paymentMethods: [],
    revision: computeRevision(subscription, context.recentOrders),
    lines,
    scheduledChanges: [],
  };
}
