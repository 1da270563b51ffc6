/**
 * The fleet folder: fleet.yaml (optional) at the root, and the tenants, either listed under its `tenants:` or
 * found as the sub-folders that hold a seats.yaml (each with an optional tenant.yaml). Both files are read with
 * the one YAML reader (core/located-yaml.ts) and validated against schema/fleet.schema.json, so every mistake
 * has file:line:col. An invalid fleet.yaml stops the fleet (no tenant can be trusted); an invalid tenant.yaml
 * fails only its tenant, which is reported with the others' results.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import type { LocatedErrorCode } from "../../core/error-codes";
import { CspSeatsError } from "../../core/errors";
import type { FleetLayout, FleetPulumiSettings, FleetTenant, SettingValue, TenantSettings } from "../../core/fleet-types";
import { capErrors, formatLocatedError, formatPath, parseLocatedYaml, YAML_LIMITS, type LocatedError } from "../../core/located-yaml";
import fleetSchema from "../../../schema/fleet.schema.json";

/** The fleet file's name at the fleet folder's root. */
export const FLEET_FILE = "fleet.yaml";
/** A tenant folder's settings file, next to its seats.yaml. */
export const TENANT_FILE = "tenant.yaml";
/** A tenant folder's desired state. */
export const SEATS_FILE = "seats.yaml";

const FLEET_SCHEMA_ID = (fleetSchema as { $id: string }).$id;
const DEFAULT_PROJECT = "csp-seats-fleet";
const DEFAULT_WORK_DIR = path.join(".csp-seats", "work");
const TENANT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

let validators: { fleet: ValidateFunction; tenant: ValidateFunction } | undefined;

function getValidators(): { fleet: ValidateFunction; tenant: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addSchema(fleetSchema);
    validators = { fleet: ajv.getSchema(FLEET_SCHEMA_ID)!, tenant: ajv.getSchema(`${FLEET_SCHEMA_ID}#/$defs/tenantFile`)! };
  }
  return validators;
}

function decodePointer(pointer: string): string[] {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const SECRET_KEYS = new Set(["token", "subscriptionKey", "password", "graphClientSecret"]);

/** One ajv error as a code, a message and the key it is about; oneOf noise below a secret collapses into one message. */
function describeError(error: ErrorObject, segments: readonly string[]): { code: LocatedErrorCode; message: string; keyOf?: string } {
  const key = segments[segments.length - 1] ?? "";
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties") {
    const unknown = String(params.additionalProperty ?? params.unevaluatedProperty);
    return { code: "SCHEMA_UNKNOWN_PROPERTY", message: `unknown property "${unknown}"`, keyOf: unknown };
  }
  if (SECRET_KEYS.has(key) || error.schemaPath.includes("secretRef") || error.schemaPath.includes("plainOrSecret")) {
    return { code: "SCHEMA_TYPE", message: `${key} must be ${SECRET_KEYS.has(key) ? "" : "text or "}a secret reference, { env: VARIABLE } or { pulumiSecret: true }; secrets never go in files` };
  }
  if (error.keyword === "required") return { code: "SCHEMA_REQUIRED", message: `missing "${String(params.missingProperty)}"` };
  if (error.keyword === "enum") return { code: "SCHEMA_ENUM", message: `${key} must be one of ${(params.allowedValues as unknown[]).join(", ")}` };
  if (error.keyword === "pattern" || error.keyword === "propertyNames") {
    return { code: "SCHEMA_PATTERN", message: key === "" || error.keyword === "propertyNames" ? `a tenant name must be lower-case letters, digits, '-', '_' or '.' (it is also the stack name)` : `${key} ${error.message}` };
  }
  if (error.keyword === "type") return { code: "SCHEMA_TYPE", message: `${key || "the file"} must be ${String(params.type)}` };
  return { code: "SCHEMA_VIOLATION", message: `${key || "the file"} ${error.message ?? "is invalid"}` };
}

/** Reads and validates one YAML file against `validate`: its data, or every located error. */
async function readYamlFile(file: string, shown: string, validate: ValidateFunction): Promise<{ ok: true; data: Record<string, unknown> } | { ok: false; errors: LocatedError[] }> {
  let text: string;
  try {
    const { size } = await fs.stat(file);
    if (size > YAML_LIMITS.maxBytes) return { ok: false, errors: [{ code: "FILE_TOO_LARGE", message: `the file is ${size} bytes; the limit is ${YAML_LIMITS.maxBytes}`, file: shown, line: 1, col: 1, path: "$" }] };
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    throw new CspSeatsError("FLEET_INVALID", `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, "Check the path and its permissions.", { cause: error });
  }
  const parsed = parseLocatedYaml(text, shown);
  if (!parsed.ok) return parsed;
  const { data, empty, locate, problems } = parsed.value;
  if (empty) return problems.length > 0 ? { ok: false, errors: [...problems] } : { ok: true, data: {} };
  const errors: LocatedError[] = [...problems];
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const segments = decodePointer(error.instancePath);
      const { code, message, keyOf } = describeError(error, segments);
      const dedupe = `${error.instancePath}|${keyOf ?? ""}|${code === "SCHEMA_TYPE" ? "" : message}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      errors.push({ code, message, file: shown, ...locate(segments, keyOf), path: formatPath(keyOf ? [...segments, keyOf] : segments) });
    }
  }
  return errors.length > 0 ? { ok: false, errors: capErrors(errors) } : { ok: true, data: data as Record<string, unknown> };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function toSettings(raw: Record<string, unknown> | undefined): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (key === "seats" || key.startsWith("x-")) continue;
    settings[key] = typeof value === "object" && value !== null ? (value as SettingValue) : String(value);
  }
  return settings;
}

