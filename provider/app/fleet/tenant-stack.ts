/**
 * One tenant's Pulumi stack through the Automation API: a LocalWorkspace in the tenant's work folder, an inline
 * program that declares one SubscriptionSeats per subscription of the tenant's seats.yaml, the tenant's settings
 * as the stack config, then preview, up, refresh or a refresh preview (drift). What the engine reports (each
 * resource's checked `plan`, the refreshed inputs, diagnostics) becomes the tenant's outcome.
 *
 * The inline program runs in this process (no language host, no program loading per tenant); the Node SDK keeps
 * each run's state apart (AsyncLocalStorage), so tenants run concurrently. The program loads csp-seats by its
 * package name, the way any user's program does and the way the provider shim loads `csp-seats/provider-impl`:
 * the workspace's `node_modules` link makes both resolve to this installation.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LocalWorkspace, type EngineEvent, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { formatLocatedError } from "../../core/located-yaml";
import type { DesiredState } from "../../core/desired-types";
import { isCspSeatsError } from "../../core/errors";
import type { FleetLayout, FleetOperation, FleetTenant, TenantError, TenantOutcome } from "../../core/fleet-types";
import { loadDesiredState } from "../../desired/desired-state";
import { summarizeTenantEvents } from "./tenant-events";
import { buildTenantStackConfig, isolateTenantEnv } from "./tenant-config";

/** How a tenant's stack is run; shared by every tenant of one fleet run. */
export interface TenantRunOptions {
  readonly layout: FleetLayout;
  readonly operation: FleetOperation;
  /** The caller's environment: secrets by reference, the passphrase, PATH with `pulumi`. */
  readonly env: NodeJS.ProcessEnv;
  /** The state backend URL (already defaulted). */
  readonly backendUrl: string;
  /** One `pulumi` for every workspace (its version is checked once). */
  readonly pulumiCommand?: PulumiCommand;
  /** Progress of this tenant, one short line at a time. */
  readonly onProgress?: (message: string) => void;
}

/** The package's node_modules folder: the tenant workspaces link to it (the provider plugin resolves csp-seats there). */
function findNodeModules(): string {
  const pulumiPackage = require.resolve("@pulumi/pulumi/package.json");
  return path.dirname(path.dirname(path.dirname(pulumiPackage)));
}

async function prepareWorkDir(dir: string, backendUrl: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  // The file backend wants its directory to exist.
  if (backendUrl.startsWith("file://")) await fs.mkdir(backendUrl.slice("file://".length), { recursive: true });
  const link = path.join(dir, "node_modules");
  const target = findNodeModules();
  const current = await fs.readlink(link).catch(() => undefined);
  if (current === target) return;
  await fs.rm(link, { recursive: true, force: true });
  await fs.symlink(target, link, "junction");
}

/** The inline program: the tenant's subscriptions as SubscriptionSeats resources. */
function createProgram(state: DesiredState): () => Promise<Record<string, unknown>> {
  return async () => {
    // By package name, like a user's program (see the file comment); the layers never import pulumi/ directly.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cspSeats = require("csp-seats") as { declareSubscriptionSeats(state: DesiredState): unknown[] };
    cspSeats.declareSubscriptionSeats(state);
    return { subscriptions: state.subscriptions.map((s) => s.id) };
  };
}

function failed(tenant: FleetTenant, stack: string, errors: TenantError[], startedAt: number): TenantOutcome {
  return { tenant: tenant.name, status: "error", stack, changes: [], totals: [], findings: [], drift: [], steps: {}, errors, durationMs: Date.now() - startedAt };
}

function toTenantError(error: unknown): TenantError {
  if (isCspSeatsError(error)) return { code: error.code, summary: error.summary, fix: error.fix };
  // The Automation API's CommandError holds the CLI's whole output; its `error: ...` line says what happened.
  const lines = (error instanceof Error ? error.message : String(error)).split("\n").map((line) => line.trim());
  const said = lines.find((line) => line.startsWith("error: ")) ?? lines.find((line) => line !== "" && !/^(code|stdout|stderr|err\?):/.test(line));
  const summary = said?.replace(/^error: /, "") ?? "the Pulumi operation failed";
  return { code: /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/.exec(summary)?.[1] ?? "FLEET_STACK", summary };
}

