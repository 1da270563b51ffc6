/**
 * The implementation behind the `SubscriptionSeats` dynamic resource, loaded by package name
 * (`require("csp-seats/provider-impl")`) inside Pulumi's `pulumi-nodejs` plugin. Nothing here is serialized into
 * state: the portal session (config, clients, the planning clock) lives in this module, per plugin process.
 *
 * CRUD only; the use cases are in app/ (observe, converge), shared with the CLI and the fleet runner.
 * `check` validates and plans (the money is in the preview); `diff` decides from that plan without I/O;
 * `create`/`update` converge (re-read, refuse a stale plan, one order, verify); `read` reports what the portal
 * has; `delete` stops managing.
 */
import type * as pulumi from "@pulumi/pulumi";
import { formatFinding } from "../core/describe";
import { isLineDrifted } from "../core/drift";
import { isCspSeatsError } from "../core/errors";
import { isRecord } from "../core/json";
import { hasOrderLines } from "../core/plan/plan-status";
import { planSubscription } from "../core/plan/planner";
import { decodeStoredPlan, encodeStoredPlan } from "../core/plan/stored-plan";
import { decodeObservedSeats, decodeOrderRecord, encodeObservedSeats, encodeOrderRecord } from "../core/stored-outputs";
import type { SubscriptionPlan } from "../core/plan/types";
import { convergeSubscription } from "../app/converge";
import { readSubscription, summarizeObservedSeats } from "../app/observe";
import { PortalSession } from "../app/portal-session";
import { readApproval, resolveRuntimeConfig, type RuntimeConfig } from "../app/runtime-config";
import type { Approval } from "../core/plan/approval";
import { reportToEngine } from "./engine-log";
import { getFindingProperty, hasUnknownInputs, stripProvider, toDesiredSubscription, validateInputs, type CheckedInputs } from "./inputs";
import { toDeclaredInputs, toOrderOutputs, type SubscriptionSeatsOutputs } from "./outputs";

export { validateInputs } from "./inputs";
export type { CheckedInputs } from "./inputs";
export type { AppliedPlan, SubscriptionSeatsOutputs } from "./outputs";

/** The stack config namespace the provider reads (`csp-seats:backend`, ...). */
export const CONFIG_NAMESPACE = "csp-seats";

/** A diff as this provider computes it; `detailedDiff` names each license whose seats change. */
export interface SeatsDiffResult extends pulumi.dynamic.DiffResult {
  readonly detailedDiff: Record<string, { kind: "update"; inputDiff: boolean }>;
}

/** `get` over the stack config, as the plugin hands it to `configure`. */
interface ConfigSource {
  get(key: string): unknown;
}

/** `csp-seats:<key>` as text (Pulumi hands object values over as JSON text); undefined when unset or blank. */
function readString(config: ConfigSource | undefined, key: string): string | undefined {
  const value = config?.get(`${CONFIG_NAMESPACE}:${key}`);
  if (value === undefined || value === null) return undefined;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.trim() === "" ? undefined : text.trim();
}

/**
 * Resolves the provider's settings from the stack config (`csp-seats:backend`, `endpoint`, `token` (secret),
 * `statePath`, `now`, `orderTimeoutSeconds`, CloudBlue keys) over the environment (`CSP_SEATS_*`), with the
 * resolver the CLI uses. The embedded portal is the default. Exported for tests; the plugin calls `configure`.
 */
export function resolveProviderSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv, cwd: string): RuntimeConfig {
  return resolveRuntimeConfig({ config: (key) => readString(config, key), env, cwd });
}

/** The one portal session of this plugin process (Pulumi calls the module's functions, so it lives here). */
let session: PortalSession | undefined;

function getSession(): PortalSession {
  session ??= new PortalSession(resolveProviderSettings(undefined, process.env, process.cwd()));
  return session;
}

/** The approval of this process (csp-seats:approvedPlan), read once per configuration; undefined when unset. */
let approval: { readonly config: RuntimeConfig; readonly value: Approval | undefined } | undefined;

