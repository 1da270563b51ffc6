/**
 * What the csp-seats portal API sends, checked before the planner sees it: the shapes of schema/portal-openapi.yaml
 * that a plan reads (Subscription, OrderEstimate, Order) plus what a schema cannot say: every quantity a whole
 * number of seats in 0..1,000,000, min <= max, refundable batches that fit in the limit, money in the
 * subscription's (known) currency with no more digits than it has, dates that exist in 2000..9998. The bodies are
 * returned as they came; a bad one is a VENDOR_VALUE_INVALID naming the object and the field.
 */
import type { Order, OrderEstimate, Subscription } from "../../core/model";
import {
  checkArray,
  checkCurrency,
  checkMoney,
  checkObject,
  checkOptionalDate,
  checkOptionalQuantity,
  checkQuantity,
  checkString,
  checkVendorDate,
  createVendorValueError,
  type VendorObject,
} from "../shared/vendor-values";

/** The vendor as messages name it. */
export const PORTAL_API_VENDOR = "the csp-seats portal API";

const ORDER_FIX = "This is the portal's data: report it to the portal's operator with the order id; csp-seats acted on none of it.";

/** A Subscription as the API sends it (`GET /v1/subscriptions[/{id}]`). */
export function checkPortalSubscription(value: unknown, correlationId?: string): Subscription {
  const base: VendorObject = { vendor: PORTAL_API_VENDOR, object: "subscription", ...(correlationId ? { correlationId } : {}) };
  const body = checkObject(base, "(body)", value);
  const id = checkString(base, "id", body.id);
  const at: VendorObject = { ...base, object: `subscription ${id}` };
  const currency = checkCurrency(at, "currency", body.currency);
  const period = checkObject(at, "billingPeriod", body.billingPeriod);
  checkVendorDate(at, "billingPeriod.start", period.start, { dateOnly: true });
  checkVendorDate(at, "billingPeriod.end", period.end, { dateOnly: true });
  checkVendorDate(at, "termEnd", body.termEnd, { dateOnly: true });
  checkVendorDate(at, "renewalDate", body.renewalDate, { dateOnly: true });
  checkString(at, "revision", body.revision);
  checkArray(at, "paymentMethods", body.paymentMethods);
  checkArray(at, "lines", body.lines).forEach((raw, i) => {
    const field = `lines[${i}]`;
    const line = checkObject(at, field, raw);
    checkString(at, `${field}.sku`, line.sku);
    const limit = checkQuantity(at, `${field}.limit`, line.limit);
    checkOptionalQuantity(at, `${field}.usage`, line.usage);
    const min = checkQuantity(at, `${field}.minQuantity`, line.minQuantity);
    const max = checkQuantity(at, `${field}.maxQuantity`, line.maxQuantity);
    if (min > max) throw createVendorValueError(at, `${field}.minQuantity`, min, `the minimum is above the maximum ${max}`);
    checkMoney(at, `${field}.unitPrice`, line.unitPrice, currency);
    let refundable = 0;
    checkArray(at, `${field}.refundableBatches`, line.refundableBatches).forEach((rawBatch, j) => {
      const batch = checkObject(at, `${field}.refundableBatches[${j}]`, rawBatch);
      refundable += checkQuantity(at, `${field}.refundableBatches[${j}].quantity`, batch.quantity);
      checkVendorDate(at, `${field}.refundableBatches[${j}].addedAt`, batch.addedAt);
      checkVendorDate(at, `${field}.refundableBatches[${j}].refundableUntil`, batch.refundableUntil);
    });
    if (refundable > limit) throw createVendorValueError(at, `${field}.refundableBatches`, refundable, `more refundable seats than the limit ${limit}`);
  });
  checkArray(at, "scheduledChanges", body.scheduledChanges).forEach((raw, i) => {
    const change = checkObject(at, `scheduledChanges[${i}]`, raw);
    checkQuantity(at, `scheduledChanges[${i}].quantity`, change.quantity);
    checkVendorDate(at, `scheduledChanges[${i}].effectiveDate`, change.effectiveDate, { dateOnly: true });
  });
  return value as Subscription;
}

/** The lines and totals an estimate and an order share. */
function checkPricedLines(at: VendorObject, body: Record<string, unknown>): void {
  const currency = checkCurrency(at, "currency", body.currency);
  checkArray(at, "lines", body.lines).forEach((raw, i) => {
    const line = checkObject(at, `lines[${i}]`, raw);
    checkString(at, `lines[${i}].sku`, line.sku);
    checkQuantity(at, `lines[${i}].from`, line.from);
    checkQuantity(at, `lines[${i}].to`, line.to);
    checkVendorDate(at, `lines[${i}].effectiveDate`, line.effectiveDate, { dateOnly: true });
    checkMoney(at, `lines[${i}].amount`, line.amount, currency);
  });
  for (const total of ["charge", "refund", "total"]) checkMoney(at, total, body[total], currency);
}

/** An OrderEstimate (`POST /v1/orders/estimate`). */
export function checkPortalEstimate(value: unknown, subscriptionId: string, correlationId?: string): OrderEstimate {
  const at: VendorObject = { vendor: PORTAL_API_VENDOR, object: `estimate for ${subscriptionId}`, ...(correlationId ? { correlationId } : {}) };
  checkPricedLines(at, checkObject(at, "(body)", value));
  return value as OrderEstimate;
}

/** An Order (`POST /v1/orders`, `GET /v1/orders[/{id}]`). */
export function checkPortalOrder(value: unknown, correlationId?: string): Order {
  const base: VendorObject = { vendor: PORTAL_API_VENDOR, object: "order", fix: ORDER_FIX, ...(correlationId ? { correlationId } : {}) };
  const body = checkObject(base, "(body)", value);
  const at: VendorObject = { ...base, object: `order ${checkString(base, "id", body.id)}` };
  checkPricedLines(at, body);
  checkVendorDate(at, "createdAt", body.createdAt);
  checkOptionalDate(at, "completedAt", body.completedAt);
  return value as Order;
}

/** `{ items: [...] }` of a list, with each item checked. */
export function checkPortalItems<T>(value: unknown, list: string, check: (item: unknown) => T, correlationId?: string): T[] {
  const at: VendorObject = { vendor: PORTAL_API_VENDOR, object: list, ...(correlationId ? { correlationId } : {}) };
  return checkArray(at, "items", checkObject(at, "(body)", value).items).map(check);
}
