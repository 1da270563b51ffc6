/**
 * The plan as one self-contained HTML page (`csp-seats plan --format html`): the monthly cost before and after
 * per subscription, the one-off charges and refunds, seats per SKU, the renewal calendar and the findings.
 * Every chart has its table; money is shown per currency and never added across currencies. Pure.
 */
import { describeChange, describeMonthlyHeadline, formatPercent, isZeroMoney } from "../../core/describe";
import { hasOrderLines, listChangedLines } from "../../core/plan/plan-status";
import type { Plan, SubscriptionPlan, SubscriptionRecurring } from "../../core/plan/types";
import type { RenewalsReport } from "../../core/renewals";
import { listPlanSeatLines } from "../../core/seat-lines";
import { plural } from "../format";
import type { ChartSeries } from "./bar-chart";
import { renderCalendarSection } from "./calendar";
import { escapeHtml, renderMoney, renderPage, renderParagraph, renderSection, renderTable } from "./page";
import { groupByCurrency, renderFindingsSection, renderMoneyChart, renderSeatsSection } from "./sections";

/** What the HTML pages of plan and drift show besides their report. */
export interface HtmlReportOptions {
  /** The renewal calendar of the same observation (core/renewals.ts computeRenewals). */
  readonly renewals?: RenewalsReport;
}

const MONTHLY_SERIES: readonly ChartSeries[] = [
  { id: "before", label: "monthly now", colour: "#4b5563" },
  { id: "after", label: "monthly after the plan", colour: "#1d4ed8" },
];

const ONE_OFF_SERIES: readonly ChartSeries[] = [
  { id: "charge", label: "charged now", colour: "#b91c1c" },
  { id: "refund", label: "refunded now", colour: "#047857" },
];

function renderTotals(plan: Plan): string {
  const parts: string[] = [];
  if (plan.recurringTotals.length > 0) {
    parts.push(
      renderTable({
        caption: "Monthly recurring cost per currency (blocked subscriptions unchanged)",
        className: "recurring-totals",
        head: ["Currency", "Now / month", "After / month", "Change", "Change %"],
        numeric: [1, 2, 3, 4],
        rows: plan.recurringTotals.map((t) => [
          t.currency,
          { html: renderMoney(t.monthly.before, { "data-total": "monthly-before" }) },
          { html: renderMoney(t.monthly.after, { "data-total": "monthly-after" }) },
          { html: renderMoney(t.monthly.change, { "data-total": "monthly-change" }) },
          formatPercent(t.percentChange),
        ]),
      }),
    );
  }
  if (plan.totals.length > 0) {
    parts.push(
      renderTable({
        caption: "One-off charges and refunds per currency (never added across currencies)",
        className: "totals",
        head: ["Currency", "Charged now", "Refunded now", "Net"],
        numeric: [1, 2, 3],
        rows: plan.totals.map((t) => [
          t.currency,
          { html: renderMoney(t.charge, { "data-total": "charge" }) },
          { html: renderMoney(t.refund, { "data-total": "refund" }) },
          { html: renderMoney(t.net, { "data-total": "net" }) },
        ]),
      }),
    );
  }
  return renderSection("totals", "Totals", parts.length > 0 ? `<div class="side-by-side">\n${parts.join("\n")}\n</div>` : renderParagraph("No managed subscription."));
}

function describeStatus(s: SubscriptionPlan): string {
  if (s.blocked) return "blocked by a violation: nothing is ordered";
  const changes = listChangedLines(s).map((l) => describeChange(l));
  return changes.length > 0 ? changes.join("; ") : "no change";
}

