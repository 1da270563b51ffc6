/** The plan as a person reviews it in a terminal: every changed line with its charge or refund and when it applies. */
import type { DeferredChange, Plan, PlannedLine, SubscriptionPlan, SubscriptionRecurring } from "../core/plan/types";
import { describeMonthlyHeadline, describeRenewal, formatDelta, formatMoney, formatPercent, formatSignedAmount } from "../core/describe";
import { hasOrderLines, isUnchanged } from "../core/plan/plan-status";
import { alignColumns, plural, sortFindings } from "./format";

/** When a deferred decrease can be placed: `window 2026-12-01..2026-12-08 (refunded then)`. */
export function describeDeferredWindow(deferred: DeferredChange): string {
  return `window ${deferred.windowOpens}..${deferred.windowCloses} (placed and refunded then)`;
}

/** Each target line's derivation once per SKU (a split decrease has two lines with the same one), in line order. */
export function listDerivations(lines: readonly PlannedLine[]): Array<[string, string]> {
  const bySku = new Map<string, string>();
  for (const line of lines) if (line.derivation && !bySku.has(line.sku)) bySku.set(line.sku, line.derivation.text);
  return [...bySku];
}

function describeLine(line: PlannedLine): string[] {
  if (line.action === "none") return [line.sku, `${line.currentLimit}`, "", "", "(no change)", ""];
  const estimate = line.estimate ? " (estimate)" : "";
  const money = line.action === "up" ? `charge ${formatMoney(line.charge)}${estimate}` : line.effective === "now" ? `refund ${formatMoney(line.refund)}${estimate}` : line.deferred ? "deferred: nothing ordered now" : "no refund";
  const when = line.effective === "now" ? `effective ${line.effectiveDate}` : line.deferred ? describeDeferredWindow(line.deferred) : describeRenewal(line);
  return [line.sku, `${line.currentLimit} -> ${line.desired}`, `(${formatDelta(line.delta)})`, money, when, line.usage === null ? "" : `assigned ${line.usage}${line.usageScope ? "*" : ""}`];
}

/** The monthly cost per SKU and in total: now, new, change, percent, and when the new count is billed from. */
function renderRecurring(recurring: SubscriptionRecurring, currency: string, blocked: boolean): string[] {
  const per = recurring.monthsPerPeriod === 1 ? "" : ` (billed every ${recurring.monthsPerPeriod} months; shown per month)`;
  const rows: string[][] = [[`monthly cost (${currency})`, "now", "new", "change", "", ""]];
  for (const line of recurring.lines) {
    rows.push([line.sku, line.monthly.before.amount, line.monthly.after.amount, formatSignedAmount(line.monthly.change), formatPercent(line.percentChange), line.effectiveDate ? `from ${line.effectiveDate}` : ""]);
  }
  const total = recurring.requested ?? recurring.total;
  rows.push(["total", total.monthly.before.amount, total.monthly.after.amount, formatSignedAmount(total.monthly.change), formatPercent(total.percentChange), blocked ? "blocked: not ordered" : ""]);
  const out = alignColumns(rows, [1, 2, 3, 4]).map((l) => `  ${l}`);
  out[0] += per;
  if (recurring.monthsPerPeriod !== 1) {
    out.push(`  per billing period: ${formatMoney(total.perPeriod.before)} -> ${formatMoney(total.perPeriod.after)} (${formatSignedAmount(total.perPeriod.change)})`);
  }
  return out;
}

function renderSubscription(subscription: SubscriptionPlan): string[] {
  const out = [`${subscription.subscriptionId}  ${subscription.name}  (${subscription.currency}, revision ${subscription.revision})`];
  out.push(...alignColumns(subscription.lines.map(describeLine)).map((l) => `  ${l}`));
  if (subscription.lines.some((l) => l.usageScope)) out.push("  * assigned seats counted across subscriptions (tenant-wide)");
  for (const [sku, text] of listDerivations(subscription.lines)) out.push(`  target ${sku}: ${text}`);
  if (subscription.recurring) out.push(...renderRecurring(subscription.recurring, subscription.currency, subscription.blocked === true));
  if (subscription.blocked) {
    out.push("  BLOCKED by a violation: nothing will be ordered for this subscription");
  } else if (hasOrderLines(subscription)) {
    out.push(`  subtotal: charge ${formatMoney(subscription.charge)}, refund ${formatMoney(subscription.refund)}, net ${formatMoney(subscription.net)}`);
    const payment = subscription.paymentMethodLabel ? `${subscription.paymentMethodLabel} (${subscription.paymentMethodId})` : "the portal's default";
    out.push(`  payment method: ${payment}${subscription.notifyEmail ? `; confirmation to ${subscription.notifyEmail}` : ""}`);
  }
  return out;
}

/** Renders `plan` as plain text (no colours): changed subscriptions, totals per currency, findings, a summary line. */
export function renderPlanText(plan: Plan): string {
  const out: string[] = [`csp-seats plan at ${plan.plannedAt}`, ""];
  if (plan.subscriptions.length > 0) out.push(describeMonthlyHeadline(plan.recurringTotals), "");
  const changed = plan.subscriptions.filter((s) => !isUnchanged(s));
  const unchanged = plan.subscriptions.filter(isUnchanged);
  for (const subscription of changed) out.push(...renderSubscription(subscription), "");
  if (unchanged.length > 0) {
    out.push(`No changes: ${unchanged.map((s) => `${s.subscriptionId} (${s.name})`).join(", ")}`, "");
  }
  if (plan.totals.length > 0) {
    out.push("Totals (per currency, never added across currencies):");
    out.push(
      ...alignColumns(
        plan.totals.map((t) => [t.currency, `charge ${t.charge.amount}`, `refund ${t.refund.amount}`, `net ${t.net.amount}`]),
      ).map((l) => `  ${l}`),
      "",
    );
  }
  if (plan.recurringTotals.length > 0) {
    out.push("Monthly recurring cost (per currency; blocked subscriptions unchanged):");
    out.push(
      ...alignColumns(
        plan.recurringTotals.map((t) => [t.currency, `now ${t.monthly.before.amount}`, `new ${t.monthly.after.amount}`, `change ${formatSignedAmount(t.monthly.change)} (${formatPercent(t.percentChange)})`]),
      ).map((l) => `  ${l}`),
      "",
    );
  }
  if (plan.findings.length > 0) {
    out.push("Findings:");
    for (const f of sortFindings(plan.findings)) {
      out.push(`  ${f.severity === "violation" ? "VIOLATION" : "warning  "} ${f.code}  ${f.subscriptionId}: ${f.message}`);
      if (f.fix) out.push(`             fix: ${f.fix}`);
      if (f.location) out.push(`             at: ${f.location}`);
    }
    out.push("");
  }
  const toOrder = plan.subscriptions.filter(hasOrderLines).length;
  const blocked = plan.subscriptions.filter((s) => s.blocked).length;
  const violations = plan.findings.filter((f) => f.severity === "violation").length;
  out.push(
    `Plan: ${plural(toOrder, "order")} to place, ${blocked} blocked, ${unchanged.length} unchanged` +
      (violations > 0 ? `; ${plural(violations, "violation")}: fix them before applying.` : "."),
  );
  return `${out.join("\n")}\n`;
}
