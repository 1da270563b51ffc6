/**
 * The fleet's vocabulary: a folder of tenants (fleet.yaml, one sub-folder per tenant), the operations run on
 * each tenant's Pulumi stack, and what one tenant's run produced. Plain data; the JSON report
 * (report/fleet-report.ts, `kind: csp-seats/fleet`) carries these outcomes as they are.
 */
import type { LocatedError } from "./located-yaml";
import type { CurrencyTotals, PlanFinding } from "./plan/types";

/** What `csp-seats fleet <operation>` does on each tenant's stack. */
export type FleetOperation = "preview" | "up" | "drift" | "refresh";

/** The operations, in the order `--help` lists them. */
export const FLEET_OPERATIONS: readonly FleetOperation[] = ["preview", "up", "drift", "refresh"];

/** A secret by reference: an environment variable read at run time, or a secret already in the stack config. */
export type SecretRef = { readonly env: string } | { readonly pulumiSecret: true };

/** A setting's value in fleet.yaml / tenant.yaml: plain text, or a secret by reference. */
export type SettingValue = string | SecretRef;

/** A tenant's backend settings by stack config key (`backend` -> `csp-seats:backend`). */
export type TenantSettings = Readonly<Record<string, SettingValue>>;

/** Where the tenants' stacks live (fleet.yaml `pulumi:`), resolved. */
export interface FleetPulumiSettings {
  /** The state backend URL; undefined means the environment's PULUMI_BACKEND_URL or the fleet's file backend. */
  readonly backendUrl?: string;
  readonly project: string;
  readonly stackPrefix: string;
  /** Absolute: each tenant's workspace is `<workDir>/<tenant>`. */
  readonly workDir: string;
}

/** One tenant of the fleet, as the layout declares it. */
export interface FleetTenant {
  readonly name: string;
  /** The tenant's folder (absolute): relative paths in its settings resolve against it. */
  readonly dir: string;
  /** The tenant's seats.yaml (absolute). */
  readonly seatsFile: string;
  /** Settings merged over the fleet's defaults (still references for secrets). */
  readonly settings: TenantSettings;
  /** Files that belong to this tenant (seats.yaml, tenant.yaml), for --changed-since. */
  readonly files: readonly string[];
  /** Problems with the tenant's own files (an invalid tenant.yaml): the tenant fails, the others run. */
  readonly problems: readonly LocatedError[];
}

/** A loaded fleet folder. */
export interface FleetLayout {
  /** The fleet folder (absolute). */
  readonly root: string;
  /** fleet.yaml (absolute) when there is one. */
  readonly fleetFile?: string;
  readonly pulumi: FleetPulumiSettings;
  /** Sorted by name. */
  readonly tenants: readonly FleetTenant[];
}

/** How a tenant's run ended. `changes`: a preview has orders pending; `drift`: the portal differs from the stack. */
export type TenantStatus = "ok" | "changes" | "drift" | "error";

/** One subscription's changes, with money (decimal strings in its currency). */
export interface TenantChange {
  readonly subscriptionId: string;
  readonly name: string;
  readonly currency: string;
  /** `m365-business-basic 20 -> 22 now: charge 0.72 EUR`. */
  readonly changes: readonly string[];
  readonly charge: CurrencyTotals["charge"];
  readonly refund: CurrencyTotals["refund"];
  readonly net: CurrencyTotals["net"];
}

/** One managed SKU whose purchased seats differ from what the stack last applied. */
export interface DriftedLine {
  readonly sku: string;
  readonly desired: number;
  readonly purchased: number;
}

/** One subscription whose portal state differs from its stack's. `gone`: the portal no longer has it. */
export interface DriftedSubscription {
  readonly subscriptionId: string;
  readonly gone: boolean;
  readonly lines: readonly DriftedLine[];
}

/** An error of one tenant's run: a stable code when known, one line, and what to do. */
export interface TenantError {
  readonly code: string;
  readonly summary: string;
  readonly fix?: string;
}

/** What one tenant's run produced. */
export interface TenantOutcome {
  readonly tenant: string;
  readonly status: TenantStatus;
  /** The Pulumi stack the run used (`<prefix><tenant>`). */
  readonly stack: string;
  /** Subscriptions with something to order (preview) or ordered (up). */
  readonly changes: readonly TenantChange[];
  /** Per currency, never added across currencies. */
  readonly totals: readonly CurrencyTotals[];
  readonly findings: readonly PlanFinding[];
  readonly drift: readonly DriftedSubscription[];
  /** The engine's step counts (`{ same: 2, update: 1 }`). */
  readonly steps: Readonly<Record<string, number>>;
  readonly errors: readonly TenantError[];
  /** Wall time of the tenant's run in milliseconds (left out when reports are compared). */
  readonly durationMs: number;
}