function renderMoneySection(plan: Plan): string {
  const withRecurring = plan.subscriptions.filter((s): s is SubscriptionPlan & { readonly recurring: SubscriptionRecurring } => s.recurring !== undefined);
  const parts: string[] = [];
  for (const [currency, subscriptions] of groupByCurrency(withRecurring)) {
    const slug = currency.toLowerCase();
    parts.push(`<h3>${escapeHtml(currency)}</h3>`);
    parts.push(
      renderMoneyChart({
        id: `monthly-chart-${slug}`,
        title: `Monthly cost per subscription, now and after the plan (${currency})`,
        description: `${plural(subscriptions.length, "subscription")} billed in ${currency}; for each, two bars: the monthly cost of its managed licenses now and after the plan. The table below lists the same amounts.`,
        currency,
        series: MONTHLY_SERIES,
        rows: subscriptions.map((s) => ({ key: s.subscriptionId, label: s.subscriptionId, sublabel: s.name, amounts: [s.recurring.total.monthly.before, s.recurring.total.monthly.after] })),
      }),
    );
    const ordered = subscriptions.filter((s) => !isZeroMoney(s.charge) || !isZeroMoney(s.refund));
    if (ordered.length > 0) {
      parts.push(
        renderMoneyChart({
          id: `one-off-chart-${slug}`,
          title: `One-off charges and refunds per subscription (${currency})`,
          description: `${plural(ordered.length, "subscription")} with a charge or a refund now; for each, two bars: the prorated charge and the refund. The table below lists the same amounts.`,
          currency,
          series: ONE_OFF_SERIES,
          rows: ordered.map((s) => ({ key: s.subscriptionId, label: s.subscriptionId, sublabel: s.name, amounts: [s.charge, s.refund] })),
        }),
      );
    } else {
      parts.push(renderParagraph(`No one-off charge or refund in ${currency}.`, "muted"));
    }
    parts.push(
      renderTable({
        caption: `Cost per subscription (${currency})`,
        className: "subscription-money",
        head: ["Subscription", "Now / month", "After / month", "Change", "Change %", "Charged now", "Refunded now", "What changes"],
        numeric: [1, 2, 3, 4, 5, 6],
        rows: subscriptions.map((s) => {
          const total = s.recurring.total;
          return [
            { html: `${escapeHtml(s.subscriptionId)}<br><span class="muted">${escapeHtml(s.name)}</span>` },
            { html: renderMoney(total.monthly.before), numeric: true },
            { html: renderMoney(total.monthly.after), numeric: true },
            { html: renderMoney(total.monthly.change), numeric: true },
            formatPercent(total.percentChange),
            { html: renderMoney(s.charge), numeric: true },
            { html: renderMoney(s.refund), numeric: true },
            describeStatus(s),
          ];
        }),
      }),
    );
  }
  if (parts.length === 0) return "";
  return renderSection("money", "Monthly cost and one-off charges per subscription", parts.join("\n"));
}

/** Renders `plan` as a self-contained HTML page. */
export function renderPlanHtml(plan: Plan, options: HtmlReportOptions = {}): string {
  const toOrder = plan.subscriptions.filter(hasOrderLines).length;
  const blocked = plan.subscriptions.filter((s) => s.blocked).length;
  const violations = plan.findings.filter((f) => f.severity === "violation").length;
  const summary = `${plural(toOrder, "order")} to place, ${blocked} blocked, ${plural(plan.subscriptions.length, "subscription")} managed${violations > 0 ? `; ${plural(violations, "violation")}: fix them before applying` : ""}.`;
  const intro = [
    renderParagraph(`Planned at ${plan.plannedAt}.`, "muted"),
    renderParagraph(plan.subscriptions.length > 0 ? describeMonthlyHeadline(plan.recurringTotals) : "Nothing to plan.", "headline"),
    `<p class="${violations > 0 ? "status-bad" : "status-ok"}">${escapeHtml(summary)}</p>`,
  ];
  const sections = [
    renderTotals(plan),
    renderSeatsSection(plan.subscriptions.flatMap(listPlanSeatLines), { idleNote: "Idle seats are counted before the plan: what is paid for now and not assigned." }),
    options.renewals ? renderCalendarSection(options.renewals) : "",
    renderMoneySection(plan),
    renderFindingsSection(plan.findings),
  ].filter(Boolean);
  return renderPage({
    title: `csp-seats plan — ${plan.plannedAt}`,
    heading: "csp-seats plan",
    intro,
    sections,
    footer: `Written by csp-seats at ${plan.plannedAt}. Amounts in different currencies are never added. The JSON form of this plan: csp-seats plan --format json.`,
  });
}
