/**
 * What CloudBlue sends, checked before mapping turns it into a plan's input (shared/vendor-values.ts): seat
 * counts, currencies, amounts and dates of subscriptions, orders and catalog products. SimpleAPI's schema allows
 * a negative or fractional `quantity` (it is a plain number) and any string as a currency or amount; these are
 * the checks the schema cannot make. Each failure is VENDOR_VALUE_INVALID naming the object and the field.
 */
import {
  checkArray,
  checkCurrency,
  checkDecimalAmount,
  checkObject,
  checkOptionalDate,
  checkOptionalQuantity,
  checkString,
  createVendorValueError,
  type VendorObject,
} from "../shared/vendor-values";
import { readOrderMarker } from "./order-marker";
import type { CbOrder, CbOrderDetailed, CbSubscriptionDetailed } from "./simpleapi-types";

/** The vendor as messages name it. */
export const CLOUDBLUE_VENDOR = "CloudBlue";

/** The fix of a refused value in an order: it may have been placed, csp-seats did nothing with it. */
export const CLOUDBLUE_ORDER_FIX = "This is the portal's data: report it to the portal's operator with the order number; csp-seats acted on none of it.";

/** `object` of CloudBlue, for messages. */
export function atCloudBlue(object: string, fix?: string): VendorObject {
  return { vendor: CLOUDBLUE_VENDOR, object, ...(fix ? { fix } : {}) };
}

/** An amount as CloudBlue states it: a known currency and a decimal string of any rating precision (up to 10 digits). */
export function checkCbAmount(at: VendorObject, field: string, value: unknown): { currency: string; amount: string } {
  const amount = checkObject(at, field, value);
  return { currency: checkCurrency(at, `${field}.currency`, amount.currency), amount: checkDecimalAmount(at, `${field}.amount`, amount.amount) };
}

/** A SubscriptionDetailed: its id, dates, and each product's quantity and prices. */
export function checkCbSubscription(subscription: CbSubscriptionDetailed): void {
  const at = atCloudBlue(`subscription ${subscription.id ?? "?"}`);
  checkString(at, "id", subscription.id);
  for (const field of ["creationDate", "renewalDate", "lastModifiedDate", "expirationDate"] as const) checkOptionalDate(at, field, subscription[field]);
  if (subscription.totalPrice !== undefined) checkCbAmount(at, "totalPrice", subscription.totalPrice);
  if (subscription.products === undefined) return;
  checkArray(at, "products", subscription.products).forEach((raw, i) => {
    const product = checkObject(at, `products[${i}]`, raw);
    checkOptionalQuantity(at, `products[${i}].quantity`, product.quantity);
    if (product.unitPrice !== undefined) checkCbAmount(at, `products[${i}].unitPrice`, product.unitPrice);
    if (product.extendedPrice !== undefined) checkCbAmount(at, `products[${i}].extendedPrice`, product.extendedPrice);
  });
}

/**
 * An Order or OrderDetailed: dates, total, product quantities, detail quantities (the details' amounts are
 * checked where they are summed, amounts.ts), and the seat counts csp-seats' own marker recorded.
 */
export function checkCbOrder(order: CbOrder | CbOrderDetailed): void {
  const at = atCloudBlue(`order ${order.orderNumber ?? order.id ?? "?"}`, CLOUDBLUE_ORDER_FIX);
  checkOptionalDate(at, "creationDate", order.creationDate);
  checkOptionalDate(at, "provisioningDate", order.provisioningDate);
  if (order.total !== undefined) checkCbAmount(at, "total", order.total);
  const detailed = order as CbOrderDetailed;
  if (detailed.products !== undefined) {
    checkArray(at, "products", detailed.products).forEach((raw, i) => checkOptionalQuantity(at, `products[${i}].quantity`, checkObject(at, `products[${i}]`, raw).quantity));
  }
  if (detailed.details !== undefined) {
    checkArray(at, "details", detailed.details).forEach((raw, i) => checkOptionalQuantity(at, `details[${i}].quantity`, checkObject(at, `details[${i}]`, raw).quantity));
  }
  const marker = readOrderMarker(order);
  if (!marker) return;
  if (marker.currency !== undefined) checkCurrency(at, "attributes.csp-seats currency", marker.currency);
  checkOptionalDate(at, "attributes.csp-seats effectiveDate", marker.effectiveDate, { dateOnly: true });
  marker.lines.forEach((line, i) => {
    for (const side of ["from", "to"] as const) {
      const value = line[side];
      if (!Number.isSafeInteger(value) || value < 0) throw createVendorValueError(at, `attributes.csp-seats lines[${i}].${side}`, value, "a seat count csp-seats never writes");
    }
  });
}

/**
 * Catalog bounds (`Product.minimumQuantity`/`maximumQuantity`, strings in the spec). A word ("unlimited") or a
 * missing bound means the catalog does not say (undefined); a negative or fractional number is refused.
 */
export function checkCbProductBound(mpn: string, field: "minimumQuantity" | "maximumQuantity", value: string | undefined): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === "" || !/^[+-]?\d+(\.\d+)?$/.test(text)) return undefined;
  const at = atCloudBlue(`product ${mpn}`);
  return checkOptionalQuantity(at, field, Number(text), Number.MAX_SAFE_INTEGER);
}
