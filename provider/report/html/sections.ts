/** Sections the plan, drift and fleet pages share: seats per SKU, findings, and money charts per currency. Pure. */
import type { Money } from "../../core/model";
import type { PlanFinding } from "../../core/plan/types";
import { sumIdleSeats, type SeatLine } from "../../core/seat-lines";
import { plural, sortFindings } from "../format";
import { renderBarChart, type ChartRow, type ChartSeries } from "./bar-chart";
import { escapeHtml, formatMoneyText, renderMoney, renderParagraph, renderSection, renderTable, type Cell } from "./page";

export const SEAT_SERIES: readonly ChartSeries[] = [
  { id: "purchased", label: "purchased", colour: "#1d4ed8" },
  { id: "assigned", label: "assigned", colour: "#047857" },
  { id: "desired", label: "desired (seats.yaml)", colour: "#b45309" },
];

/** A money amount as a bar length (geometry only; the text next to it is the exact amount). */
export function toBarValue(money: Money): number {
  return Number(money.amount);
}

function describeAssigned(line: SeatLine): string {
  if (line.assigned === null) return "unknown";
  return line.usageScope ? `${line.assigned} (tenant-wide)` : String(line.assigned);
}

/** Seats per subscription and SKU: the chart (one row per line), the same numbers as a table, idle totals per currency. */
export function renderSeatsSection(lines: readonly SeatLine[], options: { idleNote?: string } = {}): string {
  if (lines.length === 0) return renderSection("seats", "Seats per subscription and SKU", renderParagraph("No managed line."));
  const rows: ChartRow[] = lines.map((line) => ({
    key: `${line.subscriptionId}/${line.sku}`,
    label: line.sku,
    sublabel: line.subscriptionId,
    bars: [
      { series: "purchased", value: line.purchased, text: String(line.purchased) },
      { series: "assigned", value: line.assigned, text: describeAssigned(line) },
      { series: "desired", value: line.desired, text: String(line.desired) },
    ],
    ...(line.idleSeats ? { note: `${line.idleSeats} idle${line.idleMonthly ? ` · ${formatMoneyText(line.idleMonthly)}/mo` : ""}` } : {}),
  }));
  const idleSeats = lines.reduce((sum, l) => sum + (l.idleSeats ?? 0), 0);
  const chart = renderBarChart({
    id: "seats-chart",
    title: "Purchased, assigned and desired seats per subscription and SKU",
    description: `${plural(lines.length, "license line")}; for each, three bars: seats purchased, seats assigned to users and seats seats.yaml asks for. ${plural(idleSeats, "seat")} are idle (purchased, not assigned). The table below lists the same numbers.`,
    series: SEAT_SERIES,
    rows,
    unit: "seats",
  });
  const table = renderTable({
    caption: "Seats per subscription and SKU",
    className: "seats",
    head: ["Subscription", "SKU", "Purchased", "Assigned", "Desired", "Idle seats", "Idle cost / month"],
    numeric: [2, 3, 4, 5, 6],
    rows: lines.map((l): Cell[] => [l.subscriptionId, l.sku, l.purchased, describeAssigned(l), l.desired, l.idleSeats, l.idleMonthly ? { html: renderMoney(l.idleMonthly) } : null]),
  });
  const totals = sumIdleSeats(lines);
  const idle =
    totals.length === 0
      ? ""
      : renderTable({
          caption: "Idle seats per currency (never added across currencies)",
          className: "idle-totals",
          head: ["Currency", "Idle seats", "Idle cost / month"],
          numeric: [1, 2],
          rows: totals.map((t) => [t.currency, t.idleSeats, { html: renderMoney(t.idleMonthly, { "data-total": "idle-monthly" }) }]),
        });
  const notes = [
    lines.some((l) => l.usageScope) ? renderParagraph("Tenant-wide: assigned seats counted across the subscriptions of one SKU; idle seats are not split per subscription.", "muted") : "",
    options.idleNote ? renderParagraph(options.idleNote, "muted") : "",
  ];
  return renderSection("seats", "Seats per subscription and SKU", [chart, table, idle, ...notes].filter(Boolean).join("\n"));
}

/** Groups `items` by currency, sorted by currency code. */
export function groupByCurrency<T extends { readonly currency: string }>(items: readonly T[]): Array<[string, T[]]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.currency, [...(groups.get(item.currency) ?? []), item]);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A money chart for one currency: one row per entry, one bar per series. */
export function renderMoneyChart(options: {
  id: string;
  title: string;
  description: string;
  currency: string;
  series: readonly ChartSeries[];
  rows: ReadonlyArray<{ key: string; label: string; sublabel?: string; amounts: readonly Money[] }>;
}): string {
  return renderBarChart({
    id: options.id,
    title: options.title,
    description: options.description,
    series: options.series,
    unit: options.currency,
    rows: options.rows.map((row) => ({
      key: row.key,
      label: row.label,
      ...(row.sublabel ? { sublabel: row.sublabel } : {}),
      bars: row.amounts.map((amount, i) => ({ series: options.series[i].id, value: toBarValue(amount), text: formatMoneyText(amount) })),
    })),
  });
}

/** Findings, violations first, each with its code, subscription, message and fix. */
export function renderFindingsSection(findings: readonly PlanFinding[]): string {
  if (findings.length === 0) return "";
  const items = sortFindings(findings).map(
    (f) =>
      `<li><span class="badge badge-${f.severity}">${f.severity}</span> <code>${escapeHtml(f.code)}</code> ${escapeHtml(f.subscriptionId)}: ${escapeHtml(f.message)}${f.fix ? ` <span class="muted">Fix: ${escapeHtml(f.fix)}</span>` : ""}${
        f.location ? ` <span class="muted">(${escapeHtml(f.location)})</span>` : ""
      }</li>`,
  );
  return renderSection("findings", `Findings (${findings.length})`, `<ul class="findings">\n${items.join("\n")}\n</ul>`);
}
