/**
 * What the embedded portal does with orders, on a PortalState held in memory (pure; the caller provides the
 * transaction and the time). The rules and prices are the shared ones in provider/pricing.ts, so the planner's
 * numbers and the portal's quote agree to the cent.
 *
 * Orders move submitted -> processing -> completed | error by time alone: each transaction first brings the state
 * up to "now" (advancePortalState), so no background timer is needed and every process sees the same progress.
 */
import { createHash } from "node:crypto";
import { CspSeatsError } from "../core/errors";
import type { LicenseLine, Order, OrderEstimate, OrderLine, OrderLineRequest, OrderRequest, OutboxMessage, PaymentMethod, PlaceOrderRequest, Subscription } from "../core/model";
import { absMoney, compareMoney, formatMinorUnits, negateMoney, subtractMoney, sumMoney, toMinorUnits, zeroMoney } from "../core/money";
import { checkLineChange, createBatch, priceOrderLine, takeFromBatches } from "../core/rules";
import type { FaultRule } from "./faults";
import { PORTAL_ERROR_STATUS, type PortalErrorCode } from "../backends/portal";
import {
  addDays,
  applyCalendarEvent,
  findOrderInFlight,
  formatRevision,
  getEligibility,
  getNextCalendarEvent,
  toLicenseLine,
  toSubscription,
  type PortalState,
  type StoredOrder,
  type StoredSubscription,
} from "./portal-state";

/** A CspSeatsError carrying the HTTP status the portal API uses for `code`. */
export function createPortalError(code: PortalErrorCode, summary: string, fix: string, details?: Record<string, unknown>, status?: number): CspSeatsError {
  return new CspSeatsError(code, summary, fix, { status: status ?? PORTAL_ERROR_STATUS[code], ...(details ? { details } : {}) });
}

function findSubscription(state: PortalState, id: string): StoredSubscription {
  const sub = state.subscriptions.find((s) => s.id === id);
  if (!sub) {
    throw createPortalError("PORTAL_SUBSCRIPTION_NOT_FOUND", `subscription ${id} does not exist`, "Check the id with `csp-seats portal list` (or the portal's subscription list).", {
      subscriptionId: id,
    });
  }
  return sub;
}

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

