/**
 * Portal fixtures: the YAML file that seeds the embedded portal (schema/portal-fixture.schema.json, documented in
 * docs/portal-fixture.md). Loading validates the shape with ajv and then the facts a schema cannot express
 * (references, unique ids, prices in the subscription's currency); every problem points at file:line:col.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parseLocatedYaml } from "../core/located-yaml";
import { CspSeatsError } from "../core/errors";
import type { PaymentMethod, SubscriptionStatus } from "../core/model";
import { daysBetween, EARLIEST_YEAR, isSupportedYear, LATEST_YEAR } from "../core/dates";
import { parseMinorUnits } from "../core/money";
import type { FaultRule } from "./faults";

/** A customer (tenant) of the fixture. */
export interface FixtureCustomer {
  readonly id: string;
  readonly name: string;
  /** Default recipient of order confirmations and charges notices. */
  readonly contactEmail: string;
}

/** Seats added at one time, refundable for 168 hours after `addedAt`. */
export interface FixtureBatch {
  readonly quantity: number;
  /** ISO-8601 time the seats were added. */
  readonly addedAt: string;
}

/** A license line as the fixture writes it (price as a decimal string in the subscription's currency). */
export interface FixtureLine {
  readonly sku: string;
  readonly displayName: string;
  readonly usage: number | null;
  readonly usageScope?: string;
  readonly limit: number;
  /** Decimal string in the subscription's currency. */
  readonly unitPrice: string;
  /** Default 1. */
  readonly minQuantity?: number;
  /** Default 300. */
  readonly maxQuantity?: number;
  readonly batches?: readonly FixtureBatch[];
  /** Orders changing this line now fail on this line with this message. */
  readonly provisioningError?: string;
}

/** How often billing periods roll over. */
export type BillingCycle = "monthly" | "annual";
/** Length of a subscription term (ISO-8601 duration). */
export type TermDuration = "P1M" | "P1Y" | "P3Y";

/** A subscription as the fixture writes it. */
export interface FixtureSubscription {
  readonly id: string;
  readonly name: string;
  readonly customerId: string;
  readonly status: SubscriptionStatus;
  /** Default: eligible. */
  readonly eligibility?: { readonly eligible: boolean; readonly reasonCode?: string; readonly reason?: string };
  readonly currency: string;
  /** Default monthly. */
  readonly billingCycle?: BillingCycle;
  readonly billingPeriod: { readonly start: string; readonly end: string };
  /** Default: P1M when the term ends with the billing period, else P1Y. */
  readonly termDuration?: TermDuration;
  readonly termEnd: string;
  readonly autoRenew: boolean;
  /** `isDefault` defaults to false; with none marked, the first is the default. */
  readonly paymentMethods?: ReadonlyArray<Omit<PaymentMethod, "isDefault"> & { readonly isDefault?: boolean }>;
  readonly lines: readonly FixtureLine[];
}

/** A portal fixture (schema/portal-fixture.schema.json). */
export interface PortalFixture {
  /** Frozen start time (ISO-8601); the portal clock runs on from it. */
  readonly now?: string;
  /** Order completion delay; default 0. */
  readonly processingDelayMs?: number;
  /** Subscriptions per page of the list API; default 100. */
  readonly pageSize?: number;
  readonly faults?: readonly FaultRule[];
  readonly customers: readonly FixtureCustomer[];
  readonly subscriptions: readonly FixtureSubscription[];
}

/** One problem found in a fixture, located in the file when there is one. */
export interface FixtureProblem {
  /** JSON pointer-like path, e.g. `/subscriptions/0/lines/1/unitPrice`. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * The package root (the directory holding csp-seats' package.json), found by walking up from this file so it works
 * from the TypeScript sources and from dist/ alike.
 */
export function getPackageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      try {
        if ((JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string }).name === "csp-seats") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the csp-seats package root above ${__dirname}`);
    dir = parent;
  }
}

/** Absolute path of the built-in demo fixture (provider/simulator/demo-fixture.yaml). */
export function getDemoFixturePath(): string {
  return path.join(getPackageRoot(), "provider", "simulator", "demo-fixture.yaml");
}

/** Absolute path of the fixture's JSON Schema. */
export function getPortalFixtureSchemaPath(): string {
  return path.join(getPackageRoot(), "schema", "portal-fixture.schema.json");
}

let compiled: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(getPortalFixtureSchemaPath(), "utf8")) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function describeAjvError(error: ErrorObject): { path: string; message: string; atKey?: boolean } {
  const where = error.instancePath || "/";
  switch (error.keyword) {
    case "additionalProperty":
    case "additionalProperties":
      return {
        path: `${error.instancePath}/${String(error.params.additionalProperty)}`,
        message: `unknown field "${String(error.params.additionalProperty)}"`,
        atKey: true,
      };
    case "required":
      return { path: error.instancePath, message: `${where}: missing required field "${String(error.params.missingProperty)}"` };
    case "enum":
      return { path: error.instancePath, message: `${where} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "type":
      return {
        path: error.instancePath,
        message: /unitPrice$/.test(error.instancePath)
          ? `${where} must be a quoted decimal string such as "5.60" (never a YAML number: floats are not exact)`
          : `${where} must be ${String(error.params.type)}`,
      };
    default:
      return { path: error.instancePath, message: `${where} ${error.message ?? "is invalid"}` };
  }
}

