/**
 * The plan as a SubscriptionSeats resource stores it: the changing lines with their money, the totals, the
 * findings, the revision and key the order needs, written as one compact JSON text. docs/provider.md ("What is
 * stored where") says why: the engine serializes the whole deployment after every step, walking every property
 * value, so a plan of ~60 values per resource cost N steps x N resources x 60. As one text it is one value, and
 * `pulumi preview --diff` still shows it as an object (the CLI decodes JSON text in a diff).
 */
import { formatMoney } from "../describe";
import { isRecord, parseJsonObject } from "../json";
import type { Money } from "../model";
import { parseMoneyWords } from "../money";
import { listChangedLines } from "./plan-status";
import type { PlanFinding, PlannedLine, RecurringAmounts, RecurringCost, SubscriptionPlan, SubscriptionRecurring } from "./types";

/**
 * The plan without what a stored plan does not need: unchanged lines (nothing to show or order), the findings'
 * fix texts and locations (a violation fails the check with both, from the full plan), the optional display extras
 * (`usageScope`, `refundableUntil`, `paymentMethodLabel`) and the per-SKU recurring figures (a line's cost changes
 * by its seat change at its one unit price). Still a SubscriptionPlan, so diff, converge and summarizePlans read it
 * as they read a full one.
 */
export function toStoredPlan(plan: SubscriptionPlan): SubscriptionPlan {
  const { paymentMethodLabel: _label, blocked, recurring, ...rest } = plan;
  const changed = listChangedLines(plan);
  return {
    ...rest,
    ...(blocked ? { blocked } : {}),
    lines: changed.map(({ usageScope: _scope, refundableUntil: _until, ...line }) => line),
    findings: plan.findings.map(({ fix: _fix, location: _location, ...finding }) => finding),
    ...(recurring ? { recurring: { ...recurring, lines: [] } } : {}),
  };
}

type Json = Record<string, unknown>;

/** Money in the plan's currency as its amount alone ("3.61"), another currency as "3.61 USD". */
function encodeMoney(money: Money, currency: string): string {
  return money.currency === currency ? money.amount : formatMoney(money);
}

function decodeMoney(value: unknown, currency: string): Money {
  if (isRecord(value)) return value as unknown as Money;
  const text = String(value);
  return parseMoneyWords(text) ?? { currency, amount: text };
}

function encodeAmounts(amounts: RecurringAmounts, currency: string): Json {
  return { before: encodeMoney(amounts.before, currency), after: encodeMoney(amounts.after, currency), change: encodeMoney(amounts.change, currency) };
}

function decodeAmounts(value: unknown, currency: string): RecurringAmounts {
  const amounts = value as Json;
  return { before: decodeMoney(amounts.before, currency), after: decodeMoney(amounts.after, currency), change: decodeMoney(amounts.change, currency) };
}

/** A recurring cost; `perPeriod` is left out when a period is one month (it equals `monthly`). */
function encodeCost(cost: RecurringCost, monthsPerPeriod: number, currency: string): Json {
  return {
    ...(monthsPerPeriod === 1 ? {} : { perPeriod: encodeAmounts(cost.perPeriod, currency) }),
    monthly: encodeAmounts(cost.monthly, currency),
    percentChange: cost.percentChange,
  };
}

function decodeCost(value: unknown, currency: string): RecurringCost {
  const cost = value as Json;
  const monthly = decodeAmounts(cost.monthly, currency);
  return { perPeriod: cost.perPeriod === undefined ? monthly : decodeAmounts(cost.perPeriod, currency), monthly, percentChange: (cost.percentChange as string | null) ?? null };
}

/** A line without what the rest of it gives: `delta` and `action` (from the counts) and the display name. */
function encodeLine(line: PlannedLine, currency: string): Json {
  const { displayName: _name, delta: _delta, action: _action, usageScope: _scope, refundableUntil: _until, charge, refund, ...rest } = line;
  return { ...rest, charge: encodeMoney(charge, currency), refund: encodeMoney(refund, currency) };
}

function decodeLine(value: unknown, currency: string): PlannedLine {
  const line = value as Json & { sku: string; currentLimit: number; desired: number };
  const delta = line.desired - line.currentLimit;
  return {
    ...(line as unknown as PlannedLine),
    displayName: (line.displayName as string | undefined) ?? line.sku,
    delta,
    action: delta > 0 ? "up" : delta < 0 ? "down" : "none",
    charge: decodeMoney(line.charge, currency),
    refund: decodeMoney(line.refund, currency),
  };
}

