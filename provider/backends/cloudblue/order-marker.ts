/**
 * The idempotency marker csp-seats writes into every order it places (SimpleAPI has no idempotency header): a
 * PO number derived from the key, and the key with the change in the order's `attributes`. It is how a re-run
 * finds its order instead of placing another, and how the refundable seats are read back.
 */
import { createHash } from "node:crypto";
import { HOUR_MS } from "../../core/dates";
import type { Effective } from "../../core/model";
import { REDUCTION_WINDOW_MS } from "../../core/rules";
import type { CbOrder } from "./simpleapi-types";

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

/** The window (hours) within which csp-seats looks for its own orders: the reduction window. */
export const RECENT_ORDER_HOURS = REDUCTION_WINDOW_MS / HOUR_MS;
