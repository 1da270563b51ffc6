/**
 * An approved plan: a digest of exactly what a plan would order, so `pulumi up` orders only what a reviewer saw
 * (`csp-seats plan --save FILE` writes it; the PR comment shows it). Pure: the digest, the saved file's shape,
 * reading one back, and the comparison of an order about to be placed with the approved one.
 *
 * A subscription's digest is sha256 over the canonical JSON of its id, revision, order lines and, for each
 * ordered line, the observed limit, the target, the effective date and the charge and refund with currency.
 * The stack digest is sha256 over the sorted list of (id, digest). Subscriptions that order nothing (unchanged
 * or blocked) are not part of it.
 */
import { createHash } from "node:crypto";
import { CspSeatsError } from "../errors";
import type { Money } from "../model";
import { parseDecimal, roundToMinorUnits, toMinorUnits, formatMinorUnits } from "../money";
import { isOrdering } from "./plan-status";
import type { Plan, PlannedOrderLine, SubscriptionPlan } from "./types";

/** The `kind` of a saved approved plan. */
export const APPROVED_PLAN_KIND = "csp-seats/approved-plan";

/** One ordered line as approved: what the portal shows now, the target, when, and what it costs. */
export interface ApprovedLine {
  readonly sku: string;
  readonly effective: PlannedOrderLine["effective"];
  readonly from: number;
  readonly to: number;
  readonly effectiveDate: string;
  readonly charge: Money;
  readonly refund: Money;
}

/** What one subscription's order was approved as. */
export interface ApprovedSubscription {
  readonly digest: string;
  readonly revision: string;
  readonly currency: string;
  readonly orderLines: readonly PlannedOrderLine[];
  readonly lines: readonly ApprovedLine[];
}

/** The saved file of `csp-seats plan --save FILE`. */
export interface ApprovedPlanFile {
  readonly kind: typeof APPROVED_PLAN_KIND;
  readonly digest: string;
  readonly subscriptions: Readonly<Record<string, ApprovedSubscription>>;
  readonly plan?: Plan;
}

/**
 * What `pulumi up` checks against: with `subscriptions` (from a file) every field is compared and money may
 * differ by `tolerance`; with only `digests` (an `id=sha256:...` list from the PR comment) the digests must match.
 */
export interface Approval {
  /** Where it came from, for messages (`plan.json`, "the digest list"). */
  readonly source: string;
  readonly subscriptions?: Readonly<Record<string, ApprovedSubscription>>;
  readonly digests?: Readonly<Record<string, string>>;
  /** Decimal string, in each subscription's currency; "0.00" by default. */
  readonly tolerance: string;
}

function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** JSON with object keys sorted, so the same content always gives the same text. */
function toCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toCanonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toCanonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}


/** The approval record of one subscription's plan (its digest included). */
export function describeApprovedSubscription(plan: SubscriptionPlan): ApprovedSubscription {
  const orderLines = plan.orderLines.map((l) => ({ sku: l.sku, quantity: l.quantity, effective: l.effective }));
  const lines: ApprovedLine[] = [];
  for (const order of orderLines) {
    const line = plan.lines.find((l) => l.sku === order.sku && l.effective === order.effective && l.desired === order.quantity);
    if (!line) continue;
    lines.push({ sku: line.sku, effective: line.effective, from: line.currentLimit, to: line.desired, effectiveDate: line.effectiveDate, charge: line.charge, refund: line.refund });
  }
  const content = { subscriptionId: plan.subscriptionId, revision: plan.revision, currency: plan.currency, orderLines, lines };
  return { digest: sha256(toCanonicalJson(content)), revision: plan.revision, currency: plan.currency, orderLines, lines };
}

/** The stack digest over per-subscription digests (sorted by id). */
export function computeStackDigest(digests: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(digests).sort().map((id) => ({ subscriptionId: id, digest: digests[id] }));
  return sha256(toCanonicalJson(sorted));
}

/** The approved-plan file for `plan`: every subscription that would place an order, and the stack digest. */
export function buildApprovedPlan(plan: Plan): ApprovedPlanFile {
  const subscriptions: Record<string, ApprovedSubscription> = {};
  for (const s of [...plan.subscriptions].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1))) {
    if (isOrdering(s)) subscriptions[s.subscriptionId] = describeApprovedSubscription(s);
  }
  const digest = computeStackDigest(Object.fromEntries(Object.entries(subscriptions).map(([id, s]) => [id, s.digest])));
  return { kind: APPROVED_PLAN_KIND, digest, subscriptions, plan };
}

