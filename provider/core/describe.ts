/**
 * One wording for money, for a planned change and for a finding. The CLI reports, the Pulumi stack output and the
 * provider's progress messages all word them through here, so a change reads the same wherever it is shown.
 */
import type { Money } from "./model";
import { isZeroMoney } from "./money";
import { listPendingChanges } from "./plan/plan-status";
import type { PlanFinding, PlannedLine, SubscriptionPlan } from "./plan/types";

export { isZeroMoney } from "./money";

/** `12.34 EUR`. */
export function formatMoney(money: Money): string {
  return `${money.amount} ${money.currency}`;
}

/** `+2`, `-3`, `0`. */
export function formatDelta(delta: number): string {
  return delta > 0 ? `+${delta}` : String(delta);
}

/** `at renewal 2027-01-01`, plus ` (already scheduled)` when the portal already has the change. */
export function describeRenewal(line: Pick<PlannedLine, "effectiveDate" | "alreadyScheduled">): string {
  return `at renewal ${line.effectiveDate}${line.alreadyScheduled ? " (already scheduled)" : ""}`;
}

/**
 * How a change is worded: `summary` (the stack output: `sku 20 -> 22 now: charge 0.72 EUR`) or `progress` (the
 * provider's messages during `pulumi up`: `sku 20 -> 22 (now, charge 0.72 EUR)`). The words are the same; only
 * the punctuation differs, each kept as its readers already know it.
 */
export type ChangeWording = "summary" | "progress";

/** One planned line change in words: from -> to, when, and the charge or refund when there is one. */
export function describeChange(line: PlannedLine, wording: ChangeWording = "summary"): string {
  const when = line.effective === "now" ? "now" : describeRenewal(line);
  const money = !isZeroMoney(line.charge) ? `charge ${formatMoney(line.charge)}` : !isZeroMoney(line.refund) ? `refund ${formatMoney(line.refund)}` : "";
  const change = `${line.sku} ${line.currentLimit} -> ${line.desired}`;
  if (wording === "progress") return `${change} (${when}${money ? `, ${money}` : ""})`;
  return `${change} ${when}${money ? `: ${money}` : ""}`;
}

/** Every change the plan still has to make (not those already scheduled), one line each. */
export function describePlanChanges(plan: Pick<SubscriptionPlan, "lines">, wording: ChangeWording = "summary"): string[] {
  return listPendingChanges(plan).map((line) => describeChange(line, wording));
}

/**
 * A finding on one line: `CODE: message. fix`. `withSeverity` puts the severity in front
 * (`warning USAGE_SHARED: ...`); `withFix: false` leaves the fix out.
 */
export function formatFinding(finding: PlanFinding, options: { withSeverity?: boolean; withFix?: boolean } = {}): string {
  const severity = options.withSeverity ? `${finding.severity} ` : "";
  const fix = options.withFix !== false && finding.fix ? `. ${finding.fix}` : "";
  return `${severity}${finding.code}: ${finding.message}${fix}`;
}
