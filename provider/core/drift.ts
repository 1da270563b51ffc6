/**
 * Drift: the desired seats next to what is purchased (limit) and what is assigned (usage), per managed line.
 * Pure, like the planner. A line drifts when its purchased count differs from the file's and nothing already
 * scheduled in the portal will bring it there (someone changed it in the portal). A decrease the portal has
 * scheduled for renewal is reported with its date (`convergesOn`) but is not drift: there is nothing left to
 * order, and a nightly drift job must not raise an alarm every night until renewal. The same holds for a decrease
 * csp-seats defers for a portal that cannot schedule changes (plan/deferred.ts) until its window opens; inside the
 * window it is drift ("deferred decrease ready"), because the next run places it. Idle and refundable seats are
 * reported alongside, because they are where the money is.
 */
import type { Clock } from "./clock";
import type { DesiredState } from "./desired-types";
import { toDateString } from "./dates";
import type { BillingPeriod, LicenseLine, Money, ScheduledChange, Subscription } from "./model";
import { addMoney, moneyFromMinor, toMinorUnits, zeroMoney } from "./money";
import type { DesiredStateReport, PlanFinding } from "./plan/types";
import { checkAgainstPortal } from "./plan/portal-checks";
import { getDeferredWindow } from "./plan/deferred";
import { resolveLicenseCount } from "./plan/targets";
import { getRefundableQuantity, getRefundableUntil } from "./rules";
import { resolveSettings } from "./settings";

export interface DriftLine {
  readonly sku: string;
  readonly displayName: string;
  /** Seats the file asks for. */
  readonly desired: number;
  /** Seats purchased now (the portal's limit). */
  readonly purchased: number;
  /** Seats assigned, or null when the backend cannot tell. */
  readonly assigned: number | null;
  /** Set when `assigned` is counted across subscriptions (never split per subscription). */
  readonly usageScope?: string;
  /** purchased - desired: positive means more was bought than the file says. */
  readonly difference: number;
  /** purchased != desired and no scheduled change brings it there. */
  readonly drifted: boolean;
  /** purchased - assigned when known and per subscription; otherwise null. */
  readonly idleSeats: number | null;
  /** What the idle seats cost per billing period (unit price x idle seats); null when idle seats are unknown. */
  readonly idleCost: Money | null;
  readonly refundableQuantity: number;
  /** When the earliest open refund window closes. */
  readonly refundableUntil?: string;
  /** Changes the portal will apply at renewal for this SKU. */
  readonly scheduledChanges: readonly ScheduledChange[];
  /** The renewal date when a scheduled change already brings this line to the desired count. */
  readonly convergesOn?: string;
  /** A decrease the portal cannot schedule, held by csp-seats until its window (see `DeferredDrift`). */
  readonly deferred?: DeferredDrift;
}

/**
 * A decrease csp-seats holds for a portal that cannot schedule changes (`Subscription.canScheduleChanges: false`).
 * Before its window it is scheduled, not drift (nothing can be ordered yet); inside its window it is drift: the
 * next run places it, refunded, and the window closes on `windowCloses`.
 */
export interface DeferredDrift {
  /** Seats to remove (inside the window: the ones that can be removed now). */
  readonly quantity: number;
  /** YYYY-MM-DD the window opens (the renewal date, or when the refundable seats were added). */
  readonly windowOpens: string;
  /** YYYY-MM-DD the window closes (exclusive). */
  readonly windowCloses: string;
  /** True inside the window. */
  readonly ready: boolean;
  /** `deferred decrease ready: 3 seats, window closes 2026-12-08`, or when it opens. */
  readonly message: string;
}

export interface DriftSubscription {
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  readonly billingPeriod: BillingPeriod;
  readonly renewalDate: string;
  readonly lines: readonly DriftLine[];
  /** Idle seats' cost per billing period, summed over the lines (in this subscription's currency). */
  readonly idleCost: Money;
  readonly hasDrift: boolean;
}

export interface IdleCostTotal {
  readonly currency: string;
  readonly idleSeats: number;
  readonly idleCost: Money;
}

/** Findings are problems with the file against the portal (unknown subscription or SKU, name mismatch): violations. */
export interface DriftReport extends DesiredStateReport<DriftSubscription> {
  /** ISO time of the check (from the injected clock). */
  readonly checkedAt: string;
  /** Idle seats and their cost per billing period, per currency (never mixed). */
  readonly idleTotals: readonly IdleCostTotal[];
  readonly hasDrift: boolean;
  /** True when any finding is a violation: the comparison is incomplete and the file needs fixing. */
  readonly hasErrors: boolean;
}

/** What `isLineDrifted` looks at for one SKU. */
export interface LineDriftInput {
  /** Seats the file asks for. */
  readonly desired: number;
  /** Seats purchased now (the portal's limit). */
  readonly limit: number;
  /** Quantities the portal has scheduled for renewal for this SKU (one or none, usually). */
  readonly scheduled?: number | readonly number[];
}

/**
 * The one drift rule: a line drifts when its purchased count differs from the file's and no change the portal
 * has scheduled brings it there. Used by `computeDrift` and by the Pulumi provider's diff after a refresh.
 */
