/**
 * csp-seats as a library (`require("csp-seats")`): the `SubscriptionSeats` Pulumi resource and the seats.yaml
 * program helpers, the desired-state parser, the pure planner and drift, the renderers of plans and drift
 * reports, and the portal backends. `csp-seats/provider-impl` (the dynamic provider's implementation) is a
 * separate entry that only Pulumi's plugin loads. test/unit/package-exports.test.ts checks that every function
 * the docs tell library users to call is exported here.
 */
export { SubscriptionSeats, SUBSCRIPTION_SEATS_TYPE, subscriptionSeatsProvider, summarizePlans } from "./pulumi/resource";
export type { SubscriptionSeatsArgs, SubscriptionSeatsSettings, LineResult, PlanSummary } from "./pulumi/resource";
export { declareSubscriptionSeats, loadSeatsFile, runSeatsProgram } from "./pulumi/program";
export { loadDesiredState, parseDesiredState, parseDesiredStateOrThrow, formatLocatedError } from "./desired/desired-state";
export type { LocatedError, ParseResult } from "./desired/desired-state";
export type { DesiredState, DesiredSubscription, DesiredSettings, Guardrails, DowngradePolicy, LicenseValue, SeatTarget, TargetDecrease } from "./core/desired-types";
export { mergeSettings, resolveSettings } from "./core/settings";
export { planSeats, planSubscription } from "./core/plan/planner";
export { computeTotals } from "./core/plan/totals";
export { computeDrift, isLineDrifted } from "./core/drift";
export type { DriftReport, DriftSubscription, DriftLine, IdleCostTotal } from "./core/drift";
export {
  renderPlanText,
  renderPlanMarkdown,
  renderPlanMarkdownChunks,
  DEFAULT_MARKDOWN_MAX_CHARS,
  renderDriftText,
  renderDriftMarkdown,
  renderPlanJson,
  renderDriftJson,
  PLAN_JSON_KIND,
  DRIFT_JSON_KIND,
  JSON_FORMAT_VERSION,
} from "./report";
export { describeChange, describePlanChanges, formatFinding, formatMoney } from "./core/describe";
export type * from "./core/plan/types";
export type * from "./core/model";
export { createPortal } from "./app/create-backend";
export { observeDesiredState } from "./app/observe";
export type { DesiredObservation } from "./app/observe";
export { resolveBackendConfig, resolvePlanningClock, resolveRuntimeConfig } from "./app/runtime-config";
export type { RuntimeConfig, RuntimeOptions, RuntimeSources } from "./app/runtime-config";
export type { BackendConfig, BackendKind } from "./app/create-backend";
export type { Portal } from "./backends/portal";
export { CspSeatsError, isCspSeatsError, withContext } from "./core/errors";
export { ERROR_CODES, FINDING_CODES } from "./core/error-codes";
export type { ErrorCode, FindingCode } from "./core/error-codes";
export { systemClock, createFixedClock } from "./core/clock";
export type { Clock } from "./core/clock";
