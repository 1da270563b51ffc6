/**
 * The implementation behind the `SubscriptionSeats` dynamic resource, loaded by package name
 * (`require("csp-seats/provider-impl")`) inside Pulumi's `pulumi-nodejs` plugin. Nothing here is serialized into
 * state: clients, tokens and caches live in this module, per plugin process.
 *
 * Observe first, then act: `check` reads the subscription once and computes the plan (the money is in the
 * preview); `diff` only looks at that plan; `create`/`update` re-read, refuse a stale plan, place ONE order with
 * every line and verify the result; `read` reconstitutes state from the portal; `delete` stops managing.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Clock } from "../core/clock";
import type { DesiredSubscription } from "../desired/desired-state";
import { CspSeatsError, isCspSeatsError } from "../core/errors";
import type { Money, Order, Subscription } from "../core/model";
import { toMinorUnits } from "../core/money";
import type { PlanFinding, SubscriptionPlan } from "../core/plan/types";
import { planSubscription } from "../core/plan/planner";
import { quotePlannedChanges } from "../app/quote";
import { createPortal } from "../app/create-backend";
import { resolvePlanningClock, resolveRuntimeConfig, type RuntimeConfig } from "../app/runtime-config";
import type { Portal } from "../backends/portal";
import { waitForOrder } from "../backends/shared/order-wait";
import type { LineResult, SubscriptionSeatsSettings } from "./resource";

/** The stack config namespace the provider reads (`csp-seats:backend`, ...). */
export const CONFIG_NAMESPACE = "csp-seats";

/** Inputs after `check`: the declared inputs plus the computed plan. */
export interface CheckedInputs {
  readonly subscriptionId: string;
  readonly name?: string;
  readonly licenses: Record<string, number>;
  readonly settings: SubscriptionSeatsSettings;
  readonly plan?: SubscriptionPlan;
  /** Wall-clock time `check` made the plan; tells `diff` whether the plan is newer than the last observation. */
  readonly checkedAt?: string;
}

/** What a SubscriptionSeats resource records in state. Never contains a token. */
export interface SubscriptionSeatsOutputs extends CheckedInputs {
  readonly orderId?: string;
  readonly orderStatus?: string;
  readonly charge?: Money;
  readonly refund?: Money;
  readonly lineResults?: LineResult[];
  /** What the last order carried, as planned (the `plan` output is re-planned after it, so it shows no changes). */
  readonly appliedPlan?: AppliedPlan;
  readonly limits: Record<string, number>;
  readonly usage: Record<string, number | null>;
  readonly revision: string;
  readonly status: string;
  /** Seats per SKU already scheduled for renewal (a decrease outside the refund window, ordered earlier). */
  readonly scheduled: Record<string, number>;
  /** Wall-clock time of the last read. */
  readonly observedAt: string;
}

/**
 * The part of a plan that an order carried out: its lines, the planned money, the revision and key it was placed
 * with. The per-line detail and findings stay in the checked inputs' `plan`, and what the portal did per line is
 * in `lineResults`; storing the whole plan again made it the third copy per resource in state.
 */
export type AppliedPlan = Pick<SubscriptionPlan, "revision" | "idempotencyKey" | "orderLines" | "charge" | "refund" | "net"> &
  Partial<Pick<SubscriptionPlan, "paymentMethodId" | "notifyEmail">>;

function toAppliedPlan(plan: SubscriptionPlan): AppliedPlan {
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

/** A diff as this provider computes it; `detailedDiff` names each license whose seats change. */
export interface SeatsDiffResult extends pulumi.dynamic.DiffResult {
  readonly detailedDiff: Record<string, { kind: "update"; inputDiff: boolean }>;
}

/** The provider's runtime settings, resolved once per plugin process (see app/runtime-config.ts). */
type ProviderSettings = RuntimeConfig;

/** The settings a CRUD call runs with: the clock is the one to plan with (pinned, or the portal's own time). */
type PortalSettings = ProviderSettings & { readonly clock: Clock };

/** `get` over the stack config, as the plugin hands it to `configure`. */
interface ConfigSource {
  get(key: string): unknown;
}

let settings: ProviderSettings | undefined;
/**
 * The planning clock, resolved once per plugin process (one Pulumi command): the portal's clock does not jump
 * during a command, and asking for its time in every check doubled the embedded portal's state-file reads.
 */
let planningClock: Promise<Clock> | undefined;

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
export function resolveProviderSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv, cwd: string): ProviderSettings {
  return resolveRuntimeConfig({ config: (key) => readString(config, key), env, cwd });
}

