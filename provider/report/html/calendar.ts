/**
 * The renewal calendar of the HTML reports: a timeline (inline SVG) from today to the end of the window with one
 * row per subscription and one marker per calendar entry (renewal, refund window closing, change at renewal),
 * followed by the same entries as tables. Pure.
 */
import { daysBetween } from "../../core/dates";
import type { CalendarEventKind, RenewalsReport } from "../../core/renewals";
import { plural } from "../format";
import { describeAtRenewal, describeCalendarEvent } from "../renewals-text";
import { escapeHtml, renderMoney, renderParagraph, renderSection, renderTable } from "./page";

interface MarkerStyle {
  readonly label: string;
  readonly colour: string;
  readonly tag: "polygon" | "rect" | "circle";
  /** The shape's geometry, centred on (x, y). */
  readonly geometry: (x: number, y: number) => string;
}

const diamond = (x: number, y: number): string => `points="${x},${y - 8} ${x + 8},${y} ${x},${y + 8} ${x - 8},${y}"`;
const triangle = (x: number, y: number): string => `points="${x},${y - 8} ${x + 8},${y + 7} ${x - 8},${y + 7}"`;
const square = (x: number, y: number): string => `x="${x - 7}" y="${y - 7}" width="14" height="14"`;
const dot = (x: number, y: number): string => `cx="${x}" cy="${y}" r="6"`;

const MARKERS: Readonly<Record<CalendarEventKind, MarkerStyle>> = {
  renewal: { label: "renewal", colour: "#1d4ed8", tag: "polygon", geometry: diamond },
  expiry: { label: "term ends (auto-renew off)", colour: "#9f1239", tag: "rect", geometry: square },
  "refund-window-closes": { label: "last refundable day", colour: "#b45309", tag: "polygon", geometry: triangle },
  scheduled: { label: "change scheduled in the portal", colour: "#047857", tag: "circle", geometry: dot },
  planned: { label: "change the next apply schedules", colour: "#6d28d9", tag: "circle", geometry: dot },
  deferred: { label: "change deferred to renewal", colour: "#4b5563", tag: "circle", geometry: dot },
};

const WIDTH = 1000;
const PLOT_X = 300;
const PLOT_END = 980;
const ROW = 36;
const TOP = 34;

