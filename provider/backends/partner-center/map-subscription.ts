/**
 * A Partner Center subscription as a csp-seats Subscription (pure). One Partner Center subscription is one
 * product with a quantity, so it maps to one csp-seats subscription with ONE license line: `sku` is the offerId
 * (`productId:skuId:availabilityId`), the display name the offer name. Its term is the commitment term
 * (`commitmentEndDate` is inclusive, renewal is the day after), its revision the etag, its refundable batches
 * `refundableQuantity.details[]`, its scheduled change `scheduledNextTermInstructions`. Partner Center carries no
 * price: the unit price comes from configuration (config.ts, `prices`). docs/backends.md explains each choice.
 */
import { createHash } from "node:crypto";
import { addDays, addMonths, toDateString } from "../../core/dates";
import type { Eligibility, LicenseLine, Money, RefundableBatch, ScheduledChange, Subscription, SubscriptionStatus } from "../../core/model";
import { zeroMoney } from "../../core/money";
import { REDUCTION_WINDOW_MS } from "../../core/rules";
import { checkArray, checkObject, checkOptionalQuantity, checkQuantity, checkString, checkVendorDate, MAX_VENDOR_QUANTITY, type VendorObject } from "../shared/vendor-values";
import type { PcScheduledNextTermInstructions, PcSubscription } from "./pc-types";

/** The vendor as messages name it. */
export const PARTNER_CENTER_VENDOR = "Partner Center";

/** What a line learns about its usage (subscribedskus, tenant-wide per SKU). */
export interface PcUsage {
  readonly usage: number | null;
  readonly usageScope?: string;
}

/** What mapping needs besides the subscription. */
export interface PcMappingContext {
  readonly customerId: string;
  readonly now: Date;
  /** The configured price of one seat for one billing cycle, undefined when none is configured. */
  readonly price: Money | undefined;
  /** Currency of an unpriced subscription. */
  readonly currency: string;
  readonly usage: PcUsage;
}

/** The parts of an offerId: new commerce `productId:skuId:availabilityId`; a legacy offer is a GUID. */
export function splitOfferId(offerId: string): { productId: string; skuId?: string; availabilityId?: string } {
  const [productId, skuId, availabilityId] = offerId.split(":");
  return { productId: productId!, ...(skuId ? { skuId } : {}), ...(availabilityId ? { availabilityId } : {}) };
}

/** The keys a configured map (prices, skuMap) may use for an offer, most specific first: offerId, productId:skuId, productId. */
export function getOfferKeys(offerId: string): string[] {
  const { productId, skuId } = splitOfferId(offerId);
  return [...new Set([offerId, ...(skuId ? [`${productId}:${skuId}`] : []), productId])];
}

/** The value a configured map holds for `offerId` under its most specific key. */
export function lookupOffer<T>(map: Readonly<Record<string, T>> | undefined, offerId: string): T | undefined {
  if (!map) return undefined;
  for (const key of getOfferKeys(offerId)) if (map[key] !== undefined) return map[key];
  return undefined;
}

/** Partner Center's statuses (SubscriptionStatus) as csp-seats', with why a subscription cannot take changes. */
export function mapPcStatus(status: string, isTrial: boolean): { status: SubscriptionStatus; eligibility: Eligibility } {
  const normal = status.toLowerCase();
  if (normal === "active" && isTrial) return { status: "active", eligibility: { eligible: false, reasonCode: "trial", reason: "a trial subscription: convert it to paid before changing seats" } };
  if (normal === "active") return { status: "active", eligibility: { eligible: true } };
  if (normal === "suspended") return { status: "suspended", eligibility: { eligible: false, reasonCode: "suspended", reason: "Partner Center reports the subscription suspended" } };
  if (normal === "pending") return { status: "pending", eligibility: { eligible: false, reasonCode: "pending", reason: "Partner Center reports the subscription pending" } };
  return { status: "terminated", eligibility: { eligible: false, reasonCode: normal || "unknown", reason: `Partner Center reports the subscription ${normal || "in no status"}` } };
}

/** Months per billing cycle; `none`/`one_time`/unknown bill the whole term at once (undefined). */
function getCycleMonths(billingCycle: string | undefined, termDuration: string | undefined): number | undefined {
  const cycle = (billingCycle ?? "").toLowerCase();
  if (cycle === "monthly") return 1;
  if (cycle === "annual") return 12;
  if (cycle === "biennial") return 24;
  if (cycle === "triennial") return 36;
  const term = /^P(?:(\d+)Y)?(?:(\d+)M)?$/.exec(termDuration ?? "");
  const months = term ? Number(term[1] ?? 0) * 12 + Number(term[2] ?? 0) : 0;
  return months > 0 ? months : undefined;
}

/**
 * The term and the billing period containing `now`: the term ends on `commitmentEndDate` (inclusive, Guide),
 * renewal is the next day, and the period is counted back from renewal in billing-cycle steps (Partner Center
 * sends no "current period" start). Never starts before the term's own start.
 */
