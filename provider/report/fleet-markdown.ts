/**
 * The fleet report as Markdown for pull-request comments: a summary table (one row per tenant) and the totals
 * per currency first, then one section per tenant with something to say. Chunked like the plan: each chunk
 * fits one comment (default 65,000 characters), and a tenant's section is split only when it alone is too long.
 * Pure.
 */
import { formatFinding, formatMoney } from "../core/describe";
import type { TenantOutcome } from "../core/fleet-types";
import type { FleetReport } from "./fleet-report";
import { escapeMarkdown, plural } from "./format";
import { DEFAULT_MARKDOWN_MAX_CHARS } from "./plan-markdown";
import { summarizeTenant } from "./fleet-text";

const ICON: Record<TenantOutcome["status"], string> = { ok: "✅", changes: "📝", drift: "⚠️", error: "❌" };

function renderSummary(report: FleetReport): string {
  const c = report.counts;
  const scope = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : report.mergedFrom ? ` (merged from ${report.mergedFrom.length} shards)` : "";
  const out = [
    `**${report.operation}**${scope}: ${plural(c.tenants, "tenant")} — ${c.ok} ok, ${c.changes} with changes, ${c.drift} with drift, ${c.error} failed. Exit code ${report.exitCode}.`,
    "",
  ];
  if (report.tenants.length > 0) {
    out.push("| tenant | status | summary |", "|---|---|---|");
    for (const t of report.tenants) out.push(`| \`${escapeMarkdown(t.tenant)}\` | ${ICON[t.status]} ${t.status} | ${escapeMarkdown(summarizeTenant(t))} |`);
    out.push("");
  }
  if (report.totals.length > 0) {
    out.push("| currency | charges | refunds | net |", "|---|---:|---:|---:|");
    for (const t of report.totals) out.push(`| ${t.currency} | ${t.charge.amount} | ${t.refund.amount} | ${t.net.amount} |`);
    out.push("", "_Totals per currency; amounts in different currencies are never added._", "");
  }
  return out.join("\n");
}

function hasSection(tenant: TenantOutcome): boolean {
  return tenant.changes.length + tenant.drift.length + tenant.findings.length + tenant.errors.length > 0;
}

function renderTenantSection(tenant: TenantOutcome): string {
  const out = [`#### ${ICON[tenant.status]} \`${escapeMarkdown(tenant.tenant)}\``, ""];
  if (tenant.changes.length > 0) {
    out.push("| subscription | change | charge | refund |", "|---|---|---:|---:|");
    for (const change of tenant.changes) {
      out.push(`| \`${escapeMarkdown(change.subscriptionId)}\` | ${change.changes.map(escapeMarkdown).join("<br>")} | ${formatMoney(change.charge)} | ${formatMoney(change.refund)} |`);
    }
    out.push("");
  }
  for (const d of tenant.drift) {
    if (d.gone) out.push(`- \`${escapeMarkdown(d.subscriptionId)}\`: gone from the portal`);
    else if (d.lines.length === 0) out.push(`- \`${escapeMarkdown(d.subscriptionId)}\`: drifted`);
    for (const l of d.lines) out.push(`- \`${escapeMarkdown(d.subscriptionId)}\` \`${escapeMarkdown(l.sku)}\`: stack ${l.desired}, portal ${l.purchased}`);
  }
  for (const f of tenant.findings) out.push(`- ${f.severity === "violation" ? "⛔" : "⚠️"} \`${escapeMarkdown(f.subscriptionId)}\`: ${escapeMarkdown(formatFinding(f, { withSeverity: true, withFix: false }))}`);
  for (const e of tenant.errors) out.push(`- ❌ \`${e.code}\` ${escapeMarkdown(e.summary)}${e.fix ? ` — ${escapeMarkdown(e.fix)}` : ""}`);
  out.push("");
  return out.join("\n");
}

const TITLE = "### csp-seats fleet";

/** Renders `report` as one Markdown document. */
export function renderFleetMarkdown(report: FleetReport): string {
  return `${TITLE}\n\n${[renderSummary(report), ...report.tenants.filter(hasSection).map(renderTenantSection)].join("\n")}`;
}

function splitOversized(section: string, max: number): string[] {
  if (section.length <= max) return [section];
  const pieces: string[] = [];
  let current = "";
  for (const line of section.split("\n")) {
    const piece = line.length > max ? `${line.slice(0, max - 2)}…` : line;
    if (current && current.length + piece.length + 1 > max) {
      pieces.push(current);
      current = "";
    }
    current += `${piece}\n`;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Renders `report` as Markdown chunks of at most `maxChars` characters (default 65,000), one comment each. */
export function renderFleetMarkdownChunks(report: FleetReport, options: { maxChars?: number } = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS;
  const headerBudget = TITLE.length + 40;
  if (maxChars < headerBudget + 200) throw new RangeError(`maxChars must be at least ${headerBudget + 200}, got ${maxChars}`);
  const whole = renderFleetMarkdown(report);
  if (whole.length <= maxChars) return [whole];
  const budget = maxChars - headerBudget;
  const sections = [renderSummary(report), ...report.tenants.filter(hasSection).map(renderTenantSection)].flatMap((s) => splitOversized(s, budget));
  const bodies: string[] = [];
  let current = "";
  for (const section of sections) {
    if (current && current.length + section.length + 1 > budget) {
      bodies.push(current);
      current = "";
    }
    current += `${section}\n`;
  }
  if (current) bodies.push(current);
  return bodies.map((body, i) => `${TITLE} (part ${i + 1} of ${bodies.length})\n\n${body}`);
}
