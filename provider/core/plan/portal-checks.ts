/**
 * Checks of the desired state against what the portal has, before anything is priced: unknown subscriptions,
 * name mismatches and unknown SKUs. Shared by the planner and drift. Every finding is a violation.
 */
import type { DesiredState, DesiredSubscription } from "../desired-types";
import type { Subscription } from "../model";
import { createFinding, createUnknownSubscriptionFinding } from "./findings";
import type { PlanFinding } from "./types";

function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * Checks one desired subscription against what the portal has: a different name (a wrong id?) and SKUs the
 * subscription does not carry. Both are violations.
 */
export function checkSubscriptionAgainstPortal(desired: DesiredSubscription, observed: Subscription): PlanFinding[] {
  const findings: PlanFinding[] = [];
  if (desired.name !== undefined && normalizeName(desired.name) !== normalizeName(observed.name)) {
    findings.push(
      createFinding(desired, "violation", "NAME_MISMATCH", `subscription ${desired.id} is "${observed.name}" in the portal, not "${desired.name}": a wrong id?`, {
        fix: `Check the id; if it is right, set name: "${observed.name}".`,
      }),
    );
  }
  const skus = observed.lines.map((line) => line.sku);
  for (const sku of Object.keys(desired.licenses)) {
    if (!skus.includes(sku)) {
      findings.push(
        createFinding(desired, "violation", "UNKNOWN_SKU", `subscription ${desired.id} has no license ${sku}`, {
          sku,
          fix: skus.length > 0 ? `Use one of its SKUs: ${skus.join(", ")}.` : "This subscription has no license lines; check the id.",
        }),
      );
    }
  }
  return findings;
}

/**
 * Checks the whole desired state against the portal's subscriptions: unknown subscriptions, name mismatches and
 * unknown SKUs. Every finding is a violation; nothing is ordered while any exists.
 */
export function checkAgainstPortal(desired: DesiredState, observed: readonly Subscription[]): PlanFinding[] {
  const byId = new Map(observed.map((s) => [s.id, s]));
  const findings: PlanFinding[] = [];
  for (const subscription of desired.subscriptions) {
    const found = byId.get(subscription.id);
    if (!found) findings.push(createUnknownSubscriptionFinding(subscription));
    else findings.push(...checkSubscriptionAgainstPortal(subscription, found));
  }
  return findings;
}
