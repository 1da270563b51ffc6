/** The renewals report as one self-contained HTML page (`csp-seats renewals --format html`). Pure. */
import type { RenewalsReport } from "../../core/renewals";
import { plural } from "../format";
import { renderCalendarSection } from "./calendar";
import { renderPage, renderParagraph } from "./page";
import { renderFindingsSection } from "./sections";

/** Renders the renewals report as a self-contained HTML page: the calendar, the renewals and the totals. */
export function renderRenewalsHtml(report: RenewalsReport): string {
  const intro = [
    renderParagraph(`Checked at ${report.checkedAt}.`, "muted"),
    renderParagraph(`${plural(report.subscriptions.length, "managed subscription")} ${report.subscriptions.length === 1 ? "renews" : "renew"} by ${report.until}; ${report.refundWindows.length === 1 ? "1 refund window closes" : `${report.refundWindows.length} refund windows close`} before then.`, "headline"),
  ];
  return renderPage({
    title: `csp-seats renewals — ${report.today} to ${report.until}`,
    heading: "csp-seats renewals",
    intro,
    sections: [renderCalendarSection(report), renderFindingsSection(report.findings)].filter(Boolean),
    footer: `Written by csp-seats at ${report.checkedAt}. Amounts in different currencies are never added. The JSON form: csp-seats renewals --format json.`,
  });
}
