/**
 * One Pax8 subscription as one csp-seats Subscription with ONE license line (sku = productId): Pax8 has one
 * product per subscription (docs/backends.md, Pax8). Pure: the reads gather the raw subscription, its history,
 * the product's commitment and quantity range, the company's status and the tenant's usage; this decides.
 *
 * Assumptions the document leaves open are marked in docs/backends.md: the term from `commitmentTerm.endDate`,
 * the billing period anchored on `billingStart`, refundable seats from history snapshots plus the renewal.
 */
import { createHash } from "node:crypto";
import { addDays, addMonths, toDateString } from "../../core/dates";
import type { BillingPeriod, LicenseLine, Money, RefundableBatch, Subscription } from "../../core/model";
import { moneyFromMinor, parseDecimal, roundToMinorUnits } from "../../core/money";
import { createBatch, REDUCTION_WINDOW_MS, takeFromBatches } from "../../core/rules";
import type { SkuUsage } from "../graph/sku-usage";
import { MAX_VENDOR_QUANTITY, checkCurrency, checkDecimalAmount, checkOptionalDate, checkQuantity, checkString, checkVendorDate, createVendorValueError, type VendorObject } from "../shared/vendor-values";
import { toPlainDecimal } from "./lossless-json";
import { mapCompanyEligibility, mapPax8Status } from "./map-status";
import type { Pax8BillingTerm, Pax8Commitment, Pax8Pricing, Pax8Subscription } from "./pax8-types";

/** The vendor as messages name it. */
export const PAX8_VENDOR = "Pax8";

/** `{ vendor: "Pax8", object: "subscription <id>" }`. */
export function atPax8(object: string): VendorObject {
  return { vendor: PAX8_VENDOR, object };
}

/** What mapping needs besides the subscription. */
export interface Pax8MappingInput {
  readonly now: Date;
  /** Snapshots of `GET /subscriptions/{id}/history` (any order). */
  readonly history: readonly Pax8Subscription[];
  /** The product's commitment matching the subscription's (from `GET /products/{id}/dependencies`), if known. */
  readonly commitment?: Pax8Commitment;
  readonly limits: ProductLimits;
  readonly companyStatus?: string;
  readonly usage: SkuUsage;
}

/** The seats a product may have, from its pricing rates' quantity ranges. */
export interface ProductLimits {
  readonly minQuantity: number;
  readonly maxQuantity: number;
}

/** When Pax8 states no range: at least one seat (zero is a cancellation, not a PUT), and seats.yaml's maximum. */
export const DEFAULT_PRODUCT_LIMITS: ProductLimits = { minQuantity: 1, maxQuantity: MAX_VENDOR_QUANTITY };

/** Months of one billing period; undefined for terms that have none (One-Time, Trial, Activation). */
export function getBillingMonths(term: Pax8BillingTerm | string | undefined): number | undefined {
  return term === "Monthly" ? 1 : term === "Annual" ? 12 : term === "2-Year" ? 24 : term === "3-Year" ? 36 : undefined;
}

/** Months of a commitment term ("1-Year", "3-Year", "Monthly", "1-Month"); undefined when unreadable. */
export function getTermMonths(term: string | undefined): number | undefined {
  if (term === undefined) return undefined;
  if (/^(monthly|month)$/i.test(term)) return 1;
  if (/^annual$/i.test(term)) return 12;
  const match = /^(\d+)[- ]?(year|month)s?$/i.exec(term.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2].toLowerCase() === "year" ? 12 : 1);
}

/** The period of `months` months anchored on `anchor` that contains `today`. */
export function findPeriod(anchor: string, months: number, today: string): BillingPeriod {
  const day = Number(anchor.slice(8, 10));
  let start = anchor;
  if (start <= today) {
    // Jump close first (whole periods since the anchor), then step.
    const elapsed = (Number(today.slice(0, 4)) - Number(anchor.slice(0, 4))) * 12 + (Number(today.slice(5, 7)) - Number(anchor.slice(5, 7)));
    start = addMonths(anchor, Math.max(0, Math.floor(elapsed / months) - 1) * months, day);
    while (addMonths(start, months, day) <= today) start = addMonths(start, months, day);
  } else {
    while (start > today) start = addMonths(start, -months, day);
  }
  return { start, end: addMonths(start, months, day) };
}