const YEARS = `the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`;

/**
 * A time or date the portal's calendar can run on: readable by Date (the schema's date-time format allows a leap
 * second, 23:59:60, which Date reads as no time at all) and within EARLIEST_YEAR..LATEST_YEAR, so every renewal
 * and billing period it leads to stays a four-digit ISO date.
 */
function checkCalendarTime(value: string, at: string, problems: Array<{ path: string; message: string }>): void {
  const name = at.slice(at.lastIndexOf("/") + 1);
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) {
    const leap = /T\d{2}:\d{2}:60/i.test(value);
    problems.push({ path: at, message: `${name} ${value} is not a time csp-seats can use${leap ? " (a leap second: write :59 instead of :60)" : ""}` });
    return;
  }
  const year = new Date(ms).getUTCFullYear();
  if (!isSupportedYear(year)) problems.push({ path: at, message: `${name} ${value} is outside ${YEARS}` });
}

/** Facts a JSON Schema cannot check: unique ids, references, currency digits, date order, batch totals, time ranges. */
function checkFixtureSemantics(fixture: PortalFixture): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (fixture.now !== undefined) checkCalendarTime(fixture.now, "/now", problems);
  const customers = new Set<string>();
  fixture.customers.forEach((customer, i) => {
    if (customers.has(customer.id)) problems.push({ path: `/customers/${i}/id`, message: `customer id "${customer.id}" appears twice` });
    customers.add(customer.id);
  });
  const ids = new Set<string>();
  fixture.subscriptions.forEach((sub, i) => {
    const at = `/subscriptions/${i}`;
    if (ids.has(sub.id)) problems.push({ path: `${at}/id`, message: `subscription id "${sub.id}" appears twice` });
    ids.add(sub.id);
    const datesBefore = problems.length;
    checkCalendarTime(sub.billingPeriod.start, `${at}/billingPeriod/start`, problems);
    checkCalendarTime(sub.billingPeriod.end, `${at}/billingPeriod/end`, problems);
    checkCalendarTime(sub.termEnd, `${at}/termEnd`, problems);
    if (!customers.has(sub.customerId)) {
      problems.push({ path: `${at}/customerId`, message: `customer "${sub.customerId}" is not listed under customers` });
    }
    if (problems.length === datesBefore && daysBetween(sub.billingPeriod.start, sub.billingPeriod.end) <= 0) {
      problems.push({ path: `${at}/billingPeriod/end`, message: `billing period end ${sub.billingPeriod.end} is not after its start ${sub.billingPeriod.start}` });
    }
    if (sub.termEnd < sub.billingPeriod.start) {
      problems.push({ path: `${at}/termEnd`, message: `termEnd ${sub.termEnd} is before the billing period starts (${sub.billingPeriod.start})` });
    }
    const defaults = (sub.paymentMethods ?? []).filter((pm) => pm.isDefault);
    if (defaults.length > 1) problems.push({ path: `${at}/paymentMethods`, message: "more than one payment method is marked isDefault" });
    const methodIds = new Set<string>();
    (sub.paymentMethods ?? []).forEach((pm, j) => {
      if (methodIds.has(pm.id)) problems.push({ path: `${at}/paymentMethods/${j}/id`, message: `payment method "${pm.id}" appears twice` });
      methodIds.add(pm.id);
    });
    const skus = new Set<string>();
    sub.lines.forEach((line, j) => {
      const lineAt = `${at}/lines/${j}`;
      if (skus.has(line.sku)) problems.push({ path: `${lineAt}/sku`, message: `sku "${line.sku}" appears twice in subscription ${sub.id}` });
      skus.add(line.sku);
      try {
        parseMinorUnits(line.unitPrice, sub.currency);
      } catch (error) {
        problems.push({ path: `${lineAt}/unitPrice`, message: error instanceof CspSeatsError ? error.summary : String(error) });
      }
      const min = line.minQuantity ?? 1;
      const max = line.maxQuantity ?? 300;
      if (min > max) problems.push({ path: `${lineAt}/maxQuantity`, message: `maxQuantity ${max} is below minQuantity ${min}` });
      (line.batches ?? []).forEach((batch, k) => checkCalendarTime(batch.addedAt, `${lineAt}/batches/${k}/addedAt`, problems));
      const batched = (line.batches ?? []).reduce((sum, batch) => sum + batch.quantity, 0);
      if (batched > line.limit) {
        problems.push({ path: `${lineAt}/batches`, message: `batches add up to ${batched} seats, more than the limit ${line.limit}` });
      }
    });
  });
  return problems;
}

