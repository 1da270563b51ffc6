/**
 * The embedded portal's outbox: the e-mails a CSP portal sends about an order (the seed article: a
 * confirmation of the changes, and a separate notice of the charges), rendered as text and kept in the state.
 */
import { addDays } from "../core/dates";
import type { Order, OrderLine, OutboxMessage } from "../core/model";
import { formatMinorUnits, negateMoney, toMinorUnits } from "../core/money";
import { formatRevision, type PortalState, type StoredSubscription } from "./portal-state";


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

/** Puts the order confirmation (and, when any line was applied, the charges notice) into the outbox. */
export function sendOrderMail(state: PortalState, sub: StoredSubscription, order: Order): void {
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
