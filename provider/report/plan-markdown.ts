/**
 * The plan as a pull-request comment people decide on: a hidden marker (so a workflow updates its own comment in
 * place), a headline with the monthly change per currency, the totals, one table row per subscription (current
 * monthly, change, new monthly, one-off charge or refund now, violations), then per subscription its findings and
 * its line details in `<details>`. Long plans are split into chunks under a size limit (GitHub refuses comments
 * over 65,536 characters), each chunk a complete comment.
 */
import type { Plan, PlanFinding, PlannedLine, RecurringCost, RecurringLine, SubscriptionPlan } from "../core/plan/types";
import { describeDeferredWindow, listDerivations } from "./plan-text";
import { describeMonthlyHeadline, describeRenewal, formatDelta, formatMoney, formatPercent, formatSignedAmount, formatSignedMoney, isZeroMoney } from "../core/describe";
import { hasOrderLines, isOrdering, isUnchanged } from "../core/plan/plan-status";
import { buildApprovedPlan, describeApprovedSubscription } from "../core/plan/approval";
import { escapeMarkdown, plural, sortFindings } from "./format";
import { renderSection, splitSections, type MarkdownSection, type TableBlock } from "./markdown-chunks";

/** GitHub's comment limit is 65,536; stay under it with room for a bot's own wrapper. */
export const DEFAULT_MARKDOWN_MAX_CHARS = 65_000;

/** The first line of a plan comment (of part 1 when it is split): a workflow finds its own comment by it. */
export const PLAN_COMMENT_MARKER = "<!-- csp-seats-plan -->";

/** The first line of part `part` (2 or more) of `parts`. */
export function getPlanPartMarker(part: number, parts: number): string {
  return part === 1 ? PLAN_COMMENT_MARKER : `<!-- csp-seats-plan part ${part}/${parts} -->`;
}

const TITLE = "### csp-seats plan";

function formatFindingItem(f: PlanFinding, withSubscription: boolean): string {
  const where = withSubscription ? ` \`${escapeMarkdown(f.subscriptionId)}\`` : "";
  return `- ${f.severity === "violation" ? "⛔ **violation**" : "⚠️ warning"} \`${f.code}\`${where}: ${escapeMarkdown(f.message)}${f.fix ? ` — ${escapeMarkdown(f.fix)}` : ""}`;
}

function renderLineRow(line: PlannedLine): string {
  const change = line.action === "none" ? "no change" : `${line.currentLimit} → ${line.desired} (${formatDelta(line.delta)})`;
  const estimate = line.estimate ? " (estimate)" : "";
  const money =
    line.action === "up" ? `charge ${formatMoney(line.charge)}${estimate}` : line.action === "down" && line.effective === "now" ? `refund ${formatMoney(line.refund)}${estimate}` : line.deferred ? "deferred: nothing ordered now" : "";
  const when = line.action === "none" ? "" : line.effective === "now" ? line.effectiveDate : line.deferred ? describeDeferredWindow(line.deferred) : describeRenewal(line);
  const assigned = line.usage === null ? "?" : `${line.usage}${line.usageScope ? " (tenant-wide)" : ""}`;
  return `| \`${escapeMarkdown(line.sku)}\` | ${assigned} | ${line.currentLimit} | ${change} | ${money} | ${when} |`;
}

function formatChange(cost: RecurringCost): string {
  return `${formatSignedAmount(cost.monthly.change)} (${formatPercent(cost.percentChange)})`;
}

function renderRecurringRow(line: RecurringLine): string {
  const seats = line.seatsAfter === line.seatsBefore ? String(line.seatsBefore) : `${line.seatsBefore} → ${line.seatsAfter}`;
  return `| \`${escapeMarkdown(line.sku)}\` | ${seats} | ${line.unitPrice.amount} | ${line.monthly.before.amount} | ${formatChange(line)} | ${line.monthly.after.amount} | ${line.effectiveDate ?? ""} |`;
}

/** The latest date a changed SKU is billed at its new count from, when that is later than the plan (a renewal). */
function getCompletionDate(subscription: SubscriptionPlan, today: string): string | undefined {
  const dates = (subscription.recurring?.lines ?? []).map((l) => l.effectiveDate).filter((d): d is string => d !== undefined && d > today);
  return dates.length > 0 ? dates.sort()[dates.length - 1] : undefined;
}

function describeOneOff(subscription: SubscriptionPlan): string {
  if (subscription.blocked) return "nothing (blocked)";
  const parts = [
    ...(isZeroMoney(subscription.charge) ? [] : [`charge ${formatMoney(subscription.charge)}`]),
    ...(isZeroMoney(subscription.refund) ? [] : [`refund ${formatMoney(subscription.refund)}`]),
  ];
  return parts.length > 0 ? parts.join(", ") : "—";
}

