/**
 * csp-seats as a library: the `SubscriptionSeats` Pulumi resource, the desired-state parser, the pure planner
 * and the portal backends. `csp-seats/provider-impl` (the dynamic provider's implementation) is a separate entry
 * that only Pulumi's plugin loads.
 */
export { SubscriptionSeats, SUBSCRIPTION_SEATS_TYPE, subscriptionSeatsProvider, summarizePlans } from "./resource";
export type { SubscriptionSeatsArgs, SubscriptionSeatsSettings, LineResult, PlanSummary } from "./resource";
export { loadDesiredState, parseDesiredState, parseDesiredStateOrThrow, formatLocatedError, resolveSettings } from "./desired-state";
export type { DesiredState, DesiredSubscription, DesiredSettings, Guardrails, DowngradePolicy, LocatedError, ParseResult } from "./desired-state";
export { planSeats, planSubscription, computeTotals } from "./planner";
export type * from "./plan";
export type * from "./model";
export { createPortal, resolveBackendConfig } from "./portal/create-portal";
export type { BackendConfig, BackendKind } from "./portal/create-portal";
export type { Portal } from "./portal/portal";
export { CspSeatsError, isCspSeatsError } from "./errors";
export { systemClock, createFixedClock } from "./clock";
export type { Clock } from "./clock";
