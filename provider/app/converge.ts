/**
 * Converge: the second half of `pulumi up` for one subscription (and of the fleet runner's up). Never on a stale
 * read: re-read the subscription just before ordering, refuse a plan made against another revision, place ONE
 * order carrying every line under the plan's idempotency key (the backend looks the key up before posting again),
 * wait for it with the one order wait, re-read and verify that every line took effect.
 */
import { CspSeatsError, isCspSeatsError, withContext } from "../core/errors";
import { formatFinding, formatMoney, describePlanChanges } from "../core/describe";
import type { LineResult, Order, Subscription } from "../core/model";
import { compareWithApproval, type Approval } from "../core/plan/approval";
import type { SubscriptionPlan } from "../core/plan/types";
import type { Portal } from "../backends/portal";
import { waitForOrder } from "../backends/shared/order-wait";
import { readSubscription } from "./observe";

/** Where progress goes: the Pulumi engine's log, the CLI's stderr, a fleet runner's line per tenant. */
export type ReportProgress = (severity: "info" | "warning", message: string) => Promise<void> | void;

/** What converging one subscription did. */
export interface ConvergeOutcome {
  /** The subscription as read just before ordering. */
  readonly before: Subscription;
  /** The subscription after the order (`before` when nothing was ordered). */
  readonly after: Subscription;
  /** The order as it ended; absent when the plan had nothing to order. */
  readonly order?: Order;
  readonly lineResults: LineResult[];
  /** Lines the portal does not show after a completed order (empty when verified). */
  readonly unverified: string[];
}

/** Refuses a missing plan and a plan with violations (nothing is ordered for it). */
export function assertPlanOrderable(subscriptionId: string, plan: SubscriptionPlan | undefined): asserts plan is SubscriptionPlan {
  if (!plan) {
    throw new CspSeatsError("PLAN_MISSING", `no plan for subscription ${subscriptionId}`, "Run `pulumi preview` / `pulumi up` again; the plan is computed during the check.");
  }
  const blocking = plan.findings.filter((finding) => finding.severity === "violation");
  if (blocking.length > 0 || plan.blocked) {
    throw new CspSeatsError("PLAN_BLOCKED", `subscription ${subscriptionId} is blocked: ${blocking.map((f) => formatFinding(f)).join("; ")}`, "Fix the findings; nothing was ordered.");
  }
}

/**
 * Refuses an order that is not the approved one (csp-seats:approvedPlan): APPROVAL_MISMATCH naming every
 * difference. Nothing has been ordered when it throws.
 */
export function assertApprovedOrder(id: string, plan: SubscriptionPlan, approval: Approval | undefined): void {
  if (!approval) return;
  const differences = compareWithApproval(approval, plan);
  if (differences.length === 0) return;
  throw new CspSeatsError(
    "APPROVAL_MISMATCH",
    `the order for subscription ${id} is not the approved one (${approval.source}): ${differences.join("; ")}; nothing was ordered`,
    "Review the new plan (`csp-seats plan` / `pulumi preview`), approve it again (`csp-seats plan --save FILE`), then run `pulumi up` with that approval.",
  );
}

/** What the portal did to each line of `order`. */
export function toLineResults(order: Order): LineResult[] {
  return order.lines.map((line) => ({
    sku: line.sku,
    from: line.from,
    to: line.to,
    effective: line.effective,
    effectiveDate: line.effectiveDate,
    amount: line.amount,
    status: line.result?.status ?? (order.status === "error" ? "failed" : line.effective === "renewal" ? "scheduled" : "applied"),
    ...(line.result?.message !== undefined ? { message: line.result.message } : {}),
  }));
}