export function derivePcTerm(raw: Pick<PcSubscription, "commitmentEndDate" | "effectiveStartDate" | "billingCycle" | "termDuration">, at: VendorObject, now: Date): { termEnd: string; renewalDate: string; billingPeriod: { start: string; end: string } } {
  const termEnd = checkVendorDate(at, "commitmentEndDate", raw.commitmentEndDate).slice(0, 10);
  const termStart = raw.effectiveStartDate === undefined ? undefined : checkVendorDate(at, "effectiveStartDate", raw.effectiveStartDate).slice(0, 10);
  const renewalDate = addDays(termEnd, 1);
  const months = getCycleMonths(raw.billingCycle, raw.termDuration);
  const today = toDateString(now);
  let end = renewalDate;
  let start = months === undefined ? termStart ?? addMonths(end, -12) : addMonths(end, -months);
  for (let guard = 0; months !== undefined && start > today && guard < 1200; guard += 1) {
    end = start;
    start = addMonths(end, -months);
  }
  if (termStart !== undefined && start < termStart && termStart < end) start = termStart;
  return { termEnd, renewalDate, billingPeriod: { start, end } };
}

/** The refundable batches: one per `refundableQuantity.details[]` entry; added 168 h before its window closes. */
export function mapRefundableBatches(raw: PcSubscription, at: VendorObject): RefundableBatch[] {
  const refundable = raw.refundableQuantity;
  if (refundable === undefined || refundable === null) return [];
  const object = checkObject(at, "refundableQuantity", refundable);
  checkOptionalQuantity(at, "refundableQuantity.totalQuantity", object.totalQuantity);
  if (object.details === undefined || object.details === null) return [];
  return checkArray(at, "refundableQuantity.details", object.details).map((entry, index) => {
    const detail = checkObject(at, `refundableQuantity.details[${index}]`, entry);
    const quantity = checkQuantity(at, `refundableQuantity.details[${index}].quantity`, detail.quantity);
    const until = new Date(Date.parse(checkVendorDate(at, `refundableQuantity.details[${index}].allowedUntilDateTime`, detail.allowedUntilDateTime)));
    return { quantity, addedAt: new Date(until.getTime() - REDUCTION_WINDOW_MS).toISOString(), refundableUntil: until.toISOString() };
  });
}

/** The offerId a scheduled instruction names (its own product), or `fallback` when it names none. */
export function getScheduledOfferId(instructions: PcScheduledNextTermInstructions, fallback: string): string {
  const product = instructions.product;
  if (!product?.productId) return fallback;
  const same = splitOfferId(fallback);
  const skuId = product.skuId ?? same.skuId;
  const availabilityId = product.availabilityId ?? same.availabilityId;
  return [product.productId, skuId, availabilityId].filter(Boolean).join(":");
}

/** The change Partner Center will apply at renewal, if one is scheduled. */
export function mapScheduledChanges(raw: PcSubscription, offerId: string, renewalDate: string, at: VendorObject): ScheduledChange[] {
  const instructions = raw.scheduledNextTermInstructions;
  if (instructions === undefined || instructions === null) return [];
  checkObject(at, "scheduledNextTermInstructions", instructions);
  const quantity = checkOptionalQuantity(at, "scheduledNextTermInstructions.quantity", instructions.quantity);
  if (quantity === undefined) return [];
  return [{ sku: getScheduledOfferId(instructions, offerId), quantity, effectiveDate: renewalDate }];
}

/**
 * The revision: the etag when Partner Center sends one; otherwise (most new-commerce bodies carry none) a hash
 * of everything a seat change depends on, so a change made elsewhere still makes a plan stale.
 */
export function getPcRevision(raw: PcSubscription): string {
  const etag = raw.attributes?.etag;
  if (typeof etag === "string" && etag !== "") return etag;
  const basis = JSON.stringify([raw.quantity, raw.status, raw.autoRenewEnabled ?? null, raw.scheduledNextTermInstructions ?? null, raw.refundableQuantity ?? null, raw.commitmentEndDate ?? null]);
  return `pc-${createHash("sha256").update(basis).digest("hex").slice(0, 16)}`;
}

/** Maps one Partner Center subscription (VENDOR_VALUE_INVALID for values that cannot be). */
export function mapPcSubscription(raw: PcSubscription, context: PcMappingContext): Subscription {
  const at: VendorObject = { vendor: PARTNER_CENTER_VENDOR, object: `subscription ${typeof raw?.id === "string" ? raw.id : "?"}` };
  checkObject(at, "", raw);
  const id = checkString(at, "id", raw.id);
  const offerId = checkString(at, "offerId", raw.offerId);
  const quantity = checkQuantity(at, "quantity", raw.quantity);
  const { status, eligibility } = mapPcStatus(checkString(at, "status", raw.status), raw.isTrial === true);
  const term = derivePcTerm(raw, at, context.now);
  const currency = context.price?.currency ?? context.currency;
  const line: LicenseLine = {
    sku: offerId,
    displayName: raw.offerName ?? raw.friendlyName ?? offerId,
    usage: context.usage.usage,
    ...(context.usage.usageScope !== undefined ? { usageScope: context.usage.usageScope } : {}),
    limit: quantity,
    unitPrice: context.price ?? zeroMoney(currency),
    // Partner Center states no range; a quantity of 0 is a cancellation, not a seat change. 2002 reports the real one.
    minQuantity: 1,
    maxQuantity: MAX_VENDOR_QUANTITY,
    refundableBatches: mapRefundableBatches(raw, at),
  };
  return {
    id,
    name: raw.friendlyName ?? raw.offerName ?? id,
    customerId: context.customerId,
    status,
    eligibility,
    currency,
    billingPeriod: term.billingPeriod,
    termEnd: term.termEnd,
    renewalDate: term.renewalDate,
    autoRenew: raw.autoRenewEnabled === true,
    paymentMethods: [],
    revision: getPcRevision(raw),
    lines: [line],
    scheduledChanges: mapScheduledChanges(raw, offerId, term.renewalDate, at),
    midTermChangeWipesSchedule: true,
  };
}
