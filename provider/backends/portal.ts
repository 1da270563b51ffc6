/**
 * The one interface every backend implements: the embedded portal (default), its HTTP API through the
 * HTTP client, and real portals (CloudBlue Commerce; Microsoft Partner Center later). Everything in csp-seats
 * reads and changes seats through it, so the planner, provider and CLI never know which backend they talk to.
 */
import type { Order, OrderEstimate, OrderRequest, PlaceOrderRequest, Subscription } from "../core/model";

export interface ListSubscriptionsOptions {
  /** Only these ids (the backend may still fetch in pages). */
  readonly ids?: readonly string[];
  readonly customerId?: string;
}

export interface ListOrdersOptions {
  readonly subscriptionId?: string;
  readonly idempotencyKey?: string;
}

export interface Portal {
  /** A short name for messages: `embedded`, `http`, `cloudblue`. */
  readonly kind: string;
  /**
   * True when the portal prices orders with its own rating engine, not with csp-seats' rules (provider/pricing.ts):
   * plans then take the money of their changes from `estimateOrder` (see `listQuotableLines`).
   */
  readonly ownRating?: boolean;
  /** Every subscription with its license lines (paginated internally; one request per page, not per subscription). */
  listSubscriptions(options?: ListSubscriptionsOptions): Promise<Subscription[]>;
  /** One subscription with its lines. Throws PORTAL_SUBSCRIPTION_NOT_FOUND when it does not exist. */
  getSubscription(id: string): Promise<Subscription>;
  /** Prices an order without placing it (the portal's own quote). */
  estimateOrder(request: OrderRequest): Promise<OrderEstimate>;
  /**
   * Places one order carrying every line of one subscription. Replaying an idempotency key returns the first
   * order and never places a second one.
   */
  placeOrder(request: PlaceOrderRequest): Promise<Order>;
  getOrder(id: string): Promise<Order>;
  listOrders(options?: ListOrdersOptions): Promise<Order[]>;
  /**
   * The portal's current time. Plans are priced at the time the portal will apply them, so a portal whose clock
   * is not the wall clock (the embedded portal runs on its fixture's time) and the planner never disagree.
   */
  now(): Promise<Date>;
  /** Releases sockets, file handles, timers. */
  close(): Promise<void>;
}

/**
 * Stable error codes a portal reports, with the HTTP status the embedded portal's API uses for each.
 * Backends map their vendor's errors onto these.
 */
export const PORTAL_ERROR_STATUS = {
  PORTAL_BAD_REQUEST: 400,
  PORTAL_UNAUTHORIZED: 401,
  PORTAL_INELIGIBLE: 403,
  PORTAL_SUBSCRIPTION_NOT_FOUND: 404,
  PORTAL_ORDER_NOT_FOUND: 404,
  PORTAL_SKU_NOT_FOUND: 422,
  PORTAL_ORDER_IN_PROGRESS: 409,
  PORTAL_STALE_REVISION: 412,
  PORTAL_BELOW_USAGE: 422,
  PORTAL_QUANTITY_OUT_OF_RANGE: 422,
  PORTAL_DECREASE_OUTSIDE_WINDOW: 422,
  PORTAL_DUPLICATE_SKU: 422,
  PORTAL_PAYMENT_METHOD_NOT_FOUND: 422,
  PORTAL_RENEWAL_NEEDS_AUTO_RENEW: 422,
  PORTAL_THROTTLED: 429,
  PORTAL_INTERNAL: 500,
  PORTAL_UNAVAILABLE: 503,
} as const;

export type PortalErrorCode = keyof typeof PORTAL_ERROR_STATUS;
