/**
 * What a plan's state is, asked one way everywhere: which lines change, whether anything is ordered, whether a
 * subscription counts as unchanged. The text and Markdown renderers, the planner's `hasChanges` and the Pulumi
 * summary all use these, so a plan cannot be "unchanged" in one view and "changed" in another.
 */
import type { PlanFinding, PlannedLine, SubscriptionPlan } from "./types";

/** Whether the plan places an order (has order lines). */
export function hasOrderLines(plan: Pick<SubscriptionPlan, "orderLines">): boolean {
  return plan.orderLines.length > 0;
}

/** Whether the subscription's plan would place an order (order lines and not blocked). */
export function isOrdering(plan: Pick<SubscriptionPlan, "orderLines" | "blocked">): boolean {
  return hasOrderLines(plan) && !plan.blocked;
}

/** Whether any finding is a violation. */
export function hasViolation(plan: { readonly findings: readonly PlanFinding[] }): boolean {
  return plan.findings.some((finding) => finding.severity === "violation");
}

/** The lines whose count changes, including those the portal already has scheduled for renewal. */
export function listChangedLines(plan: Pick<SubscriptionPlan, "lines">): PlannedLine[] {
  return plan.lines.filter((line) => line.action !== "none");
}

/**
 * The changes this run still has to make: changed lines the portal does not already have scheduled, and not the
 * decreases csp-seats defers to their renewal window (a later run places those).
 */
export function listPendingChanges(plan: Pick<SubscriptionPlan, "lines">): PlannedLine[] {
  return listChangedLines(plan).filter((line) => !line.alreadyScheduled && !line.deferred);
}

/** The decreases csp-seats holds until their renewal window opens (nothing is ordered for them now). */
export function listDeferredChanges(plan: Pick<SubscriptionPlan, "lines">): PlannedLine[] {
  return plan.lines.filter((line) => line.deferred !== undefined);
}

/**
 * Whether a subscription counts as unchanged: no line changes and no violation blocks it. Warnings alone
 * (idle seats, usage unknown) leave it unchanged; they are still shown with the findings.
 */
export function isUnchanged(plan: Pick<SubscriptionPlan, "lines" | "findings">): boolean {
  return listChangedLines(plan).length === 0 && !hasViolation(plan);
}
