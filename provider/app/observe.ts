/**
 * Observe: read what the portal has, at the portal's time, with its quote where it rates orders itself. The
 * first half of every use case (CLI plan and drift, the provider's check and read, the fleet runner); the planner
 * then decides from what was observed, without I/O.
 *
 * A portal with its own rating engine (`Portal.ownRating`, e.g. CloudBlue) quotes the planned changes: the
 * plan's charges and refunds must be what it will charge, not what csp-seats' own rules would. Portals that run
 * csp-seats' rules (embedded, http) are not asked: the planner already prices exactly as they do.
 */
import type { ObservedSeats } from "../core/stored-outputs";
import type { Clock } from "../core/clock";
import type { DesiredSettings, DesiredState, DesiredSubscription } from "../core/desired-types";
import { isCspSeatsError, withContext } from "../core/errors";
import type { OrderEstimate, Subscription } from "../core/model";
import { listQuotableLines, planSubscription } from "../core/plan/planner";
import type { Portal } from "../backends/portal";
import { resolvePlanningClock } from "./runtime-config";

/** Reads one subscription; undefined when the portal does not have it. Other errors name the subscription. */
export async function readSubscription(portal: Portal, id: string): Promise<Subscription | undefined> {
  try {
    return await portal.getSubscription(id);
  } catch (error) {
    if (isCspSeatsError(error) && error.code === "PORTAL_SUBSCRIPTION_NOT_FOUND") return undefined;
    throw withContext(`cannot read subscription ${id}`, error);
  }
}

/**
 * The portal's quote for the changes `desired` plans now on `observed` (pass it to `planSubscription`), or
 * undefined when the portal prices like the planner or nothing is planned for now. One `estimateOrder` call.
 */
export async function quotePlannedChanges(portal: Portal, desired: DesiredSubscription, defaults: DesiredSettings, observed: Subscription, now: Date): Promise<OrderEstimate | undefined> {
  if (!portal.ownRating) return undefined;
  const lines = listQuotableLines(planSubscription(desired, defaults, observed, now));
  if (lines.length === 0) return undefined;
  try {
    return await portal.estimateOrder({ subscriptionId: observed.id, expectedRevision: observed.revision, lines });
  } catch (error) {
    throw withContext(`cannot get the ${portal.kind} portal's quote for subscription ${observed.id}`, error);
  }
}

/** What one subscription looks like to the planner: the subscription (undefined when unknown), the time, the quote. */
export interface SubscriptionObservation {
  readonly observed: Subscription | undefined;
  readonly now: Date;
  readonly quote: OrderEstimate | undefined;
}

/** Reads one desired subscription (one read, plus one quote on a portal that rates orders itself) at `clock`'s time. */
export async function observeSubscription(portal: Portal, desired: DesiredSubscription, defaults: DesiredSettings, clock: Clock): Promise<SubscriptionObservation> {
  const observed = await readSubscription(portal, desired.id);
  const now = clock.now();
  return { observed, now, quote: observed ? await quotePlannedChanges(portal, desired, defaults, observed, now) : undefined };
}

/** Every subscription a desired state names, the clock to plan with, and the portal's quotes by subscription id. */
export interface DesiredObservation {
  readonly observed: Subscription[];
  readonly clock: Clock;
  readonly quotes: Map<string, OrderEstimate>;
}

/**
 * Reads every subscription `desired` names in one list call, resolves the planning clock (pinned, or the
 * portal's own time) and, on a portal with its own rating engine, quotes each subscription's changes (unless
 * `quote: false`, for drift, which shows no money for changes).
 */
export async function observeDesiredState(portal: Portal, desired: DesiredState, options: { pinnedClock?: Clock; quote?: boolean } = {}): Promise<DesiredObservation> {
  const observed = await portal.listSubscriptions({ ids: desired.subscriptions.map((s) => s.id) });
  const clock = await resolvePlanningClock(portal, options.pinnedClock);
  const quotes = new Map<string, OrderEstimate>();
  if (options.quote !== false && portal.ownRating) {
    const now = clock.now();
    const byId = new Map(observed.map((s) => [s.id, s]));
    for (const subscription of desired.subscriptions) {
      const found = byId.get(subscription.id);
      const quote = found ? await quotePlannedChanges(portal, subscription, desired.defaults, found, now) : undefined;
      if (quote) quotes.set(subscription.id, quote);
    }
  }
  return { observed, clock, quotes };
}

/** What a read saw of the managed SKUs: purchased and assigned seats, changes scheduled for renewal. */
/** The seats of `skus` as `subscription` shows them; SKUs it does not carry are left out. */
export function summarizeObservedSeats(subscription: Subscription, skus: readonly string[], observedAt: Date): ObservedSeats {
  const limits: Record<string, number> = {};
  const usage: Record<string, number | null> = {};
  for (const sku of skus) {
    const line = subscription.lines.find((l) => l.sku === sku);
    if (!line) continue;
    limits[sku] = line.limit;
    usage[sku] = line.usage;
  }
  const scheduled: Record<string, number> = {};
  for (const change of subscription.scheduledChanges) {
    if (skus.includes(change.sku)) scheduled[change.sku] = change.quantity;
  }
  return { limits, usage, scheduled, revision: subscription.revision, status: subscription.status, observedAt: observedAt.toISOString() };
}
