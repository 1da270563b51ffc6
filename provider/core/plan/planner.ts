/**
 * The planner: desired seats + observed subscriptions + the time -> what to order and what it costs.
 * Pure (no I/O, the time comes from the caller). Every rule and price comes from rules.ts, the same code the
 * embedded portal runs, so a plan's charges and refunds equal the portal's quote to the cent.
 */
import type { Clock } from "../clock";
import type { DesiredSettings, DesiredState, DesiredSubscription, ResolvedSettings } from "../desired-types";
import { isCspSeatsError } from "../errors";
import type { Effective, LicenseLine, Money, OrderEstimate, PaymentMethod, Subscription } from "../model";
import { absMoney, compareMoney, parseMinorUnits, sumMoney, toDateString, toMinorUnits, moneyFromMinor, zeroMoney, subtractMoney } from "../money";
import { checkLineChange, getRefundableQuantity, getRefundableUntil, priceOrderLine, splitDecrease } from "../rules";
import { resolveSettings } from "../settings";
import { createFinding, createRuleFinding, createScheduleWipeFindings, createUnknownSubscriptionFinding } from "./findings";
import { getDeferredWindow } from "./deferred";
import { createIdempotencyKey } from "./idempotency";
import { hasOrderLines, hasViolation } from "./plan-status";
import { checkSubscriptionAgainstPortal } from "./portal-checks";
import { computeRecurringTotals, planRecurring } from "./recurring";
import { deriveTargetCount, isSeatTarget } from "./targets";
import { computeTotals } from "./totals";
import type { Plan, PlanFinding, PlannedLine, PlannedOrderLine, SubscriptionPlan } from "./types";

// Moved out of this file; re-exported so importers of the planner keep working.
export { checkAgainstPortal, checkSubscriptionAgainstPortal } from "./portal-checks";
export { createIdempotencyKey } from "./idempotency";
export { DEFERRED_WINDOW_DAYS, getDeferredWindow } from "./deferred";
export { computeTotals } from "./totals";
export { computeRecurringTotals, countBillingMonths } from "./recurring";

function resolvePaymentMethod(wanted: string | undefined, methods: readonly PaymentMethod[]): PaymentMethod | undefined | null {
  if (wanted === undefined) return methods.find((m) => m.isDefault);
  const byId = methods.find((m) => m.id === wanted);
  if (byId) return byId;
  const byLabel = methods.filter((m) => m.label.trim().toLowerCase() === wanted.trim().toLowerCase());
  return byLabel.length === 1 ? byLabel[0] : null;
}

interface LineContext {
  readonly desired: DesiredSubscription;
  readonly settings: ResolvedSettings;
  readonly observed: Subscription;
  readonly now: Date;
  readonly today: string;
  readonly quote?: OrderEstimate;
}

/**
 * What changing `line` to `target` costs: the portal's quote for exactly that change when there is one (a
 * portal with its own rating engine), else the portal rules in rules.ts.
 */
function priceLine(ctx: LineContext, line: LicenseLine, target: number, effective: Effective): { amount: Money; effectiveDate: string } {
  const priced = priceOrderLine(ctx.observed, line, target, effective, ctx.now);
  const quoted = ctx.quote?.lines.find((l) => l.sku === line.sku && l.effective === effective && l.to === target);
  return quoted ? { amount: quoted.amount, effectiveDate: priced.effectiveDate } : priced;
}

/**
 * The changes of a plan a portal with its own rating engine must quote (`Portal.ownRating`): every line planned
 * for now, as an order line. Empty when nothing is planned for now, or when a violation other than the charge
 * guardrail (which the quote itself decides) blocks the subscription.
 */
export function listQuotableLines(plan: SubscriptionPlan): PlannedOrderLine[] {
  if (plan.findings.some((f) => f.severity === "violation" && f.code !== "GUARDRAIL_MAX_CHARGE")) return [];
  return plan.lines.filter((l) => l.effective === "now" && l.action !== "none").map((l) => ({ sku: l.sku, quantity: l.desired, effective: "now" as const }));
}

