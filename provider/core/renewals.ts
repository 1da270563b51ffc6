/**
 * Renewals: what renews in the coming days, for how much, with how many idle seats, until when a decrease is
 * still refunded, and what will change at renewal (changes the portal has scheduled, changes the next apply will
 * schedule, changes deferred to renewal). Pure, like the planner and drift: from the desired state, the observed
 * subscriptions and a clock. Used by `csp-seats renewals` and by the HTML report's renewal calendar.
 */
import type { Clock } from "./clock";
import { addDays, DAY_MS, daysBetween, toDateString } from "./dates";
import type { DesiredState, LicenseValue } from "./desired-types";
import type { Money, Subscription } from "./model";
import { divideRoundHalfUp, moneyFromMinor, toMinorUnits } from "./money";
import { planSeats } from "./plan/planner";
import { checkAgainstPortal } from "./plan/portal-checks";
import { countBillingMonths } from "./plan/recurring";
import { resolveLicenseCount } from "./plan/targets";
import type { DesiredStateReport, Plan, PlannedLine } from "./plan/types";
import { getRefundableQuantity, getRefundableUntil } from "./rules";

/** The window `csp-seats renewals` and the HTML calendar look at by default. */
export const DEFAULT_RENEWAL_WINDOW_DAYS = 90;

/** One license line of a renewing subscription. */
export interface RenewalLine {
  readonly sku: string;
  readonly displayName: string;
  /** Whether the desired-state file manages this SKU (unlisted SKUs are left alone, but they renew too). */
  readonly managed: boolean;
  /** Seats the file asks for, when managed. */
  readonly desired?: number;
  /** Seats purchased now. */
  readonly seats: number;
  /** Seats assigned, or null when the backend cannot tell. */
  readonly assigned: number | null;
  /** Set when `assigned` is counted across subscriptions (then idle seats are not known per subscription). */
  readonly usageScope?: string;
  /** Seats that will renew: the portal's scheduled quantity for this SKU, or the seats purchased now. */
  readonly seatsAtRenewal: number;
  /** seatsAtRenewal - assigned when known per subscription; otherwise null. */
  readonly idleAtRenewal: number | null;
  readonly refundableQuantity: number;
  /** When the earliest open refund window of this line closes (ISO time). */
  readonly refundableUntil?: string;
}

/**
 * A change at renewal. `scheduled`: the portal already has it. `planned`: the next apply (plan/`pulumi up`) will
 * schedule it. `deferred`: the plan holds it back until renewal (a plan field of newer csp-seats versions).
 */
export type RenewalChangeKind = "scheduled" | "planned" | "deferred";

export interface RenewalChange {
  readonly kind: RenewalChangeKind;
  readonly sku: string;
  readonly from: number;
  readonly to: number;
  /** YYYY-MM-DD. */
  readonly effectiveDate: string;
  readonly orderId?: string;
}

/** One subscription renewing inside the window. */
export interface Renewal {
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  /** YYYY-MM-DD the new term starts (the day after `termEnd`). */
  readonly renewalDate: string;
  readonly termEnd: string;
  /** Days from today to the renewal date (0 = today). */
  readonly daysUntil: number;
  /** Without auto-renew the subscription ends on `termEnd` instead of renewing. */
  readonly autoRenew: boolean;
  readonly monthsPerPeriod: number;
  /** Seats purchased now, over every line. */
  readonly seats: number;
  /** Seats that will renew, after the portal's scheduled changes. */
  readonly seatsAtRenewal: number;
  /** What the renewing seats cost per billing period (exact) and per month (rounded once). */
  readonly recurring: { readonly perPeriod: Money; readonly monthly: Money };
  /** Seats that will renew unassigned, over the lines where that is known; null when it is known for none. */
  readonly idleAtRenewal: number | null;
  /** What those idle seats cost per month. */
  readonly idleMonthly: Money;
  /** What they cost per billing period (exact). */
  readonly idlePerPeriod: Money;
  readonly refundableQuantity: number;
  /** When the earliest open refund window closes (ISO time), and its last whole day (YYYY-MM-DD). */
  readonly refundableUntil?: string;
  readonly lastRefundableDay?: string;
  readonly lines: readonly RenewalLine[];
  /** Sorted by date, then SKU. */
  readonly changes: readonly RenewalChange[];
}

