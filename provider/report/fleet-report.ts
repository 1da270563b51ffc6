/**
 * The combined fleet report (`kind: csp-seats/fleet`, docs/formats.md): every tenant's outcome, the money per
 * currency across tenants (never added across currencies), counts and the exit code. Shards each write one;
 * mergeFleetReports combines them into the report one unsharded run would have written. Pure.
 */
import { CspSeatsError } from "../core/errors";
import type { FleetOperation, TenantOutcome, TenantStatus } from "../core/fleet-types";
import { FLEET_OPERATIONS } from "../core/fleet-types";
import type { Money } from "../core/model";
import { addMoney, negateMoney, zeroMoney } from "../core/money";
import type { CurrencyTotals } from "../core/plan/types";

/** Identifies a fleet document. */
export const FLEET_JSON_KIND = "csp-seats/fleet";
/** Bumped only for an incompatible change. */
export const FLEET_FORMAT_VERSION = 1;

/** Tenants per status. */
export type FleetCounts = Readonly<Record<TenantStatus, number>> & { readonly tenants: number };

export interface FleetReport {
  readonly kind: typeof FLEET_JSON_KIND;
  readonly formatVersion: number;
  readonly operation: FleetOperation;
  /** The shard this report covers (`{ index: 2, count: 3 }`); absent for a whole fleet or a merged one. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** The shards a merged report was made of, e.g. ["1/3", "2/3", "3/3"]. */
  readonly mergedFrom?: readonly string[];
  readonly counts: FleetCounts;
  /** Charges, refunds and net per currency over every tenant's changes. */
  readonly totals: readonly CurrencyTotals[];
  /** 0 ok / no drift, 2 changes pending (preview) or drift (drift), 1 any error. */
  readonly exitCode: number;
  /** Sorted by tenant name. */
  readonly tenants: readonly TenantOutcome[];
}

const STATUSES: readonly TenantStatus[] = ["ok", "changes", "drift", "error"];

/** Sums per currency over every tenant's totals, sorted by currency code. */
export function sumTenantTotals(tenants: readonly Pick<TenantOutcome, "totals">[]): CurrencyTotals[] {
  const byCurrency = new Map<string, { charge: Money; refund: Money }>();
  for (const total of tenants.flatMap((tenant) => tenant.totals)) {
    const current = byCurrency.get(total.currency) ?? { charge: zeroMoney(total.currency), refund: zeroMoney(total.currency) };
    byCurrency.set(total.currency, { charge: addMoney(current.charge, total.charge), refund: addMoney(current.refund, total.refund) });
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, { charge, refund }]) => ({ currency, charge, refund, net: addMoney(charge, negateMoney(refund)) }));
}

/** The exit code of `operation` over tenants with these statuses. */
export function getFleetExitCode(operation: FleetOperation, statuses: readonly TenantStatus[]): number {
  if (statuses.includes("error")) return 1;
  if (operation === "preview" && statuses.includes("changes")) return 2;
  if (operation === "drift" && statuses.includes("drift")) return 2;
  return 0;
}

function countStatuses(tenants: readonly TenantOutcome[]): FleetCounts {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<TenantStatus, number>;
  for (const tenant of tenants) counts[tenant.status] += 1;
  return { tenants: tenants.length, ...counts };
}

function byName(a: TenantOutcome, b: TenantOutcome): number {
  return a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0;
}

/** The report of one run (a whole fleet, or one shard of it). */
export function buildFleetReport(operation: FleetOperation, outcomes: readonly TenantOutcome[], shard?: { index: number; count: number }): FleetReport {
  const tenants = [...outcomes].sort(byName);
  return {
    kind: FLEET_JSON_KIND,
    formatVersion: FLEET_FORMAT_VERSION,
    operation,
    ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
    counts: countStatuses(tenants),
    totals: sumTenantTotals(tenants),
    exitCode: getFleetExitCode(operation, tenants.map((t) => t.status)),
    tenants,
  };
}

