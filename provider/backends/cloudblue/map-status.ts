/**
 * CloudBlue's subscription and order statuses in csp-seats' words: our status, whether a subscription can be
 * changed (and why not), and which orders are still open.
 */
import type { Eligibility, OrderStatus, SubscriptionStatus } from "../../core/model";
import type { CbOrder } from "./simpleapi-types";

const SUBSCRIPTION_STATUS: Record<string, { status: SubscriptionStatus; eligibility: Eligibility }> = {
  active: { status: "active", eligibility: { eligible: true } },
  pending: {
    status: "pending",
    eligibility: { eligible: false, reasonCode: "provisioning", reason: "the subscription is still being provisioned (CloudBlue status pending); it cannot be changed until it is active" },
  },
  hold: { status: "hold", eligibility: { eligible: false, reasonCode: "on-hold", reason: "the subscription is on hold and its services are disabled; it is still billed and cannot be changed" } },
  terminated: { status: "terminated", eligibility: { eligible: false, reasonCode: "terminated", reason: "the subscription is terminated" } },
  removed: { status: "terminated", eligibility: { eligible: false, reasonCode: "removed", reason: "the subscription is terminated and its services are deprovisioned (CloudBlue status removed)" } },
};

/** CloudBlue subscription status -> our status and eligibility (`unknown` and anything new -> suspended, ineligible). */
export function mapSubscriptionStatus(status: string | undefined): { status: SubscriptionStatus; eligibility: Eligibility } {
  return (
    SUBSCRIPTION_STATUS[status ?? "unknown"] ?? {
      status: "suspended",
      eligibility: { eligible: false, reasonCode: "unknown-status", reason: `CloudBlue reports the subscription status as "${status ?? "unknown"}"` },
    }
  );
}

/** CloudBlue order status -> ours; `cancelled` is an `error` with code CLOUDBLUE_ORDER_CANCELLED. */
export function mapOrderStatus(status: string | undefined): OrderStatus {
  switch (status) {
    case "processing":
      return "processing";
    case "completed":
      return "completed";
    case "error":
    case "cancelled":
      return "error";
    default:
      return "submitted";
  }
}

/** Whether CloudBlue will change the order no further. */
export function isFinalOrderStatus(status: string | undefined): boolean {
  return status === "completed" || status === "error" || status === "cancelled";
}

/** Open orders (submitted/processing) among `orders`. */
export function findOpenOrders(orders: readonly CbOrder[]): CbOrder[] {
  return orders.filter((order) => order.status === "submitted" || order.status === "processing");
}
