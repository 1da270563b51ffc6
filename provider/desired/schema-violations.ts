/**
 * schema/seats.schema.json as the one source of truth for what a desired subscription may say: the seats.yaml
 * file and the SubscriptionSeats resource's inputs are validated with the same `$defs`, and every ajv error
 * becomes a stable code and a message a person can act on (with "did you mean" for unknown properties).
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import { findClosestName } from "../core/closest-name";
import type { LocatedErrorCode } from "../core/error-codes";
import { isRecord } from "../core/json";
import { formatPath } from "../core/located-yaml";
import seatsSchema from "../../schema/seats.schema.json";

const SEATS_SCHEMA_ID = (seatsSchema as { $id: string }).$id;

/** The SubscriptionSeats resource's declared inputs, in terms of the seats.yaml `$defs`. Other keys are the engine's. */
const INPUTS_SCHEMA = {
  $id: "https://csp-seats.dev/schema/subscription-seats-inputs.json",
  type: "object",
  required: ["subscriptionId", "licenses"],
  properties: {
    subscriptionId: { $ref: `${SEATS_SCHEMA_ID}#/$defs/subscription/properties/id` },
    name: { $ref: `${SEATS_SCHEMA_ID}#/$defs/subscription/properties/name` },
    licenses: { $ref: `${SEATS_SCHEMA_ID}#/$defs/subscription/properties/licenses` },
    settings: { $ref: `${SEATS_SCHEMA_ID}#/$defs/settings` },
    source: { type: "string", description: "Where the subscription is declared (seats.yaml:LINE:COL), for messages." },
  },
};

let validators: { file: ValidateFunction; inputs: ValidateFunction } | undefined;

function getValidators(): { file: ValidateFunction; inputs: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addSchema(seatsSchema);
    validators = { file: ajv.getSchema(SEATS_SCHEMA_ID)!, inputs: ajv.compile(INPUTS_SCHEMA) };
  }
  return validators;
}

/** One schema violation: where (JSON path segments, plus the key for an unknown property), a code and a message. */
export interface SchemaViolation {
  readonly segments: readonly string[];
  readonly code: LocatedErrorCode;
  readonly message: string;
  /** The offending key itself, for an unknown property. */
  readonly keyOf?: string;
  /** The property that is missing, for a required one. */
  readonly missing?: string;
}

