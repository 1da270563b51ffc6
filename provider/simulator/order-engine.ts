/**
 * What the embedded portal does with orders, on a PortalState held in memory (pure; the caller provides the
 * transaction and the time). The rules and prices are the shared ones in core/rules.ts (applied in order-checks.ts), so the planner's
 * numbers and the portal's quote agree to the cent.
 *
 * E-mail rendering is in outbox.ts and fault matching in faults.ts; this module keeps the state transitions.
 *
 * Orders move submitted -> processing -> completed | error by time alone: each transaction first brings the state
 * up to "now" (advancePortalState), so no background timer is needed and every process sees the same progress.
 */
import { createHash } from "node:crypto";
import type { Order, OrderEstimate, OrderLine, OrderRequest, PlaceOrderRequest, Subscription } from "../core/model";
import { addDays } from "../core/dates";
import { zeroMoney } from "../core/money";
import { createBatch, takeFromBatches } from "../core/rules";
import { assertRequestShape, checkOrder, createPortalError, findSubscription, sumLines } from "./order-checks";
import { sendOrderMail } from "./outbox";
import {
  applyCalendarEvent,
  createCalendarLimitError,
  findOrderInFlight,
  getNextCalendarEvent,
  getWritableSubscription,
  toSubscription,
  type PortalState,
  type StoredOrder,
  type StoredSubscription,
} from "./portal-state";

// The errors and checks live in order-checks.ts; createPortalError is re-exported for the portal's callers.
export { createPortalError } from "./order-checks";

/** The subscription `id` as shown, or PORTAL_SUBSCRIPTION_NOT_FOUND. */
export function getSubscriptionView(state: PortalState, id: string): Subscription {
  return toSubscription(state, findSubscription(state, id));
}

/** The order `id`, or PORTAL_ORDER_NOT_FOUND. */
export function getOrderView(state: PortalState, id: string): Order {
  const stored = state.orders.find((o) => o.order.id === id);
  if (!stored) throw createPortalError("PORTAL_ORDER_NOT_FOUND", `order ${id} does not exist`, "Check the order id (list orders with their subscription id).", { orderId: id });
  return stored.order;
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

/** Options of one page of the subscription list. */
export interface SubscriptionPageOptions {
  readonly ids?: readonly string[];
  readonly customerId?: string;
  /** Default: the fixture's pageSize. */
  readonly pageSize?: number;
  /** From a previous page's nextPageToken. */
  readonly pageToken?: string;
}

/** One page of the subscription list. */
export interface SubscriptionPage {
  readonly subscriptions: Subscription[];
  /** Present when more subscriptions follow. */
  readonly nextPageToken?: string;
}

function decodePageToken(token: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof decoded.after === "string") return decoded.after;
  } catch {
    // reported below
  }
  throw createPortalError("PORTAL_BAD_REQUEST", "the page token is not valid", "Pass back the nextPageToken of the previous page unchanged, or start again without one.");
}