/** The calendar day an end instant renews on: its date at 00:00 UTC, else the next day. */
function toRenewalDate(endDate: string): string {
  const at = new Date(endDate);
  const date = toDateString(at);
  return at.getTime() === Date.parse(`${date}T00:00:00Z`) ? date : toDateString(new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000));
}

/** A Pax8 price (decimal source text) as exact Money, rounded half away from zero to the currency's digits. */
export function toPax8Money(at: VendorObject, field: string, text: unknown, currency: string): Money {
  const plain = typeof text === "string" ? toPlainDecimal(text) ?? text : text;
  const checked = checkDecimalAmount(at, field, plain, { maxFractionDigits: 10 });
  if (checked.startsWith("-")) throw createVendorValueError(at, field, text, "a price cannot be negative");
  return moneyFromMinor(roundToMinorUnits(parseDecimal(checked), currency), currency);
}

/** The quantity range of `pricing` for the subscription's billing term: the lowest start and highest end of its rates. */
export function parseProductLimits(pricing: readonly Pax8Pricing[], billingTerm: string | undefined): ProductLimits {
  const rates = pricing.filter((p) => p.billingTerm === billingTerm).flatMap((p) => p.rates ?? []);
  if (rates.length === 0) return DEFAULT_PRODUCT_LIMITS;
  const starts = rates.map((r) => (typeof r.startQuantityRange === "number" ? r.startQuantityRange : 0));
  const ends = rates.map((r) => (typeof r.endQuantityRange === "number" ? r.endQuantityRange : MAX_VENDOR_QUANTITY));
  const minQuantity = Math.max(1, Math.min(...starts));
  const maxQuantity = Math.min(MAX_VENDOR_QUANTITY, Math.max(...ends));
  return maxQuantity >= minQuantity ? { minQuantity, maxQuantity } : DEFAULT_PRODUCT_LIMITS;
}

function snapshotTime(at: VendorObject, snapshot: Pax8Subscription, index: number): number {
  const text = checkOptionalDate(at, `history[${index}].updatedDate`, snapshot.updatedDate) ?? checkOptionalDate(at, `history[${index}].createdDate`, snapshot.createdDate) ?? checkOptionalDate(at, `history[${index}].startDate`, snapshot.startDate);
  return text === undefined ? Number.NaN : Date.parse(text);
}

/**
 * Seats still (or recently) inside Microsoft's 168-hour window: replays the history snapshots (an increase adds a
 * batch, a decrease takes the newest seats first) and the last renewal (every seat then is renewed, so refundable
 * for 168 hours). A product whose commitment allows decreases during the term has all seats refundable until renewal.
 */
export function buildRefundableBatches(raw: Pax8Subscription, input: Pax8MappingInput, quantity: number, termStart: string | undefined, renewalDate: string, at: VendorObject): RefundableBatch[] {
  const now = input.now;
  if (input.commitment?.allowForQuantityDecrease === true) {
    return quantity > 0 ? [{ quantity, addedAt: `${termStart ?? toDateString(now)}T00:00:00.000Z`, refundableUntil: `${renewalDate}T00:00:00.000Z` }] : [];
  }
  const events: { at: number; quantity: number }[] = input.history
    .map((snapshot, index) => ({ at: snapshotTime(at, snapshot, index), quantity: checkQuantity(at, `history[${index}].quantity`, snapshot.quantity) }))
    .filter((event) => Number.isFinite(event.at))
    .sort((a, b) => a.at - b.at);
  const start = checkOptionalDate(at, "startDate", raw.startDate) ?? checkOptionalDate(at, "createdDate", raw.createdDate);
  if (events.length === 0 && start !== undefined) events.push({ at: Date.parse(start), quantity });
  const renewalAt = termStart !== undefined && termStart > (start ?? "").slice(0, 10) ? Date.parse(`${termStart}T00:00:00Z`) : Number.NaN;
  let batches: RefundableBatch[] = [];
  let current = 0;
  let renewed = !(renewalAt > (events[0]?.at ?? Number.POSITIVE_INFINITY));
  const apply = (time: number, count: number): void => {
    if (!renewed && time >= renewalAt) {
      renewed = true;
      batches = current > 0 ? [createBatch(current, new Date(renewalAt))] : [];
    }
    if (count > current) batches.push(createBatch(count - current, new Date(time)));
    else if (count < current) batches = takeFromBatches(batches, current - count, new Date(time));
    current = count;
  };
  for (const event of events) apply(event.at, event.quantity);
  // History that lags the subscription: fewer seats take the newest first; more seats are NOT assumed refundable
  // (csp-seats would rather defer a decrease than plan a refund Pax8 refuses).
  if (quantity < current) apply(now.getTime(), quantity);
  current = quantity;
  if (!renewed && renewalAt <= now.getTime()) apply(renewalAt, current);
  const open = batches.filter((batch) => Date.parse(batch.refundableUntil) > now.getTime() - REDUCTION_WINDOW_MS && Date.parse(batch.addedAt) <= now.getTime());
  // Never more refundable seats than there are.
  let left = quantity;
  const kept: RefundableBatch[] = [];
  for (const batch of [...open].reverse()) {
    const take = Math.min(batch.quantity, left);
    if (take > 0) kept.unshift({ ...batch, quantity: take });
    left -= take;
  }
  return kept;
}

