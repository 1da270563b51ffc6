/**
 * Reads the Partner Center backend's settings from any key/value source: the Pulumi stack config (`csp-seats:*`,
 * where `get("refreshToken")` reads `csp-seats:refreshToken`) or the CLI's environment
 * (`CSP_SEATS_PARTNER_CENTER_REFRESH_TOKEN`, see `readPartnerCenterEnv`). Both entry points call the same helper,
 * so a setting means the same thing everywhere and a missing one produces the same error. Secrets (the client
 * secret, the refresh token) never appear in an error: only their key names do.
 */
import { createConfigFailure, getVendorEnvName, readVendorEnv, parseConfigPairs } from "../shared/vendor-config";
import { createMoney, isKnownCurrency } from "../../core/money";
import type { Money } from "../../core/model";

/** Partner Center's global REST endpoint (NOTES.md §1). */
export const PARTNER_CENTER_DEFAULT_ENDPOINT = "https://api.partnercenter.microsoft.com";
/** "500 requests per minute per tenant identifier" for the Subscription resource (NOTES.md §7). */
export const PARTNER_CENTER_DEFAULT_REQUESTS_PER_MINUTE = 500;

/** The Partner Center backend's settings, as resolved from the stack config or the environment. */
export interface PartnerCenterConfig {
  /** Base URL of the REST API (the `/v1/...` paths go below it). */
  readonly endpoint: string;
  /** Full URL of the Entra ID token endpoint. Default `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token`. */
  readonly tokenEndpoint: string;
  /** The partner's Entra tenant (the token URL's tenant). */
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The secure application model's refresh token (app + user). Absent: app-only (client credentials), which
   * Partner Center allows for subscriptions but not for subscribedskus (assigned seats are then unknown).
   */
  readonly refreshToken?: string;
  /** The customer's tenant id: every subscription path is `/v1/customers/{customerId}/...`. */
  readonly customerId: string;
  /** Partner Center offer (`productId:skuId`, a full offerId, or a productId) -> Microsoft skuPartNumber, for subscribedskus. */
  readonly skuMap?: Readonly<Record<string, string>>;
  /** Price of one seat for one billing cycle, by offer (same keys as skuMap). Partner Center's subscription carries none. */
  readonly prices?: Readonly<Record<string, Money>>;
  /** Currency of subscriptions whose offer has no configured price. Default USD. */
  readonly currency: string;
  /** The client-side rate limit per customer tenant. Default 500. */
  readonly requestsPerMinute: number;
  /** csp-seats:orderTimeoutSeconds, in ms: how long placeOrder waits for a 202 that a scheduled change must follow. */
  readonly orderTimeoutMs?: number;
}

/** The configuration keys, as written in the Pulumi stack config under the `csp-seats:` namespace. */
export const PARTNER_CENTER_CONFIG_KEYS = [
  "endpoint",
  "tokenEndpoint",
  "tenantId",
  "clientId",
  "clientSecret",
  "refreshToken",
  "customerId",
  "skuMap",
  "prices",
  "currency",
  "requestsPerMinute",
] as const;

export type PartnerCenterConfigKey = (typeof PARTNER_CENTER_CONFIG_KEYS)[number];

/** Keys whose values are secrets: Pulumi stacks should set them with `--secret`. */
export const PARTNER_CENTER_SECRET_KEYS: readonly PartnerCenterConfigKey[] = ["clientSecret", "refreshToken"];

/** `refreshToken` -> `CSP_SEATS_PARTNER_CENTER_REFRESH_TOKEN`. */
export function getPartnerCenterEnvName(key: PartnerCenterConfigKey): string {
  return getVendorEnvName("PARTNER_CENTER", key);
}

/** A `get` over the environment, for the CLI: `get("prices")` reads `CSP_SEATS_PARTNER_CENTER_PRICES`. */
export function readPartnerCenterEnv(env: NodeJS.ProcessEnv): (key: string) => string | undefined {
  return readVendorEnv("PARTNER_CENTER", env);
}

const fail: (summary: string, fix: string) => never = createConfigFailure("CONFIG_PARTNER_CENTER");

/** Parses `{"k": "v"}` (a Pulumi object config value) or `k=v,k2=v2` (an environment variable) into string pairs. */
function parsePairs(name: string, text: string, example: string): Record<string, string> {
  return parseConfigPairs(name, text, example, fail);
}