/**
 * A finding without its subscription id (the plan's) and, for a message that starts with its SKU (`sku: ...`),
 * with the rest of the message as `skuMessage` so the SKU is not stored twice.
 */
function encodeFinding({ subscriptionId, message, ...finding }: PlanFinding, planSubscriptionId: string): Json {
  const prefix = finding.sku === undefined ? undefined : `${finding.sku}: `;
  return {
    ...finding,
    ...(prefix !== undefined && message.startsWith(prefix) ? { skuMessage: message.slice(prefix.length) } : { message }),
    ...(subscriptionId === planSubscriptionId ? {} : { subscriptionId }),
  };
}

function decodeFinding(finding: Json, planSubscriptionId: string): PlanFinding {
  const { skuMessage, ...rest } = finding;
  return {
    subscriptionId: planSubscriptionId,
    ...(rest as unknown as Omit<PlanFinding, "subscriptionId">),
    ...(typeof skuMessage === "string" ? { message: `${String(finding.sku)}: ${skuMessage}` } : {}),
  };
}

/**
 * The stored plan as state holds it: compact JSON text of `toStoredPlan(plan)`, with money in the plan's currency
 * as its amount alone, the findings without the subscription id (nor their SKU twice), and no value another one gives (a line's `delta`
 * and `action`, a one-month period's `perPeriod`, `allowBelowUsage: false`). docs/provider.md shows an example.
 */
export function encodeStoredPlan(plan: SubscriptionPlan): string {
  const stored = toStoredPlan(plan);
  const { currency } = stored;
  const { allowBelowUsage, recurring, findings, lines, charge, refund, net, ...rest } = stored;
  return JSON.stringify({
    ...rest,
    lines: lines.map((line) => encodeLine(line, currency)),
    charge: encodeMoney(charge, currency),
    refund: encodeMoney(refund, currency),
    net: encodeMoney(net, currency),
    findings: findings.map((finding) => encodeFinding(finding, stored.subscriptionId)),
    ...(allowBelowUsage ? { allowBelowUsage } : {}),
    ...(recurring
      ? {
          recurring: {
            monthsPerPeriod: recurring.monthsPerPeriod,
            total: encodeCost(recurring.total, recurring.monthsPerPeriod, currency),
            ...(recurring.requested ? { requested: encodeCost(recurring.requested, recurring.monthsPerPeriod, currency) } : {}),
          },
        }
      : {}),
  });
}

function isStoredPlan(value: unknown): value is Json & { subscriptionId: string; currency: string; lines: unknown[]; orderLines: unknown[]; findings: unknown[] } {
  if (!isRecord(value)) return false;
  const plan = value;
  return typeof plan.subscriptionId === "string" && typeof plan.currency === "string" && Array.isArray(plan.lines) && Array.isArray(plan.orderLines) && Array.isArray(plan.findings);
}

/** The stored form (text, or the object csp-seats 0.1 stored, already full) as a full SubscriptionPlan. */
function expandStoredPlan(plan: Json & { subscriptionId: string; currency: string; lines: unknown[]; findings: unknown[] }): SubscriptionPlan {
  const { currency, subscriptionId } = plan;
  const recurring = plan.recurring as (Json & { monthsPerPeriod: number }) | undefined;
  return {
    ...(plan as unknown as SubscriptionPlan),
    lines: plan.lines.map((line) => decodeLine(line, currency)),
    charge: decodeMoney(plan.charge, currency),
    refund: decodeMoney(plan.refund, currency),
    net: decodeMoney(plan.net, currency),
    findings: plan.findings.map((finding) => decodeFinding(finding as Json, subscriptionId)),
    allowBelowUsage: plan.allowBelowUsage === true,
    ...(recurring
      ? {
          recurring: {
            monthsPerPeriod: recurring.monthsPerPeriod,
            lines: (recurring.lines as SubscriptionRecurring["lines"] | undefined) ?? [],
            total: decodeCost(recurring.total, currency),
            ...(recurring.requested ? { requested: decodeCost(recurring.requested, currency) } : {}),
          },
        }
      : {}),
  };
}

/**
 * A stored plan as a full SubscriptionPlan: the JSON text this release stores (encodeStoredPlan), or the object
 * csp-seats 0.1 stored. Undefined when absent, not known yet (a preview's unknown value) or not a plan.
 */
export function decodeStoredPlan(value: unknown): SubscriptionPlan | undefined {
  const parsed = typeof value === "string" ? parseJsonObject(value) : value;
  return isStoredPlan(parsed) ? expandStoredPlan(parsed) : undefined;
}
