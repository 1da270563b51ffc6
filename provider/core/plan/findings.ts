/**
 * Findings: how the planner and drift word what they found. One constructor, one location format, one mapping
 * from portal rules to finding codes and one unknown-subscription message, so every caller says it the same way.
 */
import type { DesiredSubscription } from "../desired-types";
import type { FindingCode } from "../error-codes";
import type { RuleCode, RuleViolation } from "../rules";
import type { Subscription } from "../model";
import type { PlanFinding, SubscriptionPlan } from "./types";

/** The finding code a portal rule maps to (the plan speaks of findings, the portal of errors). */
export const RULE_FINDING_CODES: Readonly<Record<RuleCode, FindingCode>> = {
  PORTAL_BELOW_USAGE: "BELOW_USAGE",
  PORTAL_QUANTITY_OUT_OF_RANGE: "QUANTITY_OUT_OF_RANGE",
  PORTAL_DECREASE_OUTSIDE_WINDOW: "OUTSIDE_WINDOW",
  PORTAL_RENEWAL_NEEDS_AUTO_RENEW: "RENEWAL_NEEDS_AUTO_RENEW",
  PORTAL_BAD_REQUEST: "INVALID_QUANTITY",
};

/** `seats.yaml:12:5`, where the subscription is declared; undefined when it was built in code. */
export function formatLocation(subscription: Pick<DesiredSubscription, "source">): string | undefined {
  return subscription.source ? `${subscription.source.file}:${subscription.source.line}:${subscription.source.col}` : undefined;
}

/** A finding about `desired` (its id and, when known, its location in the file). */
export function createFinding(
  desired: DesiredSubscription,
  severity: PlanFinding["severity"],
  code: FindingCode,
  message: string,
  extra: { sku?: string; fix?: string } = {},
): PlanFinding {
  const location = formatLocation(desired);
  return {
    severity,
    code,
    subscriptionId: desired.id,
    ...(extra.sku !== undefined ? { sku: extra.sku } : {}),
    message,
    ...(extra.fix !== undefined ? { fix: extra.fix } : {}),
    ...(location !== undefined ? { location } : {}),
  };
}

/** A violation for a broken portal rule, with the rule's own summary and fix. */
export function createRuleFinding(desired: DesiredSubscription, sku: string, rule: RuleViolation): PlanFinding {
  return createFinding(desired, "violation", RULE_FINDING_CODES[rule.code], rule.summary, { sku, fix: rule.fix });
}

/**
 * The violation for a subscription the portal does not have. `portalKind` names the portal in the message
 * (`does not exist in the cloudblue portal`) when the caller knows which one it asked.
 */
export function createUnknownSubscriptionFinding(desired: DesiredSubscription, options: { portalKind?: string } = {}): PlanFinding {
  const name = desired.name ? ` ("${desired.name}")` : "";
  const portal = options.portalKind ? `the ${options.portalKind} portal` : "the portal";
  return createFinding(desired, "violation", "UNKNOWN_SUBSCRIPTION", `subscription ${desired.id}${name} does not exist in ${portal}`, {
    fix: "Check the id in the portal (Store > Subscriptions), or remove the entry.",
  });
}

/**
 * The warnings of a plan on a portal where any change now deletes the changes scheduled for renewal (Microsoft
 * Partner Center: "all scheduled changes ... are deleted" by a mid-term change). A subscription whose plan
 * changes seats now and has (`observed.scheduledChanges`) or wants (a renewal order line, or a renewal line
 * already scheduled) a change at renewal gets one SCHEDULE_RECREATED finding per scheduled change: the backend
 * places the change now first, then (re-)creates the schedule and verifies both. Pure; the planner's caller
 * decides whether the portal wipes schedules (PartnerCenterPortal.midTermChangeWipesSchedule).
 */
export function createScheduleWipeFindings(
  desired: DesiredSubscription,
  observed: Pick<Subscription, "scheduledChanges" | "renewalDate">,
  plan: Pick<SubscriptionPlan, "orderLines" | "lines">,
): PlanFinding[] {
  const changedNow = plan.orderLines.filter((line) => line.effective === "now");
  if (changedNow.length === 0) return [];
  const sku = changedNow[0]!.sku;
  const wanted = plan.orderLines.filter((line) => line.effective === "renewal");
  const kept = observed.scheduledChanges.filter((change) => !wanted.some((line) => line.sku === change.sku));
  const findings = wanted.map((line) =>
    createFinding(desired, "warning", "SCHEDULE_RECREATED", `${line.sku}: the change now deletes the portal's scheduled changes; csp-seats changes the seats first, then schedules ${line.quantity} seats for ${observed.renewalDate} and verifies both`, {
      sku: line.sku,
    }),
  );
  for (const change of kept) {
    findings.push(
      createFinding(desired, "warning", "SCHEDULE_RECREATED", `${sku}: the change now deletes the change to ${change.quantity} seats scheduled for ${change.effectiveDate}; csp-seats re-creates it after the change and verifies it`, {
        sku: change.sku,
        fix: "Cancel the scheduled change in the portal first if it should not last.",
      }),
    );
  }
  return findings;
}
