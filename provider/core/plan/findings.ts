/**
 * Findings: how the planner and drift word what they found. One constructor, one location format, one mapping
 * from portal rules to finding codes and one unknown-subscription message, so every caller says it the same way.
 */
import type { DesiredSubscription } from "../desired-types";
import type { FindingCode } from "../error-codes";
import type { RuleCode, RuleViolation } from "../rules";
import type { PlanFinding } from "./types";

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
