/**
 * What a plan does to the bill every month: the recurring cost of each managed SKU (unit price x seats per billing
 * period, exact) before and after the plan, its monthly equivalent, and the totals per currency. Pure; kept apart
 * from the planner so the Pulumi program can total recorded plans without loading it.
 */
import { addMonths, daysBetween } from "../dates";
import type { BillingPeriod, Money, Subscription } from "../model";
import { divideRoundHalfUp, formatPercentChange, moneyFromMinor, toMinorUnits } from "../money";
import type { PlannedLine, RecurringCost, RecurringLine, RecurringTotals, SubscriptionPlan, SubscriptionRecurring } from "./types";

/**
 * Calendar months in `period` [start, end): 1 for a monthly period, 12 for an annual one. A period anchored on a
 * day a month lacks still counts whole ("2026-01-31".."2026-02-28" is 1). A period that is no whole number of
 * months (no portal bills so) counts as the nearest whole number of 365-day twelfths, at least 1.
 */
export function countBillingMonths(period: BillingPeriod): number {
  const months =
    (Number(period.end.slice(0, 4)) - Number(period.start.slice(0, 4))) * 12 + (Number(period.end.slice(5, 7)) - Number(period.start.slice(5, 7)));
  for (const candidate of [months, months - 1, months + 1]) {
    if (candidate >= 1 && (addMonths(period.start, candidate) === period.end || addMonths(period.end, -candidate) === period.start)) return candidate;
  }
  return Math.max(1, Math.round((daysBetween(period.start, period.end) * 12) / 365));
}

/** The recurring cost of `before` and `after` minor units per billing period of `months` months. */
export function computeRecurringCost(before: bigint, after: bigint, months: number, currency: string): RecurringCost {
  const m = BigInt(months);
  const money = (minor: bigint): Money => moneyFromMinor(minor, currency);
  return {
    perPeriod: { before: money(before), after: money(after), change: money(after - before) },
    monthly: { before: money(divideRoundHalfUp(before, m)), after: money(divideRoundHalfUp(after, m)), change: money(divideRoundHalfUp(after - before, m)) },
    percentChange: formatPercentChange(before, after),
  };
}

function planRecurringLine(sku: string, planned: readonly PlannedLine[], unitPrice: Money, months: number): RecurringLine {
  const seatsBefore = planned[0].currentLimit;
  const seatsAfter = planned[planned.length - 1].desired;
  const changed = planned.filter((line) => line.action !== "none");
  const unit = toMinorUnits(unitPrice);
  return {
    sku,
    unitPrice,
    seatsBefore,
    seatsAfter,
    ...(changed.length > 0 && seatsAfter !== seatsBefore ? { effectiveDate: changed[changed.length - 1].effectiveDate } : {}),
    ...computeRecurringCost(unit * BigInt(seatsBefore), unit * BigInt(seatsAfter), months, unitPrice.currency),
  };
}

/**
 * The recurring cost of one subscription's planned `lines` (grouped per SKU: a decrease split into now + at
 * renewal counts from the current limit to its final count). When `blocked`, nothing is ordered: the total stays
 * at the current cost and `requested` carries what the file asks for.
 */
export function planRecurring(observed: Pick<Subscription, "billingPeriod" | "currency" | "lines">, lines: readonly PlannedLine[], blocked: boolean): SubscriptionRecurring {
  const months = countBillingMonths(observed.billingPeriod);
  const bySku = new Map<string, PlannedLine[]>();
  for (const line of lines) bySku.set(line.sku, [...(bySku.get(line.sku) ?? []), line]);
  const recurring: RecurringLine[] = [];
  for (const [sku, planned] of bySku) {
    const observedLine = observed.lines.find((l) => l.sku === sku);
    if (observedLine) recurring.push(planRecurringLine(sku, planned, observedLine.unitPrice, months));
  }
  const before = recurring.reduce((sum, line) => sum + toMinorUnits(line.perPeriod.before), 0n);
  const after = recurring.reduce((sum, line) => sum + toMinorUnits(line.perPeriod.after), 0n);
  const requested = computeRecurringCost(before, after, months, observed.currency);
  if (!blocked) return { monthsPerPeriod: months, lines: recurring, total: requested };
  return { monthsPerPeriod: months, lines: recurring, total: computeRecurringCost(before, before, months, observed.currency), requested };
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/**
 * Monthly recurring totals per currency (never across currencies), sorted by currency code. Subscriptions billed
 * over periods of different lengths are added exactly (over a common denominator) and each total is rounded once.
 * Plans without recurring figures (recorded by an older csp-seats) are left out.
 */
export function computeRecurringTotals(plans: readonly Pick<SubscriptionPlan, "currency" | "recurring">[]): RecurringTotals[] {
  const byCurrency = new Map<string, { before: bigint; after: bigint; denominator: bigint }>();
  for (const plan of plans) {
    if (!plan.recurring) continue;
    const months = BigInt(plan.recurring.monthsPerPeriod);
    const current = byCurrency.get(plan.currency) ?? { before: 0n, after: 0n, denominator: 1n };
    const denominator = (current.denominator * months) / gcd(current.denominator, months);
    const scaleCurrent = denominator / current.denominator;
    const scalePlan = denominator / months;
    byCurrency.set(plan.currency, {
      before: current.before * scaleCurrent + toMinorUnits(plan.recurring.total.perPeriod.before) * scalePlan,
      after: current.after * scaleCurrent + toMinorUnits(plan.recurring.total.perPeriod.after) * scalePlan,
      denominator,
    });
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, { before, after, denominator }]) => {
      const money = (minor: bigint): Money => moneyFromMinor(divideRoundHalfUp(minor, denominator), currency);
      return { currency, monthly: { before: money(before), after: money(after), change: money(after - before) }, percentChange: formatPercentChange(before, after) };
    });
}
