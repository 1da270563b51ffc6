/**
 * Assigned seats per CloudBlue product, from Microsoft Graph subscribedSkus and a configured
 * mpn -> skuPartNumber map. Microsoft counts assignments per SKU for the whole tenant, so when several
 * subscriptions carry the same SKU they share one number: the line says so in `usageScope`, and nothing here
 * ever splits it between them.
 */
import type { SubscribedSku } from "./graph-client";

/** What a license line learns about its usage. */
export interface SkuUsage {
  readonly usage: number | null;
  readonly usageScope?: string;
}

/**
 * Builds `mpn -> usage`. Entries of the same skuPartNumber (one per account) are added up; the scope names the
 * SKU and how many Microsoft subscriptions share it. An mpn missing from `skuMap`, or a SKU the tenant does not
 * have, gives `usage: null` (unknown), never 0.
 */
export function buildSkuUsageLookup(skus: readonly SubscribedSku[], skuMap: Readonly<Record<string, string>>): (mpn: string) => SkuUsage {
  const bySku = new Map<string, { consumed: number; subscriptions: Set<string>; entries: number }>();
  for (const sku of skus) {
    const key = sku.skuPartNumber.toUpperCase();
    const entry = bySku.get(key) ?? { consumed: 0, subscriptions: new Set<string>(), entries: 0 };
    entry.consumed += sku.consumedUnits;
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