type Located = (pointer: string, options?: { atKey?: boolean }) => { line: number; column: number } | undefined;

function toSegments(pointer: string): Array<string | number> {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment.replace(/~1/g, "/").replace(/~0/g, "~")));
}

function toFixtureError(source: string, problems: FixtureProblem[]): CspSeatsError {
  const format = (p: FixtureProblem): string => (p.line !== undefined ? `${source}:${p.line}:${p.column}: ${p.message}` : `${source}: ${p.message}`);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  return new CspSeatsError(
    "PORTAL_FIXTURE_INVALID",
    `${format(problems[0])}${more}`,
    "Fix the fixture (see docs/portal-fixture.md and schema/portal-fixture.schema.json).",
    { status: 400, details: { file: source, problems, messages: problems.map(format) } },
  );
}

function validateValue(value: unknown, source: string, locate?: Located): PortalFixture {
  const validate = getValidator();
  let raw: Array<{ path: string; message: string; atKey?: boolean }>;
  if (!validate(value)) {
    // Drop the generic "must match then schema" echoes of if/then failures; the specific error is also reported.
    raw = (validate.errors ?? []).filter((e) => e.keyword !== "if").map(describeAjvError);
  } else {
    raw = checkFixtureSemantics(value as PortalFixture);
  }
  if (raw.length === 0) return value as PortalFixture;
  const problems = raw.map(({ atKey, ...p }) => ({ ...p, ...(locate?.(p.path, { atKey: atKey === true }) ?? {}) }));
  throw toFixtureError(source, problems);
}

/** Validates a fixture given as data (schema + semantic checks); throws PORTAL_FIXTURE_INVALID. */
export function validatePortalFixture(value: unknown, source = "fixture"): PortalFixture {
  return validateValue(value, source);
}

/** Parses fixture YAML text; problems are located as `source:line:col`. */
export function parsePortalFixture(text: string, source: string): PortalFixture {
  const parsed = parseLocatedYaml(text, source);
  if (!parsed.ok) {
    throw toFixtureError(source, parsed.errors.map((error) => ({ path: "", message: error.message, line: error.line, column: error.col })));
  }
  const { data, empty, locate, problems } = parsed.value;
  if (empty) {
    throw toFixtureError(source, [{ path: "", message: "the fixture is empty; it needs `customers:` and `subscriptions:` (see docs/portal-fixture.md)", line: 1, column: 1 }]);
  }
  if (problems.length > 0) {
    throw toFixtureError(source, problems.map((error) => ({ path: "", message: error.message, line: error.line, column: error.col })));
  }
  return validateValue(data, source, (pointer, options = {}) => {
    const segments = toSegments(pointer).map(String);
    const position = options.atKey && segments.length > 0 ? locate(segments.slice(0, -1), segments[segments.length - 1]) : locate(segments);
    return { line: position.line, column: position.col };
  });
}

/** Reads and validates a YAML fixture file; errors carry `file:line:col`. */
export async function loadPortalFixture(file: string): Promise<PortalFixture> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    throw new CspSeatsError("PORTAL_FIXTURE_NOT_FOUND", `cannot read the portal fixture ${file}`, "Check the path, or omit it to use the built-in demo fixture.", {
      details: { file },
      cause: error,
    });
  }
  return parsePortalFixture(text, file);
}