function completeOrder(state: PortalState, stored: StoredOrder): void {
  const order = stored.order;
  const sub = findSubscription(state, order.subscriptionId);
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

/**
 * Whether advancePortalState(state, now) would change anything: an order or calendar event is due, or an order
 * is due to start processing. Pure, so a shared read-only state can be checked before answering from it.
 */
export function isPortalStateBehind(state: PortalState, now: Date): boolean {
  const nowMs = now.getTime();
  return state.subscriptions.some((sub) => {
    const inFlight = findOrderInFlight(state, sub.id);
    const orderAt = inFlight ? Date.parse(inFlight.completeAt) : Infinity;
    const calendarAt = getNextCalendarEvent(sub)?.at ?? Infinity;
    if (Math.min(orderAt, calendarAt) <= nowMs) return true;
    return inFlight !== undefined && inFlight.order.status === "submitted" && Date.parse(inFlight.processingAt) <= nowMs;
  });
}

/**
 * Brings the state up to `now`: orders reach processing and completion at their times, billing periods roll and
 * terms renew, each subscription's events in time order. Returns whether anything changed.
 */
export function advancePortalState(state: PortalState, now: Date): boolean {
  const nowMs = now.getTime();
  let changed = false;
  for (const sub of state.subscriptions) {
    for (;;) {
      const inFlight = findOrderInFlight(state, sub.id);
      const orderAt = inFlight ? Date.parse(inFlight.completeAt) : Infinity;
      const calendar = getNextCalendarEvent(sub);
      const calendarAt = calendar ? calendar.at : Infinity;
      if (Math.min(orderAt, calendarAt) > nowMs) break;
      if (inFlight && orderAt <= calendarAt) completeOrder(state, inFlight);
      else applyCalendarEvent(sub, calendar!.kind);
      changed = true;
    }
    const inFlight = findOrderInFlight(state, sub.id);
    if (inFlight && inFlight.order.status === "submitted" && Date.parse(inFlight.processingAt) <= nowMs) {
      inFlight.order = { ...inFlight.order, status: "processing" };
      changed = true;
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------------------
// Estimating and placing

function assertRequestShape(request: OrderRequest): void {
  const bad = (summary: string, fix: string): never => {
    throw createPortalError("PORTAL_BAD_REQUEST", summary, fix);
  };
  if (typeof request !== "object" || request === null) bad("the order request is not an object", "Send { subscriptionId, lines: [...] }.");
  if (typeof request.subscriptionId !== "string" || request.subscriptionId === "") bad("the order has no subscriptionId", "Name the subscription the order changes.");
  if (!Array.isArray(request.lines) || request.lines.length === 0) bad("the order has no lines", "Add at least one line { sku, quantity, effective }.");
  for (const line of request.lines) {
    if (typeof line !== "object" || line === null || typeof line.sku !== "string" || line.sku === "") bad("an order line has no sku", "Give every line the sku it changes.");
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) bad(`${line.sku}: quantity ${String(line.quantity)} is not a whole number of seats`, "Use a non-negative integer (the new total).");
    if (line.effective !== "now" && line.effective !== "renewal") bad(`${line.sku}: effective must be "now" or "renewal"`, 'Use effective: "now" or "renewal".');
  }
  if (request.expectedRevision !== undefined && typeof request.expectedRevision !== "string") bad("expectedRevision must be a string", "Pass the subscription's revision unchanged.");
  if (request.paymentMethodId !== undefined && typeof request.paymentMethodId !== "string") bad("paymentMethodId must be a string", "Pass a payment method id of the subscription.");
  if (request.notifyEmail !== undefined && (typeof request.notifyEmail !== "string" || !/^[^@\s]+@[^@\s]+$/.test(request.notifyEmail))) {
    bad(`notifyEmail ${JSON.stringify(request.notifyEmail)} is not an e-mail address`, "Pass an address such as it-admin@example.com.");
  }
}

function sumLines(lines: readonly OrderLine[], currency: string): { charge: OrderEstimate["charge"]; refund: OrderEstimate["refund"]; total: OrderEstimate["total"] } {
  const charge = sumMoney(lines.filter((l) => toMinorUnits(l.amount) > 0n).map((l) => l.amount), currency);
  const refund = absMoney(sumMoney(lines.filter((l) => toMinorUnits(l.amount) < 0n).map((l) => l.amount), currency));
  return { charge, refund, total: subtractMoney(charge, refund) };
}

interface CheckedOrder {
  readonly sub: StoredSubscription;
  readonly estimate: OrderEstimate;
  readonly paymentMethod?: PaymentMethod;
  readonly notifyEmail: string;
}

/** Every rule an order must pass, in the order a portal reports them, then the price of each line. */
function checkOrder(state: PortalState, request: OrderRequest, now: Date): CheckedOrder {
  assertRequestShape(request);
  const sub = findSubscription(state, request.subscriptionId);
  const view = toSubscription(state, sub);
  const details = { subscriptionId: sub.id };
  const eligibility = getEligibility(state, sub);
  if (!eligibility.eligible && eligibility.reasonCode !== "order-in-progress") {
    throw createPortalError("PORTAL_INELIGIBLE", `subscription ${sub.id} cannot be changed: ${eligibility.reason}`, fixForIneligible(eligibility.reasonCode), {
      ...details,
      reasonCode: eligibility.reasonCode,
      reason: eligibility.reason,
    });
  }
  const inFlight = findOrderInFlight(state, sub.id);
  if (inFlight) {
    throw createPortalError("PORTAL_ORDER_IN_PROGRESS", `order ${inFlight.order.id} on subscription ${sub.id} is still ${inFlight.order.status}`, "Wait for it to complete (poll the order), then plan again.", {
      ...details,
      orderId: inFlight.order.id,
    });
  }
  if (request.expectedRevision !== undefined && request.expectedRevision !== view.revision) {
    throw createPortalError(
      "PORTAL_STALE_REVISION",
      `subscription ${sub.id} changed since it was read (revision ${request.expectedRevision}, now ${view.revision})`,
      "Plan again against the current subscription, then apply.",
      { ...details, expectedRevision: request.expectedRevision, revision: view.revision },
    );
  }
  const seen = new Map<string, OrderLineRequest>();
  for (const line of request.lines) {
    const key = `${line.sku}\u0000${line.effective}`;
    if (seen.has(key)) {
      throw createPortalError("PORTAL_DUPLICATE_SKU", `${line.sku} appears twice with effective "${line.effective}" in one order`, 'Give each sku one line, or one "now" and one "renewal" line.', {
        ...details,
        sku: line.sku,
      });
    }
    seen.set(key, line);
  }
  const priced: OrderLine[] = request.lines.map((request_line) => {
    const stored = sub.lines.find((l) => l.sku === request_line.sku);
    if (!stored) {
      throw createPortalError("PORTAL_SKU_NOT_FOUND", `subscription ${sub.id} has no license ${request_line.sku}`, `Use one of: ${sub.lines.map((l) => l.sku).join(", ")}.`, {
        ...details,
        sku: request_line.sku,
      });
    }
    if (stored.unitPrice.currency !== sub.currency) {
      throw createPortalError("PORTAL_BAD_REQUEST", `${stored.sku} is priced in ${stored.unitPrice.currency} but the subscription bills in ${sub.currency}`, "Mixed currencies are refused; order each currency separately.", {
        ...details,
        sku: stored.sku,
      });
    }
    let line: LicenseLine = toLicenseLine(stored);
    const nowLine = request_line.effective === "renewal" ? seen.get(`${stored.sku}\u0000now`) : undefined;
    if (nowLine) {
      // A renewal change in the same order as an immediate one starts from the immediate one's result.
      line = { ...line, limit: nowLine.quantity, refundableBatches: takeFromBatches(line.refundableBatches, Math.max(0, line.limit - nowLine.quantity), now) };
    }
    const violation = checkLineChange(view, line, request_line.quantity, request_line.effective, now, {
      ...(request.allowBelowUsage !== undefined ? { allowBelowUsage: request.allowBelowUsage } : {}),
    });
    if (violation) {
      throw createPortalError(violation.code as PortalErrorCode, violation.summary, violation.fix, { ...details, sku: stored.sku });
    }
    return priceOrderLine(view, line, request_line.quantity, request_line.effective, now);
  });
  const totals = sumLines(priced, sub.currency);
  let paymentMethod: PaymentMethod | undefined;
  if (request.paymentMethodId !== undefined) {
    paymentMethod = sub.paymentMethods.find((pm) => pm.id === request.paymentMethodId);
    if (!paymentMethod) {
      throw createPortalError(
        "PORTAL_PAYMENT_METHOD_NOT_FOUND",
        `subscription ${sub.id} has no payment method ${request.paymentMethodId}`,
        sub.paymentMethods.length > 0 ? `Use one of: ${sub.paymentMethods.map((pm) => pm.id).join(", ")}, or omit it for the default.` : "Add a payment method in the portal first.",
        { ...details, paymentMethodId: request.paymentMethodId },
      );
    }
  } else {
    paymentMethod = sub.paymentMethods.find((pm) => pm.isDefault) ?? sub.paymentMethods[0];
  }
  if (!paymentMethod && compareMoney(totals.charge, zeroMoney(sub.currency)) > 0) {
    throw createPortalError("PORTAL_PAYMENT_METHOD_NOT_FOUND", `subscription ${sub.id} has no payment method for a charge of ${totals.charge.amount} ${sub.currency}`, "Add a payment method in the portal first.", details);
  }
  const customer = state.customers.find((c) => c.id === sub.customerId);
  return {
    sub,
    estimate: { subscriptionId: sub.id, lines: priced, ...totals, currency: sub.currency },
    ...(paymentMethod ? { paymentMethod } : {}),
    notifyEmail: request.notifyEmail ?? customer?.contactEmail ?? `admin@${sub.customerId}.invalid`,
  };
}

function fixForIneligible(reasonCode: string | undefined): string {
  switch (reasonCode) {
    case "channel-partner":
      return "Change it in the channel partner's portal, and leave it out of seats.yaml.";
    case "suspended":
    case "on-hold":
      return "Resolve the suspension or hold with the provider (e.g. pay the overdue invoice), then retry.";
    case "pending":
      return "Wait until provisioning completes, then retry.";
    case "terminated":
      return "Remove it from seats.yaml; buy a new subscription if the licenses are still needed.";
    default:
      return "Contact the provider, or leave the subscription out of seats.yaml.";
  }
}

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
  checked.sub.revision += 1;
  advancePortalState(state, now);
  return stored.order;
}

/** Orders, oldest first, filtered by subscription and idempotency key. */
export function listOrdersInState(state: PortalState, options: { subscriptionId?: string; idempotencyKey?: string } = {}): Order[] {
  return state.orders
    .map((o) => o.order)
    .filter((o) => (options.subscriptionId === undefined || o.subscriptionId === options.subscriptionId) && (options.idempotencyKey === undefined || o.idempotencyKey === options.idempotencyKey));
}

// ---------------------------------------------------------------------------------------------------------------
// E-mail (the seed article: a confirmation of the changes, and a separate notice of the charges)

function describeLine(sub: StoredSubscription, line: OrderLine): string {
  const name = sub.lines.find((l) => l.sku === line.sku)?.displayName ?? line.sku;
  const when = line.effective === "renewal" ? `at renewal on ${line.effectiveDate}` : `from ${line.effectiveDate}`;
  return `${name} (${line.sku}): ${line.from} -> ${line.to} seats ${when}`;
}

function formatAmount(amount: OrderLine["amount"]): string {
  return `${formatMinorUnits(toMinorUnits(amount), amount.currency)} ${amount.currency}`;
}

function pushMail(state: PortalState, message: Omit<OutboxMessage, "id">): void {
  state.counters.message += 1;
  state.outbox.push({ id: `msg-${state.epoch}-${String(state.counters.message).padStart(6, "0")}`, ...message });
}

function sendOrderMail(state: PortalState, sub: StoredSubscription, order: Order): void {
  const to = order.notifyEmail ?? state.customers.find((c) => c.id === sub.customerId)?.contactEmail ?? `admin@${sub.customerId}.invalid`;
  const sentAt = order.completedAt ?? order.createdAt;
  const method = sub.paymentMethods.find((pm) => pm.id === order.paymentMethodId);
  const outcome = order.status === "completed" ? "completed" : order.error?.code === "PORTAL_ORDER_FAILED" ? "failed" : "completed with errors";
  const confirmation = [
    `Order ${order.id} for ${sub.name} (${sub.id}) ${outcome} on ${sentAt}.`,
    "",
    "Changes:",
    ...order.lines.map((line) => `- ${describeLine(sub, line)}: ${line.result?.status ?? "pending"}${line.result?.message ? ` (${line.result.message})` : ""}`),
    "",
    ...(order.error ? [`Problem: ${order.error.message}`, ""] : []),
    `Subscription revision: ${formatRevision(state, sub)}`,
  ].join("\n");
  pushMail(state, { to, subject: `Order ${order.id} ${outcome}: ${sub.name}`, body: confirmation, sentAt, orderId: order.id, kind: "order-confirmation" });
  if (!order.lines.some((l) => l.result?.status !== "failed")) return;
  const charges = [
    `Charges and refunds for order ${order.id} (${sub.name}, billing period ${sub.billingPeriod.start} to ${addDays(sub.billingPeriod.end, -1)}):`,
    "",
    ...order.lines
      .filter((line) => line.result?.status !== "failed")
      .map((line) => {
        const amount = toMinorUnits(line.amount);
        const what = amount > 0n ? `charge ${formatAmount(line.amount)}` : amount < 0n ? `refund ${formatAmount(negateMoney(line.amount))}` : "no charge now";
        return `- ${describeLine(sub, line)}: ${what}`;
      }),
    "",
    `Total charged: ${formatAmount(order.charge)}`,
    `Total refunded: ${formatAmount(order.refund)}`,
    `Net: ${formatAmount(order.total)}`,
    ...(method ? [`Payment method: ${method.label}`] : []),
  ].join("\n");
  pushMail(state, { to, subject: `Charges and refunds for order ${order.id}: ${sub.name}`, body: charges, sentAt, orderId: order.id, kind: "charges-notice" });
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

/** Whether `route` (`METHOD /a/*\/c`, `*` = one segment; or `*` alone) matches `method` and `path` (query ignored). */
export function matchFaultRoute(route: string, method: string, path: string): boolean {
  const pattern = route.trim();
  if (pattern === "*") return true;
  const space = pattern.indexOf(" ");
  if (space === -1) return false;
  const wantMethod = pattern.slice(0, space).toUpperCase();
  if (wantMethod !== "*" && wantMethod !== method.toUpperCase()) return false;
  const split = (p: string): string[] => p.split("?")[0].split("/").filter((s) => s !== "");
  const want = split(pattern.slice(space + 1).trim());
  const got = split(path);
  return want.length === got.length && want.every((segment, i) => segment === "*" || segment === got[i]);
}

/** Counts one use of the first rule matching the request (decrementing `times`, dropping used-up rules). */
export function takeFaultFromState(state: PortalState, method: string, path: string): FaultRule | undefined {
  const index = state.faults.findIndex((rule) => matchFaultRoute(rule.route, method, path));
  if (index === -1) return undefined;
  const rule = state.faults[index];
  if (rule.times !== undefined) {
    if (rule.times <= 1) state.faults.splice(index, 1);
    else state.faults[index] = { ...rule, times: rule.times - 1 };
  }
  return { ...rule };
}
