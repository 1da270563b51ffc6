/**
 * Loads the portal's OpenAPI document (schema/portal-openapi.yaml) and compiles its component schemas with ajv,
 * so the server validates request bodies against the very document it publishes (and tests can check responses).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const SCHEMA_ID = "https://csp-seats.dev/schema/portal-openapi";

/** Finds schema/portal-openapi.yaml from both the TypeScript sources and the compiled dist/ tree. */
export function getPortalOpenApiPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "schema", "portal-openapi.yaml");
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`schema/portal-openapi.yaml not found above ${__dirname}`);
  }
}

export interface PortalSchemas {
  /** The parsed OpenAPI document. */
  readonly document: Record<string, unknown>;
  /** A validator for `#/components/schemas/<name>`. */
  validator(name: string): ValidateFunction;
}

let cached: PortalSchemas | undefined;

/** Parses and compiles the OpenAPI component schemas once per process. */
export function loadPortalSchemas(): PortalSchemas {
  if (cached) return cached;
  const document = parse(fs.readFileSync(getPortalOpenApiPath(), "utf8")) as Record<string, unknown>;
  const components = (document.components as { schemas: Record<string, unknown> }).schemas;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; re-home them under $defs so their $refs resolve in ajv.
  const defs = JSON.parse(JSON.stringify(components).split('"#/components/schemas/').join('"#/$defs/')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, $defs: defs });
  const validators = new Map<string, ValidateFunction>();
  cached = {
    document,
    validator(name: string): ValidateFunction {
      let validate = validators.get(name);
      if (!validate) {
        if (!(name in defs)) throw new Error(`no component schema named ${name}`);
        validate = ajv.getSchema(`${SCHEMA_ID}#/$defs/${name}`)!;
        validators.set(name, validate);
      }
      return validate;
    },
  };
  return cached;
}

/** One readable line per ajv error: `/lines/0/quantity must be integer`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((error) => {
      const where = error.instancePath || "(body)";
      if (error.keyword === "additionalProperties") return `${where} has an unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
      if (error.keyword === "enum") return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
      return `${where} ${error.message ?? "is invalid"}`;
    })
    .join("; ");
}