/** One open refund window (a batch of seats that can still be removed with a refund). */
export interface RefundWindow {
  readonly subscriptionId: string;
  readonly name: string;
  readonly sku: string;
  /** Seats of the batch still refundable. */
  readonly quantity: number;
  /** ISO time the window closes. */
  readonly closesAt: string;
  /** The last day (YYYY-MM-DD) a decrease is still refunded. */
  readonly lastDay: string;
}

export type CalendarEventKind = "refund-window-closes" | "renewal" | "expiry" | RenewalChangeKind;

/** One dated entry of the renewal calendar. */
export interface CalendarEvent {
  readonly date: string;
  readonly kind: CalendarEventKind;
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  readonly sku?: string;
  /** Seats concerned: the batch's refundable seats, the seats renewing, or a change's new count. */
  readonly seats: number;
  readonly from?: number;
  /** The monthly value renewing (renewal, expiry), when it is one. */
  readonly monthly?: Money;
}

/** Per currency (never mixed): what renews inside the window. */
export interface RenewalTotal {
  readonly currency: string;
  readonly renewals: number;
  /** Monthly value renewing, each subscription's exact per-period value added over a common denominator, rounded once. */
  readonly monthly: Money;
  readonly idleAtRenewal: number;
  readonly idleMonthly: Money;
}

export interface RenewalsReport extends DesiredStateReport<Renewal> {
  /** ISO time of the check (from the injected clock). */
  readonly checkedAt: string;
  /** Today (YYYY-MM-DD, UTC) and the last day of the window. */
  readonly today: string;
  readonly until: string;
  readonly withinDays: number;
  /** Managed subscriptions renewing from today to `until`, sorted by renewal date, then id. */
  readonly subscriptions: readonly Renewal[];
  /** Refund windows closing inside the window, sorted by time. */
  readonly refundWindows: readonly RefundWindow[];
  /** Renewals, refund windows and changes, sorted by date. */
  readonly events: readonly CalendarEvent[];
  readonly totals: readonly RenewalTotal[];
  /** True when any finding is a violation (a subscription the portal does not know: the calendar is incomplete). */
  readonly hasErrors: boolean;
}

/** A planned line, with the `deferred` mark newer planners may set. */
type MaybeDeferredLine = PlannedLine & { readonly deferred?: unknown };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The last whole day before `iso` closes: a window closing at midnight leaves the day before. */
export function getLastDayBefore(iso: string): string {
  return toDateString(new Date(Date.parse(iso) - 1));
}

/** `perPeriod` over `months` months, rounded once, half away from zero. */
export function toMonthly(perPeriod: Money, months: number): Money {
  return moneyFromMinor(divideRoundHalfUp(toMinorUnits(perPeriod), BigInt(months)), perPeriod.currency);
}

function listChanges(subscription: Subscription, plannedLines: readonly MaybeDeferredLine[], blocked: boolean): RenewalChange[] {
  const limits = new Map(subscription.lines.map((line) => [line.sku, line.limit]));
  const changes: RenewalChange[] = subscription.scheduledChanges.map((c) => ({
    kind: "scheduled",
    sku: c.sku,
    from: limits.get(c.sku) ?? 0,
    to: c.quantity,
    effectiveDate: c.effectiveDate,
    ...(c.orderId !== undefined ? { orderId: c.orderId } : {}),
  }));
  for (const line of plannedLines) {
    const deferred = line.deferred !== undefined;
    if (!deferred && (blocked || line.effective !== "renewal" || line.alreadyScheduled || line.action === "none")) continue;
    changes.push({ kind: deferred ? "deferred" : "planned", sku: line.sku, from: line.currentLimit, to: line.desired, effectiveDate: line.effectiveDate });
  }
  return changes.sort((a, b) => compareText(a.effectiveDate, b.effectiveDate) || compareText(a.sku, b.sku));
}