function getApproval(config: RuntimeConfig): Approval | undefined {
  if (approval?.config !== config) approval = { config, value: config.approvedPlan ? readApproval(config.approvedPlan) : undefined };
  return approval.value;
}

/** Called once per plugin process with the stack's configuration. */
export async function configure(req: { config: ConfigSource }): Promise<void> {
  const config = resolveProviderSettings(req.config, process.env, process.cwd());
  // The plugin configures once per distinct __provider text; a stack written by an older release holds another
  // text than the one just declared. The same settings keep the session, and with it this command's snapshot.
  if (session && describeConfig(session.config) === describeConfig(config)) return;
  session = new PortalSession(config);
}

function describeConfig(config: RuntimeConfig): string {
  return JSON.stringify({ ...config, pinnedClock: config.pinnedClock?.now().toISOString() });
}

/**
 * Runs one provider method and makes its error readable in `pulumi up`: the stable code first, then the
 * summary and the fix. A PartialFailure keeps its id and properties so Pulumi records what did happen.
 */
async function withCodedErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isCspSeatsError(error)) throw new Error(`${error.code}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** An error Pulumi records with state (the plugin packs `id` + `properties` as ErrorResourceInitFailed). */
class PartialFailure extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "PartialFailure";
  }
}

/** A finding as a check failure, with where the subscription is declared when known (`seats.yaml:12:5: CODE: ...`). */
function toFailure(finding: SubscriptionPlan["findings"][number]): pulumi.dynamic.CheckFailure {
  return { property: getFindingProperty(finding), reason: `${finding.location ? `${finding.location}: ` : ""}${formatFinding(finding)}` };
}

/**
 * Validates the inputs, reads the subscription once and returns the inputs plus the computed `plan`.
 * Violations (a guardrail, a decrease below usage, an ineligible subscription, ...) are returned as failures:
 * the resource fails and nothing is ordered.
 */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<CheckedInputs>> {
  // Inputs computed from other resources are not known during a preview: nothing to plan yet, nothing to refuse.
  if (hasUnknownInputs(news)) return { inputs: news as unknown as CheckedInputs };
  const { inputs, failures } = validateInputs(news);
  if (failures.length > 0) return { inputs, failures };
  return withCodedErrors(async () => {
    const desired = toDesiredSubscription(inputs);
    const { observed, now, quote } = await getSession().observeForPlanning(desired, {});
    if (!observed) {
      const where = inputs.source ? `${inputs.source}: ` : "";
      const backend = getSession().config.backend.backend;
      return {
        inputs,
        failures: [{ property: "subscriptionId", reason: `${where}UNKNOWN_SUBSCRIPTION: subscription ${inputs.subscriptionId} does not exist in the ${backend} portal. Check the id, or the backend (csp-seats:backend).` }],
      };
    }
    const plan = planSubscription(desired, {}, observed, now, quote);
    return {
      inputs: keepUnchangedInputs(olds, { ...inputs, plan: encodeStoredPlan(plan), checkedAt: new Date().toISOString() }, hasOrderLines(plan)),
      failures: plan.findings.filter((finding) => finding.severity === "violation").map(toFailure),
    };
  });
}

/**
 * The stored inputs, unchanged, when nothing is to be ordered and the new check says exactly what they say
 * (only `checkedAt` would differ). The engine writes the whole state again for every resource whose inputs
 * changed, even when its step is `same`: a fresh `checkedAt` on each of 1,000 unchanged resources made an `up`
 * of 100 changes rewrite the state 1,000 times.
 */
function keepUnchangedInputs(olds: Record<string, unknown>, checked: CheckedInputs, orders: boolean): CheckedInputs {
  if (orders || typeof olds.checkedAt !== "string") return checked;
  const { checkedAt: _new, ...fresh } = checked;
  const { checkedAt, ...stored } = stripProvider(olds);
  return isSameJson(stored, fresh) ? { ...checked, checkedAt: checkedAt as string } : checked;
}

/** Whether two JSON values are equal (object key order aside, as the engine's wire format sorts keys). */
function isSameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => isSameJson(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    return keys.length === Object.keys(b).filter((key) => b[key] !== undefined).length && keys.every((key) => isSameJson(a[key], b[key]));
  }
  return a === b;
}

/**
 * A change exactly when the plan from `check` has order lines; never a replacement. Uses that plan only: a
 * preview reads each subscription once, in `check`.
 *
 * `pulumi refresh` also calls diff, with the refreshed outputs as `olds` and the inputs stored at the last
 * update as `news`, whose plan is older than that read. Then the plan says nothing about the present, so the
 * desired seats are compared with what the read observed (the one drift rule): still no I/O.
 */
export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<SeatsDiffResult> {
  const plan = decodeStoredPlan(news.plan);
  const detailedDiff: SeatsDiffResult["detailedDiff"] = {};
  const checkedAt = typeof news.checkedAt === "string" ? Date.parse(news.checkedAt) : Number.NaN;
  const seen = decodeObservedSeats(olds);
  const observedAt = Date.parse(seen?.observedAt ?? "");
  const planIsCurrent = plan !== undefined && !(checkedAt < observedAt);
  if (planIsCurrent) {
    for (const line of plan.orderLines) detailedDiff[`licenses.${line.sku}`] = { kind: "update", inputDiff: true };
  } else {
    const limits: Record<string, unknown> = seen?.limits ?? {};
    const scheduled: Record<string, unknown> = seen?.scheduled ?? {};
    // A decrease csp-seats holds for a portal that cannot schedule it (Pax8) counts as scheduled here, as it does
    // for drift before its window opens; once the window is open the next check plans it as a refunded decrease.
    const deferred = new Map((plan?.lines ?? []).filter((line) => line.deferred !== undefined).map((line) => [line.sku, line.desired]));
    for (const [sku, count] of Object.entries(isRecord(news.licenses) ? news.licenses : {})) {
      const limit = limits[sku];
      const pending = typeof scheduled[sku] === "number" ? (scheduled[sku] as number) : deferred.get(sku);
      // A usage target (an object) is compared by the plan only: its count depends on the usage just observed.
      if (typeof count === "number" && typeof limit === "number" && isLineDrifted({ desired: count, limit, scheduled: pending })) {
        detailedDiff[`licenses.${sku}`] = { kind: "update", inputDiff: true };
      }
    }
  }
  return { changes: Object.keys(detailedDiff).length > 0, replaces: [], deleteBeforeReplace: false, detailedDiff };
}

/** Converges one subscription to the plan from `check` (app/converge.ts) and records what happened. */
async function applyPlan(inputs: CheckedInputs): Promise<SubscriptionSeatsOutputs> {
  const id = inputs.subscriptionId;
  const declared = toDeclaredInputs(inputs);
  const skus = Object.keys(inputs.licenses);
  const session = getSession();
  return session.withPortal(async (portal, clock) => {
    const options = { timeoutMs: session.config.orderTimeoutMs, report: reportToEngine, approval: getApproval(session.config) };
    const planned = decodeStoredPlan(inputs.plan);
    const outcome = await convergeSubscription(portal, id, planned, options).catch((error: unknown) => {
      // Refused or failed before an outcome: whatever this command saw of it is no longer worth planning from.
      session.forget(id);
      throw error;
    });
    session.remember(id, outcome.after);
    const seen = summarizeObservedSeats(outcome.after, skus, new Date());
    if (!outcome.order) return { ...declared, plan: inputs.plan, observed: encodeObservedSeats(seen) };
    const replanned = planSubscription(toDesiredSubscription(declared), {}, outcome.after, clock.now());
    // converge refused an absent plan (PLAN_MISSING) before ordering.
    const outputs = toOrderOutputs(declared, planned!, replanned, outcome.order, outcome.lineResults, seen);
    const order = outcome.order;
    if (order.status === "error") {
      const reason = `order ${order.id} failed: ${order.error ? `${order.error.code}: ${order.error.message}` : "the portal reported an error"}`;
      await reportToEngine("warning", `csp-seats ${id}: ${reason}`);
      throw new PartialFailure(`csp-seats ${id}: ${reason}. Check the order in the portal, then run \`pulumi refresh\`.`, id, outputs as unknown as Record<string, unknown>, [reason]);
    }
    if (outcome.unverified.length > 0) {
      const reason = `order ${order.id} completed but the subscription does not show it: ${outcome.unverified.join("; ")}`;
      throw new PartialFailure(`csp-seats ${id}: ${reason}. Run \`pulumi refresh\` and check the portal.`, id, outputs as unknown as Record<string, unknown>, [reason]);
    }
    return outputs;
  });
}