/** A revision for the Portal contract: Pax8 has no etag, so it is derived from what a change would alter. */
export function computePax8Revision(raw: Pax8Subscription): string {
  const fields = [raw.quantity, raw.updatedDate, raw.status, raw.price, raw.partnerCost, raw.billingTerm, raw.startDate, raw.endDate, raw.commitmentTerm?.endDate];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 16);
}

/** Maps one Pax8 subscription (see the module comment). Impossible values are VENDOR_VALUE_INVALID. */
export function mapPax8Subscription(raw: Pax8Subscription, input: Pax8MappingInput): Subscription {
  const id = checkString(atPax8("subscription"), "id", raw.id);
  const at = atPax8(`subscription ${id}`);
  const productId = checkString(at, "productId", raw.productId);
  const quantity = checkQuantity(at, "quantity", raw.quantity);
  const currency = checkCurrency(at, "currencyCode", raw.currencyCode);
  const unitPrice = toPax8Money(at, raw.partnerCost !== undefined ? "partnerCost" : "price", raw.partnerCost ?? raw.price, currency);
  const today = toDateString(input.now);
  const anchorText = checkOptionalDate(at, "billingStart", raw.billingStart) ?? checkVendorDate(at, "startDate", raw.startDate);
  const anchor = anchorText.slice(0, 10);
  const billingMonths = getBillingMonths(raw.billingTerm);
  const mapped = mapPax8Status(raw.status);
  let eligibility = mapCompanyEligibility(input.companyStatus) ?? mapped.eligibility;
  if (billingMonths === undefined && eligibility.eligible) {
    eligibility = { eligible: false, reasonCode: "no-billing-period", reason: `billing term "${raw.billingTerm ?? "missing"}" has no recurring period to change seats in` };
  }
  const billingPeriod = findPeriod(anchor, billingMonths ?? 1, today);
  const commitmentEnd = checkOptionalDate(at, "commitmentTerm.endDate", raw.commitmentTerm?.endDate);
  const termMonths = getTermMonths(raw.commitmentTerm?.term ?? input.commitment?.term) ?? billingMonths ?? 1;
  let renewalDate = commitmentEnd !== undefined ? toRenewalDate(commitmentEnd) : billingPeriod.end;
  // A commitment end already past (stale data) renews on: roll it forward by whole terms.
  while (renewalDate <= today) renewalDate = addMonths(renewalDate, termMonths);
  const termStart = addMonths(renewalDate, -termMonths);
  const cancelDate = checkOptionalDate(at, "endDate", raw.endDate);
  const autoRenew = cancelDate === undefined && input.commitment?.autoRenew !== false;
  const line: LicenseLine = {
    sku: productId,
    displayName: raw.productName ?? productId,
    usage: input.usage.usage,
    ...(input.usage.usageScope !== undefined ? { usageScope: input.usage.usageScope } : {}),
    limit: quantity,
    unitPrice,
    minQuantity: input.limits.minQuantity,
    maxQuantity: input.limits.maxQuantity,
    refundableBatches: buildRefundableBatches(raw, input, quantity, termStart, renewalDate, at),
  };
  return {
    id,
    name: raw.productName ?? `Pax8 subscription ${id}`,
    customerId: raw.companyId ?? "",
    status: mapped.status,
    eligibility,
    currency,
    billingPeriod,
    termEnd: addDays(renewalDate, -1),
    renewalDate,
    autoRenew,
    paymentMethods: [],
    revision: computePax8Revision(raw),
    lines: [line],
    scheduledChanges: [],
    canScheduleChanges: false,
    canValidateChanges: false,
  };
}