/** Called once per plugin process with the stack's configuration. */
export async function configure(req: { config: ConfigSource }): Promise<void> {
  settings = resolveProviderSettings(req.config, process.env, process.cwd());
  planningClock = undefined;
}

function getSettings(): ProviderSettings {
  settings ??= resolveProviderSettings(undefined, process.env, process.cwd());
  return settings;
}

async function withPortal<T>(fn: (portal: Portal, current: PortalSettings) => Promise<T>): Promise<T> {
  const current = getSettings();
  // Only a pinned time (csp-seats:now) overrides the portal's own clock; otherwise plans use the portal's time.
  const portal = await createPortal(current.backend, current.pinnedClock ? { clock: current.pinnedClock } : {});
  try {
    planningClock ??= resolvePlanningClock(portal, current.pinnedClock).catch((error: unknown) => {
      planningClock = undefined;
      throw error;
    });
    return await fn(portal, { ...current, clock: await planningClock });
  } finally {
    await portal.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Progress: through the engine when running inside the plugin (the engine prints it), else on stderr.

interface EngineLogClient {
  log(request: unknown, callback: (error: Error | null) => void): void;
  close(): void;
}

let engineClient: EngineLogClient | null | undefined;

/** The engine address the plugin was started with (`node .../cmd/dynamic-provider <engine>`), if any. */
function findEngineAddress(argv: readonly string[]): string | undefined {
  if (!argv[1] || !/dynamic-provider/.test(argv[1])) return undefined;
  return argv.slice(2).find((arg) => /^[\w.[\]:-]+:\d+$/.test(arg));
}

function getEngineClient(): EngineLogClient | null {
  if (engineClient !== undefined) return engineClient;
  engineClient = null;
  const address = findEngineAddress(process.argv);
  if (!address) return engineClient;
  try {
    // The generated client and grpc-js must be the copies @pulumi/pulumi itself uses.
    const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiRoot] }));
    const { EngineClient } = require("@pulumi/pulumi/proto/engine_grpc_pb");
    engineClient = new EngineClient(address, grpc.credentials.createInsecure()) as EngineLogClient;
  } catch {
    engineClient = null;
  }
  return engineClient;
}

type Severity = "info" | "warning";