function renderOverviewRow(subscription: SubscriptionPlan, today: string): string {
  const name = `\`${escapeMarkdown(subscription.subscriptionId)}\` ${escapeMarkdown(subscription.name)}`;
  const violations = subscription.findings.filter((f) => f.severity === "violation").length;
  const recurring = subscription.recurring;
  if (!recurring) return `| ${name} | ? | ? | ? | ${describeOneOff(subscription)} | ${violations > 0 ? `⛔ ${violations}` : "—"} |`;
  const { total, requested } = recurring;
  const by = getCompletionDate(subscription, today);
  const change = requested
    ? `${formatSignedMoney(total.monthly.change)} (blocked: asks ${formatSignedMoney(requested.monthly.change)}, ${formatPercent(requested.percentChange)})`
    : `${formatSignedMoney(total.monthly.change)} (${formatPercent(total.percentChange)})${by ? ` by ${by}` : ""}`;
  return `| ${name} | ${formatMoney(total.monthly.before)} | ${change} | ${formatMoney(total.monthly.after)} | ${describeOneOff(subscription)} | ${violations > 0 ? `⛔ ${violations}` : "—"} |`;
}

function describeSubscriptionMoney(subscription: SubscriptionPlan): string {
  const parts: string[] = [];
  const recurring = subscription.recurring;
  if (recurring?.requested) {
    const asked = recurring.requested;
    parts.push(`Monthly: stays **${formatMoney(recurring.total.monthly.before)}**; the file asks for ${formatMoney(asked.monthly.after)} (${formatSignedMoney(asked.monthly.change)}, ${formatPercent(asked.percentChange)}), not ordered while blocked`);
  } else if (recurring) {
    const { total } = recurring;
    parts.push(`Monthly: **${formatMoney(total.monthly.before)} → ${formatMoney(total.monthly.after)}** (${formatSignedMoney(total.monthly.change)}, ${formatPercent(total.percentChange)})`);
  }
  if (recurring && recurring.monthsPerPeriod !== 1) {
    const cost = recurring.requested ?? recurring.total;
    parts.push(`billed every ${recurring.monthsPerPeriod} months: ${formatMoney(cost.perPeriod.before)} → ${formatMoney(cost.perPeriod.after)}`);
  }
  if (!subscription.blocked && hasOrderLines(subscription)) {
    parts.push(`now: charge **${formatMoney(subscription.charge)}**, refund **${formatMoney(subscription.refund)}**, net **${formatMoney(subscription.net)}**`);
    parts.push(`payment: ${escapeMarkdown(subscription.paymentMethodLabel ?? "portal default")}`);
  }
  return parts.join(" · ");
}

const LINE_HEADER: TableBlock["header"] = ["| SKU | Assigned | Purchased | Change | Charge / refund | Effective |", "| --- | ---: | ---: | --- | ---: | --- |"];
const RECURRING_HEADER: TableBlock["header"] = [
  "| SKU | Seats | Unit price / period | Current monthly | Monthly change | New monthly | From |",
  "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
];

function buildSubscriptionSection(subscription: SubscriptionPlan): MarkdownSection {
  const lead: string[] = [];
  if (subscription.blocked) lead.push("> **Blocked**: a violation below stops this subscription; nothing will be ordered.", "");
  const money = describeSubscriptionMoney(subscription);
  if (money) lead.push(money);
  // The up-on-merge workflow collects these `id=sha256:...` lines into csp-seats:approvedPlan.
  if (isOrdering(subscription)) lead.push("", `Approval: \`${subscription.subscriptionId}=${describeApprovedSubscription(subscription).digest}\``);
  const findings = sortFindings(subscription.findings).map((f) => formatFindingItem(f, false));
  const recurringRows = (subscription.recurring?.lines ?? []).map(renderRecurringRow);
  return {
    heading: `#### \`${escapeMarkdown(subscription.subscriptionId)}\` ${escapeMarkdown(subscription.name)} (${subscription.currency})`,
    blocks: [
      { kind: "lines", lines: lead },
      { kind: "lines", lines: findings },
      {
        kind: "details",
        summary: `Line details (${plural(subscription.lines.length, "line")}, monthly cost per SKU in ${escapeMarkdown(subscription.currency)})`,
        blocks: [
          { kind: "table", header: LINE_HEADER, rows: subscription.lines.map(renderLineRow) },
          { kind: "table", header: RECURRING_HEADER, rows: recurringRows },
          { kind: "lines", lines: listDerivations(subscription.lines).map(([sku, text]) => `- target \`${escapeMarkdown(sku)}\`: ${escapeMarkdown(text)}`) },
        ],
      },
    ],
  };
}

/** A subscription gets its own section when it changes or has anything to say (a warning alone is enough). */
function hasSection(subscription: SubscriptionPlan): boolean {
  return !isUnchanged(subscription) || subscription.findings.length > 0;
}

