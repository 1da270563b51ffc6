/**
 * The plan: what csp-seats will order, and what it will cost, for each managed subscription. Produced by the
 * pure planner, rendered by the CLI (text, JSON, Markdown) and shown in `pulumi preview`. The JSON form of
 * these types is a public interface (docs/formats.md): add fields, never rename them.
 */
import type { FindingCode } from "../error-codes";
import type { Effective, Money } from "../model";

export type LineAction = "up" | "down" | "none";

export interface PlannedLine {
  readonly sku: string;
  readonly displayName: string;
  /** Assigned seats, or null when the backend cannot tell. */
  readonly usage: number | null;
  readonly usageScope?: string;
  /** Purchased seats now. */
  readonly currentLimit: number;
  /** Seats the desired state asks for. */
  readonly desired: number;
  /** desired - currentLimit. */
  readonly delta: number;
  readonly action: LineAction;
  readonly effective: Effective;
  /** YYYY-MM-DD the change takes effect. */
  readonly effectiveDate: string;
  /** Charged now (zero when none). */
  readonly charge: Money;
  /** Refunded now, as a positive amount (zero when none). */
  readonly refund: Money;
  /** Seats that can still be removed with a refund, and until when (the earliest closing window). */
  readonly refundableQuantity: number;
  readonly refundableUntil?: string;
  /** True when the portal already has this change scheduled for renewal, so nothing is ordered for it. */
  readonly alreadyScheduled?: boolean;
  /**
   * Set on a decrease the portal cannot schedule (`Subscription.canScheduleChanges: false`) and cannot place now:
   * csp-seats holds it (nothing is ordered) until its window opens at renewal; a run inside the window places it,
   * refunded. Dates are YYYY-MM-DD; the window is [windowOpens, windowCloses).
   */
  readonly deferred?: DeferredChange;
  /** True when the charge or refund is csp-seats' estimate (daily proration), not a quote the portal validated. */
  readonly estimate?: boolean;
  /** Set when seats.yaml gives a usage-following target: how `desired` was derived from the assigned seats. */
  readonly derivation?: LineDerivation;
}

/** How a target's count was derived, e.g. "assigned 17 + 2 = 19, within 5..50". */
export interface LineDerivation {
  /** One line for people, as the reports show it. */
  readonly text: string;
  /** The assigned seats it was derived from (null when unknown). */
  readonly assigned: number | null;
  /** The derived count (the purchased seats when the target was refused). */
  readonly desired: number;
  /** True when the target could not be derived (unknown or tenant-wide usage): nothing is ordered for the line. */
  readonly refused?: boolean;
}

/** A decrease csp-seats holds until the portal can take it: the renewal and the end of the 7-day window after it. */
export interface DeferredChange {
  readonly windowOpens: string;
  readonly windowCloses: string;
}

export type FindingSeverity = "warning" | "violation";

/** A warning (shown, not blocking) or a violation (blocks ordering for its subscription). */
export interface PlanFinding {
  readonly severity: FindingSeverity;
  /** Stable code from the catalog (FINDING_CODES), e.g. GUARDRAIL_MAX_CHARGE, BELOW_USAGE, USAGE_SHARED. */
  readonly code: FindingCode;
  readonly subscriptionId: string;
  readonly sku?: string;
  readonly message: string;
  readonly fix?: string;
  /** Where the subscription is declared in the desired-state file (`seats.yaml:12:5`), when known. */
  readonly location?: string;
}

/** The order line that will be sent to the portal (one order per subscription carries all of them). */
export interface PlannedOrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly effective: Effective;
}

