/**
 * Changing seats on Partner Center. A change now is GET, set `quantity`, PATCH the full resource back (If-Match
 * with its etag): 200, or 202 + Location polled until the quantity shows. A change at renewal is a PATCH of
 * `scheduledNextTermInstructions` (needs auto-renew). Any mid-term change deletes scheduled changes (NOTES.md §5),
 * so when a plan changes the quantity now AND has (or wants) a scheduled change, the quantity goes first, then
 * the schedule is (re-)created on a fresh read, then a re-read verifies both. Partner Center has no order
 * resource for this: the Order returned is csp-seats' record of the PATCHes, held by the portal instance.
 *
 * Idempotency: each PATCH's MS-RequestId is derived from the plan's idempotency key (one per step), so every
 * retry of it, and a re-run of the same plan, carries the same id. After a lost reply the PATCH is retried with
 * that id, then the subscription is re-read and compared: a second change is never sent.
 */
import { createHash } from "node:crypto";
import { toDateString } from "../../core/dates";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Money, Order, OrderLine, OrderLineRequest, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import { negateMoney, subtractMoney, sumMoney, toMinorUnits, zeroMoney } from "../../core/money";
import { checkLineChange, priceOrderLine } from "../../core/rules";
import { isOutcomeUnknown } from "../shared/http-client";
import { waitForOrder } from "../shared/order-wait";
import { splitOfferId } from "./map-subscription";
import type { PartnerCenterSession } from "./pc-session";
import type { PcScheduledNextTermInstructions, PcSubscription } from "./pc-types";

/** What placing needs from the portal. */
export interface PcOrderContext {
  readonly session: PartnerCenterSession;
  /** `/v1/customers/{customer}/subscriptions/{id}`. */
  readonly subscriptionPath: (id: string) => string;
  readonly readRaw: (id: string) => Promise<PcSubscription>;
  /** GET of a path below the endpoint that answers a Subscription (a 202's Location). */
  readonly readRawAt: (path: string) => Promise<PcSubscription>;
  readonly map: (raw: PcSubscription) => Promise<Subscription>;
  /** The configured unit price of the subscription's offer; undefined when none is configured. */
  readonly priceOf: (offerId: string) => Money | undefined;
  /** Resolves a 202's Location to a path below the endpoint (undefined: not ours, poll the subscription instead). */
  readonly resolveLocation: (location: string | undefined) => string | undefined;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  readonly orderTimeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An Order still waiting for a 202 to show, as getOrder polls it. */
export interface PendingChange {
  readonly order: Order;
  readonly pollPath: string;
  readonly target: number;
}

/** A deterministic GUID for one step (`now`, `renewal`) of the plan with idempotency key `key` (the MS-RequestId). */
export function deriveRequestId(key: string, step: string): string {
  const hex = createHash("sha256").update(`csp-seats:${key}#${step}`).digest("hex");
  // RFC 4122 layout, version 5 (name-based) and the RFC variant, so Partner Center sees a well-formed GUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The order's charge, refund and total from its signed lines. */
export function summarisePcLines(lines: readonly OrderLine[], currency: string): Pick<Order, "charge" | "refund" | "total" | "currency"> {
  const charge = sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) > 0n), currency);
  const refund = negateMoney(sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) < 0n), currency));
  return { charge, refund, total: subtractMoney(charge, refund), currency };
}

/**
 * Prices `lines` on `subscription` with the configured unit price and Microsoft's daily proration (core/rules.ts).
 * Without a configured price a change now is PARTNER_CENTER_PRICE_UNKNOWN when `requirePrice`, zero otherwise.
 */
export function pricePcLines(subscription: Subscription, lines: readonly OrderLineRequest[], price: Money | undefined, now: Date, requirePrice: boolean): OrderLine[] {
  const line = subscription.lines[0]!;
  return lines.map((request) => {
    if (request.effective === "now" && request.quantity !== line.limit && price === undefined) {
      if (requirePrice) {
        throw new CspSeatsError("PARTNER_CENTER_PRICE_UNKNOWN", `no price is configured for offer ${line.sku} (Partner Center's subscription carries none)`, `Add it to csp-seats:prices (or CSP_SEATS_PARTNER_CENTER_PRICES), e.g. {"${line.sku.split(":").slice(0, 2).join(":")}": "6.00 ${subscription.currency}"}: the price of one seat for one billing cycle.`, {
          details: { offerId: line.sku, subscriptionId: subscription.id },
        });
      }
      return { sku: request.sku, from: line.limit, to: request.quantity, effective: request.effective, effectiveDate: toDateString(now), amount: zeroMoney(subscription.currency) };
    }
    return priceOrderLine(subscription, price ? { ...line, unitPrice: price } : line, request.quantity, request.effective, now);
  });
}