function basePlannedLine(line: LicenseLine, ctx: LineContext): Omit<PlannedLine, "currentLimit" | "desired" | "delta" | "action" | "effective" | "effectiveDate" | "charge" | "refund"> {
  const refundableUntil = getRefundableUntil(line, ctx.now);
  return {
    sku: line.sku,
    displayName: line.displayName,
    usage: line.usage,
    ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
    refundableQuantity: getRefundableQuantity(line, ctx.now),
    ...(refundableUntil !== undefined ? { refundableUntil } : {}),
  };
}

/** Plans one license line; returns its planned lines (two for a decrease split into now + at renewal), order lines and findings. */
function planLine(line: LicenseLine, target: number, ctx: LineContext): { lines: PlannedLine[]; orderLines: PlannedOrderLine[]; findings: PlanFinding[] } {
  const { desired, settings, observed, now, today } = ctx;
  const currency = observed.currency;
  const zero = zeroMoney(currency);
  const base = basePlannedLine(line, ctx);
  const lines: PlannedLine[] = [];
  const orderLines: PlannedOrderLine[] = [];
  const findings: PlanFinding[] = [];
  const sku = line.sku;
  const scheduled = observed.scheduledChanges.filter((c) => c.sku === sku);

  if (line.usageScope !== undefined) {
    findings.push(
      createFinding(desired, "warning", "USAGE_SHARED", `${sku}: assigned seats (${line.usage ?? "unknown"}) are counted ${line.usageScope}, not per subscription; csp-seats never invents a split`, {
        sku,
        fix: "Check assignments across the subscriptions that share this SKU before removing seats.",
      }),
    );
  } else if (line.usage === null) {
    findings.push(createFinding(desired, "warning", "USAGE_UNKNOWN", `${sku}: the portal does not report assigned seats; below-usage checks cannot run`, { sku }));
  }

  const limit = line.limit;
  if (target === limit) {
    lines.push({ ...base, currentLimit: limit, desired: target, delta: 0, action: "none", effective: "now", effectiveDate: today, charge: zero, refund: zero });
    for (const change of scheduled.filter((c) => c.quantity !== target)) {
      findings.push(
        createFinding(desired, "warning", "SCHEDULED_CHANGE_PENDING", `${sku}: a change to ${change.quantity} seats is scheduled for ${change.effectiveDate}; csp-seats leaves it in place`, {
          sku,
          fix: "Cancel it in the portal if the file's count should last past renewal.",
        }),
      );
    }
  } else if (target > limit) {
    if (settings.maxIncrease !== undefined && target - limit > settings.maxIncrease) {
      findings.push(
        createFinding(desired, "violation", "GUARDRAIL_MAX_INCREASE", `${sku}: +${target - limit} seats exceeds the guardrail maxIncrease ${settings.maxIncrease}`, {
          sku,
          fix: `Raise guardrails.maxIncrease, or add at most ${settings.maxIncrease} seats per run.`,
        }),
      );
    }
    const rule = checkLineChange(observed, line, target, "now", now, { allowBelowUsage: settings.allowBelowUsage });
    if (rule) findings.push(createRuleFinding(desired, sku, rule));
    const priced = priceLine(ctx, line, target, "now");
    lines.push({ ...base, currentLimit: limit, desired: target, delta: target - limit, action: "up", effective: "now", effectiveDate: priced.effectiveDate, charge: priced.amount, refund: zero });
    orderLines.push({ sku, quantity: target, effective: "now" });
    for (const change of scheduled.filter((c) => c.quantity !== target)) {
      findings.push(
        createFinding(desired, "warning", "SCHEDULED_CHANGE_PENDING", `${sku}: a change to ${change.quantity} seats is still scheduled for ${change.effectiveDate}`, {
          sku,
          fix: "Cancel it in the portal if the new count should last past renewal.",
        }),
      );
    }
  } else {
    if (settings.maxDecrease !== undefined && limit - target > settings.maxDecrease) {
      findings.push(
        createFinding(desired, "violation", "GUARDRAIL_MAX_DECREASE", `${sku}: -${limit - target} seats exceeds the guardrail maxDecrease ${settings.maxDecrease}`, {
          sku,
          fix: `Raise guardrails.maxDecrease, or remove at most ${settings.maxDecrease} seats per run.`,
        }),
      );
    }
    // Below usage is checked once for the final count; the portal checks each step, which cannot say more.
    const below = checkLineChange(observed, { ...line, refundableBatches: [] }, target, "now", now, { allowBelowUsage: settings.allowBelowUsage });
    if (below && below.code !== "PORTAL_DECREASE_OUTSIDE_WINDOW") findings.push(createRuleFinding(desired, sku, below));
    const split = splitDecrease(line, target, now);
    if (split.nowTo !== undefined) {
      const priced = priceLine(ctx, line, split.nowTo, "now");
      lines.push({
        ...base,
        currentLimit: limit,
        desired: split.nowTo,
        delta: split.nowTo - limit,
        action: "down",
        effective: "now",
        effectiveDate: priced.effectiveDate,
        charge: zero,
        refund: absMoney(priced.amount),
      });
      orderLines.push({ sku, quantity: split.nowTo, effective: "now" });
    }
    if (split.renewalTo !== undefined) {
      const from = split.nowTo ?? limit;
      const outside = from - target;
      const already = scheduled.some((c) => c.quantity === target);
      const renewalLine: PlannedLine = {
        ...base,
        currentLimit: from,
        desired: target,
        delta: target - from,
        action: "down",
        effective: "renewal",
        effectiveDate: observed.renewalDate,
        charge: zero,
        refund: zero,
        ...(already ? { alreadyScheduled: true } : {}),
      };
      if (already) {
        lines.push(renewalLine);
      } else if (settings.downgradePolicy === "refuse") {
        findings.push(
          createFinding(
            desired,
            "violation",
            "OUTSIDE_WINDOW",
            `${sku}: ${outside} of the ${limit - target} seats to remove are outside their 168-hour refund window and downgradePolicy is refuse`,
            {
              sku,
              fix: `Remove at most ${limit - from} seat(s) now (keep ${from}), or set downgradePolicy: at-renewal to schedule the rest for ${observed.renewalDate}.`,
            },
          ),
        );
        lines.push(renewalLine);
      } else if (observed.canScheduleChanges === false) {
        const rule = checkLineChange(observed, { ...line, limit: from }, target, "renewal", now, { allowBelowUsage: true });
        if (rule) findings.push(createRuleFinding(desired, sku, rule));
        const deferred = getDeferredWindow(observed.renewalDate);
        findings.push(
          createFinding(
            desired,
            "warning",
            "DEFERRED_DECREASE",
            `${sku}: ${outside} seat(s) are outside their refund window and the portal cannot schedule a change; csp-seats holds the decrease to ${target} until its window opens on ${deferred.windowOpens} (closes ${deferred.windowCloses})`,
            { sku, fix: `Run \`pulumi up\` (or the fleet runner) between ${deferred.windowOpens} and ${deferred.windowCloses}: the decrease is then placed and refunded.` },
          ),
        );
        lines.push({ ...renewalLine, deferred });
      } else {
        const rule = checkLineChange(observed, { ...line, limit: from }, target, "renewal", now, { allowBelowUsage: true });
        if (rule) findings.push(createRuleFinding(desired, sku, rule));
        findings.push(
          createFinding(desired, "warning", "SCHEDULED_AT_RENEWAL", `${sku}: ${outside} seat(s) are outside their refund window; the decrease to ${target} is scheduled for ${observed.renewalDate} (no refund)`, {
            sku,
          }),
        );
        lines.push(renewalLine);
        orderLines.push({ sku, quantity: target, effective: "renewal" });
      }
    }
  }

  if (line.usage !== null && line.usageScope === undefined && target > line.usage) {
    const idle = target - line.usage;
    const cost = moneyFromMinor(toMinorUnits(line.unitPrice) * BigInt(idle), line.unitPrice.currency);
    findings.push(
      createFinding(desired, "warning", "IDLE_SEATS", `${sku}: ${idle} of ${target} seats are not assigned (${cost.amount} ${cost.currency} per billing period)`, {
        sku,
        fix: "Assign them or lower the count (inside the 168-hour window a decrease is refunded).",
      }),
    );
  }
  return { lines, orderLines, findings };
}

