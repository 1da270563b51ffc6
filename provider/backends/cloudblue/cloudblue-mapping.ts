/**
 * Pure mapping between CloudBlue Commerce SimpleAPI 1.15 and the csp-seats model: statuses and eligibility,
 * the current billing period and term, refundable batches, prices (decimal strings rounded half-up to the
 * currency's digits), estimates and orders with their sign conventions, and the idempotency marker carried in
 * an order's PO number and attributes. No I/O: the portal fetches, this module translates.
 */
import { createHash } from "node:crypto";
import { CspSeatsError } from "../../core/errors";
import type {
  Effective,
  Eligibility,
  LicenseLine,
  Money,
  Order,
  OrderEstimate,
  OrderLine,
  OrderLineRequest,
  OrderStatus,
  RefundableBatch,
  Subscription,
  SubscriptionStatus,
} from "../../core/model";
import { divideRoundHalfUp, getMinorDigits, moneyFromMinor, negateMoney, subtractMoney, sumMoney, toDateString, toMinorUnits, zeroMoney } from "../../core/money";
import { REDUCTION_WINDOW_MS, createBatch, takeFromBatches } from "../../core/rules";
import type { CbAmount, CbOrder, CbOrderDetail, CbOrderDetailType, CbOrderDetailed, CbOrderLineProduct, CbPeriod, CbSubscriptionDetailed } from "./simpleapi-types";

// ---------------------------------------------------------------------------------------------------------------
// Money

const VENDOR_DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** An exact decimal: `value / 10^scale`. */
interface ExactDecimal {
  readonly value: bigint;
  readonly scale: number;
}

function parseExactDecimal(amount: string): ExactDecimal {
  const match = VENDOR_DECIMAL.exec(amount.trim());
  if (!match) {
    throw new CspSeatsError("CLOUDBLUE_BAD_AMOUNT", `CloudBlue sent "${amount}", which is not a decimal amount`, "Report this to the portal's support with the correlation id; csp-seats never guesses amounts.");
  }
  const fraction = match[3] ?? "";
  const value = BigInt(`${match[2]}${fraction}`);
  return { value: match[1] === "-" ? -value : value, scale: fraction.length };
}

function rescale(decimal: ExactDecimal, scale: number): bigint {
  return decimal.value * 10n ** BigInt(scale - decimal.scale);
}

/** Rounds an exact decimal to minor units of `currency`, half away from zero ("3.865" -> 3.87, "-3.865" -> -3.87). */
function roundToMinor(decimal: ExactDecimal, currency: string): bigint {
  const digits = getMinorDigits(currency);
  if (decimal.scale <= digits) return rescale(decimal, digits);
  return divideRoundHalfUp(decimal.value, 10n ** BigInt(decimal.scale - digits));
}

/** Sums decimal strings exactly, then rounds once to the currency's digits (half away from zero). */
function sumAndRound(amounts: readonly string[], currency: string): bigint {
  const parsed = amounts.map(parseExactDecimal);
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  const total = parsed.reduce((sum, d) => sum + rescale(d, scale), 0n);
  return roundToMinor({ value: total, scale }, currency);
}

/**
 * Money from a CloudBlue amount. SimpleAPI amounts are decimal strings that may carry more digits than the
 * currency has ("4.1234"); they are rounded half away from zero to the currency's minor digits.
 */
export function toMoney(amount: CbAmount): Money {
  const currency = amount.currency.trim().toUpperCase();
  return moneyFromMinor(roundToMinor(parseExactDecimal(amount.amount), currency), currency);
}

/** How a detail's amount enters our signed line amount (positive = charge, negative = refund). */
export type DetailSign = "as-given" | "refund" | "ignore";

const DETAIL_SIGNS: Record<CbOrderDetailType, DetailSign> = {
  setup: "as-given",
  switch: "as-given",
  renew: "as-given",
  transfer: "as-given",
  recurring: "as-given",
  overuse: "as-given",
  handlingFee: "as-given",
  nonProvisioningItem: "as-given",
  billPenalty: "as-given",
  billRecord: "as-given",
  adjustment: "as-given",
  refundAdjustment: "as-given",
  unknown: "as-given",
  setupRefund: "refund",
  renewRefund: "refund",
  transferRefund: "refund",
  recurringRefund: "refund",
  downgrade: "refund",
  cancellation: "refund",
  refund: "refund",
  discount: "refund",
  payment: "ignore",
  resellerPayment: "ignore",
  deposit: "ignore",
};

