/**
 * What every vendor backend's settings have in common: keys read from the stack config (`csp-seats:<key>`) or
 * from `CSP_SEATS_<VENDOR>_<KEY>` in the environment, blank meaning unset, and `key=value` maps that may be
 * written as JSON (a Pulumi object config value) or as comma-separated pairs (handy in an environment variable).
 */
import type { ErrorCode } from "../../core/errors";
import { CspSeatsError } from "../../core/errors";

/** `clientSecret` -> `CSP_SEATS_<PREFIX>_CLIENT_SECRET`. */
export function getVendorEnvName(prefix: string, key: string): string {
  return `CSP_SEATS_${prefix}_${key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/** A `get` over the environment for one vendor's keys; a blank value is unset. */
export function readVendorEnv(prefix: string, env: NodeJS.ProcessEnv): (key: string) => string | undefined {
  return (key) => {
    const value = env[getVendorEnvName(prefix, key)];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
}

/** The config error of one vendor (`CONFIG_CLOUDBLUE`, `CONFIG_PAX8`, ...): names the setting, never its value. */
export function createConfigFailure(code: ErrorCode): (summary: string, fix: string) => never {
  return (summary, fix) => {
    throw new CspSeatsError(code, summary, fix);
  };
}

/**
 * Parses `{"k": "v"}` or `k=v,k2=v2` into string pairs; `fail` reports a malformed entry with `example` as the
 * fix. Keys and values are trimmed; an empty value is refused.
 */
export function parseConfigPairs(name: string, text: string, example: string, fail: (summary: string, fix: string) => never): Record<string, string> {
  const trimmed = text.trim();
  const map: Record<string, string> = {};
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      fail(`${name} is not valid JSON`, `Write it as ${example}.`);
    }
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value !== "string" || value.trim() === "") fail(`${name} entry "${key}" has no value`, `Write it as ${example}.`);
      map[key.trim()] = value.trim();
    }
    return map;
  }
  for (const pair of trimmed.split(",").map((part) => part.trim()).filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) fail(`${name} entry "${pair}" is not key=value`, `Write it as ${example}.`);
    map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return map;
}
