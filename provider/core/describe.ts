/**
 * One wording for money, for a planned change and for a finding. The CLI reports, the Pulumi stack output and the
 * provider's progress messages all word them through here, so a change reads the same wherever it is shown.
 */
import type { Money } from "./model";
import { isZeroMoney } from "./money";
import { listPendingChanges } from "./plan/plan-status";
import { computeRecurringTotals } from "./plan/recurring";
import type { PlanFinding, PlannedLine, RecurringTotals, SubscriptionPlan } from "./plan/types";

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

/** A percentage change as shown: `+20.0%`, `-33.3%`, `0.0%`; `new` when there was nothing to compare with. */
export function formatPercent(percentChange: string | null): string {
  return percentChange === null ? "new" : `${percentChange}%`;
}

/** An amount with its sign, without the currency: `+40.00`, `-100.00`, `0.00`. */
export function formatSignedAmount(money: Money): string {
  return `${!money.amount.startsWith("-") && !isZeroMoney(money) ? "+" : ""}${money.amount}`;
}

/** Money with its sign: `+40.00 EUR`, `-100.00 EUR`, `0.00 EUR`. */
export function formatSignedMoney(money: Money): string {
  return `${formatSignedAmount(money)} ${money.currency}`;
}

/** A monthly change in words: `increase by 40.00 EUR (+20.0%)`, `decrease by 100.00 EUR (-33.3%)`, `stay at 200.00 EUR`. */
export function describeMonthlyChange(total: Pick<RecurringTotals, "monthly" | "percentChange">): string {
  const { before, change } = total.monthly;
  if (isZeroMoney(change)) return `stay at ${formatMoney(before)}`;
  const amount = formatMoney({ currency: change.currency, amount: change.amount.replace(/^-/, "") });
  const percent = total.percentChange === null ? "from 0" : formatPercent(total.percentChange);
  return `${change.amount.startsWith("-") ? "decrease" : "increase"} by ${amount} (${percent})`;
}

/**
 * The headline of a plan: what it does to the monthly bill, per currency (never added across currencies):
 * `Monthly cost will increase by 40.00 EUR (+20.0%).`, `Monthly cost will decrease by 5.00 EUR (-2.0%) and stay
 * at 300.00 USD.`, `Monthly cost will not change (300.00 EUR).` (`Monthly cost will not change.` with nothing to cost).
 */
export function describeMonthlyHeadline(totals: readonly RecurringTotals[]): string {
  if (totals.every((total) => isZeroMoney(total.monthly.change))) {
    return totals.length === 0 ? "Monthly cost will not change." : `Monthly cost will not change (${totals.map((t) => formatMoney(t.monthly.before)).join(", ")}).`;
  }
  const parts = totals.map(describeMonthlyChange);
  return `Monthly cost will ${parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`}.`;
}

/** A monthly cost in words for a stack output: `current: "200.00 EUR"`, `change: "+40.00 EUR"`, `new: "240.00 EUR"`, `percentChange: "+20.0"`. */
export interface MonthlyCostWords {
  readonly current: string;
  readonly change: string;
  readonly new: string;
  readonly percentChange: string | null;
}

function wordMonthly(cost: Pick<RecurringTotals, "monthly" | "percentChange">): MonthlyCostWords {
  return { current: formatMoney(cost.monthly.before), change: formatSignedMoney(cost.monthly.change), new: formatMoney(cost.monthly.after), percentChange: cost.percentChange };
}

/**
 * One subscription's monthly cost in words (what applying the plan does; a blocked subscription stays as it is,
 * with what the file asked for in `requested`). Undefined for a plan recorded by an older csp-seats.
 */
export function describeMonthlyCost(plan: Pick<SubscriptionPlan, "recurring">): (MonthlyCostWords & { readonly requested?: MonthlyCostWords }) | undefined {
  if (!plan.recurring) return undefined;
  const requested = plan.recurring.requested;
  return { ...wordMonthly(plan.recurring.total), ...(requested ? { requested: wordMonthly(requested) } : {}) };
}

/** The monthly totals per currency in words (`{ currency: "EUR", current: "283.33 EUR", change: "+8.33 EUR", ... }`), for a stack output. */
export function describeMonthlyTotals(plans: readonly Pick<SubscriptionPlan, "currency" | "recurring">[]): Array<MonthlyCostWords & { readonly currency: string }> {
  return computeRecurringTotals(plans).map((total) => ({ currency: total.currency, ...wordMonthly(total) }));
}
