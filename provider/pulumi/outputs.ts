/**
 * What a SubscriptionSeats resource records in state, and how it is built from an observation or an order.
 * docs/provider.md says what is stored where and why; nothing here ever holds a token.
 */
import type { Money, Order, LineResult } from "../core/model";
import { listChangedLines } from "../core/plan/plan-status";
import type { SubscriptionPlan } from "../core/plan/types";
import type { ObservedSeats } from "../app/observe";
import type { CheckedInputs } from "./inputs";

/** What a SubscriptionSeats resource records in state. */
export interface SubscriptionSeatsOutputs extends CheckedInputs, ObservedSeats {
  readonly orderId?: string;
  readonly orderStatus?: string;
  readonly charge?: Money;
  readonly refund?: Money;
  readonly lineResults?: LineResult[];
  /** What the last order carried, as planned (the `plan` output is re-planned after it, so it shows no changes). */
  readonly appliedPlan?: AppliedPlan;
}

/**
 * The part of a plan that an order carried out: its lines, the planned money, the revision and key it was placed
 * with. The per-line detail and findings stay in the checked inputs' `plan`, and what the portal did per line is
 * in `lineResults`; storing the whole plan again made it the third copy per resource in state.
 */
export type AppliedPlan = Pick<SubscriptionPlan, "revision" | "idempotencyKey" | "orderLines" | "charge" | "refund" | "net"> &
  Partial<Pick<SubscriptionPlan, "paymentMethodId" | "notifyEmail">>;

/**
 * The plan as a resource stores it (checked inputs, and the re-planned `plan` output): every line that changes
 * with its money, the totals, the findings, the revision and key the order needs. Left out, because the engine
 * rewrites the whole state after every step and so pays each stored byte once per resource per step: unchanged
 * lines (nothing to show or order), the findings' fix texts and locations (the preview summary shows findings
 * without them; a violation fails the check with both, from the full plan) and the optional display extras (`usageScope`,
 * `refundableUntil`, `paymentMethodLabel`). Still a
 * SubscriptionPlan, so diff, converge and summarizePlans read it as they read a full one, and a full plan from
 * an older release's state is read the same way.
 */
export function toStoredPlan(plan: SubscriptionPlan): SubscriptionPlan {
  const { paymentMethodLabel: _label, blocked, recurring, ...rest } = plan;
  const changed = listChangedLines(plan);
  return {
    ...rest,
    ...(blocked ? { blocked } : {}),
    lines: changed.map(({ usageScope: _scope, refundableUntil: _until, ...line }) => line),
    findings: plan.findings.map(({ fix: _fix, location: _location, ...finding }) => finding),
    // The subscription's monthly cost before/after stays (the `plan` stack output and policies read it); the per-SKU
    // figures do not: a line's cost changes by its seat change (desired / currentLimit) at its one unit price.
    ...(recurring ? { recurring: { ...recurring, lines: [] } } : {}),
  };
}

/** The record of what an order carried out of `plan`. */
export function toAppliedPlan(plan: SubscriptionPlan): AppliedPlan {
  return {
    revision: plan.revision,
    idempotencyKey: plan.idempotencyKey,
    orderLines: plan.orderLines,
    charge: plan.charge,
    refund: plan.refund,
    net: plan.net,
    ...(plan.paymentMethodId !== undefined ? { paymentMethodId: plan.paymentMethodId } : {}),
    ...(plan.notifyEmail !== undefined ? { notifyEmail: plan.notifyEmail } : {}),
  };
}

/** The declared part of the inputs (no plan), as stored again after an update. */
export function toDeclaredInputs(inputs: CheckedInputs): CheckedInputs {
  return {
    subscriptionId: inputs.subscriptionId,
    ...(inputs.name !== undefined ? { name: inputs.name } : {}),
    licenses: inputs.licenses,
    settings: inputs.settings,
    ...(inputs.source !== undefined ? { source: inputs.source } : {}),
  };
}

/** The outputs after an order: the new plan, what was applied, the order's result and the seats read after it. */
export function toOrderOutputs(declared: CheckedInputs, plan: SubscriptionPlan, replanned: SubscriptionPlan, order: Order, lineResults: LineResult[], seen: ObservedSeats): SubscriptionSeatsOutputs {
  return {
    ...declared,
    plan: toStoredPlan(replanned),
    appliedPlan: toAppliedPlan(plan),
    orderId: order.id,
    orderStatus: order.status,
    charge: order.charge,
    refund: order.refund,
    lineResults,
    ...seen,
  };
}
