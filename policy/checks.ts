/**
 * The seat-change checks of the csp-seats policy pack, pure: each takes a SubscriptionSeats' checked `plan` (the
 * engine hands policies the post-check inputs during preview) and its configured limits, and returns one message
 * per broken limit naming the subscription and the line. Money is compared in bigint minor units, never as floats,
 * and never across currencies.
 */
import { formatMinorUnits, parseMinorUnits } from "../provider/core/money";
import type { SubscriptionPlan } from "../provider/core/plan/types";

/** The resource type the checks look at. */
export const SEATS_RESOURCE_TYPE = "pulumi-nodejs:dynamic:SubscriptionSeats";

/** Limits by ISO currency code, as decimal strings ("500.00"). */
export type CurrencyLimits = Readonly<Record<string, string>>;

function describeSubscription(plan: SubscriptionPlan): string {
  return plan.name && plan.name !== plan.subscriptionId ? `subscription ${plan.subscriptionId} (${plan.name})` : `subscription ${plan.subscriptionId}`;
}

function formatAmount(minor: bigint, currency: string): string {
  return `${formatMinorUnits(minor, currency)} ${currency}`;
}

/** The subscription's monthly cost increase in minor units (zero for a decrease or no recurring figures). */
export function getMonthlyIncrease(plan: SubscriptionPlan): bigint {
  const change = plan.recurring?.total.monthly.change;
  if (!change) return 0n;
  const minor = parseMinorUnits(change.amount, change.currency);
  return minor > 0n ? minor : 0n;
}

/** A subscription whose monthly cost rises by more than its currency's limit. */
export function checkMonthlyIncrease(plan: SubscriptionPlan, limits: CurrencyLimits): string[] {
  const increase = getMonthlyIncrease(plan);
  const limit = limits[plan.currency];
  if (increase === 0n || limit === undefined) return [];
  const max = parseMinorUnits(limit, plan.currency);
  if (increase <= max) return [];
  return [`${describeSubscription(plan)}: the monthly cost rises by ${formatAmount(increase, plan.currency)}, over the limit of ${formatAmount(max, plan.currency)} per subscription`];
}

/** The stack's monthly increase per currency (summed over subscriptions, never across currencies) over its limit. */
export function checkStackMonthlyIncrease(plans: readonly SubscriptionPlan[], limits: CurrencyLimits): string[] {
  const totals = new Map<string, { minor: bigint; ids: string[] }>();
  for (const plan of plans) {
    const increase = getMonthlyIncrease(plan);
    if (increase === 0n) continue;
    const total = totals.get(plan.currency) ?? { minor: 0n, ids: [] };
    total.minor += increase;
    total.ids.push(plan.subscriptionId);
    totals.set(plan.currency, total);
  }
  const messages: string[] = [];
  for (const [currency, total] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
    const limit = limits[currency];
    if (limit === undefined) continue;
    const max = parseMinorUnits(limit, currency);
    if (total.minor > max) {
      messages.push(`the stack's monthly cost rises by ${formatAmount(total.minor, currency)} (subscriptions ${[...total.ids].sort().join(", ")}), over the limit of ${formatAmount(max, currency)} per stack`);
    }
  }
  return messages;
}

/** A one-off charge (the order's proration charged now) over its currency's limit. */
export function checkOneOffCharge(plan: SubscriptionPlan, limits: CurrencyLimits): string[] {
  const limit = limits[plan.charge.currency];
  if (limit === undefined) return [];
  const charge = parseMinorUnits(plan.charge.amount, plan.charge.currency);
  const max = parseMinorUnits(limit, plan.charge.currency);
  if (charge <= max) return [];
  const lines = plan.lines.filter((line) => parseMinorUnits(line.charge.amount, line.charge.currency) > 0n).map((line) => line.sku);
  return [`${describeSubscription(plan)}: a one-off charge of ${formatAmount(charge, plan.charge.currency)} (lines ${lines.join(", ")}), over the limit of ${formatAmount(max, plan.charge.currency)}`];
}

/**
 * Lines whose seat count changes by more than `maxPercent` % of the current count (a line's cost moves by the same
 * fraction: one unit price). Changes at or under it are auto-approved. A line from zero seats is an infinite change.
 */
export function checkLinePercentChange(plan: SubscriptionPlan, maxPercent: number): string[] {
  const messages: string[] = [];
  for (const line of plan.lines) {
    if (line.delta === 0) continue;
    const magnitude = Math.abs(line.delta);
    // Integers only: |delta| * 100 > maxPercent * currentLimit, so no rounding decides a limit.
    const over = line.currentLimit === 0 || magnitude * 100 > maxPercent * line.currentLimit;
    if (!over) continue;
    const percent = line.currentLimit === 0 ? "from zero seats" : `${((line.delta / line.currentLimit) * 100).toFixed(1)} %`;
    messages.push(`${describeSubscription(plan)}, line ${line.sku}: ${line.currentLimit} -> ${line.desired} seats (${percent}), over the auto-approve limit of ${maxPercent} %`);
  }
  return messages;
}

/** Decreases that would leave fewer seats than are assigned (when the backend can tell the usage). */
export function checkBelowAssigned(plan: SubscriptionPlan): string[] {
  return plan.lines
    .filter((line) => line.delta < 0 && line.usage !== null && line.desired < line.usage)
    .map((line) => `${describeSubscription(plan)}, line ${line.sku}: ${line.desired} seats would be fewer than the ${line.usage} assigned`);
}

/** Decreases placed now that are not fully refundable: only refundable seats may go now, the rest at renewal. */
export function checkDecreaseRefundable(plan: SubscriptionPlan): string[] {
  return plan.lines
    .filter((line) => line.delta < 0 && line.effective === "now" && -line.delta > line.refundableQuantity)
    .map((line) => `${describeSubscription(plan)}, line ${line.sku}: removes ${-line.delta} seats now but only ${line.refundableQuantity} are refundable; decrease at renewal instead`);
}