export function isLineDrifted({ desired, limit, scheduled }: LineDriftInput): boolean {
  const quantities = scheduled === undefined ? [] : typeof scheduled === "number" ? [scheduled] : scheduled;
  return limit !== desired && !quantities.includes(desired);
}

/**
 * The deferred decrease of one line, when the portal cannot schedule changes and the file asks for fewer seats
 * under downgradePolicy at-renewal (the planner defers exactly those); undefined otherwise.
 */
export function findDeferredDecrease(subscription: Subscription, line: LicenseLine, desired: number, downgradePolicy: string, now: Date): DeferredDrift | undefined {
  if (subscription.canScheduleChanges !== false || line.limit <= desired || downgradePolicy !== "at-renewal") return undefined;
  const decrease = line.limit - desired;
  const refundable = getRefundableQuantity(line, now);
  if (refundable > 0) {
    const quantity = Math.min(decrease, refundable);
    const open = line.refundableBatches.filter((batch) => Date.parse(batch.refundableUntil) > now.getTime());
    const windowOpens = open.map((batch) => batch.addedAt.slice(0, 10)).sort()[0] ?? toDateString(now);
    const windowCloses = (getRefundableUntil(line, now) ?? now.toISOString()).slice(0, 10);
    return { quantity, windowOpens, windowCloses, ready: true, message: `deferred decrease ready: ${quantity} seats, window closes ${windowCloses}` };
  }
  const { windowOpens, windowCloses } = getDeferredWindow(subscription.renewalDate);
  return { quantity: decrease, windowOpens, windowCloses, ready: false, message: `deferred decrease: ${decrease} seats, window opens ${windowOpens}, closes ${windowCloses}` };
}

/** Compares the desired state with the observed subscriptions at `clock.now()`. */
export function computeDrift(desired: DesiredState, observed: readonly Subscription[], clock: Clock): DriftReport {
  const now = clock.now();
  const byId = new Map(observed.map((s) => [s.id, s]));
  const findings = checkAgainstPortal(desired, observed);
  const subscriptions: DriftSubscription[] = [];
  const idle = new Map<string, { seats: number; cost: Money }>();

  for (const wanted of desired.subscriptions) {
    const subscription = byId.get(wanted.id);
    if (!subscription) continue;
    const lines: DriftLine[] = [];
    for (const [sku, value] of Object.entries(wanted.licenses)) {
      const line = subscription.lines.find((l) => l.sku === sku);
      if (!line) continue;
      const count = resolveLicenseCount(sku, value, { usage: line.usage, ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}), limit: line.limit, refundableQuantity: getRefundableQuantity(line, now) });
      const perSubscription = line.usage !== null && line.usageScope === undefined;
      const idleSeats = perSubscription ? Math.max(0, line.limit - (line.usage as number)) : null;
      const idleCost = idleSeats === null ? null : moneyFromMinor(toMinorUnits(line.unitPrice) * BigInt(idleSeats), line.unitPrice.currency);
      const scheduledChanges = subscription.scheduledChanges.filter((c) => c.sku === sku);
      const converging = line.limit !== count ? scheduledChanges.find((c) => c.quantity === count) : undefined;
      const refundableUntil = getRefundableUntil(line, now);
      const deferred = findDeferredDecrease(subscription, line, count, resolveSettings(wanted, desired.defaults).downgradePolicy, now);
      const drifted = deferred ? deferred.ready : isLineDrifted({ desired: count, limit: line.limit, scheduled: scheduledChanges.map((c) => c.quantity) });
      lines.push({
        sku,
        displayName: line.displayName,
        desired: count,
        purchased: line.limit,
        assigned: line.usage,
        ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
        difference: line.limit - count,
        drifted,
        idleSeats,
        idleCost,
        refundableQuantity: getRefundableQuantity(line, now),
        ...(refundableUntil !== undefined ? { refundableUntil } : {}),
        scheduledChanges,
        ...(converging ? { convergesOn: converging.effectiveDate } : deferred && !deferred.ready ? { convergesOn: deferred.windowOpens } : {}),
        ...(deferred ? { deferred } : {}),
      });
      if (idleSeats !== null && idleCost !== null) {
        const total = idle.get(idleCost.currency) ?? { seats: 0, cost: zeroMoney(idleCost.currency) };
        idle.set(idleCost.currency, { seats: total.seats + idleSeats, cost: addMoney(total.cost, idleCost) });
      }
    }
    subscriptions.push({
      subscriptionId: subscription.id,
      name: subscription.name,
      currency: subscription.currency,
      billingPeriod: subscription.billingPeriod,
      renewalDate: subscription.renewalDate,
      lines,
      idleCost: lines.reduce((sum, l) => (l.idleCost && l.idleCost.currency === sum.currency ? addMoney(sum, l.idleCost) : sum), zeroMoney(subscription.currency)),
      hasDrift: lines.some((l) => l.drifted),
    });
  }

  return {
    checkedAt: now.toISOString(),
    subscriptions,
    idleTotals: [...idle.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, idleSeats: t.seats, idleCost: t.cost })),
    findings,
    hasDrift: subscriptions.some((s) => s.hasDrift),
    hasErrors: findings.some((f) => f.severity === "violation"),
  };
}
