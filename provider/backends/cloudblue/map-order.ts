/**
 * csp-seats' orders as CloudBlue change orders and back: the requested lines grouped by when they take effect
 * (one order each), the body of a change order, priced lines from an estimate, an OrderDetailed as our Order,
 * and the vendor's words for a failed one.
 */
import { CspSeatsError } from "../../core/errors";
import { toDateString } from "../../core/dates";
import type { Effective, Money, Order, OrderLine, OrderLineRequest, Subscription } from "../../core/model";
import { toMinorUnits, zeroMoney } from "../../core/money";
import { sumDetailsBySku, summarise } from "./amounts";
import { checkCbOrder } from "./check-values";
import { mapOrderStatus } from "./map-status";
import { MARKER_ATTRIBUTE, getMarkerPoNumber, readOrderMarker, type OrderMarker } from "./order-marker";
import type { CbOrderDetail, CbOrderDetailed, CbOrderLineProduct, CbSubscriptionDetailed } from "./simpleapi-types";

/** The requested lines split by when they take effect; each group becomes one CloudBlue change order. */
export function groupByEffective(lines: readonly OrderLineRequest[]): { now: OrderLineRequest[]; renewal: OrderLineRequest[] } {
  const groups = { now: [] as OrderLineRequest[], renewal: [] as OrderLineRequest[] };
  for (const line of lines) {
    const group = groups[line.effective];
    if (group.some((other) => other.sku === line.sku)) {
      throw new CspSeatsError("PORTAL_DUPLICATE_SKU", `${line.sku} appears twice with effective ${line.effective}`, "Give each sku at most one line per effective date.", { status: 422 });
    }
    group.push(line);
  }
  return groups;
}

/** Checks that every requested sku is a product of the subscription. */
export function assertKnownSkus(subscription: CbSubscriptionDetailed, lines: readonly OrderLineRequest[]): void {
  const known = new Set((subscription.products ?? []).map((p) => p.mpn));
  for (const line of lines) {
    if (!known.has(line.sku)) {
      throw new CspSeatsError("PORTAL_SKU_NOT_FOUND", `subscription ${subscription.id} has no product ${line.sku}`, `Use one of: ${[...known].join(", ") || "(none)"}.`, { status: 422 });
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
      throw new CspSeatsError("PORTAL_BAD_REQUEST", `${line.sku}: quantity ${line.quantity} is not a whole number of seats`, "Use a non-negative integer.", { status: 400 });
    }
  }
}

/**
 * The body of a SimpleAPI change order (for `POST /orders` and `POST /orders/estimate`): ONE order carrying
 * every product of the subscription, each with its new total (`quantity` is the new limit, not a delta);
 * products not being changed are carried at their current quantity. `marker` makes it findable again.
 */
export function buildChangeOrder(
  subscription: CbSubscriptionDetailed,
  targets: ReadonlyMap<string, number>,
  options: { scheduledOn?: "renewal"; marker?: OrderMarker } = {},
): CbOrderDetailed {
  const products: CbOrderLineProduct[] = (subscription.products ?? []).map((product) => ({
    ...(product.mpn !== undefined ? { mpn: product.mpn } : {}),
    ...(product.vendor !== undefined ? { vendor: product.vendor } : {}),
    ...(product.id !== undefined ? { id: product.id } : {}),
    subscriptionId: subscription.id!,
    quantity: targets.get(product.mpn ?? "") ?? product.quantity ?? 0,
    ...(subscription.billingPeriod ? { billingPeriod: subscription.billingPeriod } : {}),
    ...(subscription.subscriptionPeriod ? { subscriptionPeriod: subscription.subscriptionPeriod } : {}),
  }));
  return {
    type: "change",
    customerId: subscription.customerId!,
    subscriptionId: subscription.id!,
    products,
    ...(options.scheduledOn ? { scheduledOn: options.scheduledOn } : {}),
    ...(options.marker ? { poNumber: getMarkerPoNumber(options.marker.key), attributes: { [MARKER_ATTRIBUTE]: JSON.stringify(options.marker) } } : {}),
  };
}


/**
 * Our order lines for one group of requested lines priced by CloudBlue. Lines effective at renewal cost nothing
 * now (our model), whatever the vendor would bill at renewal. A detail for an unchanged product still counts
 * (as a line from = to), so no money is dropped.
 */
export function mapPricedLines(
  subscription: Pick<Subscription, "lines" | "renewalDate" | "currency">,
  requested: readonly OrderLineRequest[],
  details: readonly CbOrderDetail[],
  now: Date,
  orderLabel: string,
): OrderLine[] {
  const today = toDateString(now);
  const changed = requested.filter((line) => line.effective === "now" && subscription.lines.find((l) => l.sku === line.sku)?.limit !== line.quantity).map((l) => l.sku);
  const amounts = requested.some((line) => line.effective === "now") ? sumDetailsBySku(details, subscription.currency, changed, orderLabel) : new Map<string, Money>();
  const consumed = new Set<string>();
  const lines: OrderLine[] = requested.map((line) => {
    const from = subscription.lines.find((l) => l.sku === line.sku)?.limit ?? 0;
    if (line.effective === "now") consumed.add(line.sku);
    const amount = line.effective === "now" ? amounts.get(line.sku) ?? zeroMoney(subscription.currency) : zeroMoney(subscription.currency);
    return { sku: line.sku, from, to: line.quantity, effective: line.effective, effectiveDate: line.effective === "renewal" ? subscription.renewalDate : today, amount };
  });
  for (const [sku, amount] of amounts) {
    if (consumed.has(sku) || toMinorUnits(amount) === 0n) continue;
    const limit = subscription.lines.find((l) => l.sku === sku)?.limit ?? 0;
    lines.push({ sku, from: limit, to: limit, effective: "now", effectiveDate: today, amount });
  }
  return lines;
}