/** Checks the subscription after the order: every `now` line has its new limit, every `renewal` line is scheduled. */
export function findUnverifiedLines(plan: SubscriptionPlan, after: Subscription): string[] {
  const problems: string[] = [];
  for (const line of plan.orderLines) {
    if (line.effective === "now") {
      const limit = after.lines.find((l) => l.sku === line.sku)?.limit;
      if (limit !== line.quantity) problems.push(`${line.sku} has ${limit ?? "no"} seats, expected ${line.quantity}`);
    } else if (!after.scheduledChanges.some((change) => change.sku === line.sku && change.quantity === line.quantity)) {
      problems.push(`${line.sku}: no change to ${line.quantity} seats is scheduled for renewal`);
    }
  }
  return problems;
}

async function placePlannedOrder(portal: Portal, id: string, plan: SubscriptionPlan): Promise<Order> {
  try {
    return await portal.placeOrder({
      subscriptionId: id,
      expectedRevision: plan.revision,
      lines: plan.orderLines,
      idempotencyKey: plan.idempotencyKey,
      ...(plan.paymentMethodId !== undefined ? { paymentMethodId: plan.paymentMethodId } : {}),
      ...(plan.notifyEmail !== undefined ? { notifyEmail: plan.notifyEmail } : {}),
      allowBelowUsage: plan.allowBelowUsage,
    });
  } catch (error) {
    if (isCspSeatsError(error) && error.code === "PORTAL_STALE_REVISION") {
      throw new CspSeatsError("PLAN_STALE", `cannot place the order for subscription ${id}: the portal says it changed since it was planned; nothing was ordered`, "Run `pulumi refresh`, then `pulumi preview` again.");
    }
    throw withContext(`cannot place the order for subscription ${id}`, error);
  }
}

/**
 * Converges subscription `id` to `plan` (from a check or a plan command made against revision `plan.revision`):
 * re-read, stale check, the approval check (`approval`, when set), one order, the one wait (`timeoutMs`), re-read, verify. Progress goes to `report`.
 */
export async function convergeSubscription(
  portal: Portal,
  id: string,
  plan: SubscriptionPlan | undefined,
  options: { timeoutMs: number; report: ReportProgress; approval?: Approval },
): Promise<ConvergeOutcome> {
  const { report } = options;
  assertPlanOrderable(id, plan);
  const before = await readSubscription(portal, id);
  if (!before) {
    throw new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `subscription ${id} no longer exists in the portal`, "Check the id; nothing was ordered.");
  }
  if (before.revision !== plan.revision) {
    throw new CspSeatsError(
      "PLAN_STALE",
      `subscription ${id} changed since it was planned (revision ${plan.revision} -> ${before.revision}); nothing was ordered`,
      "Run `pulumi refresh`, then `pulumi preview` to review the new plan, then `pulumi up` again.",
    );
  }
  if (plan.orderLines.length === 0) {
    await report("info", `csp-seats ${id}: managed, nothing to order`);
    return { before, after: before, lineResults: [], unverified: [] };
  }
  assertApprovedOrder(id, plan, options.approval);
  const changes = describePlanChanges(plan, "progress");
  await report(
    "info",
    `csp-seats ${id}: placing one order with ${plan.orderLines.length} line(s): ${changes.join("; ")}; charge ${formatMoney(plan.charge)}, refund ${formatMoney(plan.refund)}`,
  );
  const order = await placePlannedOrder(portal, id, plan);
  await report("info", `csp-seats ${id}: order ${order.id} ${order.status}`);
  const done = await waitForOrder(portal, order, {
    timeoutMs: options.timeoutMs,
    onProgress: ({ order: polled, elapsedMs }) => report("info", `csp-seats ${id}: order ${polled.id} ${polled.status} (${Math.round(elapsedMs / 1000)} s)`),
  });
  const after = await portal.getSubscription(id);
  const lineResults = toLineResults(done);
  if (done.status === "error") return { before, after, order: done, lineResults, unverified: [] };
  const unverified = findUnverifiedLines(plan, after);
  if (unverified.length === 0) {
    await report("info", `csp-seats ${id}: order ${done.id} completed and verified: ${lineResults.length} line(s), charge ${formatMoney(done.charge)}, refund ${formatMoney(done.refund)}`);
  }
  return { before, after, order: done, lineResults, unverified };
}