/** Parses `prices`: each value is "<amount> <currency>" (`"6.00 USD"`), exact in the currency's minor digits. */
export function parsePrices(text: string): Record<string, Money> {
  const example = '{"CFQ7TTC0LH18:0001": "6.00 USD"} or CFQ7TTC0LH18:0001=6.00 USD';
  const prices: Record<string, Money> = {};
  for (const [offer, value] of Object.entries(parsePairs("prices", text, example))) {
    const match = /^(\d+(?:\.\d+)?)\s+([A-Za-z]{3})$/.exec(value);
    const currency = match?.[2].toUpperCase();
    if (!match || !currency || !isKnownCurrency(currency)) fail(`prices entry "${offer}" is "${value}", not "<amount> <currency>"`, `Write it as ${example}.`);
    try {
      prices[offer] = createMoney(match[1], currency);
    } catch {
      fail(`prices entry "${offer}" has more decimals than ${currency} allows`, `Write the amount in ${currency}'s minor digits, e.g. ${example}.`);
    }
  }
  return prices;
}

/** Parses `skuMap`: offer -> Microsoft skuPartNumber (or the SKU's GUID, productSku.id). */
export function parsePartnerCenterSkuMap(text: string): Record<string, string> {
  return parsePairs("skuMap", text, '{"CFQ7TTC0LH18:0001": "O365_BUSINESS_ESSENTIALS"} or CFQ7TTC0LH18:0001=O365_BUSINESS_ESSENTIALS');
}

function checkUrl(key: string, value: string): void {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return;
  } catch {
    // reported below
  }
  fail(`the partner-center ${key} "${value}" is not an http(s) URL`, `Set csp-seats:${key} (or ${getPartnerCenterEnvName(key as PartnerCenterConfigKey)}) to an https URL.`);
}

/**
 * Builds a PartnerCenterConfig from `get(key)` (keys in PARTNER_CENTER_CONFIG_KEYS). Throws CONFIG_PARTNER_CENTER
 * naming every missing key and where to set it.
 */
export function resolvePartnerCenterConfig(get: (key: string) => string | undefined): PartnerCenterConfig {
  const read = (key: PartnerCenterConfigKey): string | undefined => {
    const value = get(key);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const required = ["tenantId", "clientId", "clientSecret", "customerId"] as const;
  const missing = required.filter((key) => read(key) === undefined);
  if (missing.length > 0) {
    fail(`the partner-center backend is missing ${missing.join(", ")}`, `Set ${missing.map((key) => `csp-seats:${key} (or ${getPartnerCenterEnvName(key)})`).join(", ")}.`);
  }
  const tenantId = read("tenantId")!;
  const endpoint = read("endpoint") ?? PARTNER_CENTER_DEFAULT_ENDPOINT;
  checkUrl("endpoint", endpoint);
  const tokenEndpoint = read("tokenEndpoint") ?? `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  checkUrl("tokenEndpoint", tokenEndpoint);
  const currency = (read("currency") ?? "USD").toUpperCase();
  if (!isKnownCurrency(currency)) fail(`the partner-center currency "${currency}" is not an ISO-4217 code`, "Set csp-seats:currency to a code such as USD or EUR.");
  const perMinuteText = read("requestsPerMinute");
  const requestsPerMinute = perMinuteText === undefined ? PARTNER_CENTER_DEFAULT_REQUESTS_PER_MINUTE : Number(perMinuteText);
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1 || requestsPerMinute > PARTNER_CENTER_DEFAULT_REQUESTS_PER_MINUTE) {
    fail(`the partner-center requestsPerMinute "${perMinuteText}" is not a whole number in 1..500`, "Leave it unset (500, Partner Center's limit) or lower it to share the limit with other tools.");
  }
  const skuMapText = read("skuMap");
  const pricesText = read("prices");
  return {
    endpoint,
    tokenEndpoint,
    tenantId,
    clientId: read("clientId")!,
    clientSecret: read("clientSecret")!,
    ...(read("refreshToken") ? { refreshToken: read("refreshToken")! } : {}),
    customerId: read("customerId")!,
    ...(skuMapText ? { skuMap: parsePartnerCenterSkuMap(skuMapText) } : {}),
    ...(pricesText ? { prices: parsePrices(pricesText) } : {}),
    currency,
    requestsPerMinute,
  };
}
