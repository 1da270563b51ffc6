/**
 * Reads the CloudBlue backend's settings from any key/value source: the Pulumi stack config (`csp-seats:*`,
 * where `get("subscriptionKey")` reads `csp-seats:subscriptionKey`) or the CLI's environment
 * (`CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY`, see `readCloudBlueEnv`). Both entry points call the same helper, so
 * a setting means the same thing everywhere and a missing one produces the same error.
 */
import { GRAPH_CONFIG_KEYS, resolveGraphSettings, type GraphSettings } from "../graph/graph-config";
import { createConfigFailure, getVendorEnvName, parseConfigPairs, readVendorEnv } from "../shared/vendor-config";

/** The CloudBlue backend's settings, as resolved from the stack config or the environment. */
export interface CloudBlueConfig {
  readonly endpoint: string;
  readonly marketplace: string;
  readonly subscriptionKey: string;
  readonly username: string;
  readonly password: string;
  /** The CloudBlue customer whose subscriptions are managed (and whose Microsoft tenant Graph reads); all customers when absent. */
  readonly customerId?: string;
  /** Microsoft Graph, for assigned seats (SimpleAPI has no usage field). */
  readonly graph?: GraphSettings;
  /** CloudBlue mpn -> Microsoft skuPartNumber. */
  readonly skuMap?: Readonly<Record<string, string>>;
  /** SimpleAPI requests in flight at once, across every read of one command. Default DEFAULT_CLOUDBLUE_CONCURRENCY. */
  readonly concurrency?: number;
}

/** SimpleAPI requests in flight at once when csp-seats:concurrency is not set. */
export const DEFAULT_CLOUDBLUE_CONCURRENCY = 8;

/** The highest csp-seats:concurrency accepted: more would only earn 429s from the gateway. */
export const MAX_CLOUDBLUE_CONCURRENCY = 64;

/** The configuration keys, as written in the Pulumi stack config under the `csp-seats:` namespace. */
export const CLOUDBLUE_CONFIG_KEYS = [
  "endpoint",
  "marketplace",
  "subscriptionKey",
  "username",
  "password",
  "customerId",
  ...GRAPH_CONFIG_KEYS,
  "skuMap",
  "concurrency",
] as const;

export type CloudBlueConfigKey = (typeof CLOUDBLUE_CONFIG_KEYS)[number];

/** Keys whose values are secrets: Pulumi stacks should set them with `--secret`. */
export const CLOUDBLUE_SECRET_KEYS: readonly CloudBlueConfigKey[] = ["subscriptionKey", "password", "graphClientSecret"];

/** `subscriptionKey` -> `CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY`. */
export function getCloudBlueEnvName(key: CloudBlueConfigKey): string {
  return getVendorEnvName("CLOUDBLUE", key);
}

/** A `get` over the environment, for the CLI: `get("skuMap")` reads `CSP_SEATS_CLOUDBLUE_SKU_MAP`. */
export function readCloudBlueEnv(env: NodeJS.ProcessEnv): (key: string) => string | undefined {
  return readVendorEnv("CLOUDBLUE", env);
}

const fail: (summary: string, fix: string) => never = createConfigFailure("CONFIG_CLOUDBLUE");

/**
 * Parses `skuMap`: either JSON (`{"<mpn>":"O365_BUSINESS_ESSENTIALS"}`, what a Pulumi object config value reads
 * as) or `mpn=SKU_PART_NUMBER` pairs separated by commas (handy in an environment variable).
 */
export function parseSkuMap(text: string): Record<string, string> {
  return parseConfigPairs("skuMap", text, '{"<mpn>": "<skuPartNumber>"} or mpn=SKU_PART_NUMBER,mpn2=SKU2', fail);
}

/**
 * Builds a CloudBlueConfig from `get(key)` (keys in CLOUDBLUE_CONFIG_KEYS). Returns undefined when nothing
 * CloudBlue-specific is set, unless `required` (the cloudblue backend is selected); throws CONFIG_CLOUDBLUE
 * naming every missing key and where to set it otherwise. Graph settings are all-or-nothing and need
 * `customerId`: one tenant's assigned seats must never be attributed to another customer's subscriptions.
 */
export function resolveCloudBlueConfig(get: (key: string) => string | undefined, options: { required: true }): CloudBlueConfig;
export function resolveCloudBlueConfig(get: (key: string) => string | undefined, options?: { required?: boolean }): CloudBlueConfig | undefined;
export function resolveCloudBlueConfig(get: (key: string) => string | undefined, options: { required?: boolean } = {}): CloudBlueConfig | undefined {
  const read = (key: CloudBlueConfigKey): string | undefined => {
    const value = get(key);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const required = ["endpoint", "marketplace", "subscriptionKey", "username", "password"] as const;
  if (!options.required && CLOUDBLUE_CONFIG_KEYS.every((key) => read(key) === undefined)) return undefined;
  const missing = required.filter((key) => read(key) === undefined);
  if (missing.length > 0) {
    fail(`the cloudblue backend is missing ${missing.join(", ")}`, `Set ${missing.map((key) => `csp-seats:${key} (or ${getCloudBlueEnvName(key)})`).join(", ")}.`);
  }
  const endpoint = read("endpoint")!;
  try {
    const url = new URL(endpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(url.protocol);
  } catch {
    fail(`the cloudblue endpoint "${endpoint}" is not an http(s) URL`, "Set csp-seats:endpoint to the SimpleAPI base URL, e.g. https://<gateway>/simpleapi.");
  }
  const graph = resolveGraphSettings(read, fail);
  if (graph && read("customerId") === undefined) {
    fail("Microsoft Graph usage needs csp-seats:customerId", "Set customerId to the CloudBlue customer whose Microsoft tenant graphTenantId is, so usage is only attributed to that customer's subscriptions.");
  }
  const skuMapText = read("skuMap");
  const concurrency = read("concurrency");
  return {
    endpoint,
    marketplace: read("marketplace")!,
    subscriptionKey: read("subscriptionKey")!,
    username: read("username")!,
    password: read("password")!,
    ...(read("customerId") ? { customerId: read("customerId")! } : {}),
    ...(graph ? { graph } : {}),
    ...(skuMapText ? { skuMap: parseSkuMap(skuMapText) } : {}),
    ...(concurrency !== undefined ? { concurrency: parseConcurrency(concurrency) } : {}),
  };
}

/** Parses `concurrency`: a whole number from 1 to MAX_CLOUDBLUE_CONCURRENCY. */
export function parseConcurrency(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1 && value <= MAX_CLOUDBLUE_CONCURRENCY)) {
    fail(`the cloudblue concurrency "${text}" is not a whole number from 1 to ${MAX_CLOUDBLUE_CONCURRENCY}`, `Set csp-seats:concurrency (or ${getCloudBlueEnvName("concurrency")}) to how many SimpleAPI requests may run at once, e.g. ${DEFAULT_CLOUDBLUE_CONCURRENCY} (the default).`);
  }
  return value;
}
