/**
 * The desired state: seats.yaml parsed, validated against schema/seats.schema.json and turned into plain data.
 * Every problem (YAML syntax, duplicate keys, schema violations, duplicate subscription ids) is reported at once,
 * each with file:line:col and the JSON path, so a user fixes the whole file in one pass.
 */
import * as fs from "node:fs/promises";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import { findClosestName } from "../core/closest-name";
import { CspSeatsError } from "../core/errors";
import type { DesiredSettings, DesiredState, DowngradePolicy, Guardrails } from "../core/desired-types";
import { capErrors, formatLocatedError, formatPath, parseLocatedYaml, YAML_LIMITS, type LocatedError, type LocatedYaml } from "../core/located-yaml";
import type { LocatedErrorCode } from "../core/error-codes";
import seatsSchema from "../../schema/seats.schema.json";

export type { DesiredSettings, DesiredState, DesiredSubscription, DowngradePolicy, Guardrails, ResolvedSettings, SourceLocation } from "../core/desired-types";
export { resolveSettings } from "../core/settings";

export type { LocatedError } from "../core/located-yaml";
export { formatLocatedError, YAML_LIMITS } from "../core/located-yaml";

export type ParseResult = { readonly ok: true; readonly value: DesiredState } | { readonly ok: false; readonly errors: readonly LocatedError[] };

let compiled: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    compiled = ajv.compile(seatsSchema);
  }
  return compiled;
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

/** The known properties at a path, for "did you mean" hints. */
function propertiesFor(segments: readonly string[]): Record<string, unknown> {
  const defs = (seatsSchema as { $defs: Record<string, { properties?: Record<string, unknown> }> }).$defs;
  const last = segments[segments.length - 1];
  if (segments.length === 0) return (seatsSchema as { properties: Record<string, unknown> }).properties;
  if (last === "defaults") return defs.settings.properties ?? {};
  if (last === "guardrails") return defs.guardrails.properties ?? {};
  if (segments[0] === "subscriptions" && segments.length === 2) return defs.subscription.properties ?? {};
  return {};
}

function toSettings(raw: Record<string, unknown> | undefined): DesiredSettings {
  if (!raw) return {};
  const guardrails = raw.guardrails as Guardrails | undefined;
  return {
    ...(raw.paymentMethod !== undefined ? { paymentMethod: raw.paymentMethod as string } : {}),
    ...(raw.notifyEmail !== undefined ? { notifyEmail: raw.notifyEmail as string } : {}),
    ...(raw.downgradePolicy !== undefined ? { downgradePolicy: raw.downgradePolicy as DowngradePolicy } : {}),
    ...(guardrails !== undefined ? { guardrails: { ...guardrails } } : {}),
  };
}

/**
 * Parses and validates a desired-state document. Never throws for bad input: returns every located error.
 * `fileName` is used in locations only.
 */
