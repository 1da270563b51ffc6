/**
 * One csp-seats order on Pax8 = one `PUT /subscriptions/{id}` carrying the new ABSOLUTE quantity (Pax8 has one
 * product per subscription, so an order has one line; docs/backends.md). Pax8 applies it synchronously and has
 * no quote, no dry run (`isMock` exists only on POST /orders) and no scheduling (future-dated changes are refused):
 * the order csp-seats returns is completed, its money is csp-seats' estimate, and a change at renewal is refused
 * here (the planner defers those instead).
 *
 * Idempotency: the quantity is absolute, so sending it twice cannot add seats twice; still, after a lost reply, a
 * 429 or a 5xx the subscription is re-read and the PUT is only re-sent when the quantity is not already the target.
 */
import { createHash } from "node:crypto";
import { toDateString } from "../../core/dates";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Order, OrderLine, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import { absMoney, addMoney, subtractMoney, zeroMoney } from "../../core/money";
import { checkLineChange, priceOrderLine } from "../../core/rules";
import { isOutcomeUnknown } from "../shared/http-client";
import { isTransientHttpError } from "../shared/retry";
import { checkQuantity } from "../shared/vendor-values";
import { atPax8 } from "./map-subscription";
import type { Pax8Session } from "./pax8-session";
import type { Pax8Subscription } from "./pax8-types";

/** Re-sends of a PUT after a failure whose outcome is unknown or that was refused by throttling. */
const PUT_ATTEMPTS = 4;

