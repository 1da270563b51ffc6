/** Drift as Markdown (a scheduled job's issue or PR comment). */
import type { DriftReport } from "../core/drift";
import { escapeMarkdown, formatDelta, formatMoney, plural, sortFindings } from "./format";

/** Renders a drift report as Markdown. */
export function renderDriftMarkdown(report: DriftReport): string {
  const out: string[] = ["### csp-seats drift", ""];
  out.push(report.hasDrift ? `**Drift found** (checked at ${report.checkedAt}).` : `No drift (checked at ${report.checkedAt}).`, "");
  for (const f of sortFindings(report.findings)) {
    out.push(`- ${f.severity === "violation" ? "⛔ **violation**" : "⚠️ warning"} \`${f.code}\` \`${escapeMarkdown(f.subscriptionId)}\`: ${escapeMarkdown(f.message)}${f.fix ? ` — ${escapeMarkdown(f.fix)}` : ""}`);
  }
  if (report.findings.length > 0) out.push("");
  for (const subscription of report.subscriptions) {
    out.push(`#### \`${escapeMarkdown(subscription.subscriptionId)}\` ${escapeMarkdown(subscription.name)} (${subscription.currency})`, "");
    out.push("| SKU | Desired | Purchased | Assigned | Idle | Idle cost / period | Refundable | Status |", "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    for (const line of subscription.lines) {
      const status = line.difference === 0 ? "in sync" : line.deferred ? (line.deferred.ready ? `**drift: ${line.deferred.message}**` : `scheduled: ${line.deferred.message}`) : line.convergesOn ? `${formatDelta(line.difference)}, matches on ${line.convergesOn}` : `**drift ${formatDelta(line.difference)}**`;
      out.push(
        `| \`${escapeMarkdown(line.sku)}\` | ${line.desired} | ${line.purchased} | ${line.assigned ?? "?"}${line.usageScope ? " (tenant-wide)" : ""} | ${line.idleSeats ?? "?"} | ${
          line.idleCost ? formatMoney(line.idleCost) : "?"
        } | ${line.refundableQuantity > 0 ? `${line.refundableQuantity} until ${line.refundableUntil}` : "0"} | ${status} |`,
      );
    }
    out.push("");
  }
  if (report.idleTotals.length > 0) {
    out.push(`Idle seats per billing period: ${report.idleTotals.map((t) => `${plural(t.idleSeats, "seat")} = ${formatMoney(t.idleCost)}`).join("; ")}.`, "");
  }
  return out.join("\n");
}
