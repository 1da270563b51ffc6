/**
 * A tenant's settings -> its stack's config (`csp-seats:<key>`), checked before its stack starts. Secrets come
 * by reference: `{ env: NAME }` is read from the environment now and set as a Pulumi secret (encrypted in the
 * stack's config, never in state or a plain file); `{ pulumiSecret: true }` leaves the secret already set in the
 * stack config alone. The settings are then checked with the one resolver (app/runtime-config.ts), the way the
 * provider will read them, so a bad backend, endpoint or time fails the tenant in milliseconds, not after a
 * Pulumi run.
 */
import * as path from "node:path";
import { CspSeatsError } from "../../core/errors";
import type { FleetTenant } from "../../core/fleet-types";
import { getDefaultStatePath, resolveRuntimeConfig, type RuntimeConfig } from "../runtime-config";

/** The stack config namespace the provider reads. */
const NAMESPACE = "csp-seats";

/** One stack config value as the Automation API sets it. */
export interface StackConfigValue {
  readonly value: string;
  readonly secret?: boolean;
}

/** What a tenant's stack is configured with, and the settings as the provider will resolve them. */
export interface TenantStackConfig {
  /** `csp-seats:<key>` -> value; secrets marked. */
  readonly config: Record<string, StackConfigValue>;
  /** Keys the stack config must already hold as secrets (`{ pulumiSecret: true }`). */
  readonly keptSecrets: readonly string[];
  readonly runtime: RuntimeConfig;
}

/**
 * Builds and checks `tenant`'s stack config. The state file of the embedded portal is made absolute (the
 * provider resolves it against its working directory, which is the tenant's workspace, not its folder).
 * Throws FLEET_SECRET_MISSING for an unset variable and the resolver's CONFIG_* errors for a bad setting.
 */
export function buildTenantStackConfig(tenant: FleetTenant, env: NodeJS.ProcessEnv): TenantStackConfig {
  const config: Record<string, StackConfigValue> = {};
  const plain: Record<string, string> = {};
  const keptSecrets: string[] = [];
  for (const [key, value] of Object.entries(tenant.settings)) {
    if (typeof value === "string") {
      plain[key] = key === "statePath" ? path.resolve(tenant.dir, value) : value;
      config[`${NAMESPACE}:${key}`] = { value: plain[key] };
    } else if ("env" in value) {
      const secret = env[value.env];
      if (secret === undefined || secret === "") {
        throw new CspSeatsError("FLEET_SECRET_MISSING", `tenant ${tenant.name}: ${key} names the environment variable ${value.env}, which is not set`, `Export ${value.env} (in CI, from the secret store) before running the fleet.`);
      }
      plain[key] = secret;
      config[`${NAMESPACE}:${key}`] = { value: secret, secret: true };
    } else {
      keptSecrets.push(`${NAMESPACE}:${key}`);
      // Checked as present; its value stays in the stack config.
      plain[key] = "(kept in the stack config)";
    }
  }
  if (plain.statePath === undefined && (plain.backend ?? "embedded") === "embedded" && plain.endpoint === undefined) {
    plain.statePath = getDefaultStatePath(tenant.dir);
    config[`${NAMESPACE}:statePath`] = { value: plain.statePath };
  }
  const runtime = resolveRuntimeConfig({ config: (key) => plain[key], env: {}, cwd: tenant.dir });
  return { config, keptSecrets, runtime };
}

/**
 * The environment of a tenant's `pulumi` processes: the caller's, with every CSP_SEATS_* emptied (the
 * provider would otherwise read the caller's portal settings where a tenant sets none; the resolver treats an
 * empty value as unset).
 */
export function isolateTenantEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env)) if (key.startsWith("CSP_SEATS_")) out[key] = "";
  return out;
}