function resolvePulumiSettings(root: string, raw: Record<string, unknown> | undefined): FleetPulumiSettings {
  const backendUrl = raw?.backendUrl as string | undefined;
  // A relative file:// URL is relative to the fleet folder, wherever the command runs.
  const resolvedUrl = backendUrl?.startsWith("file://") && !path.isAbsolute(backendUrl.slice("file://".length)) ? `file://${path.resolve(root, backendUrl.slice("file://".length))}` : backendUrl;
  return {
    ...(resolvedUrl ? { backendUrl: resolvedUrl } : {}),
    project: (raw?.project as string | undefined) ?? DEFAULT_PROJECT,
    stackPrefix: (raw?.stackPrefix as string | undefined) ?? "",
    workDir: path.resolve(root, (raw?.workDir as string | undefined) ?? DEFAULT_WORK_DIR),
  };
}

function createInvalidFleetError(shown: string, errors: readonly LocatedError[]): CspSeatsError {
  return new CspSeatsError(
    "FLEET_INVALID",
    `${shown} has ${errors.length} error(s); no tenant was run:\n${errors.map((e) => `  ${formatLocatedError(e)}`).join("\n")}`,
    "Fix fleet.yaml (schema/fleet.schema.json, docs/fleet.md); every tenant depends on it.",
    { details: { errors } },
  );
}

/** A tenant folder found by scanning: its seats.yaml and tenant.yaml, settings merged over the defaults. */
async function loadFolderTenant(root: string, name: string, defaults: TenantSettings): Promise<FleetTenant> {
  const dir = path.join(root, name);
  const tenantFile = path.join(dir, TENANT_FILE);
  const files = [path.join(dir, SEATS_FILE)];
  let own: TenantSettings = {};
  let problems: LocatedError[] = [];
  if (await exists(tenantFile)) {
    files.push(tenantFile);
    const read = await readYamlFile(tenantFile, path.join(name, TENANT_FILE), getValidators().tenant);
    if (read.ok) own = toSettings(read.data);
    else problems = read.errors;
  }
  return { name, dir, seatsFile: path.join(dir, SEATS_FILE), settings: { ...defaults, ...own }, files, problems };
}

/**
 * Loads the fleet folder `root`. Throws FLEET_INVALID when fleet.yaml is invalid or the folder has no tenant;
 * a tenant's own problems are in its `problems`.
 */
export async function loadFleetLayout(root: string): Promise<FleetLayout> {
  const absolute = path.resolve(root);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (!stat?.isDirectory()) throw new CspSeatsError("FLEET_INVALID", `the fleet folder ${root} does not exist`, "Pass the folder that holds fleet.yaml or the tenants' sub-folders (docs/fleet.md).");
  const fleetFile = path.join(absolute, FLEET_FILE);
  let fleet: Record<string, unknown> = {};
  const hasFleetFile = await exists(fleetFile);
  if (hasFleetFile) {
    const read = await readYamlFile(fleetFile, FLEET_FILE, getValidators().fleet);
    if (!read.ok) throw createInvalidFleetError(FLEET_FILE, read.errors);
    fleet = read.data;
  }
  const pulumi = resolvePulumiSettings(absolute, fleet.pulumi as Record<string, unknown> | undefined);
  const defaults = toSettings(fleet.defaults as Record<string, unknown> | undefined);
  const listed = fleet.tenants as Record<string, Record<string, unknown>> | undefined;
  let tenants: FleetTenant[];
  if (listed) {
    tenants = Object.entries(listed).map(([name, entry]) => {
      const seatsFile = path.resolve(absolute, (entry.seats as string | undefined) ?? path.join(name, SEATS_FILE));
      return { name, dir: path.dirname(seatsFile), seatsFile, settings: { ...defaults, ...toSettings(entry) }, files: [seatsFile], problems: [] };
    });
  } else {
    const entries = await fs.readdir(absolute, { withFileTypes: true });
    const candidates = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules").map((e) => e.name);
    const found: string[] = [];
    for (const name of candidates) if (await exists(path.join(absolute, name, SEATS_FILE))) found.push(name);
    const badNames = found.filter((name) => !TENANT_NAME.test(name));
    if (badNames.length > 0) {
      throw new CspSeatsError("FLEET_INVALID", `tenant folder name(s) ${badNames.map((n) => `"${n}"`).join(", ")} cannot be stack names`, "Rename them to lower-case letters, digits, '-', '_' or '.' (the folder name is the tenant and its stack name).");
    }
    tenants = await Promise.all(found.map((name) => loadFolderTenant(absolute, name, defaults)));
  }
  if (tenants.length === 0) {
    throw new CspSeatsError("FLEET_INVALID", `the fleet folder ${root} has no tenant`, "Add a sub-folder per tenant with its seats.yaml, or list them under `tenants:` in fleet.yaml (docs/fleet.md).");
  }
  tenants.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { root: absolute, ...(hasFleetFile ? { fleetFile } : {}), pulumi, tenants };
}

/** Keeps the tenants named in `names` (in layout order); throws FLEET_INVALID naming the closest for an unknown one. */
export function selectTenants(layout: FleetLayout, names: readonly string[]): FleetTenant[] {
  const known = new Map(layout.tenants.map((t) => [t.name, t]));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CspSeatsError("FLEET_INVALID", `no tenant named ${unknown.map((n) => `"${n}"`).join(", ")} in ${layout.root}`, `The tenants are: ${layout.tenants.map((t) => t.name).join(", ")}.`);
  }
  const wanted = new Set(names);
  return layout.tenants.filter((t) => wanted.has(t.name));
}
