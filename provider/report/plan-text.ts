/** The plan as a person reviews it in a terminal: every changed line with its charge or refund and when it applies. */
import type { Plan, PlannedLine, SubscriptionPlan } from "../core/plan/types";
import { describeRenewal, formatDelta, formatMoney } from "../core/describe";
import { hasOrderLines, isUnchanged } from "../core/plan/plan-status";
import { alignColumns, plural, sortFindings } from "./format";

function describeLine(line: PlannedLine): string[] {
  if (line.action === "none") return [line.sku, `${line.currentLimit}`, "", "", "(no change)", ""];
  const money = line.action === "up" ? `charge ${formatMoney(line.charge)}` : line.effective === "now" ? `refund ${formatMoney(line.refund)}` : "no refund";
  const when = line.effective === "now" ? `effective ${line.effectiveDate}` : describeRenewal(line);
  return [line.sku, `${line.currentLimit} -> ${line.desired}`, `(${formatDelta(line.delta)})`, money, when, line.usage === null ? "" : `assigned ${line.usage}${line.usageScope ? "*" : ""}`];
}

function renderSubscription(subscription: SubscriptionPlan): string[] {
  const out = [`${subscription.subscriptionId}  ${subscription.name}  (${subscription.currency}, revision ${subscription.revision})`];
  out.push(...alignColumns(subscription.lines.map(describeLine)).map((l) => `  ${l}`));
  if (subscription.lines.some((l) => l.usageScope)) out.push("  * assigned seats counted across subscriptions (tenant-wide)");
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
