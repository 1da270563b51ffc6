/**
 * The SubscriptionSeats resource's inputs: validated with the same JSON Schema `$defs` as seats.yaml (one source
 * of truth, desired/schema-violations.ts), turned into the planner's DesiredSubscription, and the plan's findings
 * mapped back to the input they concern so `pulumi preview` points at it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isRecord } from "../core/json";
import type { DesiredSubscription, LicenseValue, SourceLocation } from "../core/desired-types";
import type { PlanFinding, SubscriptionPlan } from "../core/plan/types";
import { listSubscriptionInputViolations } from "../desired/schema-violations";
import type { SubscriptionSeatsSettings } from "./resource";

/** Inputs after `check`: the declared inputs plus the computed plan. */
export interface CheckedInputs {
  readonly subscriptionId: string;
  readonly name?: string;
  /** Seat counts or usage-following targets (core/plan/targets.ts derives a target's count in the plan). */
  readonly licenses: Record<string, LicenseValue>;
  readonly settings: SubscriptionSeatsSettings;
  /** Where the subscription is declared (`seats.yaml:12:5`), so findings say where to fix them. */
  readonly source?: string;
  /** The plan as compact JSON text (core/plan/stored-plan.ts); csp-seats 0.1 stored the object. Read with decodeStoredPlan. */
  readonly plan?: string | SubscriptionPlan;
  /** Wall-clock time `check` made the plan; tells `diff` whether the plan is newer than the last observation. */
  readonly checkedAt?: string;
}

type Failure = pulumi.dynamic.CheckFailure;

/** The value the engine sends for an input not known yet during a preview. */
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether any input is still unknown (computed from another resource during a preview). */
export function hasUnknownInputs(news: Record<string, unknown>): boolean {
  return JSON.stringify(stripProvider(news)).includes(UNKNOWN_VALUE);
}

/** The properties without the serialized provider the engine adds to every dynamic resource. */
export function stripProvider<T extends Record<string, unknown>>(props: T): T {
  const { __provider: _ignored, ...rest } = props;
  return rest as T;
}


/** Validates the declared inputs against the seats.yaml schema (shape only, no I/O). Exported for unit tests. */
export function validateInputs(news: Record<string, unknown>): { inputs: CheckedInputs; failures: Failure[] } {
  const failures: Failure[] = listSubscriptionInputViolations(stripProvider(news)).map((violation) => ({
    property: [...violation.segments, violation.keyOf ?? violation.missing].filter((segment) => segment !== undefined).join("."),
    reason: `${violation.code}: ${violation.message}`,
  }));
  const rawId = news.subscriptionId;
  const licenses = isRecord(news.licenses) ? (news.licenses as Record<string, LicenseValue>) : {};
  return {
    inputs: {
      subscriptionId: typeof rawId === "number" ? String(rawId) : typeof rawId === "string" ? rawId.trim() : "",
      ...(typeof news.name === "string" ? { name: news.name } : {}),
      licenses: { ...licenses },
      settings: isRecord(news.settings) ? (news.settings as SubscriptionSeatsSettings) : {},
      ...(typeof news.source === "string" ? { source: news.source } : {}),
    },
    failures,
  };
}

/** `seats.yaml:12:5` -> its parts (the file name may itself contain colons). */
function parseSource(source: string | undefined): SourceLocation | undefined {
  const match = source === undefined ? null : /^(.+):(\d+):(\d+)$/.exec(source);
  return match ? { file: match[1], line: Number(match[2]), col: Number(match[3]) } : undefined;
}

/** The planner's view of the inputs (settings are already merged with the file's defaults by the program). */
export function toDesiredSubscription(inputs: CheckedInputs): DesiredSubscription {
  const source = parseSource(inputs.source);
  return {
    id: inputs.subscriptionId,
    ...(inputs.name !== undefined ? { name: inputs.name } : {}),
    licenses: inputs.licenses,
    ...inputs.settings,
    ...(source ? { source } : {}),
  };
}

/** The property a finding concerns, so `pulumi preview` points at the right input. */
export function getFindingProperty(finding: PlanFinding): string {
  if (finding.sku) return `licenses.${finding.sku}`;
  if (finding.code === "NAME_MISMATCH") return "name";
  if (finding.code.startsWith("PAYMENT_METHOD")) return "settings.paymentMethod";
  if (finding.code === "GUARDRAIL_MAX_CHARGE" || finding.code === "GUARDRAIL_MAX_CHARGE_INVALID") return "settings.guardrails.maxCharge";
  return "subscriptionId";
}
