/**
 * The desired state: seats.yaml parsed, validated against schema/seats.schema.json and turned into plain data.
 * Every problem (YAML syntax, duplicate keys, schema violations, duplicate subscription ids) is reported at once,
 * each with file:line:col and the JSON path, so a user fixes the whole file in one pass.
 */
import * as fs from "node:fs/promises";
import { CspSeatsError } from "../core/errors";
import type { DesiredSettings, DesiredState, DowngradePolicy, Guardrails, LicenseValue } from "../core/desired-types";
import { capErrors, formatLocatedError, formatPath, parseLocatedYaml, YAML_LIMITS, type LocatedError, type LocatedYaml } from "../core/located-yaml";
import { listSeatsFileViolations } from "./schema-violations";

export type { DesiredSettings, DesiredState, DesiredSubscription, DowngradePolicy, Guardrails, LicenseValue, ResolvedSettings, SeatTarget, SourceLocation, TargetDecrease } from "../core/desired-types";
export { resolveSettings } from "../core/settings";

export type { LocatedError } from "../core/located-yaml";
export { formatLocatedError, YAML_LIMITS } from "../core/located-yaml";

export type ParseResult = { readonly ok: true; readonly value: DesiredState } | { readonly ok: false; readonly errors: readonly LocatedError[] };

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

  for (const violation of listSeatsFileViolations(data)) {
    const { segments, code, message, keyOf } = violation;
    errors.push({ code, message, file: fileName, ...at(segments, keyOf), path: formatPath(keyOf ? [...segments, keyOf] : segments) });
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
      licenses: Object.fromEntries(Object.entries(item.licenses as Record<string, LicenseValue>).map(([sku, value]) => [sku, typeof value === "number" ? value : { ...value }])),
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
