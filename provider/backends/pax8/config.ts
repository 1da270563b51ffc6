/**
 * Reads the Pax8 backend's settings from any key/value source: the Pulumi stack config (`csp-seats:clientId`) or
 * the CLI's environment (`CSP_SEATS_PAX8_CLIENT_ID`, see `readPax8Env`), as CloudBlue's config does. The client
 * id and secret are secrets: never in state, logs or errors (the HTTP client redacts them from every text).
 */
import { GRAPH_CONFIG_KEYS, resolveGraphSettings, type GraphSettings } from "../graph/graph-config";
import { createConfigFailure, getVendorEnvName, readVendorEnv } from "../shared/vendor-config";
import { parseSkuMap } from "../cloudblue/config";

/** Pax8's partner API (OpenAPI `servers`). */
export const PAX8_DEFAULT_ENDPOINT = "https://api.pax8.com/v1";
/** The audience of partner-endpoint tokens (authentication-openapi.json, `/token` description). */
export const PAX8_DEFAULT_AUDIENCE = "https://api.pax8.com";
/** The audiences the token endpoint accepts (TokenRequest.audience enum). */
export const PAX8_AUDIENCES = ["https://api.pax8.com", "api://p8p.client", "api://provisioning", "api://usage"] as const;

/** The Pax8 backend's settings. */
export interface Pax8Config {
  /** Base URL of the partner endpoints. Default https://api.pax8.com/v1. */
  readonly endpoint: string;
  /** The token endpoint. Default `${endpoint}/token` (POST /v1/token). */
  readonly tokenUrl: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The companies managed (one per stack; several for a fleet tenant); all the partner's companies when absent. */
  readonly companyIds?: readonly string[];
  /** Microsoft Graph for assigned seats of the one company's tenant. */
  readonly graph?: GraphSettings;
  /** Pax8 productId -> Microsoft skuPartNumber, for subscriptions whose vendorSkuId is not sent. */
  readonly skuMap?: Readonly<Record<string, string>>;
}

/** The configuration keys under the `csp-seats:` namespace. */
export const PAX8_CONFIG_KEYS = [
  "endpoint",
  "tokenUrl",
  "audience",
  "clientId",
  "clientSecret",
  "companyId",
  ...GRAPH_CONFIG_KEYS,
  "skuMap",
] as const;

export type Pax8ConfigKey = (typeof PAX8_CONFIG_KEYS)[number];

/** Keys whose values are secrets: set them with `pulumi config set --secret`. */
export const PAX8_SECRET_KEYS: readonly Pax8ConfigKey[] = ["clientId", "clientSecret", "graphClientSecret"];

/** `clientSecret` -> `CSP_SEATS_PAX8_CLIENT_SECRET`. */
export function getPax8EnvName(key: Pax8ConfigKey): string {
  return getVendorEnvName("PAX8", key);
}

/** A `get` over the environment, for the CLI: `get("clientId")` reads `CSP_SEATS_PAX8_CLIENT_ID`. */
export function readPax8Env(env: NodeJS.ProcessEnv): (key: string) => string | undefined {
  return readVendorEnv("PAX8", env);
}

const fail: (summary: string, fix: string) => never = createConfigFailure("CONFIG_PAX8");

function checkUrl(key: string, value: string): void {
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(url.protocol);
  } catch {
    fail(`the pax8 ${key} "${value}" is not an http(s) URL`, `Set csp-seats:${key} to a URL such as ${key === "tokenUrl" ? "https://api.pax8.com/v1/token" : PAX8_DEFAULT_ENDPOINT}, or leave it unset for Pax8's own.`);
  }
}

/**
 * Builds a Pax8Config from `get(key)` (keys in PAX8_CONFIG_KEYS); throws CONFIG_PAX8 naming every missing key.
 * Graph settings are all-or-nothing and need exactly one companyId: one tenant's assigned seats are never
 * attributed to another company's subscriptions.
 */
export function resolvePax8Config(get: (key: string) => string | undefined): Pax8Config {
  const read = (key: Pax8ConfigKey): string | undefined => {
    const value = get(key);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const missing = (["clientId", "clientSecret"] as const).filter((key) => read(key) === undefined);
  if (missing.length > 0) {
    fail(`the pax8 backend is missing ${missing.join(", ")}`, `Set ${missing.map((key) => `csp-seats:${key} --secret (or ${getPax8EnvName(key)})`).join(", ")}: the API credentials from Pax8 > Integrations > API credentials.`);
  }
  const endpoint = (read("endpoint") ?? PAX8_DEFAULT_ENDPOINT).replace(/\/+$/, "");
  checkUrl("endpoint", endpoint);
  const tokenUrl = read("tokenUrl") ?? `${endpoint}/token`;
  checkUrl("tokenUrl", tokenUrl);
  const audience = read("audience") ?? PAX8_DEFAULT_AUDIENCE;
  if (!(PAX8_AUDIENCES as readonly string[]).includes(audience)) fail(`the pax8 audience "${audience}" is not one Pax8 accepts`, `Use ${PAX8_DEFAULT_AUDIENCE} (partner endpoints), or leave csp-seats:audience unset.`);
  const companyIds = read("companyId")?.split(",").map((id) => id.trim()).filter(Boolean);
  const graph = resolveGraphSettings(read, fail);
  if (graph && companyIds?.length !== 1) {
    fail("Microsoft Graph usage needs exactly one csp-seats:companyId", "Set companyId to the one Pax8 company whose Microsoft tenant graphTenantId is, so its usage is never attributed to another company.");
  }
  const skuMapText = read("skuMap");
  return {
    endpoint,
    tokenUrl,
    audience,
    clientId: read("clientId")!,
    clientSecret: read("clientSecret")!,
    ...(companyIds && companyIds.length > 0 ? { companyIds } : {}),
    ...(graph ? { graph } : {}),
    ...(skuMapText ? { skuMap: parseSkuMap(skuMapText) } : {}),
  };
}
