/** Drift as plain text: desired vs purchased vs assigned per line, idle seats and what they cost, open refund windows. */
import type { DriftLine, DriftReport } from "../core/drift";
import { alignColumns, formatDelta, formatMoney, plural, sortFindings } from "./format";

function describeDrift(line: DriftLine): string {
  if (line.difference === 0) return "in sync";
  if (line.deferred) return line.deferred.ready ? `DRIFT ${line.deferred.message}` : `scheduled: ${line.deferred.message}`;
  const direction = line.difference > 0 ? `${formatDelta(line.difference)} purchased beyond the file` : `${formatDelta(line.difference)} fewer than the file`;
  return line.convergesOn ? `scheduled: ${direction} until ${line.convergesOn}` : `DRIFT ${direction}`;
}

/** Renders a drift report as plain text. */
export function renderDriftText(report: DriftReport): string {
  const out: string[] = [`csp-seats drift at ${report.checkedAt}`, ""];
  for (const subscription of report.subscriptions) {
    out.push(`${subscription.subscriptionId}  ${subscription.name}  (${subscription.currency}, renewal ${subscription.renewalDate})`);
    const rows: string[][] = [["SKU", "desired", "purchased", "assigned", "idle", "idle cost/period", "refundable", "status"]];
    for (const line of subscription.lines) {
      rows.push([
        line.sku,
        String(line.desired),
        String(line.purchased),
        line.assigned === null ? "?" : `${line.assigned}${line.usageScope ? "*" : ""}`,
        line.idleSeats === null ? "?" : String(line.idleSeats),
        line.idleCost ? formatMoney(line.idleCost) : "?",
        line.refundableQuantity > 0 ? `${line.refundableQuantity} until ${line.refundableUntil}` : "0",
        describeDrift(line),
      ]);
    }
    out.push(...alignColumns(rows, [1, 2, 3, 4, 5]).map((l) => `  ${l}`));
    for (const line of subscription.lines) {
      for (const change of line.scheduledChanges) out.push(`  scheduled: ${line.sku} to ${change.quantity} on ${change.effectiveDate}`);
      if (line.usageScope) out.push(`  * ${line.sku}: assigned seats counted ${line.usageScope}`);
    }
    out.push("");
  }
  if (report.idleTotals.length > 0) {
    out.push("Idle seats (paid, not assigned) per billing period:");
    out.push(...alignColumns(report.idleTotals.map((t) => [t.currency, plural(t.idleSeats, "seat"), formatMoney(t.idleCost)])).map((l) => `  ${l}`), "");
  }
  if (report.findings.length > 0) {
    out.push("Findings:");
    for (const f of sortFindings(report.findings)) {
      out.push(`  ${f.severity === "violation" ? "VIOLATION" : "warning  "} ${f.code}  ${f.subscriptionId}: ${f.message}`);
      if (f.fix) out.push(`             fix: ${f.fix}`);
    }
    out.push("");
  }
  const drifted = report.subscriptions.flatMap((s) => s.lines.filter((l) => l.drifted));
  const scheduled = report.subscriptions.flatMap((s) => s.lines.filter((l) => !l.drifted && l.convergesOn !== undefined));
  out.push(
    report.hasDrift
      ? `Drift: ${plural(drifted.length, "line")} in ${plural(report.subscriptions.filter((s) => s.hasDrift).length, "subscription")} differ from the file; run \`csp-seats plan\` to see what converging costs.`
      : scheduled.length > 0
        ? `No drift: every managed line matches the file, or will at renewal (${plural(scheduled.length, "scheduled change")}).`
        : "No drift: every managed line matches the file.",
  );
  return `${out.join("\n")}\n`;
}