function describeRenewal(subscription: Subscription, managed: Readonly<Record<string, LicenseValue>>, plannedLines: readonly PlannedLine[], blocked: boolean, now: Date): Renewal {
  const today = toDateString(now);
  const months = countBillingMonths(subscription.billingPeriod);
  const lines: RenewalLine[] = subscription.lines.map((line) => {
    const scheduled = subscription.scheduledChanges.filter((c) => c.sku === line.sku);
    const seatsAtRenewal = scheduled.length > 0 ? scheduled[scheduled.length - 1].quantity : line.limit;
    const perSubscription = line.usage !== null && line.usageScope === undefined;
    const refundableUntil = getRefundableUntil(line, now);
    return {
      sku: line.sku,
      displayName: line.displayName,
      managed: line.sku in managed,
      ...(line.sku in managed ? { desired: resolveLicenseCount(line.sku, managed[line.sku], { usage: line.usage, ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}), limit: line.limit, refundableQuantity: getRefundableQuantity(line, now) }) } : {}),
      seats: line.limit,
      assigned: line.usage,
      ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
      seatsAtRenewal,
      idleAtRenewal: perSubscription ? Math.max(0, seatsAtRenewal - (line.usage as number)) : null,
      refundableQuantity: getRefundableQuantity(line, now),
      ...(refundableUntil !== undefined ? { refundableUntil } : {}),
    };
  });
  const unitPrices = new Map(subscription.lines.map((line) => [line.sku, toMinorUnits(line.unitPrice)]));
  const perPeriod = lines.reduce((sum, l) => sum + (unitPrices.get(l.sku) ?? 0n) * BigInt(l.seatsAtRenewal), 0n);
  const idlePerPeriod = lines.reduce((sum, l) => sum + (unitPrices.get(l.sku) ?? 0n) * BigInt(l.idleAtRenewal ?? 0), 0n);
  const known = lines.filter((l) => l.idleAtRenewal !== null);
  const refundableUntil = lines.map((l) => l.refundableUntil).filter((t): t is string => t !== undefined).sort()[0];
  const currency = subscription.currency;
  return {
    subscriptionId: subscription.id,
    name: subscription.name,
    currency,
    renewalDate: subscription.renewalDate,
    termEnd: subscription.termEnd,
    daysUntil: daysBetween(today, subscription.renewalDate),
    autoRenew: subscription.autoRenew,
    monthsPerPeriod: months,
    seats: lines.reduce((sum, l) => sum + l.seats, 0),
    seatsAtRenewal: lines.reduce((sum, l) => sum + l.seatsAtRenewal, 0),
    recurring: { perPeriod: moneyFromMinor(perPeriod, currency), monthly: moneyFromMinor(divideRoundHalfUp(perPeriod, BigInt(months)), currency) },
    idleAtRenewal: known.length === 0 ? null : known.reduce((sum, l) => sum + (l.idleAtRenewal as number), 0),
    idleMonthly: moneyFromMinor(divideRoundHalfUp(idlePerPeriod, BigInt(months)), currency),
    idlePerPeriod: moneyFromMinor(idlePerPeriod, currency),
    refundableQuantity: lines.reduce((sum, l) => sum + l.refundableQuantity, 0),
    ...(refundableUntil !== undefined ? { refundableUntil, lastRefundableDay: getLastDayBefore(refundableUntil) } : {}),
    lines,
    changes: listChanges(subscription, plannedLines, blocked),
  };
}

const EVENT_ORDER: Readonly<Record<CalendarEventKind, number>> = { "refund-window-closes": 0, scheduled: 1, planned: 2, deferred: 3, renewal: 4, expiry: 4 };

