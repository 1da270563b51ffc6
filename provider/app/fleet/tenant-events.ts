/**
 * The engine events of one tenant's run -> its outcome. Pure. A preview or update carries each resource's
 * checked inputs, whose `plan` is the planner's SubscriptionPlan (exact money as decimal strings): the changes,
 * the money per currency and the findings come from there, so the fleet report says what `pulumi preview` says.
 * A refresh carries each resource's refreshed inputs, whose `licenses` are the purchased seats: where they
 * differ from the last applied ones, the subscription drifted.
 */
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { describePlanChanges } from "../../core/describe";
import { isLineDrifted } from "../../core/drift";
import type { DriftedSubscription, FleetOperation, TenantChange, TenantError, TenantOutcome } from "../../core/fleet-types";
import { isOrdering } from "../../core/plan/plan-status";
import { decodeStoredPlan } from "../../core/plan/stored-plan";
import { computeTotals } from "../../core/plan/totals";
import { decodeObservedSeats } from "../../core/stored-outputs";
import type { PlanFinding, SubscriptionPlan } from "../../core/plan/types";

const SEATS_TYPE_SUFFIX = ":SubscriptionSeats";

/** An outcome without who and how long (the caller adds them). */
export type TenantEventSummary = Omit<TenantOutcome, "tenant" | "stack" | "durationMs">;

function isSeatsStep(metadata: StepEventMetadata | undefined): metadata is StepEventMetadata {
  return metadata !== undefined && metadata.type.endsWith(SEATS_TYPE_SUFFIX);
}

function getName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const CODE = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/;
/** Engine lines that only say that something above failed. */
const GENERIC = /^(update failed|preview failed|refresh failed|One or more errors occurred.*|an unhandled error occurred.*)$/i;

/** The engine's error diagnostics as tenant errors: the code they lead with, their first line, once each. */
function collectErrors(events: readonly EngineEvent[]): TenantError[] {
  const seen = new Set<string>();
  const errors: TenantError[] = [];
  for (const event of events) {
    const diagnostic = event.diagnosticEvent;
    if (!diagnostic || diagnostic.severity !== "error") continue;
    const lines = diagnostic.message.replace(ANSI, "").split("\n").map((line) => line.trim()).filter((line) => line !== "");
    const summary = lines.find((line) => !GENERIC.test(line));
    if (!summary || seen.has(summary)) continue;
    seen.add(summary);
    const where = diagnostic.urn ? `${getName(diagnostic.urn)}: ` : "";
    errors.push({ code: CODE.exec(summary)?.[1] ?? "FLEET_STACK", summary: summary.startsWith(where) ? summary : `${where}${summary}` });
  }
  // Resources fail concurrently, so the engine's order of their diagnostics varies from run to run: sort, so that
  // two runs (or a sharded and an unsharded one) report the same tenant the same way.
  return errors.sort((a, b) => (a.summary < b.summary ? -1 : a.summary > b.summary ? 1 : 0));
}

function toChange(plan: SubscriptionPlan): TenantChange {
  return { subscriptionId: plan.subscriptionId, name: plan.name, currency: plan.currency, changes: describePlanChanges(plan), charge: plan.charge, refund: plan.refund, net: plan.net };
}

function readCounts(value: unknown): Record<string, number> {
  return value && typeof value === "object" ? (value as Record<string, number>) : {};
}

/**
 * A refreshed subscription's drift by the one drift rule (core/drift.ts): the seats the stack last applied
 * against the purchased seats and the changes the portal has scheduled. A decrease already scheduled for renewal
 * is not drift, even where the engine reports the refreshed inputs as an update.
 */
function toDrift(metadata: StepEventMetadata): DriftedSubscription | undefined {
  const id = getName(metadata.urn);
  if (metadata.op === "delete" || metadata.op === "discard") return { subscriptionId: id, gone: true, lines: [] };
  const desired = readCounts(metadata.old?.inputs?.licenses);
  const seen = decodeObservedSeats(metadata.new?.outputs);
  const limits = readCounts(seen?.limits ?? metadata.new?.inputs?.licenses);
  const scheduled = readCounts(seen?.scheduled);
  const lines = Object.keys(desired)
    .sort()
    // A usage target (an object, not a count) is not compared: its count is derived by the next plan.
    .filter((sku) => typeof desired[sku] === "number" && typeof limits[sku] === "number" && isLineDrifted({ desired: desired[sku], limit: limits[sku], ...(typeof scheduled[sku] === "number" ? { scheduled: scheduled[sku] } : {}) }))
    .map((sku) => ({ sku, desired: desired[sku], purchased: limits[sku] }));
  return lines.length > 0 ? { subscriptionId: id, gone: false, lines } : undefined;
}

/** Summarizes the engine events of `operation` on one tenant's stack. */
export function summarizeTenantEvents(operation: FleetOperation, events: readonly EngineEvent[]): TenantEventSummary {
  const plans = new Map<string, SubscriptionPlan>();
  const drift = new Map<string, DriftedSubscription>();
  const steps: Record<string, number> = {};
  const refreshing = operation === "refresh" || operation === "drift";
  for (const event of events) {
    const pre = event.resourcePreEvent?.metadata;
    if (!refreshing && isSeatsStep(pre)) {
      steps[pre.op] = (steps[pre.op] ?? 0) + 1;
      const plan = decodeStoredPlan(pre.new?.inputs?.plan);
      if (plan) plans.set(pre.urn, plan);
    }
    const outputs = event.resOutputsEvent?.metadata;
    if (refreshing && isSeatsStep(outputs)) {
      steps[outputs.op] = (steps[outputs.op] ?? 0) + 1;
      const drifted = toDrift(outputs);
      if (drifted) drift.set(outputs.urn, drifted);
    }
  }
  const ordered = [...plans.values()].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0));
  const changed = ordered.filter(isOrdering);
  const findings: PlanFinding[] = ordered.flatMap((plan) => plan.findings);
  const errors = collectErrors(events);
  const driftList = [...drift.values()].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
  const status = errors.length > 0 ? "error" : refreshing ? (driftList.length > 0 ? "drift" : "ok") : operation === "preview" && changed.length > 0 ? "changes" : "ok";
  return { status, changes: changed.map(toChange), totals: computeTotals(changed), findings, drift: driftList, steps, errors };
}
