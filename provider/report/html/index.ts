/** The HTML reports: one self-contained page each (no script, no external URL), charts as inline SVG with tables. */
export { renderPlanHtml, type HtmlReportOptions } from "./plan-html";
export { renderDriftHtml } from "./drift-html";
export { renderRenewalsHtml } from "./renewals-html";
export { renderFleetHtml } from "./fleet-html";