/** The vendor's words for an order that ended in error or was cancelled. */
export function describeOrderFailure(order: CbOrderDetailed & { message?: unknown }): { code: string; message: string } {
  const label = order.orderNumber ?? order.id ?? "?";
  if (order.status === "cancelled") {
    return { code: "CLOUDBLUE_ORDER_CANCELLED", message: `order ${label} was cancelled in CloudBlue${order.statusCode ? ` (status code ${order.statusCode})` : ""}` };
  }
  // SimpleAPI documents no error text for a failed order ("more information can be found in the reseller
  // control panel"); a `message` some gateways add is used when present.
  const vendorMessage = typeof order.message === "string" && order.message.trim() !== "" ? order.message.trim() : undefined;
  return {
    code: order.statusCode ? `CLOUDBLUE_${order.statusCode}` : "CLOUDBLUE_ORDER_ERROR",
    message: `order ${label} ended in error${order.statusCode ? ` (status code ${order.statusCode})` : ""}: ${vendorMessage ?? "CloudBlue gives the reason in the reseller control panel"}`,
  };
}

/**
 * Maps an OrderDetailed onto our Order. Lines come from csp-seats' marker (which records from/to); for orders
 * placed elsewhere, from the products (from = to: SimpleAPI does not record the previous quantity).
 */
export function mapOrder(order: CbOrderDetailed, fallbackCurrency: string): Order {
  checkCbOrder(order);
  const marker = readOrderMarker(order);
  const currency = (order.total?.currency ?? marker?.currency ?? fallbackCurrency).toUpperCase();
  const effective: Effective = marker?.effective ?? (order.scheduledOn === "renewal" ? "renewal" : "now");
  const date = marker?.effectiveDate ?? (order.creationDate ?? "").slice(0, 10);
  const baseLines = marker
    ? marker.lines.map((l) => ({ sku: l.sku, from: l.from, to: l.to }))
    : (order.products ?? []).map((p) => ({ sku: p.mpn ?? p.id ?? "", from: p.quantity ?? 0, to: p.quantity ?? 0 }));
  const changed = baseLines.filter((l) => l.from !== l.to).map((l) => l.sku);
  const amounts = effective === "now" ? sumDetailsBySku(order.details ?? [], currency, changed.length > 0 ? changed : baseLines.map((l) => l.sku), `order ${order.orderNumber ?? order.id}`) : new Map<string, Money>();
  const status = mapOrderStatus(order.status);
  const failure = status === "error" ? describeOrderFailure(order) : undefined;
  const lines: OrderLine[] = baseLines.map((line) => ({
    ...line,
    effective,
    effectiveDate: date,
    amount: amounts.get(line.sku) ?? zeroMoney(currency),
    ...(status === "completed" ? { result: { status: effective === "renewal" ? ("scheduled" as const) : ("applied" as const) } } : {}),
    ...(failure ? { result: { status: "failed" as const, message: failure.message } } : {}),
  }));
  return {
    id: order.id ?? "",
    subscriptionId: order.subscriptionId ?? order.products?.[0]?.subscriptionId ?? "",
    lines,
    ...summarise(lines, currency),
    status,
    idempotencyKey: marker?.key ?? "",
    createdAt: order.creationDate ?? "",
    ...(status === "completed" && order.provisioningDate ? { completedAt: order.provisioningDate } : {}),
    // One code for a failed order whatever CloudBlue's status code (that stays in the message), as placeOrder used
    // to throw it; a cancelled order keeps its own.
    ...(failure ? { error: { code: failure.code === "CLOUDBLUE_ORDER_CANCELLED" ? failure.code : "CLOUDBLUE_ORDER_FAILED", message: failure.message } } : {}),
  };
}

/** Joins the orders placed for one request (now + renewal) into one Order; the id joins theirs with "+". */
export function combineOrders(orders: readonly Order[]): Order {
  if (orders.length === 1) return orders[0];
  const currency = orders[0].currency;
  const lines = orders.flatMap((o) => o.lines);
  const failed = orders.find((o) => o.status === "error");
  const pending = orders.find((o) => o.status !== "completed" && o.status !== "error");
  const completedAt = orders.map((o) => o.completedAt).filter((t): t is string => Boolean(t)).sort().at(-1);
  return {
    ...orders[0],
    id: orders.map((o) => o.id).join("+"),
    lines,
    ...summarise(lines, currency),
    status: failed ? "error" : pending ? pending.status : "completed",
    idempotencyKey: orders[0].idempotencyKey.replace(/#(now|renewal)$/, ""),
    ...(failed?.error ? { error: failed.error } : {}),
    ...(!failed && !pending && completedAt ? { completedAt } : {}),
  };
}