function renderTimeline(report: RenewalsReport): string {
  const rows = [...new Set(report.events.map((e) => e.subscriptionId))];
  const names = new Map(report.events.map((e) => [e.subscriptionId, e.name]));
  const span = Math.max(1, report.withinDays);
  const xOf = (date: string): number => PLOT_X + (Math.min(span, Math.max(0, daysBetween(report.today, date))) / span) * (PLOT_END - PLOT_X);
  const height = TOP + rows.length * ROW + 12;
  const out: string[] = [];
  // Month starts as gridlines, with their names on top.
  for (let day = 0; day <= span; day += 1) {
    const date = new Date(Date.parse(`${report.today}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
    if (day !== 0 && !date.endsWith("-01")) continue;
    // A month starting within a few days of today would write over today's label: its line is enough.
    const crowded = day !== 0 && xOf(date) - PLOT_X < 110;
    const x = xOf(date).toFixed(1);
    out.push(`<line class="grid" x1="${x}" y1="${TOP - 12}" x2="${x}" y2="${height - 8}"></line>${crowded ? "" : `<text class="muted" x="${x}" y="${TOP - 18}" font-size="11" text-anchor="${day === 0 ? "start" : "middle"}">${day === 0 ? `today ${date}` : date.slice(0, 7)}</text>`}`);
  }
  rows.forEach((id, i) => {
    const y = TOP + i * ROW + ROW / 2;
    out.push(`<line class="grid" x1="${PLOT_X}" y1="${y}" x2="${PLOT_END}" y2="${y}"></line>`);
    const label = `${id}`;
    out.push(`<text x="8" y="${y - 2}">${escapeHtml(label.length > 40 ? `${label.slice(0, 39)}…` : label)}</text>`);
    const name = names.get(id) ?? "";
    out.push(`<text class="muted" x="8" y="${y + 11}" font-size="11">${escapeHtml(name.length > 46 ? `${name.slice(0, 45)}…` : name)}</text>`);
  });
  // Entries of one subscription on one day sit side by side, centred on their day, so none hides another.
  const sameDay = new Map<string, number>();
  for (const event of report.events) sameDay.set(`${event.subscriptionId} ${event.date}`, (sameDay.get(`${event.subscriptionId} ${event.date}`) ?? 0) + 1);
  const placed = new Map<string, number>();
  for (const event of report.events) {
    const style = MARKERS[event.kind];
    const group = `${event.subscriptionId} ${event.date}`;
    const index = placed.get(group) ?? 0;
    placed.set(group, index + 1);
    const y = TOP + rows.indexOf(event.subscriptionId) * ROW + ROW / 2;
    const x = Number((xOf(event.date) + (index - ((sameDay.get(group) ?? 1) - 1) / 2) * 15).toFixed(1));
    out.push(
      `<g class="event" data-kind="${event.kind}" data-date="${event.date}" data-subscription="${escapeHtml(event.subscriptionId)}"><title>${escapeHtml(`${event.date}: ${describeCalendarEvent(event)}`)}</title><${style.tag} ${style.geometry(x, y)} fill="${style.colour}" stroke="#ffffff" stroke-width="1.5"></${style.tag}></g>`,
    );
  }
  const legend = `<ul class="legend" aria-hidden="true">${(Object.keys(MARKERS) as CalendarEventKind[]).map((k) => `<li><span class="swatch" style="background:${MARKERS[k].colour}"></span>${escapeHtml(MARKERS[k].label)}</li>`).join("")}</ul>`;
  const renewals = report.subscriptions.length;
  const description = `Timeline from ${report.today} to ${report.until}: ${plural(renewals, "renewal")}, ${plural(report.refundWindows.length, "refund window")} closing and ${plural(
    report.events.filter((e) => e.kind === "scheduled" || e.kind === "planned" || e.kind === "deferred").length,
    "change",
  )} at renewal, one row per subscription. The tables below list the same entries.`;
  return [
    '<figure id="calendar-chart" class="chart">',
    `<figcaption>Renewal calendar, ${report.today} to ${report.until}</figcaption>`,
    legend,
    `<svg role="img" aria-labelledby="calendar-chart-title calendar-chart-desc" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">`,
    `<title id="calendar-chart-title">Renewal calendar, ${escapeHtml(report.today)} to ${escapeHtml(report.until)}</title>`,
    `<desc id="calendar-chart-desc">${escapeHtml(description)}</desc>`,
    ...out,
    "</svg>",
    "</figure>",
  ].join("\n");
}

/** The renewals table: one row per renewing subscription, sorted by date. */
export function renderRenewalsTable(report: RenewalsReport): string {
  return renderTable({
    caption: `Renewals by ${report.until}`,
    className: "renewals",
    head: ["Subscription", "Renews", "In", "Auto-renew", "Seats now", "Seats renewing", "Value / month", "Idle at renewal", "Idle / month", "Last refundable day", "At renewal"],
    numeric: [2, 4, 5, 6, 7, 8],
    rows: report.subscriptions.map((r) => [
      { html: `${escapeHtml(r.subscriptionId)}<br><span class="muted">${escapeHtml(r.name)}</span>` },
      { html: `<span class="date">${escapeHtml(r.renewalDate)}</span>` },
      `${r.daysUntil} d`,
      r.autoRenew ? "on" : "off",
      r.seats,
      r.seatsAtRenewal,
      { html: renderMoney(r.recurring.monthly, { "data-field": "renewal-monthly" }), numeric: true },
      r.idleAtRenewal,
      { html: renderMoney(r.idleMonthly), numeric: true },
      r.lastRefundableDay ? { html: `<span class="date">${escapeHtml(r.lastRefundableDay)}</span> (${escapeHtml(plural(r.refundableQuantity, "seat"))})` } : "—",
      describeAtRenewal(r),
    ]),
  });
}

/** The calendar section: timeline, renewals, the entries by date and the totals per currency. */
export function renderCalendarSection(report: RenewalsReport): string {
  const parts: string[] = [];
  if (report.events.length === 0) {
    parts.push(renderParagraph(`Nothing renews, and no refund window closes, from ${report.today} to ${report.until}.`));
  } else {
    parts.push(renderTimeline(report));
    if (report.subscriptions.length > 0) parts.push(renderRenewalsTable(report));
    parts.push(
      renderTable({
        caption: "Calendar entries by date",
        className: "calendar",
        head: ["Date", "Subscription", "What"],
        rows: report.events.map((e) => [{ html: `<span class="date">${escapeHtml(e.date)}</span>` }, e.subscriptionId, describeCalendarEvent(e)]),
      }),
    );
  }
  if (report.totals.length > 0) {
    parts.push(
      renderTable({
        caption: "Renewing per currency (never added across currencies)",
        className: "renewal-totals",
        head: ["Currency", "Renewals", "Value / month", "Idle seats at renewal", "Idle cost / month"],
        numeric: [1, 2, 3, 4],
        rows: report.totals.map((t) => [t.currency, t.renewals, { html: renderMoney(t.monthly, { "data-total": "renewal-monthly" }) }, t.idleAtRenewal, { html: renderMoney(t.idleMonthly, { "data-total": "renewal-idle-monthly" }) }]),
      }),
    );
  }
  return renderSection("renewals", `Renewal calendar: the next ${report.withinDays} days`, parts.join("\n"));
}