/** One page of subscriptions in portal order, filtered by ids and customer. */
export function listSubscriptionPage(state: PortalState, options: SubscriptionPageOptions = {}): SubscriptionPage {
  const pageSize = options.pageSize ?? state.pageSize;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw createPortalError("PORTAL_BAD_REQUEST", `page size ${pageSize} is out of range`, "Use a page size between 1 and 1000.");
  }
  const wanted = options.ids ? new Set(options.ids) : undefined;
  const matching = state.subscriptions.filter((s) => (!wanted || wanted.has(s.id)) && (!options.customerId || s.customerId === options.customerId));
  let start = 0;
  if (options.pageToken !== undefined) {
    const after = decodePageToken(options.pageToken);
    const index = matching.findIndex((s) => s.id === after);
    if (index === -1) decodePageToken("");
    start = index + 1;
  }
  const page = matching.slice(start, start + pageSize);
  const more = start + pageSize < matching.length;
  return {
    subscriptions: page.map((s) => toSubscription(state, s)),
    ...(more ? { nextPageToken: Buffer.from(JSON.stringify({ after: page[page.length - 1].id })).toString("base64url") } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Time passing

/** Completes `stored`, the order in flight of `sub` (writable: see getWritableSubscription). */
function completeOrder(state: PortalState, stored: StoredOrder, sub: StoredSubscription): void {
  const order = stored.order;
  const completedAt = stored.completeAt;
  const placedAt = new Date(order.createdAt);
  // Immediate changes first, so a renewal change of the same sku compares with the limit they leave.
  const applyLine = (line: OrderLine): OrderLine => {
    const target = sub.lines.find((l) => l.sku === line.sku);
    if (!target) return { ...line, amount: zeroMoney(order.currency), result: { status: "failed", message: `sku ${line.sku} is no longer on the subscription` } };
    if (line.effective === "renewal") {
      sub.scheduledChanges = sub.scheduledChanges.filter((c) => c.sku !== line.sku);
      if (line.to !== target.limit) {
        sub.scheduledChanges.push({ sku: line.sku, quantity: line.to, effectiveDate: addDays(sub.termEnd, 1), orderId: order.id });
      }
      return { ...line, result: { status: "scheduled" } };
    }
    if (target.provisioningError !== undefined) {
      return { ...line, amount: zeroMoney(order.currency), result: { status: "failed", message: target.provisioningError } };
    }
    if (line.to < target.minQuantity || line.to > target.maxQuantity) {
      return {
        ...line,
        amount: zeroMoney(order.currency),
        result: { status: "failed", message: `${line.to} seats is outside the allowed range ${target.minQuantity}..${target.maxQuantity}` },
      };
    }
    if (line.to > target.limit) {
      target.batches.push(createBatch(line.to - target.limit, new Date(completedAt)));
    } else if (line.to < target.limit) {
      // The refund was promised against the windows open when the order was placed.
      target.batches = takeFromBatches(target.batches, target.limit - line.to, placedAt);
    }
    target.limit = line.to;
    return { ...line, result: { status: "applied" } };
  };
  const results = new Map<number, OrderLine>();
  order.lines.forEach((line, i) => {
    if (line.effective === "now") results.set(i, applyLine(line));
  });
  order.lines.forEach((line, i) => {
    if (line.effective === "renewal") results.set(i, applyLine(line));
  });
  const lines = order.lines.map((_, i) => results.get(i)!);
  sub.revision += 1;
  const failed = lines.filter((l) => l.result?.status === "failed");
  const totals = sumLines(lines, order.currency);
  const completed: Order = {
    ...order,
    ...totals,
    lines,
    status: failed.length > 0 ? "error" : "completed",
    completedAt,
    ...(failed.length > 0
      ? {
          error:
            failed.length === lines.length
              ? { code: "PORTAL_ORDER_FAILED", message: `no line could be applied: ${failed.map((l) => `${l.sku}: ${l.result?.message}`).join("; ")}` }
              : {
                  code: "PORTAL_ORDER_PARTIALLY_FAILED",
                  message: `${failed.length} of ${lines.length} lines failed (${failed.map((l) => `${l.sku}: ${l.result?.message}`).join("; ")}); the other lines were applied`,
                },
        }
      : {}),
  };
  stored.order = completed;
  sendOrderMail(state, sub, completed);
}

/** The most events (order completions, billing periods, renewals) one advance applies before it gives up. */
export const MAX_EVENTS_PER_ADVANCE = 100_000;

/** A stored time in ms, or Infinity for one that is missing or unreadable (never NaN, which no `<=` passes). */
function toTime(text: string | undefined): number {
  const at = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(at) ? Infinity : at;
}

/**
 * Each subscription's order in flight (the first, as findOrderInFlight finds it), in one pass over the orders:
 * asking findOrderInFlight per subscription made every read of a portal with N subscriptions and N orders
 * cost N x N.
 */
function indexOrdersInFlight(state: PortalState): Map<string, StoredOrder> {
  const inFlight = new Map<string, StoredOrder>();
  for (const stored of state.orders) {
    const { status, subscriptionId } = stored.order;
    if ((status === "submitted" || status === "processing") && !inFlight.has(subscriptionId)) inFlight.set(subscriptionId, stored);
  }
  return inFlight;
}

/** The next thing time does to `sub`: complete its order in flight, or its next calendar event. */
function getNextEvent(sub: StoredSubscription, inFlight: StoredOrder | undefined): { at: number; order?: StoredOrder; kind?: "renewal" | "billing" } {
  const orderAt = inFlight ? toTime(inFlight.completeAt) : Infinity;
  const calendar = getNextCalendarEvent(sub);
  if (inFlight && orderAt <= (calendar?.at ?? Infinity)) return { at: orderAt, order: inFlight };
  return calendar ? { at: calendar.at, kind: calendar.kind } : { at: Infinity };
}

function isDueToProcess(inFlight: StoredOrder | undefined, nowMs: number): boolean {
  return inFlight !== undefined && inFlight.order.status === "submitted" && toTime(inFlight.processingAt) <= nowMs;
}

function toNowMs(now: Date): number {
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw createCalendarLimitError("the portal's time is not a valid time");
  return nowMs;
}

/**
 * Whether advancePortalState(state, now) would change anything: an order or calendar event is due, or an order
 * is due to start processing. Pure, so a shared read-only state can be checked before answering from it.
 */
export function isPortalStateBehind(state: PortalState, now: Date): boolean {
  return getEarliestChange(state) <= toNowMs(now);
}

/** Frozen (shared, read-only) states do not change: their earliest change is worked out once. */
const earliestChanges = new WeakMap<PortalState, number>();

/** When time next changes `state`: an order or calendar event falls due, or an order starts processing. */
function getEarliestChange(state: PortalState): number {
  const known = earliestChanges.get(state);
  if (known !== undefined) return known;
  const inFlight = indexOrdersInFlight(state);
  let earliest = Infinity;
  for (const sub of state.subscriptions) {
    const order = inFlight.get(sub.id);
    earliest = Math.min(earliest, getNextEvent(sub, order).at, order?.order.status === "submitted" ? toTime(order.processingAt) : Infinity);
  }
  if (Object.isFrozen(state)) earliestChanges.set(state, earliest);
  return earliest;
}

/**
 * Brings the state up to `now`: orders reach processing and completion at their times, billing periods roll and
 * terms renew, all in time order across subscriptions (ties in subscription order). So the result depends only on
 * the state and `now`, however the time was reached: advancing to t1 and then to t2 equals advancing to t2, and a
 * read answered from an advanced copy equals what a later write at the same time saves. At most
 * MAX_EVENTS_PER_ADVANCE events (PORTAL_CALENDAR_LIMIT beyond), so no state makes it loop for ever. Returns
 * whether anything changed.
 */
export function advancePortalState(state: PortalState, now: Date): boolean {
  const nowMs = toNowMs(now);
  const inFlight = indexOrdersInFlight(state);
  const next = state.subscriptions.map((sub) => getNextEvent(sub, inFlight.get(sub.id)));
  let changed = false;
  for (let applied = 0; ; applied += 1) {
    let index = -1;
    next.forEach((event, i) => {
      if (event.at <= nowMs && (index === -1 || event.at < next[index].at)) index = i;
    });
    if (index === -1) break;
    if (applied >= MAX_EVENTS_PER_ADVANCE) {
      throw createCalendarLimitError(`bringing the portal up to ${now.toISOString()} takes more than ${MAX_EVENTS_PER_ADVANCE} billing periods, renewals and orders`);
    }
    const sub = getWritableSubscription(state, index);
    const event = next[index];
    if (event.order) {
      completeOrder(state, event.order, sub);
      const following = findOrderInFlight(state, sub.id);
      if (following) inFlight.set(sub.id, following);
      else inFlight.delete(sub.id);
    } else applyCalendarEvent(sub, event.kind!);
    next[index] = getNextEvent(sub, inFlight.get(sub.id));
    changed = true;
  }
  for (const sub of state.subscriptions) {
    const order = inFlight.get(sub.id);
    if (order && isDueToProcess(order, nowMs)) {
      order.order = { ...order.order, status: "processing" };
      changed = true;
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------------------
// Estimating and placing
/** Prices an order without placing it (every rule applies, nothing changes). */
export function estimateOrderInState(state: PortalState, request: OrderRequest, now: Date): OrderEstimate {
  return checkOrder(state, request, now).estimate;
}

/** A stable fingerprint of everything in a request except its idempotency key. */
export function hashOrderRequest(request: PlaceOrderRequest): string {
  const canonical = {
    subscriptionId: request.subscriptionId,
    expectedRevision: request.expectedRevision ?? null,
    lines: request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, effective: l.effective })),
    paymentMethodId: request.paymentMethodId ?? null,
    notifyEmail: request.notifyEmail ?? null,
    allowBelowUsage: request.allowBelowUsage ?? false,
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

/**
 * Places an order. A known idempotency key returns the first order (and never places a second one); the same key
 * with a different request is refused, as Stripe and the IETF Idempotency-Key draft do.
 */
export function placeOrderInState(state: PortalState, request: PlaceOrderRequest, now: Date): Order {
  if (typeof request?.idempotencyKey !== "string" || request.idempotencyKey.trim() === "") {
    throw createPortalError("PORTAL_BAD_REQUEST", "the order has no idempotency key", "Send an idempotency key derived from the plan, so a retry never orders twice.");
  }
  assertRequestShape(request);
  const previous = state.orders.find((o) => o.order.idempotencyKey === request.idempotencyKey);
  if (previous) {
    if (previous.requestHash !== hashOrderRequest(request)) {
      throw createPortalError(
        "PORTAL_BAD_REQUEST",
        `idempotency key reused with a different request (it belongs to order ${previous.order.id})`,
        "Use a new idempotency key for a different order; a retry must resend the identical request.",
        { idempotencyKey: request.idempotencyKey, orderId: previous.order.id },
        422,
      );
    }
    return previous.order;
  }
  const checked = checkOrder(state, request, now);
  state.counters.order += 1;
  const createdAt = now.toISOString();
  const order: Order = {
    ...checked.estimate,
    id: `ord-${state.epoch}-${String(state.counters.order).padStart(6, "0")}`,
    status: "submitted",
    idempotencyKey: request.idempotencyKey,
    ...(checked.paymentMethod ? { paymentMethodId: checked.paymentMethod.id } : {}),
    notifyEmail: checked.notifyEmail,
    createdAt,
  };
  const stored: StoredOrder = {
    order,
    requestHash: hashOrderRequest(request),
    processingAt: new Date(now.getTime() + Math.floor(state.processingDelayMs / 2)).toISOString(),
    completeAt: new Date(now.getTime() + state.processingDelayMs).toISOString(),
  };
  state.orders.push(stored);
  // The subscription shows the order in progress: that is a change of the subscription, so a new revision.
  getWritableSubscription(state, state.subscriptions.indexOf(checked.sub)).revision += 1;
  advancePortalState(state, now);
  return stored.order;
}

/** Orders, oldest first, filtered by subscription and idempotency key. */
export function listOrdersInState(state: PortalState, options: { subscriptionId?: string; idempotencyKey?: string } = {}): Order[] {
  return state.orders
    .map((o) => o.order)
    .filter((o) => (options.subscriptionId === undefined || o.subscriptionId === options.subscriptionId) && (options.idempotencyKey === undefined || o.idempotencyKey === options.idempotencyKey));
}