/** Checks the request's lines against the subscription's one line: at most one `now` and one `renewal` line, its SKU. */
export function checkPcLines(subscription: Subscription, request: OrderRequest): { now?: OrderLineRequest; renewal?: OrderLineRequest } {
  const sku = subscription.lines[0]!.sku;
  const found: { now?: OrderLineRequest; renewal?: OrderLineRequest } = {};
  for (const line of request.lines) {
    if (line.sku !== sku) {
      throw new CspSeatsError("PORTAL_SKU_NOT_FOUND", `subscription ${subscription.id} carries offer ${sku}, not ${line.sku}`, "A Partner Center subscription is one offer: use its offerId as the SKU.", { status: 422 });
    }
    if (found[line.effective]) throw new CspSeatsError("PORTAL_DUPLICATE_SKU", `the order names ${sku} twice for ${line.effective}`, "Send one line per SKU and effective time.", { status: 422 });
    found[line.effective] = line;
  }
  return found;
}

/** Refuses a stale plan: the revision (etag) the plan was made against is not the current one. */
export function checkPcRevision(subscription: Subscription, expected: string | undefined): void {
  if (expected !== undefined && expected !== subscription.revision) {
    throw new CspSeatsError("PORTAL_STALE_REVISION", `subscription ${subscription.id} changed since it was planned`, "Run the plan again (pulumi preview / csp-seats plan) and apply the new plan.", {
      status: 412,
      details: { expected, actual: subscription.revision },
    });
  }
}

/** The scheduled instructions to set: the existing ones kept (a re-creation) or the subscription's own product. */
export function buildScheduledInstructions(raw: PcSubscription, quantity: number, keep?: PcScheduledNextTermInstructions): PcScheduledNextTermInstructions {
  if (keep) return { ...keep, quantity };
  const { productId, skuId, availabilityId } = splitOfferId(raw.offerId ?? "");
  return {
    product: {
      productId,
      ...(skuId ? { skuId } : {}),
      ...(availabilityId ? { availabilityId } : {}),
      ...(raw.billingCycle ? { billingCycle: raw.billingCycle } : {}),
      ...(raw.termDuration ? { termDuration: raw.termDuration } : {}),
    },
    quantity,
  };
}

type PatchOutcome = { readonly kind: "applied"; readonly raw: PcSubscription } | { readonly kind: "accepted"; readonly pollPath: string };

/**
 * PATCHes `body` with MS-RequestId `requestId` (retries reuse it). After a lost reply, re-reads and compares with
 * `landed`: the change is then confirmed or reported unconfirmed, never sent a second time.
 */
async function patchOnce(context: PcOrderContext, raw: PcSubscription, body: PcSubscription, requestId: string, landed: (fresh: PcSubscription) => boolean, step: string): Promise<PatchOutcome> {
  const path = context.subscriptionPath(raw.id);
  try {
    const response = await context.session.call<PcSubscription>({ method: "PATCH", path, body, requestId, retrySafe: true, ...(raw.attributes?.etag ? { etag: raw.attributes.etag } : {}) });
    context.log(`partner-center: PATCH ${step} of subscription ${raw.id} answered ${response.status} (MS-RequestId ${requestId}, MS-CorrelationId ${response.correlationId ?? "none"})`);
    if (response.status === 202) return { kind: "accepted", pollPath: context.resolveLocation(response.headers.location) ?? path };
    return { kind: "applied", raw: response.body && typeof response.body === "object" && response.body.id ? response.body : await context.readRaw(raw.id) };
  } catch (error) {
    const attempts = isCspSeatsError(error) ? Number((error.details as { attempts?: unknown } | undefined)?.attempts ?? 1) : 1;
    const lost = isOutcomeUnknown(error) || (isCspSeatsError(error) && error.code === "PORTAL_STALE_REVISION" && attempts > 1);
    if (!lost) throw error;
    const fresh = await context.readRaw(raw.id);
    if (landed(fresh)) {
      context.log(`partner-center: the reply to PATCH ${step} of subscription ${raw.id} was lost; the re-read shows the change, not sending it again (MS-RequestId ${requestId})`);
      return { kind: "applied", raw: fresh };
    }
    const failure = error as CspSeatsError;
    throw new CspSeatsError("PARTNER_CENTER_CHANGE_UNCONFIRMED", `subscription ${raw.id}: the reply to PATCH ${step} was lost and the subscription does not show the change (${failure.summary})`, "Run again: the same plan sends the same MS-RequestId, which Partner Center does not apply twice.", {
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.correlationId ? { correlationId: failure.correlationId } : {}),
      details: { requestId, step },
    });
  }
}

