/**
 * The one defaults merge: a subscription's settings over the file's `defaults`. The Pulumi program hands the
 * merged settings to each resource and the planner resolves them; both go through `mergeSettings`, so a
 * subscription means the same thing in `csp-seats plan` and in `pulumi preview`.
 */
import type { DesiredSettings, DowngradePolicy, Guardrails, ResolvedSettings } from "./desired-types";

/** The downgrade policy when neither the subscription nor `defaults` sets one. */
export const DEFAULT_DOWNGRADE_POLICY: DowngradePolicy = "at-renewal";

/**
 * The subscription's settings over `defaults` (guardrails merge key by key), keeping only what is set: the
 * per-subscription settings a `SubscriptionSeats` resource takes.
 */
export function mergeSettings(subscription: DesiredSettings, defaults: DesiredSettings): DesiredSettings {
  const guardrails: Guardrails = { ...defaults.guardrails, ...subscription.guardrails };
  const paymentMethod = subscription.paymentMethod ?? defaults.paymentMethod;
  const notifyEmail = subscription.notifyEmail ?? defaults.notifyEmail;
  const downgradePolicy = subscription.downgradePolicy ?? defaults.downgradePolicy;
  return {
    ...(paymentMethod !== undefined ? { paymentMethod } : {}),
    ...(notifyEmail !== undefined ? { notifyEmail } : {}),
    ...(downgradePolicy !== undefined ? { downgradePolicy } : {}),
    ...(Object.keys(guardrails).length > 0 ? { guardrails } : {}),
  };
}

/** Settings for `subscription` with `defaults` filled in and the built-in defaults applied: what the planner uses. */
export function resolveSettings(subscription: DesiredSettings, defaults: DesiredSettings): ResolvedSettings {
  const merged = mergeSettings(subscription, defaults);
  const guardrails: Guardrails = merged.guardrails ?? {};
  return {
    ...(merged.paymentMethod !== undefined ? { paymentMethod: merged.paymentMethod } : {}),
    ...(merged.notifyEmail !== undefined ? { notifyEmail: merged.notifyEmail } : {}),
    downgradePolicy: merged.downgradePolicy ?? DEFAULT_DOWNGRADE_POLICY,
    allowBelowUsage: guardrails.allowBelowUsage ?? false,
    ...(guardrails.maxIncrease !== undefined ? { maxIncrease: guardrails.maxIncrease } : {}),
    ...(guardrails.maxDecrease !== undefined ? { maxDecrease: guardrails.maxDecrease } : {}),
    ...(guardrails.maxCharge !== undefined ? { maxCharge: guardrails.maxCharge } : {}),
  };
}
