/**
 * Drift as one self-contained HTML page (`csp-seats drift --format html`): desired vs purchased vs assigned per
 * subscription and SKU, idle seats and their monthly cost, the renewal calendar and the findings. Pure.
 */
import type { DriftLine, DriftReport } from "../../core/drift";
import { formatDelta } from "../../core/describe";
import { listDriftSeatLines } from "../../core/seat-lines";
import { plural } from "../format";
import { renderCalendarSection } from "./calendar";
import { escapeHtml, renderMoney, renderPage, renderParagraph, renderSection, renderTable } from "./page";
import type { HtmlReportOptions } from "./plan-html";
import { renderFindingsSection, renderSeatsSection } from "./sections";

function describeStatus(line: DriftLine): string {
  if (line.difference === 0) return "in sync";
  if (line.convergesOn) return `${formatDelta(line.difference)}, matches on ${line.convergesOn}`;
  return `drift ${formatDelta(line.difference)}`;
}

function renderStatusSection(report: DriftReport): string {
  const rows = report.subscriptions.flatMap((s) =>
    s.lines.map((l) => [
      s.subscriptionId,
      l.sku,
      describeStatus(l),
      l.refundableQuantity > 0 ? `${l.refundableQuantity} until ${l.refundableUntil}` : "0",
      l.scheduledChanges.map((c) => `${c.quantity} on ${c.effectiveDate}`).join(", ") || "—",
      s.renewalDate,
    ]),
  );
  const table = renderTable({ caption: "Drift per subscription and SKU", className: "drift", head: ["Subscription", "SKU", "Status", "Refundable now", "Scheduled at renewal", "Renewal"], rows });
  const idle =
    report.idleTotals.length === 0
      ? ""
      : renderTable({
          caption: "Idle seats per currency, per billing period (as in the JSON report)",
          className: "idle-period-totals",
          head: ["Currency", "Idle seats", "Idle cost / billing period"],
          numeric: [1, 2],
          rows: report.idleTotals.map((t) => [t.currency, t.idleSeats, { html: renderMoney(t.idleCost, { "data-total": "idle-period" }) }]),
        });
  return renderSection("drift", "Drift", [table, idle].filter(Boolean).join("\n"));
}

/** Renders a drift report as a self-contained HTML page. */
export function renderDriftHtml(report: DriftReport, options: HtmlReportOptions = {}): string {
  const drifted = report.subscriptions.flatMap((s) => s.lines.filter((l) => l.drifted));
  const status = report.hasErrors
    ? "The comparison is incomplete: fix the findings below."
    : report.hasDrift
      ? `Drift: ${plural(drifted.length, "line")} differ from seats.yaml; run csp-seats plan to see what converging costs.`
      : "No drift: every managed line matches seats.yaml, or will at renewal.";
  const intro = [renderParagraph(`Checked at ${report.checkedAt}.`, "muted"), `<p class="${report.hasDrift || report.hasErrors ? "status-bad" : "status-ok"}">${escapeHtml(status)}</p>`];
  const sections = [
    renderSeatsSection(report.subscriptions.flatMap(listDriftSeatLines)),
    renderStatusSection(report),
    options.renewals ? renderCalendarSection(options.renewals) : "",
    renderFindingsSection(report.findings),
  ].filter(Boolean);
  return renderPage({
    title: `csp-seats drift — ${report.checkedAt}`,
    heading: "csp-seats drift",
    intro,
    sections,
    footer: `Written by csp-seats at ${report.checkedAt}. Amounts in different currencies are never added. The JSON form: csp-seats drift --format json.`,
  });
}