function listEvents(renewals: readonly Renewal[], windows: readonly RefundWindow[], currencies: ReadonlyMap<string, string>): CalendarEvent[] {
  const events: CalendarEvent[] = windows.map((w) => ({
    date: w.lastDay,
    kind: "refund-window-closes",
    subscriptionId: w.subscriptionId,
    name: w.name,
    currency: currencies.get(w.subscriptionId) ?? "",
    sku: w.sku,
    seats: w.quantity,
  }));
  for (const r of renewals) {
    events.push({ date: r.autoRenew ? r.renewalDate : r.termEnd, kind: r.autoRenew ? "renewal" : "expiry", subscriptionId: r.subscriptionId, name: r.name, currency: r.currency, seats: r.seatsAtRenewal, monthly: r.recurring.monthly });
    for (const c of r.changes) events.push({ date: c.effectiveDate, kind: c.kind, subscriptionId: r.subscriptionId, name: r.name, currency: r.currency, sku: c.sku, seats: c.to, from: c.from });
  }
  return events.sort((a, b) => compareText(a.date, b.date) || EVENT_ORDER[a.kind] - EVENT_ORDER[b.kind] || compareText(a.subscriptionId, b.subscriptionId) || compareText(a.sku ?? "", b.sku ?? ""));
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

function sumTotals(renewals: readonly Renewal[]): RenewalTotal[] {
  const byCurrency = new Map<string, { renewals: number; value: bigint; idleValue: bigint; denominator: bigint; idle: number }>();
  for (const r of renewals) {
    const months = BigInt(r.monthsPerPeriod);
    const t = byCurrency.get(r.currency) ?? { renewals: 0, value: 0n, idleValue: 0n, denominator: 1n, idle: 0 };
    const denominator = (t.denominator * months) / gcd(t.denominator, months);
    const [scaleTotal, scaleOne] = [denominator / t.denominator, denominator / months];
    byCurrency.set(r.currency, {
      renewals: t.renewals + 1,
      value: t.value * scaleTotal + toMinorUnits(r.recurring.perPeriod) * scaleOne,
      idleValue: t.idleValue * scaleTotal + toMinorUnits(r.idlePerPeriod) * scaleOne,
      denominator,
      idle: t.idle + (r.idleAtRenewal ?? 0),
    });
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([currency, t]) => ({
      currency,
      renewals: t.renewals,
      monthly: moneyFromMinor(divideRoundHalfUp(t.value, t.denominator), currency),
      idleAtRenewal: t.idle,
      idleMonthly: moneyFromMinor(divideRoundHalfUp(t.idleValue, t.denominator), currency),
    }));
}

/**
 * The renewals of the subscriptions `desired` names, from today to `withinDays` days ahead, at `clock.now()`.
 * `plan` is the plan of the same observation when the caller has one (otherwise it is made here), for the
 * changes the next apply will schedule at renewal.
 */
export function computeRenewals(
  desired: DesiredState,
  observed: readonly Subscription[],
  clock: Clock,
  options: { withinDays?: number; plan?: Plan } = {},
): RenewalsReport {
  const now = clock.now();
  const today = toDateString(now);
  const withinDays = options.withinDays ?? DEFAULT_RENEWAL_WINDOW_DAYS;
  const until = addDays(today, withinDays);
  const plan = options.plan ?? planSeats(desired, observed, clock);
  const plans = new Map(plan.subscriptions.map((p) => [p.subscriptionId, p]));
  const byId = new Map(observed.map((s) => [s.id, s]));
  const renewals: Renewal[] = [];
  const windows: RefundWindow[] = [];
  const horizon = Date.parse(`${until}T00:00:00Z`) + DAY_MS;
  for (const wanted of desired.subscriptions) {
    const subscription = byId.get(wanted.id);
    if (!subscription) continue;
    for (const line of subscription.lines) {
      for (const batch of line.refundableBatches) {
        const closes = Date.parse(batch.refundableUntil);
        if (closes <= now.getTime() || closes > horizon) continue;
        windows.push({ subscriptionId: subscription.id, name: subscription.name, sku: line.sku, quantity: Math.min(batch.quantity, line.limit), closesAt: batch.refundableUntil, lastDay: getLastDayBefore(batch.refundableUntil) });
      }
    }
    if (subscription.renewalDate > until) continue;
    const subscriptionPlan = plans.get(subscription.id);
    renewals.push(describeRenewal(subscription, wanted.licenses, subscriptionPlan?.lines ?? [], subscriptionPlan?.blocked === true, now));
  }
  renewals.sort((a, b) => compareText(a.renewalDate, b.renewalDate) || compareText(a.subscriptionId, b.subscriptionId));
  windows.sort((a, b) => compareText(a.closesAt, b.closesAt) || compareText(a.subscriptionId, b.subscriptionId) || compareText(a.sku, b.sku));
  const findings = checkAgainstPortal(desired, observed);
  return {
    checkedAt: now.toISOString(),
    today,
    until,
    withinDays,
    subscriptions: renewals,
    refundWindows: windows,
    events: listEvents(renewals, windows, new Map(observed.map((s) => [s.id, s.currency]))),
    totals: sumTotals(renewals),
    findings,
    hasErrors: findings.some((f) => f.severity === "violation"),
  };
}

/** The renewals inside `days` days (0 = today) that will renew seats nobody is assigned: what a nightly job fails on. */
export function listRenewalsAtRisk(report: Pick<RenewalsReport, "subscriptions">, days: number): Renewal[] {
  return report.subscriptions.filter((r) => r.daysUntil <= days && r.autoRenew && (r.idleAtRenewal ?? 0) > 0);
}
