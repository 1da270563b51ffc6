/**
 * Quotes planned changes with a portal that rates orders itself (`Portal.ownRating`, e.g. CloudBlue): the plan's
 * charges and refunds must be what the portal will charge, not what csp-seats' own rules would. Portals that
 * run csp-seats' rules (embedded, http) are not asked: the planner already prices exactly as they do.
 */
import type { DesiredSettings, DesiredSubscription } from "../desired/desired-state";
import { isCspSeatsError, withContext } from "../core/errors";
import type { OrderEstimate, Subscription } from "../core/model";
import { listQuotableLines, planSubscription } from "../core/plan/planner";
import type { Portal } from "../backends/portal";

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
    if (!isCspSeatsError(error)) throw error;
    throw withContext(`cannot get the ${portal.kind} portal's quote for subscription ${observed.id}`, error);
  }
}
