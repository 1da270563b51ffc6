/**
 * `csp-seats fleet <operation>`: one Pulumi stack per tenant, at most `parallel` at a time. Each tenant is
 * isolated: whatever goes wrong with one (its files, its portal, a violation, its stack) is its outcome and never
 * stops the others. Progress is reported per tenant as it happens; the outcomes come back in tenant order.
 */
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { mapWithConcurrency } from "../../backends/shared/concurrency";
import { CspSeatsError } from "../../core/errors";
import type { FleetLayout, FleetOperation, FleetTenant, TenantOutcome } from "../../core/fleet-types";
import { runTenantStack } from "./tenant-stack";

/** A tenant's progress: it started, said something, or finished. */
export type FleetProgressEvent =
  | { readonly kind: "start"; readonly tenant: string }
  | { readonly kind: "message"; readonly tenant: string; readonly message: string }
  | { readonly kind: "done"; readonly tenant: string; readonly outcome: TenantOutcome };

export interface RunFleetOptions {
  readonly layout: FleetLayout;
  readonly operation: FleetOperation;
  /** The tenants to run (already filtered by --tenant, --changed-since and --shard), in layout order. */
  readonly tenants: readonly FleetTenant[];
  /** At most this many stacks at once (default: getDefaultParallelism()). */
  readonly parallel?: number;
  readonly env: NodeJS.ProcessEnv;
  /** Overrides fleet.yaml's `pulumi.backendUrl` (--backend-url). */
  readonly backendUrl?: string;
  readonly onProgress?: (event: FleetProgressEvent) => void;
}

/**
 * The default --parallel: one stack per CPU core. Each tenant's run is a `pulumi` engine plus a provider
 * plugin process, both mostly waiting on each other and on the portal, so cores (not memory) are the limit;
 * docs/benchmarks.md ("Fleet") has the measurements.
 */
export function getDefaultParallelism(): number {
  return Math.max(1, os.availableParallelism());
}

/** The state backend a run uses: --backend-url, fleet.yaml, PULUMI_BACKEND_URL, or the fleet folder's file backend. */
export function resolveBackendUrl(layout: FleetLayout, env: NodeJS.ProcessEnv, override?: string): string {
  const url = override ?? layout.pulumi.backendUrl ?? (env.PULUMI_BACKEND_URL || undefined);
  if (url) return url.startsWith("file://") && !path.isAbsolute(url.slice(7)) ? `file://${path.resolve(layout.root, url.slice(7))}` : url;
  return `file://${path.join(layout.root, ".csp-seats", "pulumi-state")}`;
}

/** Throws before any tenant starts when the file backend's secrets could not be encrypted (no passphrase). */
function checkPassphrase(backendUrl: string, env: NodeJS.ProcessEnv): void {
  const cloud = /^https?:\/\//.test(backendUrl);
  if (cloud || env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE) return;
  throw new CspSeatsError(
    "FLEET_INVALID",
    `the state backend ${backendUrl} keeps secrets with a passphrase, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set`,
    "Export PULUMI_CONFIG_PASSPHRASE (in CI, from the secret store); every tenant's stack encrypts its token with it (docs/fleet.md).",
  );
}

/** Runs the operation on every tenant of `options.tenants`; one outcome per tenant, in their order. */
export async function runFleet(options: RunFleetOptions): Promise<TenantOutcome[]> {
  const backendUrl = resolveBackendUrl(options.layout, options.env, options.backendUrl);
  checkPassphrase(backendUrl, options.env);
  if (options.tenants.length === 0) return [];
  const pulumiCommand = await PulumiCommand.get().catch((error: unknown) => {
    throw new CspSeatsError("FLEET_STACK", `cannot run the Pulumi CLI: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`, "Put `pulumi` on PATH (docs/pulumi-cli.md); the fleet drives it through the Automation API.", { cause: error });
  });
  const emit = options.onProgress ?? (() => undefined);
  return mapWithConcurrency(options.tenants, options.parallel ?? getDefaultParallelism(), async (tenant) => {
    emit({ kind: "start", tenant: tenant.name });
    const outcome = await runTenantStack(tenant, {
      layout: options.layout,
      operation: options.operation,
      env: options.env,
      backendUrl,
      pulumiCommand,
      onProgress: (message) => emit({ kind: "message", tenant: tenant.name, message }),
    }).catch((error: unknown): TenantOutcome => ({
      // runTenantStack reports its failures; this is the last guard of the isolation promise.
      tenant: tenant.name,
      status: "error",
      stack: tenant.name,
      changes: [],
      totals: [],
      findings: [],
      drift: [],
      steps: {},
      errors: [{ code: "FLEET_STACK", summary: error instanceof Error ? error.message.split("\n")[0] : String(error) }],
      durationMs: 0,
    }));
    emit({ kind: "done", tenant: tenant.name, outcome });
    return outcome;
  });
}