/** Adopts an existing subscription (the id is the subscription id) and converges it like `update`. */
export async function create(inputs: CheckedInputs): Promise<pulumi.dynamic.CreateResult<SubscriptionSeatsOutputs>> {
  const outs = await withCodedErrors(() => applyPlan(stripProvider(inputs as unknown as Record<string, unknown>) as unknown as CheckedInputs));
  return { id: inputs.subscriptionId, outs };
}

/** Places the order the plan from `check` describes, after making sure the subscription did not change. */
export async function update(_id: string, olds: SubscriptionSeatsOutputs, news: CheckedInputs): Promise<pulumi.dynamic.UpdateResult<SubscriptionSeatsOutputs>> {
  const outs = await withCodedErrors(() => applyPlan(stripProvider(news as unknown as Record<string, unknown>) as unknown as CheckedInputs));
  // Nothing was ordered this time: keep the record of the last order.
  const last = outs.order === undefined ? keepOrderRecord(olds as unknown as Record<string, unknown>) : undefined;
  return { outs: last === undefined ? outs : { ...outs, order: last } };
}

/** The record of the last order in `outputs` as this release stores it (older state: its top-level fields). */
function keepOrderRecord(outputs: Record<string, unknown>): string | undefined {
  if (typeof outputs.order === "string") return outputs.order;
  const record = decodeOrderRecord(outputs);
  return record ? encodeOrderRecord(record) : undefined;
}

