/**
 * Opens a backend from an already-resolved BackendConfig (see runtime-config.ts, the one resolver the CLI, the
 * Pulumi provider and `portal serve` share). Backends load lazily: the CLI's `validate` never loads undici.
 */
import type { Clock } from "../core/clock";
import { CspSeatsError } from "../core/errors";
import type { CloudBlueConfig } from "../backends/cloudblue/config";
import type { Pax8Config } from "../backends/pax8/config";
import type { PartnerCenterConfig } from "../backends/partner-center/config";
import type { Portal } from "../backends/portal";

export type { Portal } from "../backends/portal";

/** The backends csp-seats can open. */
export const BACKEND_KINDS = ["embedded", "http", "cloudblue", "pax8", "partner-center"] as const;

export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface BackendConfig {
  readonly backend: BackendKind;
  /** `http`: the base URL of a csp-seats portal API (e.g. `csp-seats portal serve`). */
  readonly endpoint?: string;
  /** `http`: bearer token. Secret: never logged. */
  readonly token?: string;
  /** `embedded`: the state file. */
  readonly statePath?: string;
  readonly cloudblue?: CloudBlueConfig;
  readonly pax8?: Pax8Config;
  readonly partnerCenter?: PartnerCenterConfig;
}

/**
 * Opens the configured backend. Callers must `close()` it. `clock` is a pinned time (--now, csp-seats:now);
 * without it each portal keeps its own time.
 */
export async function createPortal(config: BackendConfig, options: { clock?: Clock } = {}): Promise<Portal> {
  const clock = options.clock ? { clock: options.clock } : {};
  switch (config.backend) {
    case "embedded": {
      const { openEmbeddedPortal } = await import("../simulator/embedded-portal.js");
      // The wall clock is never handed down: the embedded portal keeps its own time (its fixture's `now` plus the time
      // since seeding), or the wall clock would jump a demo portal months ahead and run its renewals.
      return openEmbeddedPortal({ statePath: config.statePath!, ...clock });
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
      return createCloudBluePortal(config.cloudblue, clock);
    }
    case "pax8": {
      if (!config.pax8) {
        throw new CspSeatsError("CONFIG_PAX8", "the pax8 backend needs its settings", "Set csp-seats:clientId and clientSecret (secrets), and companyId (see docs/backends.md, Pax8).");
      }
      const { createPax8Portal } = await import("../backends/pax8/pax8-portal.js");
      return createPax8Portal(config.pax8, clock);
    }
    case "partner-center": {
      if (!config.partnerCenter) {
        throw new CspSeatsError("CONFIG_PARTNER_CENTER", "the partner-center backend needs its settings", "Set csp-seats:tenantId, clientId, clientSecret, refreshToken and customerId (see docs/backends.md, Partner Center).");
      }
      const { createPartnerCenterPortal } = await import("../backends/partner-center/partner-center-portal.js");
      return createPartnerCenterPortal(config.partnerCenter, { ...clock, ...(config.partnerCenter.orderTimeoutMs !== undefined ? { orderTimeoutMs: config.partnerCenter.orderTimeoutMs } : {}) });
    }
  }
}
