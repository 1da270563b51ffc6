/**
 * What a SubscriptionSeats resource records in state, and how it is built from an observation or an order.
 * docs/provider.md says what is stored where and why; nothing here ever holds a token.
 */
import type { Order, LineResult } from "../core/model";
import { formatMoney } from "../core/describe";
import { encodeStoredPlan } from "../core/plan/stored-plan";
import type { SubscriptionPlan } from "../core/plan/types";
import { encodeObservedSeats, encodeOrderRecord, type AppliedPlan, type ObservedSeats } from "../core/stored-outputs";
import type { CheckedInputs } from "./inputs";

export type { AppliedPlan } from "../core/stored-outputs";

/**
 * What a SubscriptionSeats resource records in state: the declared inputs, the plan, and two records, each one
 * compact JSON text (core/stored-outputs.ts): `observed` (limits, usage, scheduled changes, revision, status,
 * observedAt as last read) and `order` (the last order: id, status, charge, refund, line results, the plan it
 * carried). The resource class decodes them into its `limits`, `orderId`, ... outputs.
 */
export interface SubscriptionSeatsOutputs extends CheckedInputs {
  readonly observed?: string;
  readonly order?: string;
}

/** The record of what an order was placed with out of `plan`: the revision and key, the planned money. */
export function toAppliedPlan(plan: SubscriptionPlan): AppliedPlan {
  return {
    revision: plan.revision,
    idempotencyKey: plan.idempotencyKey,
    charge: formatMoney(plan.charge),
    refund: formatMoney(plan.refund),
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

/** The outputs after an order: the new plan, the order's record (with what it carried) and the seats read after it. */
export function toOrderOutputs(declared: CheckedInputs, plan: SubscriptionPlan, replanned: SubscriptionPlan, order: Order, lineResults: LineResult[], seen: ObservedSeats): SubscriptionSeatsOutputs {
  return {
    ...declared,
    plan: encodeStoredPlan(replanned),
    observed: encodeObservedSeats(seen),
    order: encodeOrderRecord({ orderId: order.id, orderStatus: order.status, charge: order.charge, refund: order.refund, lineResults, appliedPlan: toAppliedPlan(plan) }),
  };
}