/**
 * Refreshes limits and usage from the portal. The returned inputs carry the observed limits of the managed
 * SKUs, so `pulumi refresh` shows out-of-band changes as drift and the next preview plans them back.
 */
export async function read(id: string, props: SubscriptionSeatsOutputs): Promise<pulumi.dynamic.ReadResult> {
  const state = stripProvider((props ?? {}) as unknown as Record<string, unknown>) as unknown as SubscriptionSeatsOutputs;
  const subscriptionId = state.subscriptionId ?? id;
  return withCodedErrors(() =>
    getSession().withPortal(async (portal) => {
      const observed = await readSubscription(portal, subscriptionId);
      getSession().remember(subscriptionId, observed);
      // Gone from the portal: Pulumi drops it from the stack. Nothing is changed anywhere.
      if (!observed) return { id: "" };
      const seen = summarizeObservedSeats(observed, Object.keys(state.licenses ?? {}), new Date());
      // A usage target stays as declared: its count is derived by the next plan, not compared here.
      const licenses = Object.fromEntries(Object.entries(state.licenses ?? {}).map(([sku, value]) => [sku, typeof value === "number" ? (seen.limits[sku] ?? value) : value]));
      const inputs = toDeclaredInputs({ ...state, subscriptionId, licenses, settings: state.settings ?? {} });
      const order = keepOrderRecord(state as unknown as Record<string, unknown>);
      // Rebuilt, not spread: outputs written by csp-seats 0.1 kept these records as top-level fields.
      const outputs: SubscriptionSeatsOutputs = {
        ...inputs,
        ...(state.plan !== undefined ? { plan: state.plan } : {}),
        observed: encodeObservedSeats(seen),
        ...(order !== undefined ? { order } : {}),
      };
      return { id: subscriptionId, props: outputs, inputs };
    }),
  );
}

/** Stops managing the subscription: no order, no seat change. */
export async function deleteResource(id: string, _props: SubscriptionSeatsOutputs): Promise<void> {
  await reportToEngine("info", `csp-seats ${id}: no longer managed; its seats are left as they are`);
}

export { deleteResource as delete };