/** Reports progress: an engine Log message inside the plugin (shown by `pulumi up`), stderr otherwise. */
async function report(severity: Severity, message: string): Promise<void> {
  const client = getEngineClient();
  if (client) {
    try {
      const engproto = require("@pulumi/pulumi/proto/engine_pb");
      const request = new engproto.LogRequest();
      request.setSeverity(severity === "info" ? engproto.LogSeverity.INFO : engproto.LogSeverity.WARNING);
      request.setMessage(message);
      request.setUrn("");
      request.setStreamid(0);
      request.setEphemeral(false);
      await new Promise<void>((resolve, reject) => client.log(request, (error) => (error ? reject(error) : resolve())));
      return;
    } catch {
      // The engine went away or refused the message: fall back to stderr, which the engine also shows.
    }
  }
  process.stderr.write(`${severity === "warning" ? "warning: " : ""}${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

type Failure = pulumi.dynamic.CheckFailure;

const DOWNGRADE_POLICIES = ["at-renewal", "refuse"];
const DECIMAL = /^\d+(\.\d+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSeatCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function validateSettings(value: unknown, failures: Failure[]): SubscriptionSeatsSettings {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    failures.push({ property: "settings", reason: "settings must be an object" });
    return {};
  }
  const known = ["paymentMethod", "notifyEmail", "downgradePolicy", "guardrails"];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) failures.push({ property: `settings.${key}`, reason: `unknown setting "${key}"; use one of ${known.join(", ")}` });
  }
  const { paymentMethod, notifyEmail, downgradePolicy, guardrails } = value;
  if (paymentMethod !== undefined && (typeof paymentMethod !== "string" || paymentMethod.trim() === "")) {
    failures.push({ property: "settings.paymentMethod", reason: "paymentMethod must be a payment method id or label" });
  }
  if (notifyEmail !== undefined && (typeof notifyEmail !== "string" || !EMAIL.test(notifyEmail))) {
    failures.push({ property: "settings.notifyEmail", reason: "notifyEmail must be an e-mail address" });
  }
  if (downgradePolicy !== undefined && !DOWNGRADE_POLICIES.includes(downgradePolicy as string)) {
    failures.push({ property: "settings.downgradePolicy", reason: `downgradePolicy must be one of ${DOWNGRADE_POLICIES.join(", ")}` });
  }
  if (guardrails !== undefined) {
    if (!isRecord(guardrails)) {
      failures.push({ property: "settings.guardrails", reason: "guardrails must be an object" });
    } else {
      const guardKeys = ["allowBelowUsage", "maxIncrease", "maxDecrease", "maxCharge"];
      for (const key of Object.keys(guardrails)) {
        if (!guardKeys.includes(key)) failures.push({ property: `settings.guardrails.${key}`, reason: `unknown guardrail "${key}"; use one of ${guardKeys.join(", ")}` });
      }
      if (guardrails.allowBelowUsage !== undefined && typeof guardrails.allowBelowUsage !== "boolean") {
        failures.push({ property: "settings.guardrails.allowBelowUsage", reason: "allowBelowUsage must be true or false" });
      }
      for (const key of ["maxIncrease", "maxDecrease"] as const) {
        if (guardrails[key] !== undefined && !isSeatCount(guardrails[key])) {
          failures.push({ property: `settings.guardrails.${key}`, reason: `${key} must be a whole number of seats, 0 or more` });
        }
      }
      if (guardrails.maxCharge !== undefined && (typeof guardrails.maxCharge !== "string" || !DECIMAL.test(guardrails.maxCharge))) {
        failures.push({ property: "settings.guardrails.maxCharge", reason: 'maxCharge must be a decimal string such as "500.00"' });
      }
    }
  }
  return value as SubscriptionSeatsSettings;
}

/** Validates the declared inputs (shape only, no I/O). Exported for unit tests. */
export function validateInputs(news: Record<string, unknown>): { inputs: CheckedInputs; failures: Failure[] } {
  const failures: Failure[] = [];
  const rawId = news.subscriptionId;
  const subscriptionId = typeof rawId === "number" && Number.isSafeInteger(rawId) ? String(rawId) : rawId;
  if (typeof subscriptionId !== "string" || subscriptionId.trim() === "") {
    failures.push({ property: "subscriptionId", reason: "subscriptionId must be the portal's subscription id" });
  }
  if (news.name !== undefined && (typeof news.name !== "string" || news.name.trim() === "")) {
    failures.push({ property: "name", reason: "name must be the subscription's name in the portal" });
  }
  const licenses: Record<string, number> = {};
  if (!isRecord(news.licenses) || Object.keys(news.licenses).length === 0) {
    failures.push({ property: "licenses", reason: "licenses must map at least one SKU to a seat count" });
  } else {
    for (const [sku, count] of Object.entries(news.licenses)) {
      if (sku.trim() === "") failures.push({ property: "licenses", reason: "a SKU must not be empty" });
      else if (!isSeatCount(count)) failures.push({ property: `licenses.${sku}`, reason: `${sku}: seats must be a whole number, 0 or more (got ${JSON.stringify(count)})` });
      else licenses[sku] = count;
    }
  }
  const checkedSettings = validateSettings(news.settings, failures);
  return {
    inputs: {
      subscriptionId: typeof subscriptionId === "string" ? subscriptionId.trim() : "",
      ...(typeof news.name === "string" ? { name: news.name } : {}),
      licenses,
      settings: checkedSettings,
    },
    failures,
  };
}

function toDesiredSubscription(inputs: CheckedInputs): DesiredSubscription {
  return {
    id: inputs.subscriptionId,
    ...(inputs.name !== undefined ? { name: inputs.name } : {}),
    licenses: inputs.licenses,
    ...inputs.settings,
  };
}

/** The property a finding concerns, so `pulumi preview` points at the right input. */
function getFindingProperty(finding: PlanFinding): string {
  if (finding.sku) return `licenses.${finding.sku}`;
  if (finding.code === "NAME_MISMATCH") return "name";
  if (finding.code.startsWith("PAYMENT_METHOD")) return "settings.paymentMethod";
  if (finding.code === "GUARDRAIL_MAX_CHARGE" || finding.code === "GUARDRAIL_MAX_CHARGE_INVALID") return "settings.guardrails.maxCharge";
  return "subscriptionId";
}

function formatFinding(finding: PlanFinding): string {
  return `${finding.code}: ${finding.message}${finding.fix ? `. ${finding.fix}` : ""}`;
}

function formatMoney(money: Money): string {
  return `${money.amount} ${money.currency}`;
}

/** One line per planned change, for progress messages. */
function describePlan(plan: SubscriptionPlan): string[] {
  return plan.lines
    .filter((line) => line.action !== "none" && !line.alreadyScheduled)
    .map((line) => {
      const money = toMinorUnits(line.charge) !== 0n ? `, charge ${formatMoney(line.charge)}` : toMinorUnits(line.refund) !== 0n ? `, refund ${formatMoney(line.refund)}` : "";
      return `${line.sku} ${line.currentLimit} -> ${line.desired} (${line.effective === "now" ? "now" : `at renewal ${line.effectiveDate}`}${money})`;
    });
}

function stripProvider<T extends Record<string, unknown>>(props: T): T {
  const { __provider: _ignored, ...rest } = props;
  return rest as T;
}

// ---------------------------------------------------------------------------------------------------------------
// check / diff

/**
 * Validates the inputs, reads the subscription once and returns the inputs plus the computed `plan`.
 * Violations (a guardrail, a decrease below usage, an ineligible subscription, ...) are returned as failures:
 * the resource fails and nothing is ordered.
 */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<CheckedInputs>> {
  return withCodedErrors(() => checkInputs(news));
}

/** The value the engine sends for an input not known yet during a preview. */
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

async function checkInputs(news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<CheckedInputs>> {
  if (JSON.stringify(stripProvider(news)).includes(UNKNOWN_VALUE)) {
    // Inputs computed from other resources are not known during a preview: nothing to plan yet, nothing to refuse.
    return { inputs: news as unknown as CheckedInputs };
  }
  const { inputs, failures } = validateInputs(news);
  if (failures.length > 0) return { inputs, failures };
  const current = getSettings();
  const { observed, now, quote } = await withPortal(async (portal, settings) => {
    const found = await readSubscription(portal, inputs.subscriptionId);
    const at = settings.clock.now();
    // A portal with its own rating engine quotes the changes: the preview shows what it will charge.
    return { observed: found, now: at, quote: found ? await quotePlannedChanges(portal, toDesiredSubscription(inputs), {}, found, at) : undefined };
  });
  if (!observed) {
    return {
      inputs,
      failures: [{ property: "subscriptionId", reason: `UNKNOWN_SUBSCRIPTION: subscription ${inputs.subscriptionId} does not exist in the ${current.backend.backend} portal. Check the id, or the backend (csp-seats:backend).` }],
    };
  }
  const plan = planSubscription(toDesiredSubscription(inputs), {}, observed, now, quote);
  const violations = plan.findings.filter((finding) => finding.severity === "violation");
  return {
    inputs: { ...inputs, plan, checkedAt: new Date().toISOString() },
    failures: violations.map((finding) => ({ property: getFindingProperty(finding), reason: formatFinding(finding) })),
  };
}

/** Reads one subscription; undefined when the portal does not have it. */
async function readSubscription(portal: Portal, id: string): Promise<Subscription | undefined> {
  try {
    return await portal.getSubscription(id);
  } catch (error) {
    if (isCspSeatsError(error) && error.code === "PORTAL_SUBSCRIPTION_NOT_FOUND") return undefined;
    throw wrapError(`cannot read subscription ${id}`, error);
  }
}

/**
 * Runs one provider method and makes its error readable in `pulumi up`: the stable code first, then the
 * summary and the fix. PartialFailure keeps its id and properties so Pulumi records what did happen.
 */
async function withCodedErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isCspSeatsError(error)) throw new Error(`${error.code}: ${error.message}`, { cause: error });
    throw error;
  }
}

function wrapError(what: string, error: unknown): Error {
  if (isCspSeatsError(error)) {
    return new CspSeatsError(error.code, `${what}: ${error.summary}`, error.fix, {
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.correlationId !== undefined ? { correlationId: error.correlationId } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
    });
  }
  return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * A change exactly when the plan from `check` has order lines; never a replacement. Uses that plan only: a
 * preview reads each subscription once, in `check`.
 *
 * `pulumi refresh` also calls diff, with the refreshed outputs as `olds` and the inputs stored at the last
 * update as `news`, whose plan is older than that read. Then the plan says nothing about the present, so the
 * desired seats are compared with what the read observed (limits, and changes already scheduled for renewal):
 * still no I/O, and drift shows as a change.
 */
export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<SeatsDiffResult> {
  const plan = news.plan as SubscriptionPlan | undefined;
  const detailedDiff: SeatsDiffResult["detailedDiff"] = {};
  const checkedAt = typeof news.checkedAt === "string" ? Date.parse(news.checkedAt) : Number.NaN;
  const observedAt = typeof olds.observedAt === "string" ? Date.parse(olds.observedAt) : Number.NaN;
  const planIsCurrent = plan !== undefined && !(checkedAt < observedAt);
  if (planIsCurrent) {
    for (const line of plan.orderLines) detailedDiff[`licenses.${line.sku}`] = { kind: "update", inputDiff: true };
  } else {
    const limits = isRecord(olds.limits) ? olds.limits : {};
    const scheduled = isRecord(olds.scheduled) ? olds.scheduled : {};
    for (const [sku, count] of Object.entries(isRecord(news.licenses) ? news.licenses : {})) {
      if (typeof limits[sku] === "number" && limits[sku] !== count && scheduled[sku] !== count) {
        detailedDiff[`licenses.${sku}`] = { kind: "update", inputDiff: true };
      }
    }
  }
  return { changes: Object.keys(detailedDiff).length > 0, replaces: [], deleteBeforeReplace: false, detailedDiff };
}

// ---------------------------------------------------------------------------------------------------------------
// create / update

function observe(subscription: Subscription, skus: readonly string[]): Pick<SubscriptionSeatsOutputs, "limits" | "usage" | "scheduled" | "revision" | "status" | "observedAt"> {
  const limits: Record<string, number> = {};
  const usage: Record<string, number | null> = {};
  for (const sku of skus) {
    const line = subscription.lines.find((l) => l.sku === sku);
    if (!line) continue;
    limits[sku] = line.limit;
    usage[sku] = line.usage;
  }
  const scheduled: Record<string, number> = {};
  for (const change of subscription.scheduledChanges) {
    if (skus.includes(change.sku)) scheduled[change.sku] = change.quantity;
  }
  return { limits, usage, scheduled, revision: subscription.revision, status: subscription.status, observedAt: new Date().toISOString() };
}

function toLineResults(order: Order): LineResult[] {
  return order.lines.map((line) => ({
    sku: line.sku,
    from: line.from,
    to: line.to,
    effective: line.effective,
    effectiveDate: line.effectiveDate,
    amount: line.amount,
    status: line.result?.status ?? (order.status === "error" ? "failed" : line.effective === "renewal" ? "scheduled" : "applied"),
    ...(line.result?.message !== undefined ? { message: line.result.message } : {}),
  }));
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

/** Checks the subscription after the order: every `now` line has its new limit, every `renewal` line is scheduled. */
function findUnverifiedLines(plan: SubscriptionPlan, after: Subscription): string[] {
  const problems: string[] = [];
  for (const line of plan.orderLines) {
    if (line.effective === "now") {
      const limit = after.lines.find((l) => l.sku === line.sku)?.limit;
      if (limit !== line.quantity) problems.push(`${line.sku} has ${limit ?? "no"} seats, expected ${line.quantity}`);
    } else if (!after.scheduledChanges.some((change) => change.sku === line.sku && change.quantity === line.quantity)) {
      problems.push(`${line.sku}: no change to ${line.quantity} seats is scheduled for renewal`);
    }
  }
  return problems;
}

/**
 * Converges one subscription to the plan from `check`: re-reads it, refuses a stale plan, places ONE order with
 * every line (idempotency key from the plan), waits for it, verifies the new limits and returns the outputs.
 */
async function converge(inputs: CheckedInputs): Promise<SubscriptionSeatsOutputs> {
  const plan = inputs.plan;
  const id = inputs.subscriptionId;
  if (!plan) {
    throw new CspSeatsError("PLAN_MISSING", `no plan for subscription ${id}`, "Run `pulumi preview` / `pulumi up` again; the plan is computed during the check.");
  }
  const blocking = plan.findings.filter((finding) => finding.severity === "violation");
  if (blocking.length > 0 || plan.blocked) {
    throw new CspSeatsError("PLAN_BLOCKED", `subscription ${id} is blocked: ${blocking.map(formatFinding).join("; ")}`, "Fix the findings; nothing was ordered.");
  }
  return withPortal(async (portal, current) => {
    const skus = Object.keys(inputs.licenses);
    const before = await readSubscription(portal, id);
    if (!before) {
      throw new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `subscription ${id} no longer exists in the portal`, "Check the id; nothing was ordered.");
    }
    if (before.revision !== plan.revision) {
      throw new CspSeatsError(
        "PLAN_STALE",
        `subscription ${id} changed since it was planned (revision ${plan.revision} -> ${before.revision}); nothing was ordered`,
        "Run `pulumi refresh`, then `pulumi preview` to review the new plan, then `pulumi up` again.",
      );
    }
    const base: CheckedInputs = { subscriptionId: id, ...(inputs.name !== undefined ? { name: inputs.name } : {}), licenses: inputs.licenses, settings: inputs.settings };
    if (plan.orderLines.length === 0) {
      await report("info", `csp-seats ${id}: managed, nothing to order`);
      return { ...base, plan, ...observe(before, skus) };
    }

    const changes = describePlan(plan);
    await report(
      "info",
      `csp-seats ${id}: placing one order with ${plan.orderLines.length} line(s): ${changes.join("; ")}; charge ${formatMoney(plan.charge)}, refund ${formatMoney(plan.refund)}`,
    );
    let order: Order;
    try {
      order = await portal.placeOrder({
        subscriptionId: id,
        expectedRevision: plan.revision,
        lines: plan.orderLines,
        idempotencyKey: plan.idempotencyKey,
        ...(plan.paymentMethodId !== undefined ? { paymentMethodId: plan.paymentMethodId } : {}),
        ...(plan.notifyEmail !== undefined ? { notifyEmail: plan.notifyEmail } : {}),
        allowBelowUsage: plan.allowBelowUsage,
      });
    } catch (error) {
      if (isCspSeatsError(error) && error.code === "PORTAL_STALE_REVISION") {
        throw new CspSeatsError("PLAN_STALE", `cannot place the order for subscription ${id}: the portal says it changed since it was planned; nothing was ordered`, "Run `pulumi refresh`, then `pulumi preview` again.");
      }
      throw wrapError(`cannot place the order for subscription ${id}`, error);
    }
    await report("info", `csp-seats ${id}: order ${order.id} ${order.status}`);
    const done = await waitForOrder(portal, order, {
      timeoutMs: current.orderTimeoutMs,
      onProgress: ({ order: polled, elapsedMs }) => report("info", `csp-seats ${id}: order ${polled.id} ${polled.status} (${Math.round(elapsedMs / 1000)} s)`),
    });
    const after = await portal.getSubscription(id);
    const lineResults = toLineResults(done);
    const replanned = planSubscription(toDesiredSubscription(base), {}, after, current.clock.now());
    const outputs: SubscriptionSeatsOutputs = {
      ...base,
      plan: replanned,
      appliedPlan: toAppliedPlan(plan),
      orderId: done.id,
      orderStatus: done.status,
      charge: done.charge,
      refund: done.refund,
      lineResults,
      ...observe(after, skus),
    };
    if (done.status === "error") {
      const reason = `order ${done.id} failed: ${done.error ? `${done.error.code}: ${done.error.message}` : "the portal reported an error"}`;
      await report("warning", `csp-seats ${id}: ${reason}`);
      throw new PartialFailure(`csp-seats ${id}: ${reason}. Check the order in the portal, then run \`pulumi refresh\`.`, id, outputs as unknown as Record<string, unknown>, [reason]);
    }
    const problems = findUnverifiedLines(plan, after);
    if (problems.length > 0) {
      const reason = `order ${done.id} completed but the subscription does not show it: ${problems.join("; ")}`;
      throw new PartialFailure(`csp-seats ${id}: ${reason}. Run \`pulumi refresh\` and check the portal.`, id, outputs as unknown as Record<string, unknown>, [reason]);
    }
    await report(
      "info",
      `csp-seats ${id}: order ${done.id} completed and verified: ${lineResults.length} line(s), charge ${formatMoney(done.charge)}, refund ${formatMoney(done.refund)}`,
    );
    return outputs;
  });
}