/** Polls `pollPath` until the quantity is `target` (one timeout, the shared order wait). */
export async function pollQuantity(context: PcOrderContext, pending: PendingChange): Promise<Order> {
  const raw = await context.readRawAt(pending.pollPath);
  return raw.quantity === pending.target ? completeNowLine(pending.order, context.now(), "applied") : pending.order;
}

function completeNowLine(order: Order, at: Date, status: "applied"): Order {
  return { ...order, status: "completed", completedAt: at.toISOString(), lines: order.lines.map((l) => (l.effective === "now" ? { ...l, result: { status, ...(l.result?.message ? { message: l.result.message } : {}) } } : l)) };
}

/**
 * Places `request` and returns the Order: completed (200s, verified by a re-read), processing (a 202 with nothing
 * to follow it: getOrder polls its Location) or in error (the schedule could not be re-created after the change
 * now; lines[].result says which step applied).
 */
export async function placePcOrder(context: PcOrderContext & { readonly pending: Map<string, PendingChange> }, request: PlaceOrderRequest): Promise<Order> {
  if (typeof request.idempotencyKey !== "string" || request.idempotencyKey.trim() === "") {
    throw new CspSeatsError("PORTAL_BAD_REQUEST", "an order needs an idempotency key", "Derive it from the plan (csp-seats does); it is what prevents a second change.", { status: 400 });
  }
  if (request.lines.length === 0) throw new CspSeatsError("PORTAL_BAD_REQUEST", "the order has no lines", "Send at least one line.", { status: 400 });
  let raw = await context.readRaw(request.subscriptionId);
  const before = await context.map(raw);
  const lines = checkPcLines(before, request);
  checkPcRevision(before, request.expectedRevision);
  if (!before.eligibility.eligible) {
    throw new CspSeatsError("PORTAL_INELIGIBLE", `subscription ${before.id} cannot be changed: ${before.eligibility.reason}`, "Resolve the subscription's status in Partner Center first.", { status: 403, details: { reasonCode: before.eligibility.reasonCode } });
  }
  const now = context.now();
  const line = before.lines[0]!;
  for (const wanted of [lines.now, lines.renewal]) {
    if (!wanted) continue;
    const violation = checkLineChange(before, line, wanted.quantity, wanted.effective, now, request.allowBelowUsage ? { allowBelowUsage: true } : {});
    if (violation?.code === "PORTAL_BELOW_USAGE") throw new CspSeatsError(violation.code, violation.summary, violation.fix, { status: 422 });
  }
  const existing = raw.scheduledNextTermInstructions ?? undefined;
  const changesNow = lines.now !== undefined && lines.now.quantity !== raw.quantity;
  // The schedule to hold after this order: the one the plan wants, or the one a change now would wipe.
  const scheduleTarget = lines.renewal?.quantity ?? (changesNow && existing?.quantity !== undefined ? existing.quantity : undefined);
  const recreate = lines.renewal === undefined && scheduleTarget !== undefined;
  if (scheduleTarget !== undefined && raw.autoRenewEnabled !== true) {
    throw new CspSeatsError("PORTAL_RENEWAL_NEEDS_AUTO_RENEW", `subscription ${before.id}: a change at renewal needs auto-renew, which is off${recreate ? " (the change now would delete the scheduled change)" : ""}`, "Turn auto-renew on in Partner Center; nothing was changed.", { status: 422 });
  }

  const ordered = pricePcLines(before, [...(lines.now ? [lines.now] : []), ...(lines.renewal ? [lines.renewal] : [])], context.priceOf(line.sku), now, false);
  const nowId = deriveRequestId(request.idempotencyKey, "now");
  const renewalId = deriveRequestId(request.idempotencyKey, "renewal");
  let order: Order = {
    id: `pc-${before.id}-${(changesNow ? nowId : renewalId).slice(0, 8)}`,
    subscriptionId: before.id,
    status: "processing",
    idempotencyKey: request.idempotencyKey,
    createdAt: now.toISOString(),
    lines: ordered.map((l) => (l.effective === "now" && recreate ? { ...l, result: { status: "applied" as const, message: `the change now deletes the scheduled change to ${scheduleTarget} seats at renewal; csp-seats re-creates it` } } : l)),
    ...summarisePcLines(ordered, before.currency),
  };

  if (changesNow) {
    const target = lines.now!.quantity;
    const outcome = await patchOnce(context, raw, { ...raw, quantity: target }, nowId, (fresh) => fresh.quantity === target, "quantity");
    if (outcome.kind === "accepted") {
      const pending: PendingChange = { order, pollPath: outcome.pollPath, target };
      if (scheduleTarget === undefined) {
        context.pending.set(order.id, pending);
        context.log(`partner-center: Partner Center accepted the change of subscription ${before.id} (202); polling until the quantity shows`);
        return order;
      }
      order = await waitForOrder({ getOrder: () => pollQuantity(context, pending) }, order, { timeoutMs: context.orderTimeoutMs, ...(context.sleep ? { sleep: context.sleep } : {}) });
    } else {
      raw = outcome.raw;
      order = completeNowLine(order, context.now(), "applied");
    }
  }

  if (scheduleTarget !== undefined) {
    // A fresh read: the quantity PATCH changed the etag and deleted the schedule; availabilityId may have moved on.
    raw = await context.readRaw(before.id);
    if (raw.scheduledNextTermInstructions?.quantity !== scheduleTarget) {
      const instructions = buildScheduledInstructions(raw, scheduleTarget, recreate ? existing : undefined);
      try {
        await patchOnce(context, raw, { ...raw, scheduledNextTermInstructions: instructions }, renewalId, (fresh) => fresh.scheduledNextTermInstructions?.quantity === scheduleTarget, "scheduledNextTermInstructions");
      } catch (error) {
        if (!changesNow || !isCspSeatsError(error)) throw error;
        return failSchedule(order, error, scheduleTarget, context.now());
      }
    }
  }

  const after = await context.readRaw(before.id);
  const verified = (!changesNow || after.quantity === lines.now!.quantity) && (scheduleTarget === undefined || after.scheduledNextTermInstructions?.quantity === scheduleTarget);
  if (!verified && changesNow && after.quantity === lines.now!.quantity) {
    return failSchedule(order, new CspSeatsError("PARTNER_CENTER_SCHEDULE_LOST", "the re-read shows no scheduled change", "Schedule it in Partner Center, or run again."), scheduleTarget!, context.now());
  }
  return {
    ...order,
    status: "completed",
    completedAt: context.now().toISOString(),
    lines: order.lines.map((l) => ({ ...l, result: l.result ?? { status: l.effective === "renewal" ? ("scheduled" as const) : ("applied" as const) } })),
  };
}

/** The Order when the change now applied but the schedule could not be (re-)created: in error, per line. */
function failSchedule(order: Order, error: CspSeatsError, target: number, at: Date): Order {
  const message = `the seats changed now, but the change to ${target} seats at renewal is not scheduled: ${error.summary}`;
  return {
    ...order,
    status: "error",
    completedAt: at.toISOString(),
    error: { code: "PARTNER_CENTER_SCHEDULE_LOST", message },
    lines: order.lines.map((l) => (l.effective === "now" ? { ...l, result: { status: "applied" as const, ...(l.result?.message ? { message: `${l.result.message}, but it failed: ${error.summary}` } : {}) } } : { ...l, result: { status: "failed" as const, message } })),
  };
}
