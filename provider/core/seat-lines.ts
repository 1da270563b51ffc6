/**
 * Seats per subscription and SKU as the HTML report charts them: purchased vs assigned vs desired, idle seats and
 * what they cost per month, from a plan or a drift report (one entry per SKU, also when a plan splits a decrease
 * into now + at renewal). Pure.
 */
import type { DriftSubscription } from "./drift";
import type { Money } from "./model";
import { divideRoundHalfUp, moneyFromMinor, toMinorUnits } from "./money";
import { countBillingMonths } from "./plan/recurring";
import type { SubscriptionPlan } from "./plan/types";

export interface SeatLine {
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  readonly sku: string;
  readonly displayName: string;
  readonly purchased: number;
  /** null when the backend cannot tell. */
  readonly assigned: number | null;
  /** Set when `assigned` is counted across subscriptions: then idle seats are not known per subscription. */
  readonly usageScope?: string;
  /** The final count the file asks for. */
  readonly desired: number;
  /** purchased - assigned when known per subscription; otherwise null. */
  readonly idleSeats: number | null;
  /** Idle seats' cost per billing period (exact) and per month (rounded once); null when unknown. */
  readonly idlePerPeriod: Money | null;
  readonly idleMonthly: Money | null;
  readonly monthsPerPeriod: number;
}

function countIdle(purchased: number, assigned: number | null, usageScope: string | undefined): number | null {
  return assigned === null || usageScope !== undefined ? null : Math.max(0, purchased - assigned);
}

function priceIdle(idle: number | null, unitPrice: Money | undefined, months: number): { idlePerPeriod: Money | null; idleMonthly: Money | null } {
  if (idle === null || unitPrice === undefined) return { idlePerPeriod: null, idleMonthly: null };
  const perPeriod = toMinorUnits(unitPrice) * BigInt(idle);
  return { idlePerPeriod: moneyFromMinor(perPeriod, unitPrice.currency), idleMonthly: moneyFromMinor(divideRoundHalfUp(perPeriod, BigInt(months)), unitPrice.currency) };
}

/** One entry per managed SKU of a planned subscription (prices come from its recurring figures, when recorded). */
export function listPlanSeatLines(plan: SubscriptionPlan): SeatLine[] {
  const months = plan.recurring?.monthsPerPeriod ?? 1;
  const prices = new Map((plan.recurring?.lines ?? []).map((l) => [l.sku, l.unitPrice]));
  const bySku = new Map<string, SubscriptionPlan["lines"][number][]>();
  for (const line of plan.lines) bySku.set(line.sku, [...(bySku.get(line.sku) ?? []), line]);
  return [...bySku.entries()].map(([sku, lines]) => {
    const first = lines[0];
    const idleSeats = countIdle(first.currentLimit, first.usage, first.usageScope);
    return {
      subscriptionId: plan.subscriptionId,
      name: plan.name,
      currency: plan.currency,
      sku,
      displayName: first.displayName,
      purchased: first.currentLimit,
      assigned: first.usage,
      ...(first.usageScope !== undefined ? { usageScope: first.usageScope } : {}),
      desired: lines[lines.length - 1].desired,
      idleSeats,
      ...priceIdle(idleSeats, prices.get(sku), months),
      monthsPerPeriod: months,
    };
  });
}

/** One entry per managed line of a drift report's subscription. */
export function listDriftSeatLines(subscription: DriftSubscription): SeatLine[] {
  const months = countBillingMonths(subscription.billingPeriod);
  return subscription.lines.map((line) => ({
    subscriptionId: subscription.subscriptionId,
    name: subscription.name,
    currency: subscription.currency,
    sku: line.sku,
    displayName: line.displayName,
    purchased: line.purchased,
    assigned: line.assigned,
    ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
    desired: line.desired,
    idleSeats: line.idleSeats,
    idlePerPeriod: line.idleCost,
    idleMonthly: line.idleCost === null ? null : moneyFromMinor(divideRoundHalfUp(toMinorUnits(line.idleCost), BigInt(months)), line.idleCost.currency),
    monthsPerPeriod: months,
  }));
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** Idle seats and their monthly cost per currency (never mixed), each total exact and rounded once; sorted by currency. */
export function sumIdleSeats(lines: readonly SeatLine[]): Array<{ readonly currency: string; readonly idleSeats: number; readonly idleMonthly: Money }> {
  const byCurrency = new Map<string, { seats: number; value: bigint; denominator: bigint }>();
  for (const line of lines) {
    if (line.idleSeats === null || line.idlePerPeriod === null) continue;
    const months = BigInt(line.monthsPerPeriod);
    const t = byCurrency.get(line.currency) ?? { seats: 0, value: 0n, denominator: 1n };
    const denominator = (t.denominator * months) / gcd(t.denominator, months);
    byCurrency.set(line.currency, { seats: t.seats + line.idleSeats, value: t.value * (denominator / t.denominator) + toMinorUnits(line.idlePerPeriod) * (denominator / months), denominator });
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, t]) => ({ currency, idleSeats: t.seats, idleMonthly: moneyFromMinor(divideRoundHalfUp(t.value, t.denominator), currency) }));
}
