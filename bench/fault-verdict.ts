/**
 * The fault campaign's verdict, from the portal's own lists after the re-run: no subscription with two orders, no
 * order the client saw accepted that the portal lacks, every subscription at its target seat count. Pure, so the
 * judgement itself is tested (test/unit/fault-campaign.test.ts) apart from the campaign that feeds it.
 */
import type { Order, Subscription } from "../provider/core/model";

/** One subscription's order as the campaign saw it. */
export interface JudgedOrder {
  readonly subscriptionId: string;
  /** The order id placeOrder returned in the first pass (undefined when the client never saw it accepted). */
  readonly acceptedOrderId?: string;
}

/** What the verdict needs. */
export interface VerdictInput {
  readonly jobs: readonly JudgedOrder[];
  /** Every order the portal has (GET /v1/orders). */
  readonly orders: readonly Order[];
  /** Every subscription as the portal shows it now. */
  readonly subscriptions: readonly Subscription[];
  /** Whether a subscription is at its target. */
  readonly isConverged: (subscription: Subscription) => boolean;
}

/** The verdict's counts and, per finding, a line for the report. */
export interface Verdict {
  /** Orders beyond the first of any subscription. */
  readonly duplicates: number;
  /** Accepted orders the portal does not have, plus subscriptions (not already counted) not at their target. */
  readonly lost: number;
  readonly converged: number;
  readonly ordersInError: number;
  /** One line per kind of finding (at most 5 examples each); empty when the campaign's invariants hold. */
  readonly findings: readonly string[];
}

const EXAMPLES = 5;

/** Judges the portal's final state against what the campaign ordered. */
export function judgeCampaign(input: VerdictInput): Verdict {
  const perSub = new Map<string, Order[]>();
  for (const order of input.orders) perSub.set(order.subscriptionId, [...(perSub.get(order.subscriptionId) ?? []), order]);
  const doubled = [...perSub.entries()].filter(([, list]) => list.length > 1);
  const duplicates = doubled.reduce((sum, [, list]) => sum + list.length - 1, 0);
  const ids = new Set(input.orders.map((order) => order.id));
  const missing = input.jobs.filter((job) => job.acceptedOrderId !== undefined && !ids.has(job.acceptedOrderId));
  const subs = new Map(input.subscriptions.map((sub) => [sub.id, sub]));
  const unconverged = input.jobs.filter((job) => {
    const sub = subs.get(job.subscriptionId);
    return sub === undefined || !input.isConverged(sub);
  });
  const lost = missing.length + unconverged.filter((job) => !missing.includes(job)).length;
  const inError = input.orders.filter((order) => order.status === "error");
  const findings = [
    ...(duplicates > 0 ? [`${duplicates} duplicate order(s): ${doubled.slice(0, EXAMPLES).map(([id, list]) => `${id} has ${list.map((o) => o.id).join(", ")}`).join("; ")}`] : []),
    ...(missing.length > 0 ? [`${missing.length} accepted order(s) the portal does not have: ${missing.slice(0, EXAMPLES).map((job) => `${job.acceptedOrderId} (${job.subscriptionId})`).join(", ")}`] : []),
    ...(unconverged.length > 0 ? [`${unconverged.length} subscription(s) not converged: ${unconverged.slice(0, EXAMPLES).map((job) => job.subscriptionId).join(", ")}`] : []),
    ...(inError.length > 0 ? [`${inError.length} order(s) ended in error: ${inError.slice(0, EXAMPLES).map((o) => o.id).join(", ")}`] : []),
  ];
  return { duplicates, lost, converged: input.jobs.length - unconverged.length, ordersInError: inError.length, findings };
}
