/**
 * Pure mapping between CloudBlue Commerce SimpleAPI 1.15 and the csp-seats model, one module per concern:
 * amounts.ts (decimal strings, detail signs), map-term.ts (periods and the term), map-status.ts (statuses and
 * eligibility), order-marker.ts (the idempotency marker), map-subscription.ts and map-order.ts. No I/O: the
 * portal fetches, these translate. This index re-exports them for callers that want the whole mapping.
 */
export { getDetailSign, getSignedDetailAmount, sumDetailsBySku, summarise, toMoney, type DetailSign } from "./amounts";
export { addPeriods, deriveTerm, parseVendorDate, type DerivedTerm } from "./map-term";
export { findOpenOrders, isFinalOrderStatus, mapOrderStatus, mapSubscriptionStatus } from "./map-status";
export { MARKER_ATTRIBUTE, RECENT_ORDER_HOURS, getMarkerPoNumber, isOrderForKey, readOrderMarker, type OrderMarker } from "./order-marker";
export {
  DEFAULT_PRODUCT_LIMITS,
  computeRevision,
  deriveRefundableBatches,
  mapSubscription,
  parseProductLimits,
  type LineUsage,
  type ProductLimits,
  type SubscriptionContext,
} from "./map-subscription";
export { assertKnownSkus, buildChangeOrder, combineOrders, describeOrderFailure, groupByEffective, mapOrder, mapPricedLines } from "./map-order";