async function runOperation(stack: Stack, operation: FleetOperation, onEvent: (event: EngineEvent) => void): Promise<void> {
  if (operation === "preview") await stack.preview({ onEvent });
  else if (operation === "up") await stack.up({ onEvent });
  else if (operation === "refresh") await stack.refresh({ onEvent });
  else await stack.previewRefresh({ onEvent });
}

/**
 * Runs `options.operation` on `tenant`'s stack. Never throws: an invalid file, a missing secret, an unreachable
 * portal or a violation is the tenant's `error` outcome, so one tenant never stops the others.
 */
export async function runTenantStack(tenant: FleetTenant, options: TenantRunOptions): Promise<TenantOutcome> {
  const startedAt = Date.now();
  const { layout, operation } = options;
  const stackName = `${layout.pulumi.stackPrefix}${tenant.name}`;
  const progress = options.onProgress ?? (() => undefined);
  if (tenant.problems.length > 0) {
    return failed(tenant, stackName, tenant.problems.map((e) => ({ code: e.code, summary: formatLocatedError(e), fix: "Fix the tenant's tenant.yaml (schema/fleet.schema.json)." })), startedAt);
  }
  const shown = path.relative(layout.root, tenant.seatsFile) || tenant.seatsFile;
  let state: DesiredState;
  let stackConfig: ReturnType<typeof buildTenantStackConfig>;
  try {
    progress("reading seats.yaml");
    const loaded = await loadDesiredState(tenant.seatsFile, { displayName: shown });
    if (!loaded.ok) {
      const fix = `Fix ${shown} (csp-seats validate ${shown} lists every error); nothing runs for this tenant until then.`;
      return failed(tenant, stackName, loaded.errors.map((e) => ({ code: e.code, summary: formatLocatedError(e), fix })), startedAt);
    }
    state = loaded.value;
    stackConfig = buildTenantStackConfig(tenant, options.env);
  } catch (error) {
    return failed(tenant, stackName, [toTenantError(error)], startedAt);
  }

  const events: EngineEvent[] = [];
  try {
    const workDir = path.join(layout.pulumi.workDir, tenant.name);
    await prepareWorkDir(workDir, options.backendUrl);
    progress("selecting the stack");
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, projectName: layout.pulumi.project, program: createProgram(state) },
      {
        workDir,
        projectSettings: { name: layout.pulumi.project, runtime: "nodejs", backend: { url: options.backendUrl } },
        envVars: { ...isolateTenantEnv(options.env), PULUMI_BACKEND_URL: options.backendUrl },
        ...(options.pulumiCommand ? { pulumiCommand: options.pulumiCommand } : {}),
      },
    );
    if (stackConfig.keptSecrets.length > 0) {
      const existing = await stack.getAllConfig();
      const missing = stackConfig.keptSecrets.filter((key) => existing[key] === undefined);
      if (missing.length > 0) {
        return failed(tenant, stackName, [{ code: "FLEET_SECRET_MISSING", summary: `tenant ${tenant.name}: ${missing.join(", ")} is not set in stack ${stackName}`, fix: `Set it once: pulumi config set --secret ${missing[0]} VALUE --stack ${stackName} --cwd ${workDir}` }], startedAt);
      }
    }
    await stack.setAllConfig(stackConfig.config);
    progress(`${operation} of ${state.subscriptions.length} subscription(s)`);
    await runOperation(stack, operation, (event) => {
      events.push(event);
      const step = event.resourcePreEvent?.metadata;
      if (step && step.type.endsWith(":SubscriptionSeats")) progress(`${step.op} ${step.urn.split("::").pop()}`);
      const diagnostic = event.diagnosticEvent;
      if (diagnostic && diagnostic.severity === "info" && diagnostic.message.includes("csp-seats")) progress(diagnostic.message.trim().split("\n")[0]);
    });
    return { ...summarizeTenantEvents(operation, events), tenant: tenant.name, stack: stackName, durationMs: Date.now() - startedAt };
  } catch (error) {
    const summary = summarizeTenantEvents(operation, events);
    const errors = summary.errors.length > 0 ? summary.errors : [toTenantError(error)];
    return { ...summary, status: "error", errors, tenant: tenant.name, stack: stackName, durationMs: Date.now() - startedAt };
  }
}
