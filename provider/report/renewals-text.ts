/**
 * The renewals report (`csp-seats renewals`) as text for terminals, Markdown for issues and JSON for tools
 * (`kind: csp-seats/renewals`, docs/formats.md), and the words every format uses for a calendar entry. Pure.
 */
import { formatMoney } from "../core/describe";
import type { CalendarEvent, Renewal, RenewalChange, RenewalsReport } from "../core/renewals";
import { alignColumns, escapeMarkdown, plural, sortFindings } from "./format";
import { JSON_FORMAT_VERSION } from "./json";

/** Identifies a renewals document. */
export const RENEWALS_JSON_KIND = "csp-seats/renewals";

const CHANGE_WORDS: Readonly<Record<RenewalChange["kind"], string>> = {
  scheduled: "scheduled in the portal",
  planned: "the next apply schedules",
  deferred: "deferred to renewal",
};

/** `m365-e3 8 -> 7 (scheduled in the portal)`. */
export function describeRenewalChange(change: RenewalChange): string {
  return `${change.sku} ${change.from} -> ${change.to} (${CHANGE_WORDS[change.kind]})`;
}

/** What csp-seats will do at renewal, in words: the changes, or that the seats renew as they are. */
export function describeAtRenewal(renewal: Renewal): string {
  if (!renewal.autoRenew) return `nothing: auto-renew is off, the subscription ends on ${renewal.termEnd}`;
  return renewal.changes.length === 0 ? "renew as is" : renewal.changes.map(describeRenewalChange).join("; ");
}

/** One calendar entry in words (without its date and subscription). */
export function describeCalendarEvent(event: CalendarEvent): string {
  switch (event.kind) {
    case "refund-window-closes":
      return `last day to remove ${plural(event.seats, "seat")} of ${event.sku} with a refund`;
    case "renewal":
      return `renews ${plural(event.seats, "seat")}${event.monthly ? ` (${formatMoney(event.monthly)} / month)` : ""}`;
    case "expiry":
      return `term ends without renewal (auto-renew off)${event.monthly ? `: ${formatMoney(event.monthly)} / month stops` : ""}`;
    default:
      return `${event.sku} ${event.from} -> ${event.seats} (${CHANGE_WORDS[event.kind]})`;
  }
}

function describeIdle(renewal: Renewal): string {
  if (renewal.idleAtRenewal === null) return "?";
  return renewal.idleAtRenewal === 0 ? "0" : `${renewal.idleAtRenewal} (${formatMoney(renewal.idleMonthly)}/mo)`;
}

/** Renders the renewals report as plain text: one row per renewal sorted by date, then the calendar. */
export function renderRenewalsText(report: RenewalsReport): string {
  const out: string[] = [`csp-seats renewals at ${report.checkedAt}: the next ${report.withinDays} days (to ${report.until})`, ""];
  if (report.subscriptions.length === 0) out.push(`No managed subscription renews by ${report.until}.`, "");
  else {
    const rows = [["renews", "in", "subscription", "auto-renew", "seats", "value/month", "idle at renewal", "refundable until", "at renewal"]];
    for (const r of report.subscriptions) {
      rows.push([
        r.renewalDate,
        `${r.daysUntil}d`,
        r.subscriptionId,
        r.autoRenew ? "on" : "OFF",
        r.seatsAtRenewal === r.seats ? String(r.seats) : `${r.seats} -> ${r.seatsAtRenewal}`,
        formatMoney(r.recurring.monthly),
        describeIdle(r),
        r.lastRefundableDay ? `${r.lastRefundableDay} (${r.refundableQuantity})` : "-",
        describeAtRenewal(r),
      ]);
    }
    out.push(...alignColumns(rows, [1, 4, 5]).map((l) => `  ${l}`), "");
  }
  if (report.events.length > 0) {
    out.push("Calendar:");
    out.push(...alignColumns(report.events.map((e) => [e.date, e.subscriptionId, describeCalendarEvent(e)])).map((l) => `  ${l}`), "");
  }
  if (report.totals.length > 0) {
    out.push("Renewing per currency (never added across currencies):");
    out.push(...alignColumns(report.totals.map((t) => [t.currency, plural(t.renewals, "renewal"), `${formatMoney(t.monthly)} / month`, `idle ${plural(t.idleAtRenewal, "seat")} = ${formatMoney(t.idleMonthly)} / month`])).map((l) => `  ${l}`), "");
  }
  for (const f of sortFindings(report.findings)) out.push(`${f.severity === "violation" ? "VIOLATION" : "warning"} ${f.code}  ${f.subscriptionId}: ${f.message}`);
  if (report.findings.length > 0) out.push("");
  return `${out.join("\n")}\n`;
}

/** Renders the renewals report as Markdown (a nightly job's issue). */
export function renderRenewalsMarkdown(report: RenewalsReport): string {
  const out: string[] = ["### csp-seats renewals", "", `The next ${report.withinDays} days (${report.today} to ${report.until}), checked at ${report.checkedAt}.`, ""];
  for (const f of sortFindings(report.findings)) out.push(`- ${f.severity === "violation" ? "⛔ **violation**" : "⚠️ warning"} \`${f.code}\` \`${escapeMarkdown(f.subscriptionId)}\`: ${escapeMarkdown(f.message)}`);
  if (report.findings.length > 0) out.push("");
  if (report.subscriptions.length === 0) out.push(`No managed subscription renews by ${report.until}.`, "");
  else {
    out.push("| Renews | In | Subscription | Auto-renew | Seats | Value / month | Idle at renewal | Refundable until | At renewal |", "| --- | ---: | --- | --- | ---: | ---: | ---: | --- | --- |");
    for (const r of report.subscriptions) {
      const seats = r.seatsAtRenewal === r.seats ? String(r.seats) : `${r.seats} → ${r.seatsAtRenewal}`;
      out.push(
        `| ${r.renewalDate} | ${r.daysUntil}d | \`${escapeMarkdown(r.subscriptionId)}\` ${escapeMarkdown(r.name)} | ${r.autoRenew ? "on" : "**off**"} | ${seats} | ${formatMoney(r.recurring.monthly)} | ${escapeMarkdown(describeIdle(r))} | ${
          r.lastRefundableDay ? `${r.lastRefundableDay} (${r.refundableQuantity})` : "—"
        } | ${escapeMarkdown(describeAtRenewal(r))} |`,
      );
    }
    out.push("");
  }
  if (report.events.length > 0) {
    out.push("| Date | Subscription | What |", "| --- | --- | --- |");
    for (const e of report.events) out.push(`| ${e.date} | \`${escapeMarkdown(e.subscriptionId)}\` | ${escapeMarkdown(describeCalendarEvent(e))} |`);
    out.push("");
  }
  if (report.totals.length > 0) out.push(`Renewing: ${report.totals.map((t) => `${formatMoney(t.monthly)} / month (${plural(t.idleAtRenewal, "idle seat")}, ${formatMoney(t.idleMonthly)} / month)`).join("; ")}.`, "");
  return out.join("\n");
}

/** The renewals report as a JSON document (two-space indented, newline-terminated). */
export function renderRenewalsJson(report: RenewalsReport): string {
  return `${JSON.stringify({ kind: RENEWALS_JSON_KIND, formatVersion: JSON_FORMAT_VERSION, ...report }, null, 2)}\n`;
}
