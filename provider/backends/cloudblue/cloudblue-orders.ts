/**
 * Placing a change on CloudBlue. A change is ONE `POST /orders` of type `change` carrying every product of the
 * subscription (new totals); changes at renewal are a second order with `scheduledOn: renewal` (SimpleAPI
 * schedules per order, not per line). `placeCloudBlueOrder` returns the order as placed: the caller waits for it
 * with the shared order wait (backends/shared/order-wait.ts) and its one timeout.
 *
 * Idempotency: SimpleAPI has no idempotency header, so each order carries a marker (PO number derived from the
 * key, plus the key in `attributes`). Before placing, and after a POST whose reply was lost, csp-seats looks for
 * an order of this subscription with that marker among the orders of the last 168 hours.
 */
import { toDateString } from "../../core/dates";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Order, OrderLineRequest, PlaceOrderRequest } from "../../core/model";
import { checkLineChange } from "../../core/rules";
import { isOutcomeUnknown } from "../shared/http-client";
import { waitForOrder } from "../shared/order-wait";
import { assertKnownSkus, buildChangeOrder, combineOrders, describeOrderFailure, groupByEffective, mapOrder } from "./map-order";
import { mapSubscriptionStatus } from "./map-status";
import { isOrderForKey, type OrderMarker } from "./order-marker";
import type { CloudBlueReader, LoadedSubscription } from "./cloudblue-reads";
import type { SimpleApi } from "./cloudblue-session";
import type { CbOrderDetailed } from "./simpleapi-types";