/** `report` as a JSON document (two-space indented, newline-terminated). */
export function renderFleetJson(report: FleetReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Reads a fleet JSON document; throws FLEET_MERGE when it is not one (`name` is for the message). */
export function parseFleetReport(text: string, name: string): FleetReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CspSeatsError("FLEET_MERGE", `${name} is not JSON: ${(error as Error).message}`, "Pass the files `csp-seats fleet ... --format json --output FILE` wrote.");
  }
  const report = data as Partial<FleetReport> | null;
  if (!report || report.kind !== FLEET_JSON_KIND || !Array.isArray(report.tenants) || !FLEET_OPERATIONS.includes(report.operation as FleetOperation)) {
    throw new CspSeatsError("FLEET_MERGE", `${name} is not a fleet report (kind ${FLEET_JSON_KIND})`, "Pass the files `csp-seats fleet ... --format json --output FILE` wrote.");
  }
  if (report.formatVersion !== FLEET_FORMAT_VERSION) {
    throw new CspSeatsError("FLEET_MERGE", `${name} has format version ${String(report.formatVersion)}; this csp-seats reads ${FLEET_FORMAT_VERSION}`, "Merge reports written by the same csp-seats version.");
  }
  return report as FleetReport;
}

/**
 * Combines shard reports into one: the same operation, each tenant once. Throws FLEET_MERGE for mixed
 * operations, a tenant in two reports, shards of different counts or a shard given twice; a missing shard is
 * left to the caller (see listMissingShards), since a shard that had no tenant still writes its report.
 */
export function mergeFleetReports(reports: readonly { name: string; report: FleetReport }[]): FleetReport {
  if (reports.length === 0) throw new CspSeatsError("FLEET_MERGE", "no report to merge", "Pass the shard reports: csp-seats fleet report --merge shard-1.json shard-2.json ...");
  const operation = reports[0].report.operation;
  const mixed = reports.find((entry) => entry.report.operation !== operation);
  if (mixed) throw new CspSeatsError("FLEET_MERGE", `${mixed.name} is a ${mixed.report.operation} report, ${reports[0].name} a ${operation} report`, "Merge the reports of one run of one operation.");
  const seen = new Map<string, string>();
  const shards = new Set<string>();
  for (const { name, report } of reports) {
    if (report.shard) {
      const label = `${report.shard.index}/${report.shard.count}`;
      if (shards.has(label)) throw new CspSeatsError("FLEET_MERGE", `shard ${label} is given twice (again in ${name})`, "Pass each shard's report once.");
      shards.add(label);
    }
    for (const tenant of report.tenants) {
      const first = seen.get(tenant.tenant);
      if (first) throw new CspSeatsError("FLEET_MERGE", `tenant ${tenant.tenant} is in ${first} and in ${name}`, "Merge the shards of one run: --shard I/N gives every tenant exactly one shard for the same N.");
      seen.set(tenant.tenant, name);
    }
  }
  const counts = new Set(reports.flatMap((entry) => (entry.report.shard ? [entry.report.shard.count] : [])));
  if (counts.size > 1) throw new CspSeatsError("FLEET_MERGE", `the reports come from different shard counts (${[...counts].join(", ")})`, "Merge the shards of one run (the same N in --shard I/N).");
  const merged = buildFleetReport(operation, reports.flatMap((entry) => entry.report.tenants));
  const labels = [...shards].sort((a, b) => Number(a.split("/")[0]) - Number(b.split("/")[0]));
  return labels.length > 0 ? { ...merged, mergedFrom: labels } : merged;
}

/** The shard labels (`2/3`) a merged report lacks, for a shard count taken from its parts. */
export function listMissingShards(report: FleetReport): string[] {
  const labels = report.mergedFrom ?? [];
  if (labels.length === 0) return [];
  const count = Number(labels[0].split("/")[1]);
  return Array.from({ length: count }, (_, i) => `${i + 1}/${count}`).filter((label) => !labels.includes(label));
}