/** Adopts an existing subscription (the id is the subscription id) and converges it like `update`. */
export async function create(inputs: CheckedInputs): Promise<pulumi.dynamic.CreateResult<SubscriptionSeatsOutputs>> {
  const outs = await withCodedErrors(() => converge(stripProvider(inputs as unknown as Record<string, unknown>) as unknown as CheckedInputs));
  return { id: inputs.subscriptionId, outs };
}

/** Places the order the plan from `check` describes, after making sure the subscription did not change. */
export async function update(_id: string, olds: SubscriptionSeatsOutputs, news: CheckedInputs): Promise<pulumi.dynamic.UpdateResult<SubscriptionSeatsOutputs>> {
  const outs = await withCodedErrors(() => converge(stripProvider(news as unknown as Record<string, unknown>) as unknown as CheckedInputs));
  if (!outs.orderId && olds.orderId) {
    // Nothing was ordered this time: keep the record of the last order.
    return { outs: { ...outs, orderId: olds.orderId, ...(olds.orderStatus ? { orderStatus: olds.orderStatus } : {}) } };
  }
  return { outs };
}

// ---------------------------------------------------------------------------------------------------------------
// read / delete

/**
 * Refreshes limits and usage from the portal. The returned inputs carry the observed limits of the managed
 * SKUs, so `pulumi refresh` shows out-of-band changes as drift and the next preview plans them back.
 */
