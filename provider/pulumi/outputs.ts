/**
 * What a SubscriptionSeats resource records in state, and how it is built from an observation or an order.
 * docs/provider.md says what is stored where and why; nothing here ever holds a token.
 */
import type { Money, Order, LineResult } from "../core/model";
import { formatMoney } from "../core/describe";
import { encodeStoredPlan } from "../core/plan/stored-plan";
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
  /**
   * What the last order carried, as planned, as compact JSON text of an AppliedPlan (an object in state written
   * by csp-seats 0.1; the `plan` output is re-planned after the order, so it shows no changes).
   */
  readonly appliedPlan?: string | AppliedPlan;
}

/**
 * The part of a plan that an order carried out: its lines, the planned money, the revision and key it was placed
 * with. The per-line detail and findings stay in the checked inputs' `plan`, and what the portal did per line is
 * in `lineResults`; storing the whole plan again made it the third copy per resource in state.
 */
export type AppliedPlan = Pick<SubscriptionPlan, "revision" | "idempotencyKey" | "orderLines"> &
  Partial<Pick<SubscriptionPlan, "paymentMethodId" | "notifyEmail">> & {
    /** The planned money in words, as the preview showed it ("3.61 EUR"). */
    readonly charge: string;
    readonly refund: string;
    readonly net: string;
  };

/** The record of what an order carried out of `plan`. */
export function toAppliedPlan(plan: SubscriptionPlan): AppliedPlan {
  return {
    revision: plan.revision,
    idempotencyKey: plan.idempotencyKey,
    orderLines: plan.orderLines,
    charge: formatMoney(plan.charge),
    refund: formatMoney(plan.refund),
    net: formatMoney(plan.net),
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
    plan: encodeStoredPlan(replanned),
    appliedPlan: JSON.stringify(toAppliedPlan(plan)),
    orderId: order.id,
    orderStatus: order.status,
    charge: order.charge,
    refund: order.refund,
    lineResults,
    ...seen,
  };
}