/** What a change needs from the portal. */
export interface Pax8ChangeContext {
  readonly session: Pax8Session;
  /** Re-reads the raw subscription (GET /subscriptions/{id}). */
  readonly fetchRaw: (id: string) => Promise<Pax8Subscription>;
  /** Re-reads and maps it. */
  readonly load: (raw: Pax8Subscription) => Promise<Subscription>;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

/** The deterministic order id of a change: the subscription and the plan's idempotency key. */
export function getPax8OrderId(subscriptionId: string, idempotencyKey: string): string {
  return `pax8-${subscriptionId}-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 12)}`;
}

/** Sums order lines (signed: positive charge, negative refund) the way every Order does. */
export function summariseLines(lines: readonly OrderLine[], currency: string): { charge: Order["charge"]; refund: Order["refund"]; total: Order["total"]; currency: string } {
  let charge = zeroMoney(currency);
  let refund = zeroMoney(currency);
  for (const line of lines) {
    if (line.amount.amount.startsWith("-")) refund = addMoney(refund, absMoney(line.amount));
    else charge = addMoney(charge, line.amount);
  }
  return { charge, refund, total: subtractMoney(charge, refund), currency };
}

/** The one line of a Pax8 change request; refuses anything a PUT cannot express. */
export function checkPax8Request(subscription: Subscription, request: OrderRequest): { sku: string; quantity: number } {
  const line = subscription.lines[0];
  if (request.lines.length !== 1) {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", `a Pax8 change carries exactly one line (got ${request.lines.length})`, "Pax8 has one product per subscription: list one SKU (its productId) per subscription in seats.yaml.", { status: 400 });
  }
  const [wanted] = request.lines;
  if (wanted.sku !== line.sku) {
    throw new CspSeatsError("PORTAL_SKU_NOT_FOUND", `Pax8 subscription ${subscription.id} carries product ${line.sku}, not ${wanted.sku}`, `Use the subscription's productId ${line.sku} as the SKU.`, { status: 422 });
  }
  if (wanted.effective !== "now") {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", `Pax8 cannot schedule a change for renewal (the API refuses future-dated changes)`, "csp-seats defers such a decrease and places it inside its renewal window; plan again.", { status: 400 });
  }
  checkQuantity(atPax8(`change of subscription ${subscription.id}`), "quantity", wanted.quantity);
  return { sku: wanted.sku, quantity: wanted.quantity };
}

/** Prices the change with csp-seats' rules (daily proration on the billing period): Pax8 has no quote. */
export function estimatePax8Change(subscription: Subscription, quantity: number, now: Date): OrderLine {
  return priceOrderLine(subscription, subscription.lines[0], quantity, "now", now);
}

/**
 * Places the change: checks (eligible, not stale, not below usage), one PUT with recovery, and a completed
 * Order whose line says what was applied. A subscription already at the target is not sent anything.
 */
export async function placePax8Change(context: Pax8ChangeContext, request: PlaceOrderRequest): Promise<Order> {
  if (typeof request.idempotencyKey !== "string" || request.idempotencyKey.trim() === "") {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", "an order needs an idempotency key", "Derive it from the plan (csp-seats does).", { status: 400 });
  }
  const id = request.subscriptionId;
  const createdAt = context.now().toISOString();
  let raw = await context.fetchRaw(id);
  let subscription = await context.load(raw);
  const { sku, quantity } = checkPax8Request(subscription, request);
  const from = subscription.lines[0].limit;
  const orderId = getPax8OrderId(id, request.idempotencyKey);
  const complete = (line: OrderLine, message: string): Order => ({
    id: orderId,
    subscriptionId: id,
    status: "completed",
    idempotencyKey: request.idempotencyKey,
    createdAt,
    completedAt: context.now().toISOString(),
    lines: [{ ...line, result: { status: "applied", message } }],
    ...summariseLines([line], subscription.currency),
  });
  if (from === quantity) {
    context.log(`pax8: subscription ${id} already has ${quantity} seats; nothing sent`);
    return complete({ sku, from, to: quantity, effective: "now", effectiveDate: toDateString(context.now()), amount: zeroMoney(subscription.currency) }, "already at the requested quantity");
  }
  if (!subscription.eligibility.eligible) {
    throw new CspSeatsError("PORTAL_INELIGIBLE", `subscription ${id} cannot be changed: ${subscription.eligibility.reason}`, "Resolve the subscription's status in the Pax8 app first.", { status: 403, details: { reasonCode: subscription.eligibility.reasonCode } });
  }
  if (request.expectedRevision !== undefined && request.expectedRevision !== subscription.revision) {
    throw new CspSeatsError("PORTAL_STALE_REVISION", `subscription ${id} changed since it was planned`, "Run the plan again (pulumi preview / csp-seats plan) and apply the new plan.", { status: 412, details: { expected: request.expectedRevision, actual: subscription.revision } });
  }
  const rule = checkLineChange(subscription, subscription.lines[0], quantity, "now", context.now(), request.allowBelowUsage ? { allowBelowUsage: true } : {});
  if (rule?.code === "PORTAL_BELOW_USAGE") throw new CspSeatsError(rule.code, rule.summary, rule.fix, { status: 422 });
  const priced = estimatePax8Change(subscription, quantity, context.now());

  const path = `/subscriptions/${encodeURIComponent(id)}`;
  let lastError: unknown;
  const applied = await context.session
    .retry(
      async (attempt) => {
        if (attempt > 1) {
          raw = await context.fetchRaw(id);
          if (raw.quantity === quantity) {
            context.log(`pax8: subscription ${id} shows ${quantity} seats after a failed reply; the change was applied, not sending it again`);
            return raw;
          }
          context.log(`pax8: subscription ${id} still has ${raw.quantity} seats; sending the change again (attempt ${attempt})`);
        }
        try {
          return (await context.session.request<Pax8Subscription>({ method: "PUT", path, body: { quantity }, retrySafe: false }, "PUT /subscriptions/{id}")).body;
        } catch (error) {
          lastError = error;
          throw error;
        }
      },
      { retries: PUT_ATTEMPTS - 1, shouldRetry: (error) => isTransientHttpError(error) || isOutcomeUnknown(error) },
    )
    .catch((error: unknown) => {
      if (isCspSeatsError(error) && (isOutcomeUnknown(error) || isTransientHttpError(error)) && error === lastError) {
        throw new CspSeatsError("PAX8_CHANGE_UNCONFIRMED", `the change of subscription ${id} to ${quantity} seats was sent but Pax8's reply was lost or refused (${error.code})`, "Run again: csp-seats re-reads the subscription first and sends the absolute quantity only when it is not already applied.", {
          ...(error.status !== undefined ? { status: error.status } : {}),
          ...(error.correlationId ? { correlationId: error.correlationId } : {}),
          details: { subscriptionId: id, quantity },
        });
      }
      throw error;
    });
  raw = applied && typeof applied === "object" && applied.id ? applied : await context.fetchRaw(id);
  subscription = await context.load(raw);
  if (subscription.lines[0].limit !== quantity) {
    context.log(`pax8: subscription ${id} answered with ${subscription.lines[0].limit} seats after the change to ${quantity}`);
  }
  context.log(`pax8: subscription ${id} changed ${from} -> ${quantity} seats (estimate ${priced.amount.amount} ${priced.amount.currency}; not validated by Pax8)`);
  return complete(priced, "applied by PUT /subscriptions/{id}; the amount is csp-seats' estimate, not validated by Pax8");
}
