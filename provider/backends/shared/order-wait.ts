/**
 * The one wait for a placed order, for every backend: poll `getOrder` until the order is completed or in error,
 * with backoff (200 ms doubling to 5 s) on the shared retry policy, and give up with ORDER_TIMEOUT after the one
 * timeout (csp-seats:orderTimeoutSeconds). Giving up leaves the order in the portal; a re-run finds it by its
 * idempotency key and never orders twice.
 */
import { CspSeatsError } from "../../core/errors";
import type { Order } from "../../core/model";
import type { Portal } from "../portal";
import { getBackoffDelay, retry } from "./retry";

/** Between polls: 200 ms doubling to 5 s. */
const POLL_BACKOFF = { minMs: 200, maxMs: 5_000, jitter: "none" } as const;
/** A still-pending order is reported at least this often. */
const REPORT_EVERY_MS = 30_000;

/** Told when the order's status changes, and every 30 s while it does not. */
export interface OrderProgress {
  readonly order: Order;
  /** Since the wait started. */
  readonly elapsedMs: number;
}

/** How long to wait, whom to tell, and (for tests) how time passes. */
export interface OrderWaitOptions {
  /** Give up after this long (the order stays in the portal). */
  readonly timeoutMs: number;
  readonly onProgress?: (progress: OrderProgress) => void | Promise<void>;
  /** Stops the wait; it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How to wait between polls; injectable so tests never sleep. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds now, for the timeout and the reports. Default Date.now. */
  readonly now?: () => number;
}

/** Whether the portal may still change the order (submitted or processing). */
export function isOrderPending(order: Pick<Order, "status">): boolean {
  return order.status === "submitted" || order.status === "processing";
}

/** Marks an attempt whose order is still pending (the only failure the wait retries). */
class StillPending extends Error {
  constructor(readonly order: Order) {
    super(`order ${order.id} is still ${order.status}`);
    this.name = "StillPending";
  }
}

/**
 * Polls `order` until it is completed or in error and returns it then (an order in error is returned, not
 * thrown: the caller decides what a failed order means). Throws ORDER_TIMEOUT when it is still pending after
 * `timeoutMs`; failures of `getOrder` itself (already retried by the backend's HTTP client) end the wait.
 */
export async function waitForOrder(portal: Pick<Portal, "getOrder">, order: Order, options: OrderWaitOptions): Promise<Order> {
  if (!(options.timeoutMs > 0)) throw new TypeError(`Expected \`timeoutMs\` to be a positive number, got ${options.timeoutMs}`);
  if (!isOrderPending(order)) return order;
  const now = options.now ?? Date.now;
  const started = now();
  let current = order;
  let lastReport = started;
  const poll = async (attempt: number): Promise<Order> => {
    if (attempt > 1) {
      const previous = current.status;
      current = await portal.getOrder(current.id);
      if (current.status !== previous || now() - lastReport >= REPORT_EVERY_MS) {
        lastReport = now();
        await options.onProgress?.({ order: current, elapsedMs: now() - started });
      }
    }
    if (isOrderPending(current)) throw new StillPending(current);
    return current;
  };
  return retry(poll, {
    retries: Infinity,
    shouldRetry: (error) => {
      if (!(error instanceof StillPending)) return false;
      if (now() - started > options.timeoutMs) throw createOrderTimeout(error.order, options.timeoutMs);
      return true;
    },
    getDelayMs: (_error, attempt) => getBackoffDelay(attempt, POLL_BACKOFF),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

function createOrderTimeout(order: Order, timeoutMs: number): CspSeatsError {
  return new CspSeatsError(
    "ORDER_TIMEOUT",
    `order ${order.id} for subscription ${order.subscriptionId} is still ${order.status} after ${Math.round(timeoutMs / 1000)} s`,
    "Check the order in the portal; run `pulumi refresh` once it completes (the same plan never orders twice). Raise csp-seats:orderTimeoutSeconds for slow portals.",
    { details: { orderId: order.id, subscriptionId: order.subscriptionId, status: order.status } },
  );
}
