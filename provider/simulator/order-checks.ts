/**
 * Every rule an order must pass in the embedded portal, in the order a portal reports them (shape, status,
 * open order, revision, duplicate lines, skus, the shared seat rules, payment), and the price of each line.
 * Pure; the rules and prices are the shared ones in core/rules.ts, so the planner and the portal agree.
 */
import { CspSeatsError } from "../core/errors";
import type { LicenseLine, OrderEstimate, OrderLine, OrderLineRequest, OrderRequest, PaymentMethod } from "../core/model";
import { absMoney, compareMoney, subtractMoney, sumMoney, toMinorUnits, zeroMoney } from "../core/money";
import { checkLineChange, priceOrderLine, takeFromBatches } from "../core/rules";
import { PORTAL_ERROR_STATUS, type PortalErrorCode } from "../backends/portal";
import { findOrderInFlight, getEligibility, toLicenseLine, toSubscription, type PortalState, type StoredSubscription } from "./portal-state";

/** A CspSeatsError carrying the HTTP status the portal API uses for `code`. */
export function createPortalError(code: PortalErrorCode, summary: string, fix: string, details?: Record<string, unknown>, status?: number): CspSeatsError {
  return new CspSeatsError(code, summary, fix, { status: status ?? PORTAL_ERROR_STATUS[code], ...(details ? { details } : {}) });
}

/** The stored subscription `id`, or PORTAL_SUBSCRIPTION_NOT_FOUND. */
export function findSubscription(state: PortalState, id: string): StoredSubscription {
  const sub = state.subscriptions.find((s) => s.id === id);
  if (!sub) {
    throw createPortalError("PORTAL_SUBSCRIPTION_NOT_FOUND", `subscription ${id} does not exist`, "Check the id with `csp-seats portal list` (or the portal's subscription list).", {
      subscriptionId: id,
    });
  }
  return sub;
}

/** Refuses a request that is not shaped like an order (PORTAL_BAD_REQUEST). */
export function assertRequestShape(request: OrderRequest): void {
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

/** charge, refund (positive) and total of priced lines. */
export function sumLines(lines: readonly OrderLine[], currency: string): { charge: OrderEstimate["charge"]; refund: OrderEstimate["refund"]; total: OrderEstimate["total"] } {
  const charge = sumMoney(lines.filter((l) => toMinorUnits(l.amount) > 0n).map((l) => l.amount), currency);
  const refund = absMoney(sumMoney(lines.filter((l) => toMinorUnits(l.amount) < 0n).map((l) => l.amount), currency));
  return { charge, refund, total: subtractMoney(charge, refund) };
}

/** An order that passed every rule, priced. */
export interface CheckedOrder {
  readonly sub: StoredSubscription;
  readonly estimate: OrderEstimate;
  readonly paymentMethod?: PaymentMethod;
  readonly notifyEmail: string;
}

/** Every rule an order must pass, in the order a portal reports them, then the price of each line. */
export function checkOrder(state: PortalState, request: OrderRequest, now: Date): CheckedOrder {
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

