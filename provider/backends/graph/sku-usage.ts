/**
 * Assigned seats per CloudBlue product, from Microsoft Graph subscribedSkus and a configured
 * mpn -> skuPartNumber map. Microsoft counts assignments per SKU for the whole tenant, so when several
 * subscriptions carry the same SKU they share one number: the line says so in `usageScope`, and nothing here
 * ever splits it between them.
 */
import { MAX_VENDOR_QUANTITY, checkArray, checkObject, checkOptionalQuantity, checkQuantity, checkString, createVendorValueError } from "../shared/vendor-values";
import type { SubscribedSku } from "./graph-client";

/** What a license line learns about its usage. */
export interface SkuUsage {
  readonly usage: number | null;
  readonly usageScope?: string;
}

/**
 * Refuses a subscribedSku whose counts cannot be: `consumedUnits` and `prepaidUnits.*` must be whole, non-negative
 * seat counts (VENDOR_VALUE_INVALID naming the SKU and the field); Microsoft documents them as Int32.
 */
export function checkSubscribedSku(sku: unknown, index: number): SubscribedSku {
  const list = { vendor: "Microsoft Graph", object: "subscribedSkus" };
  const entry = checkObject(list, `value[${index}]`, sku);
  const at = { vendor: "Microsoft Graph", object: `subscribedSku ${typeof entry.skuPartNumber === "string" ? entry.skuPartNumber : typeof entry.id === "string" ? entry.id : `#${index + 1}`}` };
  checkString(at, "skuPartNumber", entry.skuPartNumber);
  checkQuantity(at, "consumedUnits", entry.consumedUnits);
  if (entry.prepaidUnits !== undefined) {
    const prepaid = checkObject(at, "prepaidUnits", entry.prepaidUnits);
    for (const field of ["enabled", "lockedOut", "suspended", "warning"]) checkOptionalQuantity(at, `prepaidUnits.${field}`, prepaid[field]);
  }
  if (entry.subscriptionIds !== undefined) checkArray(at, "subscriptionIds", entry.subscriptionIds).forEach((id, i) => checkString(at, `subscriptionIds[${i}]`, id));
  return sku as SubscribedSku;
}

/**
 * Builds `mpn -> usage`. Entries of the same skuPartNumber (one per account) are added up; the scope names the
 * SKU and how many Microsoft subscriptions share it. An mpn missing from `skuMap`, or a SKU the tenant does not
 * have, gives `usage: null` (unknown), never 0.
 */
export function buildSkuUsageLookup(skus: readonly SubscribedSku[], skuMap: Readonly<Record<string, string>>): (mpn: string) => SkuUsage {
  const bySku = new Map<string, { consumed: number; subscriptions: Set<string>; entries: number }>();
  for (const [index, sku] of skus.entries()) {
    checkSubscribedSku(sku, index);
    const key = sku.skuPartNumber.toUpperCase();
    const entry = bySku.get(key) ?? { consumed: 0, subscriptions: new Set<string>(), entries: 0 };
    entry.consumed += sku.consumedUnits;
    if (entry.consumed > MAX_VENDOR_QUANTITY) {
      throw createVendorValueError({ vendor: "Microsoft Graph", object: `subscribedSku ${sku.skuPartNumber}` }, "consumedUnits", entry.consumed, `the SKU's entries add up to more than ${MAX_VENDOR_QUANTITY.toLocaleString("en-US")} seats`);
    }
    entry.entries += 1;
    for (const id of sku.subscriptionIds ?? []) entry.subscriptions.add(id);
    bySku.set(key, entry);
  }
  return (mpn) => {
    const part = skuMap[mpn];
    if (!part) return { usage: null };
    const entry = bySku.get(part.toUpperCase());
    if (!entry) return { usage: null, usageScope: `tenant-wide: ${part} not found in the tenant's subscribedSkus` };
    const shared = entry.subscriptions.size;
    const scope =
      shared > 1 ? `tenant-wide: ${part}, shared by ${shared} subscriptions` : shared === 1 ? `tenant-wide: ${part}, one subscription` : `tenant-wide: ${part}`;
    return { usage: entry.consumed, usageScope: scope };
  };
}
