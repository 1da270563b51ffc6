/**
 * The fleet report as text for a terminal or a CI log: one line per tenant (status, changes, money, drift,
 * errors), then each tenant's details, then the totals per currency. Pure.
 */
import { formatFinding, formatMoney } from "../core/describe";
import type { TenantOutcome } from "../core/fleet-types";
import type { FleetReport } from "./fleet-report";
import { alignColumns, plural } from "./format";

const VERB: Record<FleetReport["operation"], string> = { preview: "fleet preview", up: "fleet up", drift: "fleet drift", refresh: "fleet refresh" };

/** One tenant in a few words: `2 subscriptions to change, net 4.77 EUR` / `drift in sub-b` / `error PORTAL_UNAVAILABLE`. */
export function summarizeTenant(tenant: TenantOutcome): string {
  if (tenant.status === "error") return `${tenant.errors[0]?.code ?? "FLEET_STACK"}${tenant.errors.length > 1 ? ` (+${tenant.errors.length - 1} more)` : ""}`;
  if (tenant.drift.length > 0) return `drift in ${tenant.drift.map((d) => d.subscriptionId).join(", ")}`;
  if (tenant.changes.length > 0) return `${plural(tenant.changes.length, "subscription")} ${tenant.status === "changes" ? "to change" : "changed"}, net ${tenant.totals.map((t) => formatMoney(t.net)).join(" + ")}`;
  return "no changes";
}

function renderTenantDetails(tenant: TenantOutcome): string[] {
  const out: string[] = [];
  for (const change of tenant.changes) {
    out.push(`  ${change.subscriptionId}${change.name && change.name !== change.subscriptionId ? ` (${change.name})` : ""}: charge ${formatMoney(change.charge)}, refund ${formatMoney(change.refund)}`);
    for (const line of change.changes) out.push(`    ${line}`);
  }
  for (const drifted of tenant.drift) {
    if (drifted.gone) out.push(`  ${drifted.subscriptionId}: gone from the portal`);
    else if (drifted.lines.length === 0) out.push(`  ${drifted.subscriptionId}: drifted`);
    for (const line of drifted.lines) out.push(`  ${drifted.subscriptionId}: ${line.sku} stack ${line.desired}, portal ${line.purchased}`);
  }
  for (const finding of tenant.findings) out.push(`  ${finding.subscriptionId}: ${formatFinding(finding, { withSeverity: true, withFix: false })}`);
  tenant.errors.forEach((error, i) => {
    // Errors of one file share their fix: say it once, after the last.
    const fix = error.fix && error.fix !== tenant.errors[i + 1]?.fix ? `\n    fix: ${error.fix}` : "";
    out.push(`  error ${error.code}: ${error.summary}${fix}`);
  });
  return out.length > 0 ? [`${tenant.tenant}:`, ...out] : [];
}

/** Renders `report` as text. */
export function renderFleetText(report: FleetReport): string {
  const c = report.counts;
  const scope = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : report.mergedFrom ? ` (merged from ${report.mergedFrom.join(", ")})` : "";
  const out = [
    `${VERB[report.operation]}${scope}: ${plural(c.tenants, "tenant")}: ${c.ok} ok, ${c.changes} with changes, ${c.drift} with drift, ${c.error} failed`,
    "",
  ];
  if (report.tenants.length > 0) {
    out.push(...alignColumns(report.tenants.map((t) => [t.tenant, t.status, summarizeTenant(t)])), "");
  }
  for (const tenant of report.tenants) {
    const details = renderTenantDetails(tenant);
    if (details.length > 0) out.push(...details, "");
  }
  if (report.totals.length > 0) {
    out.push("Totals per currency (never added across currencies):");
    out.push(...alignColumns([["currency", "charges", "refunds", "net"], ...report.totals.map((t) => [t.currency, t.charge.amount, t.refund.amount, t.net.amount])], [1, 2, 3]).map((l) => `  ${l}`), "");
  }
  out.push(`exit code ${report.exitCode}`);
  return `${out.join("\n")}\n`;
}