/**
 * A portal that neither quotes nor validates a change (`canValidateChanges: false`): every change placed now is
 * priced by csp-seats' rules (daily proration on the billing period), so it is flagged as an estimate, once.
 */
function markEstimates(desired: DesiredSubscription, lines: PlannedLine[], findings: PlanFinding[]): void {
  let marked = 0;
  for (const [index, line] of lines.entries()) {
    if (line.action === "none" || line.effective !== "now") continue;
    lines[index] = { ...line, estimate: true };
    marked += 1;
  }
  if (marked === 0) return;
  findings.push(
    createFinding(desired, "warning", "ESTIMATE_NOT_VALIDATED", "charges and refunds are csp-seats' estimate (daily proration on the billing period): the portal gives no quote and cannot validate a change before it is placed", {
      fix: "Check the invoice after the change; the portal's own billing decides the final amount.",
    }),
  );
}

/**
 * Plans one subscription: every desired license line priced with the portal's rules at `now` (or, given the
 * portal's `quote` for the lines `listQuotableLines` named, with the portal's own prices), its findings, and the
 * order lines (none when any finding is a violation).
 */
export function planSubscription(desired: DesiredSubscription, defaults: DesiredSettings, observed: Subscription, now: Date, quote?: OrderEstimate): SubscriptionPlan {
  const settings = resolveSettings(desired, defaults);
  const ctx: LineContext = { desired, settings, observed, now, today: toDateString(now), ...(quote && quote.subscriptionId === observed.id ? { quote } : {}) };
  const findings: PlanFinding[] = [...checkSubscriptionAgainstPortal(desired, observed)];
  const lines: PlannedLine[] = [];
  const orderLines: PlannedOrderLine[] = [];
  const currency = observed.currency;

  for (const [sku, value] of Object.entries(desired.licenses)) {
    const line = observed.lines.find((l) => l.sku === sku);
    if (!line) continue;
    if (!isSeatTarget(value)) {
      const planned = planLine(line, value, ctx);
      lines.push(...planned.lines);
      orderLines.push(...planned.orderLines);
      findings.push(...planned.findings);
      continue;
    }
    // A target is derived first; its number is then planned exactly as a literal one (guardrails unchanged).
    const derived = deriveTargetCount(sku, value, { usage: line.usage, ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}), limit: line.limit, refundableQuantity: getRefundableQuantity(line, now) });
    if (!derived.ok) {
      findings.push(createFinding(desired, "violation", derived.code, derived.message, { sku, fix: derived.fix }));
      const zero = zeroMoney(currency);
      lines.push({ ...basePlannedLine(line, ctx), currentLimit: line.limit, desired: line.limit, delta: 0, action: "none", effective: "now", effectiveDate: ctx.today, charge: zero, refund: zero, derivation: derived.derivation });
      continue;
    }
    const lineCtx = derived.downgradePolicy ? { ...ctx, settings: { ...settings, downgradePolicy: derived.downgradePolicy } } : ctx;
    const planned = planLine(line, derived.count, lineCtx);
    lines.push(...planned.lines.map((l) => ({ ...l, derivation: derived.derivation })));
    orderLines.push(...planned.orderLines);
    findings.push(...planned.findings);
  }
  if (observed.canValidateChanges === false) markEstimates(desired, lines, findings);

  const charge = sumMoney(
    lines.map((l) => l.charge),
    currency,
  );
  const refund = sumMoney(
    lines.map((l) => l.refund),
    currency,
  );

  if (orderLines.length > 0 && !observed.eligibility.eligible) {
    findings.unshift(
      createFinding(desired, "violation", "INELIGIBLE", `subscription ${observed.id} cannot take seat changes: ${observed.eligibility.reason ?? observed.eligibility.reasonCode ?? "the portal says it is not eligible"}`, {
        fix:
          observed.eligibility.reasonCode === "channel-partner"
            ? "Change it through the channel partner that sold it."
            : "Resolve the reason in the portal, then plan again.",
      }),
    );
  }

  if (settings.maxCharge !== undefined) {
    try {
      const limit = moneyFromMinor(parseMinorUnits(settings.maxCharge, currency), currency);
      if (compareMoney(charge, limit) > 0) {
        findings.push(
          createFinding(desired, "violation", "GUARDRAIL_MAX_CHARGE", `this run would charge ${charge.amount} ${currency}, over the guardrail maxCharge ${limit.amount} ${currency}`, {
            fix: "Raise guardrails.maxCharge, or add fewer seats per run.",
          }),
        );
      }
    } catch (error) {
      if (!isCspSeatsError(error)) throw error;
      findings.push(createFinding(desired, "violation", "GUARDRAIL_MAX_CHARGE_INVALID", `maxCharge "${settings.maxCharge}" is not a valid ${currency} amount: ${error.summary}`, { fix: error.fix }));
    }
  }

  const payment = resolvePaymentMethod(settings.paymentMethod, observed.paymentMethods);
  if (payment === null) {
    findings.push(
      createFinding(desired, "violation", "PAYMENT_METHOD_UNKNOWN", `payment method "${settings.paymentMethod}" is not one of this subscription's`, {
        fix: observed.paymentMethods.length
          ? `Use an id or label: ${observed.paymentMethods.map((m) => `${m.id} (${m.label})`).join(", ")}.`
          : "Add a payment method in the portal, or remove paymentMethod.",
      }),
    );
  }

  const blocked = hasViolation({ findings });
  const ordered = blocked ? [] : orderLines;
  if (!blocked && observed.midTermChangeWipesSchedule) findings.push(...createScheduleWipeFindings(desired, observed, { orderLines: ordered, lines }));
  const zero = zeroMoney(currency);
  return {
    subscriptionId: observed.id,
    name: observed.name,
    currency,
    revision: observed.revision,
    lines,
    orderLines: ordered,
    charge: blocked ? zero : charge,
    refund: blocked ? zero : refund,
    net: blocked ? zero : subtractMoney(charge, refund),
    findings,
    idempotencyKey: createIdempotencyKey(observed.id, observed.revision, ordered),
    ...(payment ? { paymentMethodId: payment.id, paymentMethodLabel: payment.label } : {}),
    ...(settings.notifyEmail !== undefined ? { notifyEmail: settings.notifyEmail } : {}),
    allowBelowUsage: settings.allowBelowUsage,
    blocked,
    recurring: planRecurring(observed, lines, blocked),
  };
}