/** The per-subscription digest list `id=sha256:...,id=sha256:...`, the form `csp-seats:approvedPlan` takes. */
export function formatDigestList(approved: ApprovedPlanFile): string {
  return Object.entries(approved.subscriptions).map(([id, s]) => `${id}=${s.digest}`).join(",");
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function unreadable(source: string, why: string): CspSeatsError {
  return new CspSeatsError(
    "APPROVAL_UNREADABLE",
    `the approved plan (${source}) cannot be read: ${why}`,
    "Set csp-seats:approvedPlan to the file `csp-seats plan --save FILE` wrote, or to the digest list `id=sha256:...,...` from the plan comment.",
  );
}

/** Parses the `id=sha256:...,...` list (an empty list approves no order). Throws APPROVAL_UNREADABLE. */
export function parseDigestList(text: string, tolerance: string): Approval {
  const digests: Record<string, string> = {};
  const source = "the digest list";
  for (const item of text.split(",").map((part) => part.trim()).filter((part) => part !== "" && part !== "none")) {
    const at = item.lastIndexOf("=");
    const id = at > 0 ? item.slice(0, at).trim() : "";
    const digest = at > 0 ? item.slice(at + 1).trim() : item;
    if (id === "") throw unreadable(source, `"${item}" is not id=sha256:<64 hex> (a stack digest alone cannot be checked one subscription at a time)`);
    if (!DIGEST.test(digest)) throw unreadable(source, `"${digest}" for ${id} is not sha256:<64 hex>`);
    digests[id] = digest;
  }
  return { source, digests, tolerance };
}

/** Parses a saved approved-plan file's text. Throws APPROVAL_UNREADABLE naming what is wrong. */
export function parseApprovedPlanFile(text: string, source: string, tolerance: string): Approval {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw unreadable(source, `not JSON (${(error as Error).message})`);
  }
  const file = data as Partial<ApprovedPlanFile> | null;
  if (!file || typeof file !== "object" || file.kind !== APPROVED_PLAN_KIND) throw unreadable(source, `its kind is not "${APPROVED_PLAN_KIND}"`);
  if (typeof file.subscriptions !== "object" || file.subscriptions === null) throw unreadable(source, "it has no subscriptions");
  for (const [id, s] of Object.entries(file.subscriptions)) {
    if (!s || typeof s.digest !== "string" || !DIGEST.test(s.digest) || !Array.isArray(s.orderLines) || !Array.isArray(s.lines) || typeof s.revision !== "string") {
      throw unreadable(source, `subscription ${id} lacks its digest, revision, orderLines or lines`);
    }
  }
  return { source, subscriptions: file.subscriptions, tolerance };
}

/** Checks a tolerance setting: a non-negative decimal. Throws APPROVAL_UNREADABLE. */
export function checkTolerance(text: string): string {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new CspSeatsError("APPROVAL_UNREADABLE", `the approved-plan tolerance "${text}" is not a non-negative decimal`, "Set csp-seats:approvedPlanTolerance like 0.05 (in each subscription's currency), or leave it out for 0.00.");
  }
  return text;
}

function describeLine(line: { sku: string; effective: string; from?: number; to?: number; quantity?: number }): string {
  const target = line.to ?? line.quantity;
  const when = line.effective === "renewal" ? " at renewal" : "";
  return line.from === undefined ? `${line.sku} -> ${target}${when}` : `${line.sku} ${line.from} -> ${target}${when}`;
}

function compareMoneyWithin(label: string, approved: Money, now: Money, tolerance: string): string | undefined {
  if (approved.currency !== now.currency) return `${label} ${approved.amount} ${approved.currency} approved, ${now.amount} ${now.currency} now`;
  const limit = roundToMinorUnits(parseDecimal(tolerance), now.currency);
  const difference = toMinorUnits(now) - toMinorUnits(approved);
  if ((difference < 0n ? -difference : difference) <= limit) return undefined;
  return `${label} ${approved.amount} ${approved.currency} approved, ${now.amount} ${now.currency} now, tolerance ${formatMinorUnits(limit, now.currency)}`;
}

/**
 * What differs between the order `plan` is about to place and the approved one, as sentences naming each change
 * (empty when it is the approved order). A plan that orders nothing never differs.
 */
export function compareWithApproval(approval: Approval, plan: SubscriptionPlan): string[] {
  if (!isOrdering(plan)) return [];
  const id = plan.subscriptionId;
  const current = describeApprovedSubscription(plan);
  if (approval.subscriptions === undefined) {
    const digest = approval.digests?.[id];
    if (digest === undefined) return [`${id}: not in the approved plan`];
    return digest === current.digest ? [] : [`${id}: the order differs from the approved one (digest ${digest} approved, ${current.digest} now)`];
  }
  const approved = approval.subscriptions[id];
  if (!approved) return [`${id}: not in the approved plan`];
  const differences: string[] = [];
  if (approved.revision !== current.revision) differences.push(`${id}: revision changed (${approved.revision} approved, ${current.revision} now)`);
  const key = (l: { sku: string; effective: string }) => `${l.sku}@${l.effective}`;
  const approvedLines = new Map(approved.lines.map((l) => [key(l), l]));
  const currentLines = new Map(current.lines.map((l) => [key(l), l]));
  for (const [k, was] of approvedLines) {
    const now = currentLines.get(k);
    if (!now) {
      differences.push(`${id}: ${describeLine(was)} approved, not ordered now`);
      continue;
    }
    const when = was.effective === "renewal" ? " at renewal" : "";
    if (was.from !== now.from || was.to !== now.to) differences.push(`${id}: ${was.sku}${when} ${now.from} -> ${now.to} now, ${was.from} -> ${was.to} approved`);
    if (was.effectiveDate !== now.effectiveDate) differences.push(`${id}: ${was.sku} effective ${was.effectiveDate} approved, ${now.effectiveDate} now`);
    const charge = compareMoneyWithin(`${was.sku} charge`, was.charge, now.charge, approval.tolerance);
    if (charge) differences.push(`${id}: ${charge}`);
    const refund = compareMoneyWithin(`${was.sku} refund`, was.refund, now.refund, approval.tolerance);
    if (refund) differences.push(`${id}: ${refund}`);
  }
  for (const [k, now] of currentLines) {
    if (!approvedLines.has(k)) differences.push(`${id}: ${describeLine(now)} now, not in the approved plan`);
  }
  const approvedOrder = new Set(approved.orderLines.map((l) => `${key(l)}=${l.quantity}`));
  const currentOrder = current.orderLines.map((l) => `${key(l)}=${l.quantity}`);
  if (differences.length === 0 && (approvedOrder.size !== currentOrder.length || currentOrder.some((l) => !approvedOrder.has(l)))) {
    differences.push(`${id}: order lines ${current.orderLines.map(describeLine).join(", ")} now, ${approved.orderLines.map(describeLine).join(", ")} approved`);
  }
  return differences;
}
