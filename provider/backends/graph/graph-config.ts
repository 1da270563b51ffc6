/**
 * The Microsoft Graph settings a vendor backend reads for assigned seats (CloudBlue and Pax8 carry no usage):
 * the same keys and the same all-or-nothing rule for every backend that uses them.
 */

/** The Graph app a backend reads `subscribedSkus` with. */
export interface GraphSettings {
  readonly endpoint?: string;
  readonly tokenEndpoint?: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The Graph keys, as written under `csp-seats:` (and as `CSP_SEATS_<VENDOR>_GRAPH_*`). */
export const GRAPH_CONFIG_KEYS = ["graphTenantId", "graphClientId", "graphClientSecret", "graphEndpoint", "graphTokenEndpoint"] as const;

/**
 * The Graph settings from `read`, or undefined when none is set; `fail` reports an incomplete set (all of
 * graphTenantId, graphClientId and graphClientSecret, or none: usage is then unknown).
 */
export function resolveGraphSettings(read: (key: (typeof GRAPH_CONFIG_KEYS)[number]) => string | undefined, fail: (summary: string, fix: string) => never): GraphSettings | undefined {
  const required = ["graphTenantId", "graphClientId", "graphClientSecret"] as const;
  const set = required.filter((key) => read(key) !== undefined);
  if (set.length === 0) return undefined;
  if (set.length < required.length) {
    fail(`Microsoft Graph settings are incomplete (missing ${required.filter((key) => read(key) === undefined).join(", ")})`, "Set all of graphTenantId, graphClientId and graphClientSecret, or none (usage is then unknown).");
  }
  const endpoint = read("graphEndpoint");
  const tokenEndpoint = read("graphTokenEndpoint");
  return {
    tenantId: read("graphTenantId")!,
    clientId: read("graphClientId")!,
    clientSecret: read("graphClientSecret")!,
    ...(endpoint ? { endpoint } : {}),
    ...(tokenEndpoint ? { tokenEndpoint } : {}),
  };
}
