/** Idempotency keys: a retried run must never order twice, so the key depends only on what is ordered. */
import { createHash } from "node:crypto";
import type { PlannedOrderLine } from "./types";

/** A deterministic key for one subscription's order: same subscription, revision and lines => same key (UUID-shaped). */
export function createIdempotencyKey(subscriptionId: string, revision: string, orderLines: readonly PlannedOrderLine[]): string {
  const canonical = JSON.stringify([subscriptionId, revision, orderLines.map((l) => [l.sku, l.quantity, l.effective])]);
  const hex = createHash("sha256").update(canonical).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
