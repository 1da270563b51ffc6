/**
 * Picks and opens a backend from configuration. The Pulumi stack config (`csp-seats:*`), the CLI's global
 * options and the environment (`CSP_SEATS_*`) all resolve to one BackendConfig, so every entry point selects
 * backends the same way.
 */
import * as path from "node:path";
import { systemClock, type Clock } from "../core/clock";
import { CspSeatsError } from "../core/errors";
import { readCloudBlueEnv, resolveCloudBlueConfig, type CloudBlueConfig } from "../backends/cloudblue/config";
import type { Portal } from "../backends/portal";

export type BackendKind = "embedded" | "http" | "cloudblue";

export interface BackendConfig {
  readonly backend: BackendKind;
  /** `http`: the base URL of a csp-seats portal API (e.g. `csp-seats portal serve`). */
  readonly endpoint?: string;
  /** `http`: bearer token. Secret: never logged. */
  readonly token?: string;
  /** `embedded`: the state file. */
  readonly statePath?: string;
  readonly cloudblue?: CloudBlueConfig;
}

/** The embedded portal's state file when none is configured: `.csp-seats/portal-state.json` under `cwd`. */
export function getDefaultStatePath(cwd: string): string {
  return path.join(cwd, ".csp-seats", "portal-state.json");
}

/**
 * Resolves a BackendConfig from explicit options over the environment (`CSP_SEATS_BACKEND`,
 * `CSP_SEATS_ENDPOINT`, `CSP_SEATS_TOKEN`, `CSP_SEATS_STATE`). An endpoint without a backend means `http`.
 */
export function resolveBackendConfig(
  explicit: Partial<BackendConfig>,
  env: NodeJS.ProcessEnv,
  cwd: string,
): BackendConfig {
  const endpoint = explicit.endpoint ?? (env.CSP_SEATS_ENDPOINT || undefined);
  const backend = (explicit.backend ?? (env.CSP_SEATS_BACKEND || undefined) ?? (endpoint ? "http" : "embedded")) as BackendKind;
  if (!["embedded", "http", "cloudblue"].includes(backend)) {
    throw new CspSeatsError("CONFIG_BACKEND", `unknown backend "${backend}"`, "Use one of: embedded, http, cloudblue.");
  }
  const statePath = explicit.statePath ?? (env.CSP_SEATS_STATE || undefined) ?? getDefaultStatePath(cwd);
  return {
    backend,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...((explicit.token ?? env.CSP_SEATS_TOKEN) ? { token: explicit.token ?? env.CSP_SEATS_TOKEN } : {}),
    statePath: path.resolve(cwd, statePath),
    ...(explicit.cloudblue ? { cloudblue: explicit.cloudblue } : backend === "cloudblue" ? readCloudBlueFromEnv(env) : {}),
  };
}

/** The CLI's CloudBlue settings from CSP_SEATS_CLOUDBLUE_* (absent when none is set). */
function readCloudBlueFromEnv(env: NodeJS.ProcessEnv): { cloudblue?: CloudBlueConfig } {
  const cloudblue = resolveCloudBlueConfig(readCloudBlueEnv(env));
  return cloudblue ? { cloudblue } : {};
}

/** Opens the configured backend. Callers must `close()` it. */
export async function createPortal(config: BackendConfig, options: { clock?: Clock } = {}): Promise<Portal> {
  switch (config.backend) {
    case "embedded": {
      const { openEmbeddedPortal } = await import("../simulator/embedded-portal.js");
      // The wall clock is not handed down: the embedded portal keeps its own time (its fixture's `now` plus the time
      // since seeding), or the wall clock would jump a demo portal months ahead and run its renewals.
      return openEmbeddedPortal({ statePath: config.statePath!, ...(options.clock && options.clock !== systemClock ? { clock: options.clock } : {}) });
    }
    case "http": {
      if (!config.endpoint) {
        throw new CspSeatsError("CONFIG_ENDPOINT", "the http backend needs an endpoint", "Set csp-seats:endpoint (or --endpoint, CSP_SEATS_ENDPOINT).");
      }
      const { createHttpPortal } = await import("../backends/http/http-portal.js");
      return createHttpPortal({ endpoint: config.endpoint, ...(config.token ? { token: config.token } : {}) });
    }
    case "cloudblue": {
      if (!config.cloudblue) {
        throw new CspSeatsError("CONFIG_CLOUDBLUE", "the cloudblue backend needs its settings", "Set csp-seats:endpoint, marketplace, subscriptionKey, username and password (see README, Backends).");
      }
      const { createCloudBluePortal } = await import("../backends/cloudblue/cloudblue-portal.js");
      return createCloudBluePortal(config.cloudblue, { ...(options.clock ? { clock: options.clock } : {}) });
    }
  }
}

/**
 * The clock to plan with against `portal`: a pinned clock (csp-seats:now, --now) as it is; otherwise the portal's
 * own time (the embedded portal runs on from its fixture's `now`; real portals on real time), so that proration
 * and the 168-hour windows are computed at the moment the portal will order at.
 */
export async function resolvePlanningClock(portal: Portal, clock: Clock): Promise<Clock> {
  if (clock !== systemClock) return clock;
  const offset = (await portal.now()).getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}