/**
 * Plans every subscription of the desired state against the observed ones, at `clock.now()`. Subscriptions the
 * portal does not have are violations in `findings`; subscriptions not in the file are not managed. `quotes`
 * (by subscription id) carry the prices of a portal with its own rating engine.
 */
export function planSeats(desired: DesiredState, observed: readonly Subscription[], clock: Clock, quotes?: ReadonlyMap<string, OrderEstimate>): Plan {
  const now = clock.now();
  const byId = new Map(observed.map((s) => [s.id, s]));
  const global: PlanFinding[] = [];
  const subscriptions: SubscriptionPlan[] = [];
  for (const subscription of desired.subscriptions) {
    const found = byId.get(subscription.id);
    if (!found) {
      global.push(createUnknownSubscriptionFinding(subscription));
      continue;
    }
    subscriptions.push(planSubscription(subscription, desired.defaults, found, now, quotes?.get(found.id)));
  }
  const findings = [...global, ...subscriptions.flatMap((s) => s.findings)];
  return {
    plannedAt: now.toISOString(),
    subscriptions,
    totals: computeTotals(subscriptions),
    recurringTotals: computeRecurringTotals(subscriptions),
    findings,
    hasChanges: subscriptions.some(hasOrderLines),
    hasViolations: hasViolation({ findings }),
  };
}