export async function read(id: string, props: SubscriptionSeatsOutputs): Promise<pulumi.dynamic.ReadResult> {
  const state = stripProvider((props ?? {}) as unknown as Record<string, unknown>) as unknown as SubscriptionSeatsOutputs;
  const subscriptionId = state.subscriptionId ?? id;
  return withCodedErrors(() => withPortal(async (portal, current) => {
    const observed = await readSubscription(portal, subscriptionId);
    if (!observed) {
      // Gone from the portal: Pulumi drops it from the stack. Nothing is changed anywhere.
      return { id: "" };
    }
    const skus = Object.keys(state.licenses ?? {});
    const seen = observe(observed, skus);
    const licenses = { ...state.licenses, ...seen.limits };
    const inputs: CheckedInputs = {
      subscriptionId,
      ...(state.name !== undefined ? { name: state.name } : {}),
      licenses,
      settings: state.settings ?? {},
    };
    return { id: subscriptionId, props: { ...state, ...inputs, ...seen }, inputs };
  }));
}

/** Stops managing the subscription: no order, no seat change. */
export async function deleteResource(id: string, _props: SubscriptionSeatsOutputs): Promise<void> {
  await report("info", `csp-seats ${id}: no longer managed; its seats are left as they are`);
}

export { deleteResource as delete };