/**
 * The sign rule of an order detail type. Refund-like types (downgrade, refund, recurringRefund, ...) and
 * discounts always reduce what is owed, whatever sign CloudBlue gives them (change orders report them both
 * ways); charge-like types keep their sign; payments and deposits move money but price nothing, so they are ignored.
 */
export function getDetailSign(type: string | undefined): DetailSign {
  return DETAIL_SIGNS[(type ?? "unknown") as CbOrderDetailType] ?? "as-given";
}

/** The signed decimal string a detail contributes, or undefined when it contributes nothing. */
function signedDetailAmount(detail: CbOrderDetail): string | undefined {
  if (!detail.extendedPrice) return undefined;
  const sign = getDetailSign(detail.type);
  if (sign === "ignore") return undefined;
  const raw = detail.extendedPrice.amount.trim().replace(/^\+/, "");
  if (sign === "as-given") return raw;
  return raw.startsWith("-") ? raw : `-${raw}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and periods

const HOUR_MS = 3_600_000;

function parseDate(date: string): Date {
  const at = new Date(`${date.slice(0, 10)}T00:00:00.000Z`);
  if (Number.isNaN(at.getTime())) {
    throw new CspSeatsError("CLOUDBLUE_BAD_DATE", `CloudBlue sent "${date}", which is not a date`, "Report this to the portal's support with the correlation id.");
  }
  return at;
}

/** `date` plus `count` periods (negative to go back); month arithmetic keeps the day, clamped to the month's end. */
export function addPeriods(date: string, period: CbPeriod, count: number): string {
  const at = parseDate(date);
  const units = period.duration * count;
  if (period.type === "day") return toDateString(new Date(at.getTime() + units * 86_400_000));
  const months = period.type === "year" ? units * 12 : units;
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() + months;
  const day = at.getUTCDate();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return toDateString(new Date(Date.UTC(year, month, Math.min(day, lastDay))));
}

/** Billing and subscription periods CloudBlue leaves unknown (`statement_day`, `unknown`, absent) are read as one month. */
function normalisePeriod(period: CbPeriod | undefined): CbPeriod {
  if (!period || !Number.isInteger(period.duration) || period.duration <= 0) return { type: "month", duration: 1 };
  if (period.type === "day" || period.type === "month" || period.type === "year") return period;
  return { type: "month", duration: period.duration };
}

/** Our term: the subscription expires at the start of `expirationDate`; the term ends the day before; renewal is that day. */
export interface DerivedTerm {
  readonly termStart: string;
  readonly termEnd: string;
  readonly renewalDate: string;
  readonly billingPeriod: { readonly start: string; readonly end: string };
}

/**
 * Derives the term and the current billing period from the dates SimpleAPI gives. The billing period is the
 * one containing `today`, counted back from `expirationDate` in `billingPeriod` steps (SimpleAPI has no
 * "current period" field); the term started one `subscriptionPeriod` before expiration.
 */
export function deriveTerm(subscription: Pick<CbSubscriptionDetailed, "expirationDate" | "renewalDate" | "creationDate" | "billingPeriod" | "subscriptionPeriod" | "id">, now: Date): DerivedTerm {
  const expiration = subscription.expirationDate ?? subscription.renewalDate;
  if (!expiration) {
    throw new CspSeatsError(
      "CLOUDBLUE_NO_TERM",
      `subscription ${subscription.id ?? "?"} has neither an expirationDate nor a renewalDate`,
      "csp-seats cannot price or schedule changes without the term; check the subscription in the CloudBlue control panel.",
    );
  }
  const today = toDateString(now);
  const billing = normalisePeriod(subscription.billingPeriod);
  const term = normalisePeriod(subscription.subscriptionPeriod ?? subscription.billingPeriod);
  let end = expiration.slice(0, 10);
  let start = addPeriods(end, billing, -1);
  for (let guard = 0; start > today && guard < 1200; guard += 1) {
    end = start;
    start = addPeriods(end, billing, -1);
  }
  const termStart = addPeriods(expiration, term, -1);
  return {
    termStart: subscription.creationDate && subscription.creationDate.slice(0, 10) > termStart ? subscription.creationDate.slice(0, 10) : termStart,
    termEnd: addPeriods(expiration, { type: "day", duration: 1 }, -1),
    renewalDate: expiration.slice(0, 10),
    billingPeriod: { start, end },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Statuses

const SUBSCRIPTION_STATUS: Record<string, { status: SubscriptionStatus; eligibility: Eligibility }> = {
  active: { status: "active", eligibility: { eligible: true } },
  pending: {
    status: "pending",
    eligibility: { eligible: false, reasonCode: "provisioning", reason: "the subscription is still being provisioned (CloudBlue status pending); it cannot be changed until it is active" },
  },
  hold: { status: "hold", eligibility: { eligible: false, reasonCode: "on-hold", reason: "the subscription is on hold and its services are disabled; it is still billed and cannot be changed" } },
  terminated: { status: "terminated", eligibility: { eligible: false, reasonCode: "terminated", reason: "the subscription is terminated" } },
  removed: { status: "terminated", eligibility: { eligible: false, reasonCode: "removed", reason: "the subscription is terminated and its services are deprovisioned (CloudBlue status removed)" } },
};

/** CloudBlue subscription status -> our status and eligibility (`unknown` and anything new -> suspended, ineligible). */
export function mapSubscriptionStatus(status: string | undefined): { status: SubscriptionStatus; eligibility: Eligibility } {
  return (
    SUBSCRIPTION_STATUS[status ?? "unknown"] ?? {
      status: "suspended",
      eligibility: { eligible: false, reasonCode: "unknown-status", reason: `CloudBlue reports the subscription status as "${status ?? "unknown"}"` },
    }
  );
}

/** CloudBlue order status -> ours; `cancelled` is an `error` with code CLOUDBLUE_ORDER_CANCELLED. */
export function mapOrderStatus(status: string | undefined): OrderStatus {
  switch (status) {
    case "processing":
      return "processing";
    case "completed":
      return "completed";
    case "error":
    case "cancelled":
      return "error";
    default:
      return "submitted";
  }
}

/** Whether CloudBlue will change the order no further. */
export function isFinalOrderStatus(status: string | undefined): boolean {
  return status === "completed" || status === "error" || status === "cancelled";
}

// ---------------------------------------------------------------------------------------------------------------
// The idempotency marker

/** The order attribute holding csp-seats' marker (JSON). */
export const MARKER_ATTRIBUTE = "csp-seats";

/** What csp-seats writes into an order it places, to find it again and to know what it changed. */
export interface OrderMarker {
  readonly v: 1;
  readonly key: string;
  readonly effective: Effective;
  /** YYYY-MM-DD the change takes effect (today, or the renewal date). */
  readonly effectiveDate: string;
  readonly currency: string;
  readonly lines: readonly { readonly sku: string; readonly from: number; readonly to: number }[];
}

/** The PO number for an idempotency key: short (PO fields are often limited), deterministic, recognisable. */
export function getMarkerPoNumber(idempotencyKey: string): string {
  return `CSPS-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 16)}`;
}

/** Reads csp-seats' marker from an order, if it carries a well-formed one. */
export function readOrderMarker(order: Pick<CbOrder, "attributes" | "poNumber">): OrderMarker | undefined {
  const text = order.attributes?.[MARKER_ATTRIBUTE];
  if (!text) return undefined;
  try {
    const marker = JSON.parse(text) as OrderMarker;
    if (marker?.v !== 1 || typeof marker.key !== "string" || !Array.isArray(marker.lines)) return undefined;
    if (order.poNumber !== undefined && order.poNumber !== getMarkerPoNumber(marker.key)) return undefined;
    return marker;
  } catch {
    return undefined;
  }
}

/** Whether `order` was placed by csp-seats for `idempotencyKey` (PO number first: it is also on list items). */
export function isOrderForKey(order: Pick<CbOrder, "attributes" | "poNumber">, idempotencyKey: string): boolean {
  if (order.poNumber !== getMarkerPoNumber(idempotencyKey)) return false;
  const marker = readOrderMarker(order);
  return marker === undefined || marker.key === idempotencyKey;
}

// ---------------------------------------------------------------------------------------------------------------
// Subscriptions

/** Catalog limits of a product (SimpleAPI `Product.minimumQuantity` / `maximumQuantity`). */
export interface ProductLimits {
  readonly minQuantity: number;
  readonly maxQuantity: number;
}

/** Used when the catalog does not say: never plan a line down to 0 (a cancellation) and stay below Microsoft's usual cap. */
export const DEFAULT_PRODUCT_LIMITS: ProductLimits = { minQuantity: 1, maxQuantity: 300 };

/** Parses the catalog's string quantities; a missing or unparsable bound falls back to DEFAULT_PRODUCT_LIMITS. */
export function parseProductLimits(product: { minimumQuantity?: string; maximumQuantity?: string } | undefined): ProductLimits {
  const read = (text: string | undefined, fallback: number): number => {
    if (text === undefined || !/^\d+$/.test(text.trim())) return fallback;
    const value = Number(text.trim());
    return Number.isSafeInteger(value) ? value : fallback;
  };
  return {
    minQuantity: read(product?.minimumQuantity, DEFAULT_PRODUCT_LIMITS.minQuantity),
    maxQuantity: read(product?.maximumQuantity, DEFAULT_PRODUCT_LIMITS.maxQuantity),
  };
}

/** Assigned seats for a line, as provided by Microsoft Graph (see provider/backends/graph). */
export interface LineUsage {
  readonly usage: number | null;
  readonly usageScope?: string;
}

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
  const termAt = parseDate(termStart);
  let batches: RefundableBatch[] = [];
  const initial = Math.max(0, limit - added);
  if (initial > 0 && now.getTime() - termAt.getTime() < REDUCTION_WINDOW_MS) batches.push(createBatch(initial, termAt));
  for (const { at, line } of ours) {
    if (line.to > line.from) batches.push(createBatch(line.to - line.from, at));
    else if (line.to < line.from) batches = takeFromBatches(batches, line.from - line.to, at);
  }
  return batches.filter((batch) => Date.parse(batch.refundableUntil) > now.getTime());
}

/** Open orders (submitted/processing) among `orders`. */
export function findOpenOrders(orders: readonly CbOrder[]): CbOrder[] {
  return orders.filter((order) => order.status === "submitted" || order.status === "processing");
}

/** Maps a SubscriptionDetailed (with its recent orders, catalog limits and usage) onto our Subscription. */
export function mapSubscription(subscription: CbSubscriptionDetailed, context: SubscriptionContext): Subscription {
  const id = subscription.id ?? "";
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
  const lines: LicenseLine[] = products.map((product) => {
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
      unitPrice: product.unitPrice ? toMoney(product.unitPrice) : zeroMoney(currency),
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

// ---------------------------------------------------------------------------------------------------------------
// Orders

/** The requested lines split by when they take effect; each group becomes one CloudBlue change order. */
export function groupByEffective(lines: readonly OrderLineRequest[]): { now: OrderLineRequest[]; renewal: OrderLineRequest[] } {
  const groups = { now: [] as OrderLineRequest[], renewal: [] as OrderLineRequest[] };
  for (const line of lines) {
    const group = groups[line.effective];
    if (group.some((other) => other.sku === line.sku)) {
      throw new CspSeatsError("PORTAL_DUPLICATE_SKU", `${line.sku} appears twice with effective ${line.effective}`, "Give each sku at most one line per effective date.", { status: 422 });
    }
    group.push(line);
  }
  return groups;
}

/** Checks that every requested sku is a product of the subscription. */
export function assertKnownSkus(subscription: CbSubscriptionDetailed, lines: readonly OrderLineRequest[]): void {
  const known = new Set((subscription.products ?? []).map((p) => p.mpn));
  for (const line of lines) {
    if (!known.has(line.sku)) {
      throw new CspSeatsError("PORTAL_SKU_NOT_FOUND", `subscription ${subscription.id} has no product ${line.sku}`, `Use one of: ${[...known].join(", ") || "(none)"}.`, { status: 422 });
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
      throw new CspSeatsError("PORTAL_BAD_REQUEST", `${line.sku}: quantity ${line.quantity} is not a whole number of seats`, "Use a non-negative integer.", { status: 400 });
    }
  }
}

/**
 * The body of a SimpleAPI change order (for `POST /orders` and `POST /orders/estimate`): ONE order carrying
 * every product of the subscription, each with its new total (`quantity` is the new limit, not a delta);
 * products not being changed are carried at their current quantity. `marker` makes it findable again.
 */
export function buildChangeOrder(
  subscription: CbSubscriptionDetailed,
  targets: ReadonlyMap<string, number>,
  options: { scheduledOn?: "renewal"; marker?: OrderMarker } = {},
): CbOrderDetailed {
  const products: CbOrderLineProduct[] = (subscription.products ?? []).map((product) => ({
    ...(product.mpn !== undefined ? { mpn: product.mpn } : {}),
    ...(product.vendor !== undefined ? { vendor: product.vendor } : {}),
    ...(product.id !== undefined ? { id: product.id } : {}),
    subscriptionId: subscription.id!,
    quantity: targets.get(product.mpn ?? "") ?? product.quantity ?? 0,
    ...(subscription.billingPeriod ? { billingPeriod: subscription.billingPeriod } : {}),
    ...(subscription.subscriptionPeriod ? { subscriptionPeriod: subscription.subscriptionPeriod } : {}),
  }));
  return {
    type: "change",
    customerId: subscription.customerId!,
    subscriptionId: subscription.id!,
    products,
    ...(options.scheduledOn ? { scheduledOn: options.scheduledOn } : {}),
    ...(options.marker ? { poNumber: getMarkerPoNumber(options.marker.key), attributes: { [MARKER_ATTRIBUTE]: JSON.stringify(options.marker) } } : {}),
  };
}

/**
 * Signed amounts per mpn from an order's details: refund types negative, summed exactly, rounded half-up once
 * per line. Details without an mpn are attributed to the only changed line, or refused when ambiguous.
 */
export function sumDetailsBySku(details: readonly CbOrderDetail[], currency: string, changedSkus: readonly string[], orderLabel: string): Map<string, Money> {
  const bySku = new Map<string, string[]>();
  for (const detail of details) {
    const amount = signedDetailAmount(detail);
    if (amount === undefined) continue;
    const detailCurrency = detail.extendedPrice!.currency.toUpperCase();
    if (detailCurrency !== currency) {
      throw new CspSeatsError("MONEY_CURRENCY_MISMATCH", `${orderLabel}: a ${detail.type ?? "detail"} is in ${detailCurrency}, the subscription in ${currency}`, "csp-seats never adds amounts in different currencies; check the order in the CloudBlue control panel.");
    }
    let sku = detail.mpn;
    if (sku === undefined) {
      if (changedSkus.length !== 1) {
        throw new CspSeatsError("CLOUDBLUE_UNMAPPED_DETAIL", `${orderLabel}: a ${detail.type ?? "detail"} of ${detail.extendedPrice!.amount} ${detailCurrency} names no product`, "Change one product per order, or check the order in the CloudBlue control panel.");
      }
      sku = changedSkus[0];
    }
    bySku.set(sku, [...(bySku.get(sku) ?? []), amount]);
  }
  const result = new Map<string, Money>();
  for (const [sku, amounts] of bySku) result.set(sku, moneyFromMinor(sumAndRound(amounts, currency), currency));
  return result;
}

/** charge (sum of positive lines), refund (sum of negative lines, positive) and total (charge - refund). */
export function summarise(lines: readonly OrderLine[], currency: string): Pick<OrderEstimate, "charge" | "refund" | "total" | "currency"> {
  const charge = sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) > 0n), currency);
  const refund = negateMoney(sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) < 0n), currency));
  return { charge, refund, total: subtractMoney(charge, refund), currency };
}

/**
 * Our order lines for one group of requested lines priced by CloudBlue. Lines effective at renewal cost nothing
 * now (our model), whatever the vendor would bill at renewal. A detail for an unchanged product still counts
 * (as a line from = to), so no money is dropped.
 */
export function mapPricedLines(
  subscription: Pick<Subscription, "lines" | "renewalDate" | "currency">,
  requested: readonly OrderLineRequest[],
  details: readonly CbOrderDetail[],
  now: Date,
  orderLabel: string,
): OrderLine[] {
  const today = toDateString(now);
  const changed = requested.filter((line) => line.effective === "now" && subscription.lines.find((l) => l.sku === line.sku)?.limit !== line.quantity).map((l) => l.sku);
  const amounts = requested.some((line) => line.effective === "now") ? sumDetailsBySku(details, subscription.currency, changed, orderLabel) : new Map<string, Money>();
  const consumed = new Set<string>();
  const lines: OrderLine[] = requested.map((line) => {
    const from = subscription.lines.find((l) => l.sku === line.sku)?.limit ?? 0;
    if (line.effective === "now") consumed.add(line.sku);
    const amount = line.effective === "now" ? amounts.get(line.sku) ?? zeroMoney(subscription.currency) : zeroMoney(subscription.currency);
    return { sku: line.sku, from, to: line.quantity, effective: line.effective, effectiveDate: line.effective === "renewal" ? subscription.renewalDate : today, amount };
  });
  for (const [sku, amount] of amounts) {
    if (consumed.has(sku) || toMinorUnits(amount) === 0n) continue;
    const limit = subscription.lines.find((l) => l.sku === sku)?.limit ?? 0;
    lines.push({ sku, from: limit, to: limit, effective: "now", effectiveDate: today, amount });
  }
  return lines;
}

/** The vendor's words for an order that ended in error or was cancelled. */
export function describeOrderFailure(order: CbOrderDetailed & { message?: unknown }): { code: string; message: string } {
  const label = order.orderNumber ?? order.id ?? "?";
  if (order.status === "cancelled") {
    return { code: "CLOUDBLUE_ORDER_CANCELLED", message: `order ${label} was cancelled in CloudBlue${order.statusCode ? ` (status code ${order.statusCode})` : ""}` };
  }
  // SimpleAPI documents no error text for a failed order ("more information can be found in the reseller
  // control panel"); a `message` some gateways add is used when present.
  const vendorMessage = typeof order.message === "string" && order.message.trim() !== "" ? order.message.trim() : undefined;
  return {
    code: order.statusCode ? `CLOUDBLUE_${order.statusCode}` : "CLOUDBLUE_ORDER_ERROR",
    message: `order ${label} ended in error${order.statusCode ? ` (status code ${order.statusCode})` : ""}: ${vendorMessage ?? "CloudBlue gives the reason in the reseller control panel"}`,
  };
}

/**
 * Maps an OrderDetailed onto our Order. Lines come from csp-seats' marker (which records from/to); for orders
 * placed elsewhere, from the products (from = to: SimpleAPI does not record the previous quantity).
 */
export function mapOrder(order: CbOrderDetailed, fallbackCurrency: string): Order {
  const marker = readOrderMarker(order);
  const currency = (order.total?.currency ?? marker?.currency ?? fallbackCurrency).toUpperCase();
  const effective: Effective = marker?.effective ?? (order.scheduledOn === "renewal" ? "renewal" : "now");
  const date = marker?.effectiveDate ?? (order.creationDate ?? "").slice(0, 10);
  const baseLines = marker
    ? marker.lines.map((l) => ({ sku: l.sku, from: l.from, to: l.to }))
    : (order.products ?? []).map((p) => ({ sku: p.mpn ?? p.id ?? "", from: p.quantity ?? 0, to: p.quantity ?? 0 }));
  const changed = baseLines.filter((l) => l.from !== l.to).map((l) => l.sku);
  const amounts = effective === "now" ? sumDetailsBySku(order.details ?? [], currency, changed.length > 0 ? changed : baseLines.map((l) => l.sku), `order ${order.orderNumber ?? order.id}`) : new Map<string, Money>();
  const status = mapOrderStatus(order.status);
  const failure = status === "error" ? describeOrderFailure(order) : undefined;
  const lines: OrderLine[] = baseLines.map((line) => ({
    ...line,
    effective,
    effectiveDate: date,
    amount: amounts.get(line.sku) ?? zeroMoney(currency),
    ...(status === "completed" ? { result: { status: effective === "renewal" ? ("scheduled" as const) : ("applied" as const) } } : {}),
    ...(failure ? { result: { status: "failed" as const, message: failure.message } } : {}),
  }));
  return {
    id: order.id ?? "",
    subscriptionId: order.subscriptionId ?? order.products?.[0]?.subscriptionId ?? "",
    lines,
    ...summarise(lines, currency),
    status,
    idempotencyKey: marker?.key ?? "",
    createdAt: order.creationDate ?? "",
    ...(status === "completed" && order.provisioningDate ? { completedAt: order.provisioningDate } : {}),
    ...(failure ? { error: failure } : {}),
  };
}

/** Joins the orders placed for one request (now + renewal) into one Order; the id joins theirs with "+". */
export function combineOrders(orders: readonly Order[]): Order {
  if (orders.length === 1) return orders[0];
  const currency = orders[0].currency;
  const lines = orders.flatMap((o) => o.lines);
  const failed = orders.find((o) => o.status === "error");
  const pending = orders.find((o) => o.status !== "completed" && o.status !== "error");
  const completedAt = orders.map((o) => o.completedAt).filter((t): t is string => Boolean(t)).sort().at(-1);
  return {
    ...orders[0],
    id: orders.map((o) => o.id).join("+"),
    lines,
    ...summarise(lines, currency),
    status: failed ? "error" : pending ? pending.status : "completed",
    idempotencyKey: orders[0].idempotencyKey.replace(/#(now|renewal)$/, ""),
    ...(failed?.error ? { error: failed.error } : {}),
    ...(!failed && !pending && completedAt ? { completedAt } : {}),
  };
}

/** The window (hours) within which csp-seats looks for its own orders: the reduction window. */
export const RECENT_ORDER_HOURS = REDUCTION_WINDOW_MS / HOUR_MS;