export interface SubscriptionPlan {
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  /** The revision the plan was made against; the order carries it so a stale plan is refused. */
  readonly revision: string;
  /** Every managed line, including unchanged ones (action `none`). A sku may appear twice: now + at renewal. */
  readonly lines: readonly PlannedLine[];
  /** What the order will carry; empty when nothing changes. */
  readonly orderLines: readonly PlannedOrderLine[];
  readonly charge: Money;
  readonly refund: Money;
  /** charge - refund. */
  readonly net: Money;
  readonly findings: readonly PlanFinding[];
  /** Deterministic: same subscription, revision and lines => same key, so a retried run never orders twice. */
  readonly idempotencyKey: string;
  readonly paymentMethodId?: string;
  readonly notifyEmail?: string;
  readonly allowBelowUsage: boolean;
  /** True when a violation blocks this subscription: nothing is ordered and it is left out of the totals. */
  readonly blocked?: boolean;
  /** Label of the payment method the order will use, for review. */
  readonly paymentMethodLabel?: string;
  /**
   * What the managed lines cost every billing period and every month, before and after this plan. Always set by
   * the planner; absent only in plans recorded by an older csp-seats (Pulumi state).
   */
  readonly recurring?: SubscriptionRecurring;
}

/** A recurring amount before and after a plan: `change` = `after` - `before`. */
export interface RecurringAmounts {
  readonly before: Money;
  readonly after: Money;
  readonly change: Money;
}

/**
 * One recurring cost, per billing period (exact: unit price x seats) and per month (the per-period figure divided
 * by the months in the period, each amount rounded once, half away from zero, to the currency's minor units).
 */
export interface RecurringCost {
  readonly perPeriod: RecurringAmounts;
  readonly monthly: RecurringAmounts;
  /** The exact change / before as a signed percentage with one decimal ("+20.0", "-33.3", "0.0"); null when before is 0. */
  readonly percentChange: string | null;
}

/** The recurring cost of one managed SKU: its current seats against its final count (one entry even when a decrease is split). */
export interface RecurringLine extends RecurringCost {
  readonly sku: string;
  /** Price of one seat for one billing period. */
  readonly unitPrice: Money;
  /** Purchased seats now. */
  readonly seatsBefore: number;
  /** Seats after every planned change (the last one when a decrease waits for renewal). */
  readonly seatsAfter: number;
  /** YYYY-MM-DD the `after` figures are billed from (the last change's date); absent when the count does not change. */
  readonly effectiveDate?: string;
}

export interface SubscriptionRecurring {
  /** Calendar months in one billing period (1 monthly, 12 annual). */
  readonly monthsPerPeriod: number;
  /** One entry per managed SKU, as the file asks for it (also when a violation blocks the subscription). */
  readonly lines: readonly RecurringLine[];
  /** What the subscription will cost if the plan is applied: a blocked subscription orders nothing, so after = before. */
  readonly total: RecurringCost;
  /** Only on a blocked subscription: what the file asks for, which the violation keeps from being ordered. */
  readonly requested?: RecurringCost;
}

/** Monthly recurring cost per currency over every subscription (blocked ones unchanged). */
export interface RecurringTotals {
  readonly currency: string;
  /** Each amount is the exact sum rounded once (subscriptions billed over different periods are added exactly). */
  readonly monthly: RecurringAmounts;
  readonly percentChange: string | null;
}

export interface CurrencyTotals {
  readonly currency: string;
  readonly charge: Money;
  readonly refund: Money;
  readonly net: Money;
}

/** What every comparison of a desired state with the portal reports: one entry per subscription, and the findings. */
export interface DesiredStateReport<S> {
  readonly subscriptions: readonly S[];
  /** Findings that concern the file as a whole (an unknown subscription, ...), plus all per-subscription ones. */
  readonly findings: readonly PlanFinding[];
}

export interface Plan extends DesiredStateReport<SubscriptionPlan> {
  /** ISO time the plan was made at (from the injected clock). */
  readonly plannedAt: string;
  /** Totals per currency; amounts in different currencies are never added. */
  readonly totals: readonly CurrencyTotals[];
  /** Monthly recurring cost per currency, before and after the plan (blocked subscriptions unchanged), sorted by currency. */
  readonly recurringTotals: readonly RecurringTotals[];
  /** True when any subscription has order lines. */
  readonly hasChanges: boolean;
  /** True when any finding is a violation. */
  readonly hasViolations: boolean;
}