function listViolations(validate: ValidateFunction, data: unknown): SchemaViolation[] {
  if (validate(data)) return [];
  const seen = new Set<string>();
  const violations: SchemaViolation[] = [];
  for (const error of validate.errors ?? []) {
    const segments = decodePointer(error.instancePath);
    if (isOneOfNoise(error, segments, data)) continue;
    const { code, message, keyOf } = describeSchemaError(error, segments, data);
    const dedupe = `${code}|${error.instancePath}|${keyOf ?? ""}|${code.startsWith("SCHEMA_") ? message : ""}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const missing = error.keyword === "required" ? String((error.params as { missingProperty: string }).missingProperty) : undefined;
    violations.push({ segments, code, message, ...(keyOf !== undefined ? { keyOf } : {}), ...(missing !== undefined ? { missing } : {}) });
  }
  return violations;
}

/** Violations of schema/seats.schema.json by a whole seats.yaml document (and targets whose min is above max). */
export function listSeatsFileViolations(data: unknown): SchemaViolation[] {
  const subscriptions = isRecord(data) ? (data as { subscriptions?: unknown }).subscriptions : undefined;
  const ranges = Array.isArray(subscriptions) ? subscriptions.flatMap((item: unknown, index) => listTargetRangeViolations(item, ["subscriptions", String(index)])) : [];
  return [...listViolations(getValidators().file, data), ...ranges];
}

/** Violations of the same `$defs` by a SubscriptionSeats resource's declared inputs. */
export function listSubscriptionInputViolations(inputs: unknown): SchemaViolation[] {
  return [...listViolations(getValidators().inputs, inputs), ...listTargetRangeViolations(inputs, [])];
}

/** A target whose min is above its max cannot be met; JSON Schema cannot compare two values, so this does. */
function listTargetRangeViolations(owner: unknown, at: readonly string[]): SchemaViolation[] {
  const licenses = isRecord(owner) ? (owner as { licenses?: unknown }).licenses : undefined;
  if (!isRecord(licenses)) return [];
  const violations: SchemaViolation[] = [];
  for (const [sku, value] of Object.entries(licenses as Record<string, unknown>)) {
    if (!isRecord(value)) continue;
    const { min, max } = value as { min?: unknown; max?: unknown };
    if (typeof min !== "number" || typeof max !== "number" || min <= max) continue;
    violations.push({ segments: [...at, "licenses", sku, "min"], code: "INVALID_SEAT_TARGET", message: `target for ${sku}: min ${min} is above max ${max}; make min at most max` });
  }
  return violations;
}


/** The index of "licenses" when `segments` point at a license value (offset 0) or inside a target (offset 1). */
function findLicenseValue(segments: readonly string[]): { sku: string; inside: boolean } | undefined {
  const n = segments.length;
  if (n >= 2 && segments[n - 2] === "licenses") return { sku: segments[n - 1], inside: false };
  if (n >= 3 && segments[n - 3] === "licenses") return { sku: segments[n - 2], inside: true };
  return undefined;
}

/**
 * A license value is `oneOf: [seatCount, seatTarget]`, so ajv reports both branches and the oneOf itself. Only
 * the branch the value was meant for is kept: a mapping is a target, anything else a seat count.
 */
function isOneOfNoise(error: ErrorObject, segments: readonly string[], data: unknown): boolean {
  const license = findLicenseValue(segments);
  if (!license || license.inside) return false;
  if (error.keyword === "oneOf") return true;
  const mapping = isRecord(valueAt(data, segments));
  if (mapping) return error.keyword === "type" || error.keyword === "minimum" || error.keyword === "maximum";
  return error.keyword === "type" && (error.params as { type?: unknown }).type === "object";
}

function decodePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return Array.isArray(value) ? "a list" : "a mapping";
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let value = data;
  for (const segment of segments) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Turns one ajv error into a code and a message a person can act on. */
function describeSchemaError(error: ErrorObject, segments: readonly string[], data: unknown): { code: LocatedErrorCode; message: string; keyOf?: string } {
  const value = valueAt(data, segments);
  const last = segments[segments.length - 1];
  const inLicenses = segments.length >= 2 && segments[segments.length - 2] === "licenses";
  const license = findLicenseValue(segments);
  if (license && (license.inside || isRecord(value))) return describeTargetError(error, license.sku, license.inside ? last : undefined, value);
  if (inLicenses && error.keyword === "maximum") {
    const limit = (error.params as { limit: number }).limit;
    return { code: "INVALID_SEAT_COUNT", message: `seat count for ${last} must be at most ${limit} seats; got ${describeValue(value)}` };
  }
  if (inLicenses && (error.keyword === "type" || error.keyword === "minimum")) {
    return { code: "INVALID_SEAT_COUNT", message: `seat count for ${last} must be a whole number of seats, 0 or more; got ${describeValue(value)}` };
  }
  if (last === "maxCharge" && (error.keyword === "type" || error.keyword === "pattern")) {
    return {
      code: error.keyword === "type" ? "SCHEMA_TYPE" : "SCHEMA_PATTERN",
      message: `maxCharge must be a quoted decimal string such as "500.00" (exact money, never a float); got ${describeValue(value)}`,
    };
  }
  switch (error.keyword) {
    case "required": {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { code: "SCHEMA_REQUIRED", message: `missing required property "${missing}"` };
    }
    case "additionalProperties": {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(propertiesFor(segments));
      const suggestion = findClosestName(extra, known);
      return {
        code: "SCHEMA_UNKNOWN_PROPERTY",
        message: `unknown property "${extra}"${suggestion ? ` (did you mean "${suggestion}"?)` : known.length ? ` (expected one of: ${known.join(", ")})` : ""}`,
        keyOf: extra,
      };
    }
    case "type": {
      const expected = (error.params as { type: string | string[] }).type;
      const text = Array.isArray(expected) ? expected.join(" or ") : expected;
      const what = last === undefined ? "the file" : /^\d+$/.test(last) ? formatPath(segments) : last;
      return { code: "SCHEMA_TYPE", message: `${what} must be ${text === "object" ? "a mapping" : text === "array" ? "a list" : `a ${text}`}; got ${describeValue(value)}` };
    }
    case "enum": {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ");
      return { code: "SCHEMA_ENUM", message: `${last} must be one of ${allowed}; got ${describeValue(value)}` };
    }
    case "pattern":
      return { code: "SCHEMA_PATTERN", message: `${last} ${describeValue(value)} is not ${last === "notifyEmail" ? "an e-mail address" : "in the expected format"}` };
    case "minProperties":
      return { code: "SCHEMA_VIOLATION", message: `${last} must list at least one SKU` };
    case "minLength":
      return { code: "SCHEMA_VIOLATION", message: `${last ?? "value"} must not be empty` };
    case "minimum":
      return { code: "SCHEMA_VIOLATION", message: `${last} must be ${(error.params as { limit: number }).limit} or more; got ${describeValue(value)}` };
    case "maximum":
      return { code: "SCHEMA_VIOLATION", message: `${last} must be ${(error.params as { limit: number }).limit} or less; got ${describeValue(value)}` };
    case "propertyNames":
      return { code: "SCHEMA_VIOLATION", message: `an empty SKU name is not allowed` };
    default:
      return { code: "SCHEMA_VIOLATION", message: `${last ?? "the file"} ${error.message ?? "is invalid"}` };
  }
}

/** A usage-following target's problem: one code (INVALID_SEAT_TARGET), a message naming the SKU and the key. */
function describeTargetError(error: ErrorObject, sku: string, key: string | undefined, value: unknown): { code: LocatedErrorCode; message: string; keyOf?: string } {
  const known = Object.keys(TARGET_PROPERTIES);
  const prefix = `target for ${sku}`;
  switch (error.keyword) {
    case "required":
      return { code: "INVALID_SEAT_TARGET", message: `${prefix} needs usagePlus (the spare seats on top of the assigned ones), or give a number of seats` };
    case "additionalProperties": {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const suggestion = findClosestName(extra, known);
      return { code: "INVALID_SEAT_TARGET", message: `${prefix}: unknown property "${extra}" (${suggestion ? `did you mean "${suggestion}"?` : `expected one of: ${known.join(", ")}`})`, keyOf: extra };
    }
    case "enum":
      return { code: "INVALID_SEAT_TARGET", message: `${prefix}: ${key} must be one of "never", "at-renewal", "refundable-only"; got ${describeValue(value)}` };
    case "maximum":
      return { code: "INVALID_SEAT_TARGET", message: `${prefix}: ${key} must be at most ${(error.params as { limit: number }).limit}; got ${describeValue(value)}` };
    case "type":
    case "minimum":
      return {
        code: "INVALID_SEAT_TARGET",
        message: `${prefix}: ${key ?? "the target"} must be a whole number${key === "roundTo" ? ", 1 or more" : ", 0 or more"}; got ${describeValue(value)}`,
      };
    default:
      return { code: "INVALID_SEAT_TARGET", message: `${prefix}: ${key ?? "the target"} ${error.message ?? "is invalid"}` };
  }
}

const TARGET_PROPERTIES = (seatsSchema as { $defs: Record<string, { properties?: Record<string, unknown> }> }).$defs.seatTarget.properties ?? {};

/** The known properties at a path, for "did you mean" hints. */
function propertiesFor(segments: readonly string[]): Record<string, unknown> {
  const defs = (seatsSchema as { $defs: Record<string, { properties?: Record<string, unknown> }> }).$defs;
  const last = segments[segments.length - 1];
  if (segments.length === 0) return (seatsSchema as { properties: Record<string, unknown> }).properties;
  if (last === "defaults" || (last === "settings" && segments.length === 1)) return defs.settings.properties ?? {};
  if (last === "guardrails") return defs.guardrails.properties ?? {};
  if (segments[0] === "subscriptions" && segments.length === 2) return defs.subscription.properties ?? {};
  return {};
}