function buildSummarySection(plan: Plan): MarkdownSection {
  const toOrder = plan.subscriptions.filter(hasOrderLines).length;
  const blocked = plan.subscriptions.filter((s) => s.blocked).length;
  const unchanged = plan.subscriptions.filter(isUnchanged).length;
  const lead = [`**${describeMonthlyHeadline(plan.recurringTotals)}**`, ""];
  lead.push(`**${plural(toOrder, "order")}** to place, ${blocked} blocked, ${unchanged} unchanged (planned at ${plan.plannedAt}).`);
  if (blocked > 0) lead.push("", "Blocked subscriptions order nothing, so the monthly totals leave them as they are.");
  if (plan.hasViolations) lead.push("", "> ⛔ This plan has violations: fix them before applying.");
  if (plan.subscriptions.some(isOrdering)) lead.push("", `Approval digest: \`${buildApprovedPlan(plan).digest}\` (each order's own digest is under its subscription; \`pulumi up\` with csp-seats:approvedPlan orders only these).`);
  const recurring = new Map(plan.recurringTotals.map((t) => [t.currency, t]));
  const rows = plan.totals.map((t) => {
    const monthly = recurring.get(t.currency);
    const cells = monthly ? [monthly.monthly.before.amount, `${formatSignedAmount(monthly.monthly.change)} (${formatPercent(monthly.percentChange)})`, monthly.monthly.after.amount] : ["?", "?", "?"];
    return `| ${t.currency} | ${cells.join(" | ")} | ${t.charge.amount} | ${t.refund.amount} | ${t.net.amount} |`;
  });
  const subscriptionIds = new Set(plan.subscriptions.map((s) => s.subscriptionId));
  const fileWide = sortFindings(plan.findings.filter((f) => !subscriptionIds.has(f.subscriptionId)));
  return {
    blocks: [
      { kind: "lines", lines: lead },
      {
        kind: "table",
        header: ["| Currency | Current monthly | Monthly change | New monthly | Charge now | Refund now | Net now |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"],
        rows,
      },
      { kind: "lines", lines: fileWide.map((f) => formatFindingItem(f, true)) },
    ],
  };
}

const UNCHANGED_PER_LINE = 10;

function buildOverviewSection(plan: Plan): MarkdownSection | undefined {
  if (plan.subscriptions.length === 0) return undefined;
  const today = plan.plannedAt.slice(0, 10);
  const unchanged = plan.subscriptions.filter(isUnchanged).map((s) => `\`${escapeMarkdown(s.subscriptionId)}\` ${escapeMarkdown(s.name)}`);
  const unchangedLines: string[] = [];
  for (let i = 0; i < unchanged.length; i += UNCHANGED_PER_LINE) {
    unchangedLines.push(`${unchanged.slice(i, i + UNCHANGED_PER_LINE).join(", ")}${i + UNCHANGED_PER_LINE < unchanged.length ? "," : ""}`);
  }
  return {
    heading: "#### Subscriptions",
    blocks: [
      {
        kind: "table",
        header: ["| Subscription | Current monthly | Monthly change | New monthly | One-off now | Violations |", "| --- | ---: | ---: | ---: | ---: | ---: |"],
        rows: plan.subscriptions.filter(hasSection).map((s) => renderOverviewRow(s, today)),
      },
      { kind: "details", summary: `${plural(unchanged.length, "subscription")} without changes`, blocks: [{ kind: "lines", lines: unchangedLines }] },
    ],
  };
}

function buildSections(plan: Plan): MarkdownSection[] {
  const overview = buildOverviewSection(plan);
  return [buildSummarySection(plan), ...(overview ? [overview] : []), ...plan.subscriptions.filter(hasSection).map(buildSubscriptionSection)];
}

/** Renders `plan` as one Markdown comment: the marker line, the title, then every section. */
export function renderPlanMarkdown(plan: Plan): string {
  return [PLAN_COMMENT_MARKER, TITLE, "", ...buildSections(plan).flatMap(renderSection)].join("\n");
}

const HEADER_BUDGET = 100;

/**
 * Renders `plan` as Markdown chunks of at most `maxChars` characters each (default 65,000), one comment each.
 * Part 1 starts with PLAN_COMMENT_MARKER, the headline and the totals; part N (2+) starts with
 * `<!-- csp-seats-plan part N/M -->`. A subscription is split only when it alone is too long, and then every
 * piece repeats its heading ("continued") and its table's header rows, so each chunk renders on its own.
 */
export function renderPlanMarkdownChunks(plan: Plan, options: { maxChars?: number } = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS;
  if (maxChars < HEADER_BUDGET + 500) throw new RangeError(`maxChars must be at least ${HEADER_BUDGET + 500}, got ${maxChars}`);
  const whole = renderPlanMarkdown(plan);
  if (whole.length <= maxChars) return [whole];
  const bodies = splitSections(buildSections(plan), maxChars - HEADER_BUDGET);
  return bodies.map((body, i) => `${getPlanPartMarker(i + 1, bodies.length)}\n${TITLE} (part ${i + 1} of ${bodies.length})\n\n${body}`);
}