export function parseDesiredState(text: string, fileName: string): ParseResult {
  const parsed = parseLocatedYaml(text, fileName);
  if (!parsed.ok) return parsed;
  const { data, empty, locate, problems } = parsed.value;
  if (empty) {
    return { ok: false, errors: [{ code: "EMPTY_FILE", message: "the file is empty; it needs a `subscriptions:` list", file: fileName, line: 1, col: 1, path: "$" }] };
  }
  const errors: LocatedError[] = [...problems];
  const at = (segments: readonly string[], keyOf?: string) => locate(segments, keyOf);

  const validate = getValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const segments = decodePointer(error.instancePath);
      const { code, message, keyOf } = describeSchemaError(error, segments, data);
      const dedupe = `${code}|${error.instancePath}|${keyOf ?? ""}|${code.startsWith("SCHEMA_") ? message : ""}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      errors.push({ code, message, file: fileName, ...at(segments, keyOf), path: formatPath(keyOf ? [...segments, keyOf] : segments) });
    }
  }

  const subscriptions = (data as { subscriptions?: unknown }).subscriptions;
  const firstSeen = new Map<string, number>();
  if (Array.isArray(subscriptions)) {
    subscriptions.forEach((item: unknown, index: number) => {
      const id = item && typeof item === "object" ? (item as { id?: unknown }).id : undefined;
      if (typeof id !== "string" && typeof id !== "number") return;
      const key = String(id);
      const first = firstSeen.get(key);
      if (first === undefined) {
        firstSeen.set(key, index);
        return;
      }
      errors.push({
        code: "DUPLICATE_SUBSCRIPTION",
        message: `subscription "${key}" is listed twice (first at line ${at(["subscriptions", String(first), "id"]).line}); merge the two entries`,
        file: fileName,
        ...at(["subscriptions", String(index), "id"]),
        path: formatPath(["subscriptions", String(index), "id"]),
      });
    });
  }

  if (errors.length > 0) return { ok: false, errors: capErrors(errors) };
  return { ok: true, value: toDesiredState(data as RawDesiredState, fileName, locate) };
}

interface RawDesiredState {
  readonly defaults?: Record<string, unknown>;
  readonly subscriptions: Array<Record<string, unknown>>;
}

function toDesiredState(raw: RawDesiredState, fileName: string, locate: LocatedYaml["locate"]): DesiredState {
  return {
    fileName,
    defaults: toSettings(raw.defaults),
    subscriptions: raw.subscriptions.map((item, index) => ({
      id: String(item.id),
      ...(item.name !== undefined ? { name: item.name as string } : {}),
      licenses: { ...(item.licenses as Record<string, number>) },
      ...toSettings(item),
      source: { file: fileName, ...locate(["subscriptions", String(index)]) },
    })),
  };
}

/** The error thrown by callers that cannot go on with an invalid file; `details.errors` holds every located error. */
export function createDesiredStateError(fileName: string, errors: readonly LocatedError[]): CspSeatsError {
  const first = errors[0];
  const summary =
    errors.length === 1 && first
      ? `${fileName} is invalid: ${formatLocatedError(first)}`
      : `${fileName} has ${errors.length} errors; the first: ${first ? formatLocatedError(first) : "unknown"}`;
  return new CspSeatsError("DESIRED_STATE_INVALID", summary, `Fix the file (run \`csp-seats validate ${fileName}\` to list every error); nothing is ordered while it is invalid.`, {
    details: { file: fileName, errors },
  });
}

/** Parses `text` or throws DESIRED_STATE_INVALID carrying all located errors. */
export function parseDesiredStateOrThrow(text: string, fileName: string): DesiredState {
  const result = parseDesiredState(text, fileName);
  if (!result.ok) throw createDesiredStateError(fileName, result.errors);
  return result.value;
}

/**
 * Reads and parses `file`; an unreadable file is DESIRED_STATE_UNREADABLE, an invalid one is reported, not thrown.
 * `displayName` (default: `file`) is the name used in locations, e.g. the path as the user typed it.
 */
export async function loadDesiredState(file: string, options: { displayName?: string } = {}): Promise<ParseResult> {
  let text: string;
  try {
    const { size } = await fs.stat(file);
    const displayName = options.displayName ?? file;
    if (size > YAML_LIMITS.maxBytes) {
      return { ok: false, errors: [{ code: "FILE_TOO_LARGE", message: `the file is ${size} bytes; the limit is ${YAML_LIMITS.maxBytes} bytes`, file: displayName, line: 1, col: 1, path: "$" }] };
    }
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CspSeatsError(
      "DESIRED_STATE_UNREADABLE",
      `cannot read ${file}${code === "ENOENT" ? ": no such file" : code ? `: ${code}` : ""}`,
      code === "ENOENT" ? "Create it (see examples/quickstart/seats.yaml) or pass --desired FILE." : "Check the path and its permissions.",
      { cause: error, details: { file } },
    );
  }
  return parseDesiredState(text, options.displayName ?? file);
}