/** What placing needs from the portal. */
export interface CloudBlueOrderContext {
  readonly api: SimpleApi;
  readonly reader: CloudBlueReader;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  /** Attempts of `POST /orders` refused with 429 (refused = not placed, so repeating is safe). */
  readonly throttledOrderAttempts: number;
  /** How long to wait for the immediate order before placing the renewal one. */
  readonly orderTimeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface OrderPart {
  readonly effective: "now" | "renewal";
  readonly lines: OrderLineRequest[];
  readonly key: string;
}

/** Refuses a stale plan (the Portal contract's expectedRevision; CloudBlue has no revision of its own). */
export function checkRevision(loaded: LoadedSubscription, expected: string | undefined): void {
  if (expected !== undefined && expected !== loaded.subscription.revision) {
    throw new CspSeatsError("PORTAL_STALE_REVISION", `subscription ${loaded.subscription.id} changed since it was planned`, "Run the plan again (pulumi preview / csp-seats plan) and apply the new plan.", {
      status: 412,
      details: { expected, actual: loaded.subscription.revision },
    });
  }
}

/**
 * What is refused before anything is sent. The planner and CloudBlue decide the rest (quantity ranges, renewal
 * changes, open orders, which CloudBlue answers with 409); these stay because nobody else would catch them:
 * - a subscription CloudBlue reports as not active is refused with our PORTAL_INELIGIBLE and its reason;
 * - a stale plan (CloudBlue knows no revision);
 * - fewer seats than are assigned: CloudBlue does not look at usage, so ordering below it would take licenses
 *   from users. The core rule decides (checkLineChange); only its below-usage verdict is acted on here.
 */
function checkBeforeOrdering(loaded: LoadedSubscription, request: PlaceOrderRequest, now: Date): void {
  const { subscription } = loaded;
  const mapped = mapSubscriptionStatus(loaded.raw.status);
  if (!mapped.eligibility.eligible) {
    throw new CspSeatsError("PORTAL_INELIGIBLE", `subscription ${subscription.id} cannot be changed: ${mapped.eligibility.reason}`, "Resolve the subscription's status in the CloudBlue control panel first.", { status: 403, details: { reasonCode: mapped.eligibility.reasonCode } });
  }
  checkRevision(loaded, request.expectedRevision);
  for (const line of request.lines) {
    const current = subscription.lines.find((l) => l.sku === line.sku)!;
    const violation = checkLineChange(subscription, current, line.quantity, line.effective, now, request.allowBelowUsage ? { allowBelowUsage: true } : {});
    if (violation?.code === "PORTAL_BELOW_USAGE") throw new CspSeatsError(violation.code, violation.summary, violation.fix, { status: 422 });
  }
}

/**
 * Places the order(s) for `request` and returns them as placed (combined into one Order when there are two).
 * A replayed idempotency key returns the orders already placed for it and places nothing. `justRead` is the
 * subscription as the caller read it a moment ago (converge's fresh read), so it is not read twice.
 */
export async function placeCloudBlueOrder(context: CloudBlueOrderContext, request: PlaceOrderRequest, justRead?: LoadedSubscription): Promise<Order> {
  if (typeof request.idempotencyKey !== "string" || request.idempotencyKey.trim() === "") {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", "an order needs an idempotency key", "Derive it from the plan (csp-seats does); it is what prevents a second order.", { status: 400 });
  }
  const { reader } = context;
  let loaded = justRead ?? (await reader.load(request.subscriptionId, await reader.loadUsage()));
  assertKnownSkus(loaded.raw, request.lines);
  const groups = groupByEffective(request.lines);
  const parts: OrderPart[] = (["now", "renewal"] as const)
    .filter((effective) => groups[effective].length > 0)
    .map((effective, _i, all) => ({ effective, lines: groups[effective], key: all.length > 1 ? `${request.idempotencyKey}#${effective}` : request.idempotencyKey }));
  if (parts.length === 0) {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", "the order has no lines", "Send at least one line.", { status: 400 });
  }

  // Replays first: a retried run must find its order even though the subscription changed since (revision).
  const existing = parts.map((part) => loaded.recentOrders.find((order) => isOrderForKey(order, part.key)));
  if (existing.every((order) => order === undefined)) checkBeforeOrdering(loaded, request, context.now());

  const orders: Order[] = [];
  for (const [index, part] of parts.entries()) {
    let placed: CbOrderDetailed;
    const found = existing[index];
    if (found?.id) {
      context.log(`cloudblue: order ${found.orderNumber ?? found.id} already placed for this idempotency key; not placing another`);
      placed = await reader.fetchOrder(found.id);
    } else {
      if (orders.length > 0) loaded = await reader.load(request.subscriptionId, await reader.loadUsage());
      placed = await submit(context, loaded, part, request);
    }
    const order = mapOrder(placed, loaded.subscription.currency);
    // The renewal order carries every product at its quantity after the immediate one, and CloudBlue refuses a
    // second open order on a subscription: the immediate one must be finished first.
    orders.push(index < parts.length - 1 ? await waitForPart(context, order, loaded, request, orders) : order);
  }
  return combineOrders(orders);
}

/** Waits for an order that another one must follow; its failure ends the request (nothing further is ordered). */
async function waitForPart(context: CloudBlueOrderContext, order: Order, loaded: LoadedSubscription, request: PlaceOrderRequest, done: readonly Order[]): Promise<Order> {
  let raw: CbOrderDetailed | undefined;
  const final = await waitForOrder(
    {
      getOrder: async (id) => {
        raw = await context.reader.fetchOrder(id);
        return mapOrder(raw, loaded.subscription.currency);
      },
    },
    order,
    {
      timeoutMs: context.orderTimeoutMs,
      ...(context.sleep ? { sleep: context.sleep } : {}),
      onProgress: ({ order: polled }) => context.log(`cloudblue: order ${polled.id} ${polled.status}`),
    },
  );
  if (final.status !== "error") return final;
  const failed = raw ?? (await context.reader.fetchOrder(final.id));
  const failure = describeOrderFailure(failed as CbOrderDetailed & { message?: unknown });
  throw new CspSeatsError("CLOUDBLUE_ORDER_FAILED", `subscription ${request.subscriptionId}: ${failure.message}`, "Nothing further was ordered. Check the order in the CloudBlue control panel, fix the cause, then run again.", {
    status: 422,
    details: { orderId: final.id, orderNumber: failed.orderNumber, statusCode: failed.statusCode, vendorCode: failure.code, vendorMessage: failure.message, completedOrders: done.map((o) => o.id) },
  });
}

/**
 * Posts one change order and returns it (with the marker it was sent with). A 429 refused it, so it is sent
 * again after the server's Retry-After; after a lost reply it is looked up by its marker instead of posted again.
 */
async function submit(context: CloudBlueOrderContext, loaded: LoadedSubscription, part: OrderPart, request: PlaceOrderRequest): Promise<CbOrderDetailed> {
  const marker: OrderMarker = {
    v: 1,
    key: part.key,
    effective: part.effective,
    effectiveDate: part.effective === "renewal" ? loaded.subscription.renewalDate : toDateString(context.now()),
    currency: loaded.subscription.currency,
    lines: part.lines.map((line) => ({ sku: line.sku, from: loaded.subscription.lines.find((l) => l.sku === line.sku)!.limit, to: line.quantity })),
  };
  const targets = new Map(part.lines.map((line) => [line.sku, line.quantity]));
  const body = buildChangeOrder(loaded.raw, targets, { marker, ...(part.effective === "renewal" ? { scheduledOn: "renewal" as const } : {}) });
  const post = async (): Promise<CbOrderDetailed> => {
    try {
      const response = await context.api.request<CbOrderDetailed>({ method: "POST", path: "/orders", body, retrySafe: false });
      const id = response.body?.id;
      if (!id) throw new CspSeatsError("CLOUDBLUE_BAD_RESPONSE", "POST /orders answered without an order id", "Check the subscription's orders in the CloudBlue control panel before running again.", { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
      context.log(`cloudblue: placed order ${response.body.orderNumber ?? id} for subscription ${request.subscriptionId} (correlation id ${response.correlationId ?? "none"})`);
      return { ...body, ...response.body };
    } catch (error) {
      if (!isOutcomeUnknown(error)) throw error;
      const found = (await context.reader.fetchRecentOrders(request.subscriptionId)).find((order) => isOrderForKey(order, part.key));
      if (found?.id) {
        context.log(`cloudblue: the reply to POST /orders was lost; found order ${found.orderNumber ?? found.id} by its marker, not placing another`);
        return context.reader.fetchOrder(found.id);
      }
      const failure = error as CspSeatsError;
      throw new CspSeatsError("CLOUDBLUE_ORDER_UNCONFIRMED", `subscription ${request.subscriptionId}: the reply to POST /orders was lost and no order with its marker exists yet (${failure.summary})`, "Run again: csp-seats looks for the order by its PO number before placing one, so it will not order twice.", {
        ...(failure.status !== undefined ? { status: failure.status } : {}),
        ...(failure.correlationId ? { correlationId: failure.correlationId } : {}),
        details: { poNumber: body.poNumber },
      });
    }
  };
  return context.api.retry(post, {
    retries: Math.max(1, context.throttledOrderAttempts) - 1,
    shouldRetry: (error) => isCspSeatsError(error) && error.status === 429,
    onRetry: ({ delayMs, error }) => context.log(`cloudblue: POST /orders throttled (429); waiting ${delayMs} ms (correlation id ${(error as CspSeatsError).correlationId ?? "none"})`),
  });
}
