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
  /** True when any subscription has order lines. */
  readonly hasChanges: boolean;
  /** True when any finding is a violation. */
  readonly hasViolations: boolean;
}
