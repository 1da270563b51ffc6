/**
 * The plan as Markdown for a pull-request comment. Long plans are split into chunks under a size limit
 * (GitHub refuses comments over 65,536 characters), each chunk a complete, readable comment.
 */
import type { Plan, PlannedLine, SubscriptionPlan } from "../core/plan/types";
import { describeRenewal, formatDelta, formatMoney } from "../core/describe";
import { hasOrderLines, isUnchanged } from "../core/plan/plan-status";
import { escapeMarkdown, plural, sortFindings } from "./format";

/** GitHub's comment limit is 65,536; stay under it with room for a bot's own wrapper. */
export const DEFAULT_MARKDOWN_MAX_CHARS = 65_000;

function renderLineRow(line: PlannedLine): string {
  const change = line.action === "none" ? "no change" : `${line.currentLimit} → ${line.desired} (${formatDelta(line.delta)})`;
  const money = line.action === "up" ? `charge ${formatMoney(line.charge)}` : line.action === "down" && line.effective === "now" ? `refund ${formatMoney(line.refund)}` : "";
  const when =
    line.action === "none" ? "" : line.effective === "now" ? line.effectiveDate : describeRenewal(line);
  const assigned = line.usage === null ? "?" : `${line.usage}${line.usageScope ? " (tenant-wide)" : ""}`;
  return `| \`${escapeMarkdown(line.sku)}\` | ${assigned} | ${line.currentLimit} | ${change} | ${money} | ${when} |`;
}

function renderSubscriptionSection(subscription: SubscriptionPlan): string {
  const out = [`#### \`${escapeMarkdown(subscription.subscriptionId)}\` ${escapeMarkdown(subscription.name)} (${subscription.currency})`, ""];
  if (subscription.blocked) out.push("> **Blocked**: a violation below stops this subscription; nothing will be ordered.", "");
  out.push("| SKU | Assigned | Purchased | Change | Charge / refund | Effective |", "| --- | ---: | ---: | --- | ---: | --- |");
  out.push(...subscription.lines.map(renderLineRow), "");
  if (!subscription.blocked && hasOrderLines(subscription)) {
    out.push(
      `Subtotal: charge **${formatMoney(subscription.charge)}**, refund **${formatMoney(subscription.refund)}**, net **${formatMoney(subscription.net)}**` +
        ` · payment: ${escapeMarkdown(subscription.paymentMethodLabel ?? "portal default")}`,
      "",
    );
  }
  for (const f of sortFindings(subscription.findings)) {
    out.push(`- ${f.severity === "violation" ? "⛔ **violation**" : "⚠️ warning"} \`${f.code}\`: ${escapeMarkdown(f.message)}${f.fix ? ` — ${escapeMarkdown(f.fix)}` : ""}`);
  }
  if (subscription.findings.length > 0) out.push("");
  return out.join("\n");
}

/** A subscription gets its own section when it changes or has anything to say (a warning alone is enough). */
function hasSection(subscription: SubscriptionPlan): boolean {
  return !isUnchanged(subscription) || subscription.findings.length > 0;
}

function renderSummary(plan: Plan): string {
  const toOrder = plan.subscriptions.filter(hasOrderLines).length;
  const blocked = plan.subscriptions.filter((s) => s.blocked).length;
  const unchanged = plan.subscriptions.filter(isUnchanged);
  const out = [
    `**${plural(toOrder, "order")}** to place, ${blocked} blocked, ${unchanged.length} unchanged (planned at ${plan.plannedAt}).`,
    "",
  ];
  if (plan.hasViolations) out.push("> ⛔ This plan has violations: fix them before applying.", "");
  if (plan.totals.length > 0) {
    out.push("| Currency | Charge | Refund | Net |", "| --- | ---: | ---: | ---: |");
    out.push(...plan.totals.map((t) => `| ${t.currency} | ${t.charge.amount} | ${t.refund.amount} | ${t.net.amount} |`), "");
  }
  const subscriptionIds = new Set(plan.subscriptions.map((s) => s.subscriptionId));
  const fileWide = plan.findings.filter((f) => !subscriptionIds.has(f.subscriptionId));
  for (const f of sortFindings(fileWide)) {
    out.push(`- ${f.severity === "violation" ? "⛔ **violation**" : "⚠️ warning"} \`${f.code}\` \`${escapeMarkdown(f.subscriptionId)}\`: ${escapeMarkdown(f.message)}${f.fix ? ` — ${escapeMarkdown(f.fix)}` : ""}`);
  }
  if (fileWide.length > 0) out.push("");
  if (unchanged.length > 0) {
    out.push(`<details><summary>${plural(unchanged.length, "subscription")} without changes</summary>`, "");
    out.push(unchanged.map((s) => `\`${escapeMarkdown(s.subscriptionId)}\` ${escapeMarkdown(s.name)}`).join(", "), "", "</details>", "");
  }
  return out.join("\n");
}

const TITLE = "### csp-seats plan";

/** Renders `plan` as one Markdown document. */
export function renderPlanMarkdown(plan: Plan): string {
  const sections = [renderSummary(plan), ...plan.subscriptions.filter(hasSection).map(renderSubscriptionSection)];
  return `${TITLE}\n\n${sections.join("\n")}`;
}

/** Splits a section that alone exceeds `max` at line boundaries (a table row is never cut). */
function splitOversized(section: string, max: number): string[] {
  if (section.length <= max) return [section];
  const pieces: string[] = [];
  let current = "";
  for (const line of section.split("\n")) {
    const piece = line.length > max ? `${line.slice(0, max - 2)}…` : line;
    if (current.length + piece.length + 1 > max && current) {
      pieces.push(current);
      current = "";
    }
    current += `${piece}\n`;
  }
  if (current) pieces.push(current);
  return pieces;
}

/**
 * Renders `plan` as Markdown chunks of at most `maxChars` characters each (default 65,000), for one comment
 * each. The summary and totals come first; subscriptions are never split unless one alone is too long.
 */
export function renderPlanMarkdownChunks(plan: Plan, options: { maxChars?: number } = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS;
  const headerBudget = TITLE.length + 40;
  if (maxChars < headerBudget + 200) throw new RangeError(`maxChars must be at least ${headerBudget + 200}, got ${maxChars}`);
  const whole = renderPlanMarkdown(plan);
  if (whole.length <= maxChars) return [whole];

  const budget = maxChars - headerBudget;
  const sections = [renderSummary(plan), ...plan.subscriptions.filter(hasSection).map(renderSubscriptionSection)].flatMap((s) => splitOversized(s, budget));
  const bodies: string[] = [];
  let current = "";
  for (const section of sections) {
    if (current && current.length + section.length + 1 > budget) {
      bodies.push(current);
      current = "";
    }
    current += `${section}\n`;
  }
  if (current) bodies.push(current);
  return bodies.map((body, i) => `${TITLE} (part ${i + 1} of ${bodies.length})\n\n${body}`);
}
