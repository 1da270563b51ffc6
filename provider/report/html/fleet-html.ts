/**
 * The fleet report as one self-contained HTML page (`csp-seats fleet ... --format html`): every tenant's status,
 * the one-off charges and refunds per tenant (a chart and a table per currency), the changes, drift, findings
 * and errors. The fleet report carries no portal observation, so this page has no seats chart or calendar. Pure.
 */
import { formatFinding } from "../../core/describe";
import type { FleetReport } from "../fleet-report";
import { summarizeTenant } from "../fleet-text";
import { plural } from "../format";
import type { ChartSeries } from "./bar-chart";
import { escapeHtml, renderMoney, renderPage, renderParagraph, renderSection, renderTable } from "./page";
import { groupByCurrency, renderMoneyChart } from "./sections";

const SERIES: readonly ChartSeries[] = [
  { id: "charge", label: "charges", colour: "#b91c1c" },
  { id: "refund", label: "refunds", colour: "#047857" },
];

function renderMoneySection(report: FleetReport): string {
  const entries = report.tenants.flatMap((tenant) => tenant.totals.map((total) => ({ tenant: tenant.tenant, status: tenant.status, ...total })));
  if (entries.length === 0) return "";
  const parts = [
    renderTable({
      caption: "Totals per currency (never added across currencies)",
      className: "totals",
      head: ["Currency", "Charges", "Refunds", "Net"],
      numeric: [1, 2, 3],
      rows: report.totals.map((t) => [t.currency, { html: renderMoney(t.charge, { "data-total": "charge" }) }, { html: renderMoney(t.refund, { "data-total": "refund" }) }, { html: renderMoney(t.net, { "data-total": "net" }) }]),
    }),
  ];
  for (const [currency, rows] of groupByCurrency(entries)) {
    parts.push(
      `<h3>${escapeHtml(currency)}</h3>`,
      renderMoneyChart({
        id: `fleet-chart-${currency.toLowerCase()}`,
        title: `Charges and refunds per tenant (${currency})`,
        description: `${plural(rows.length, "tenant")} with amounts in ${currency}; for each, two bars: charges and refunds. The table below lists the same amounts.`,
        currency,
        series: SERIES,
        rows: rows.map((r) => ({ key: r.tenant, label: r.tenant, sublabel: r.status, amounts: [r.charge, r.refund] })),
      }),
      renderTable({
        caption: `Charges and refunds per tenant (${currency})`,
        className: "tenant-money",
        head: ["Tenant", "Charges", "Refunds", "Net"],
        numeric: [1, 2, 3],
        rows: rows.map((r) => [r.tenant, { html: renderMoney(r.charge) }, { html: renderMoney(r.refund) }, { html: renderMoney(r.net) }]),
      }),
    );
  }
  return renderSection("money", "Charges and refunds", parts.join("\n"));
}

function renderDetails(report: FleetReport): string {
  const rows = report.tenants.flatMap((t) => [
    ...t.changes.flatMap((c) => c.changes.map((text) => [t.tenant, c.subscriptionId, text])),
    ...t.drift.flatMap((d) => (d.gone ? [[t.tenant, d.subscriptionId, "gone from the portal"]] : d.lines.length === 0 ? [[t.tenant, d.subscriptionId, "drifted"]] : d.lines.map((l) => [t.tenant, d.subscriptionId, `${l.sku}: stack ${l.desired}, portal ${l.purchased}`]))),
    ...t.findings.map((f) => [t.tenant, f.subscriptionId, formatFinding(f, { withSeverity: true })]),
    ...t.errors.map((e) => [t.tenant, "—", `error ${e.code}: ${e.summary}${e.fix ? `. ${e.fix}` : ""}`]),
  ]);
  if (rows.length === 0) return "";
  return renderSection("details", "Changes, drift, findings and errors", renderTable({ caption: "Per tenant and subscription", className: "details", head: ["Tenant", "Subscription", "What"], rows }));
}

/** Renders the fleet report as a self-contained HTML page. */
export function renderFleetHtml(report: FleetReport): string {
  const c = report.counts;
  const scope = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : report.mergedFrom ? ` (merged from ${plural(report.mergedFrom.length, "shard")})` : "";
  const intro = [
    `<p class="${c.error > 0 || report.exitCode !== 0 ? "status-bad" : "status-ok"}">${escapeHtml(`${report.operation}${scope}: ${plural(c.tenants, "tenant")}, ${c.ok} ok, ${c.changes} with changes, ${c.drift} with drift, ${c.error} failed. Exit code ${report.exitCode}.`)}</p>`,
  ];
  const tenants = renderSection(
    "tenants",
    "Tenants",
    report.tenants.length === 0
      ? renderParagraph("No tenant.")
      : renderTable({ caption: "Tenants and their status", className: "tenants", head: ["Tenant", "Status", "Stack", "Summary"], rows: report.tenants.map((t) => [t.tenant, t.status, t.stack, summarizeTenant(t)]) }),
  );
  return renderPage({
    title: `csp-seats fleet ${report.operation}`,
    heading: `csp-seats fleet ${report.operation}`,
    intro,
    sections: [tenants, renderMoneySection(report), renderDetails(report)].filter(Boolean),
    footer: "Written by csp-seats. Amounts in different currencies are never added. The JSON form: --format json.",
  });
}
