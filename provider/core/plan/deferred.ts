/**
 * Deferred changes, for portals that cannot schedule a change for renewal (`Subscription.canScheduleChanges:
 * false`, e.g. Pax8): a decrease outside its refund window is not ordered; csp-seats holds it (in the plan, which
 * the Pulumi resource keeps in state) until the renewal opens Microsoft's 7-day window, and a run inside that
 * window places it, refunded. The planner and drift both take the window from here.
 */
import { addDays } from "../dates";
import type { DeferredChange } from "./types";

/** Days after renewal during which renewed seats may be removed with a refund (Microsoft's 168 hours). */
export const DEFERRED_WINDOW_DAYS = 7;

/** The window a decrease deferred to `renewalDate` may be placed in: [renewal, renewal + 7 days). */
export function getDeferredWindow(renewalDate: string): DeferredChange {
  return { windowOpens: renewalDate, windowCloses: addDays(renewalDate, DEFERRED_WINDOW_DAYS) };
}
