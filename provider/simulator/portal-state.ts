/**
 * The embedded portal's state and the calendar that moves it: what is stored in the state file, how a fixture
 * becomes a state, how stored subscriptions are shown as `Subscription`s, and how time passing rolls billing
 * periods and renews terms. Pure: no I/O, time comes in as an argument.
 */
import type { Eligibility, LicenseLine, Money, Order, OutboxMessage, PaymentMethod, RefundableBatch, ScheduledChange, Subscription, SubscriptionStatus } from "../core/model";
import { addDays, addMonths, isCalendarDate, LAST_DATE, startOfDay } from "../core/dates";
import { CspSeatsError } from "../core/errors";
import { createMoney } from "../core/money";
import { createBatch } from "../core/rules";
import type { FaultRule } from "./faults";
import type { BillingCycle, FixtureCustomer, PortalFixture, TermDuration } from "./fixture";

/** Bumped when the stored shape changes incompatibly; an older file must be re-seeded. */
export const STATE_VERSION = 1;

/** A license line as stored (batches oldest first). */
export interface StoredLine {
  sku: string;
  displayName: string;
  usage: number | null;
  usageScope?: string;
  limit: number;
  unitPrice: Money;
  minQuantity: number;
  maxQuantity: number;
  /** Oldest first. */
  batches: RefundableBatch[];
  provisioningError?: string;
}

/** A subscription as stored; toSubscription shows it. */
export interface StoredSubscription {
  id: string;
  name: string;
  customerId: string;
  status: SubscriptionStatus;
  /** Eligibility as the fixture set it; the shown one also reflects status and orders in progress. */
  baseEligibility: Eligibility;
  currency: string;
  billingCycle: BillingCycle;
  /** Day of month billing periods start on (clamped to short months). */
  billingAnchorDay: number;
  billingPeriod: { start: string; end: string };
  termDuration: TermDuration;
  termEnd: string;
  autoRenew: boolean;
  paymentMethods: PaymentMethod[];
  /** Incremented on every change; shown as `<epoch>-<n>`. */
  revision: number;
  lines: StoredLine[];
  scheduledChanges: ScheduledChange[];
}

/** An order with what the portal needs to move it along and to recognise a replay. */
export interface StoredOrder {
  order: Order;
  /** Fingerprint of the request, to tell a replay from a reused key. */
  requestHash: string;
  processingAt: string;
  completeAt: string;
}

/** The whole content of the state file. */
export interface PortalState {
  version: number;
  /** Random per seeding: revisions and order ids from an earlier seeding never match this one's. */
  epoch: string;
  /** Wall-clock time of seeding. */
  seededAt: string;
  /** The fixture's frozen start time, if any. */
  fixtureNow?: string;
  processingDelayMs: number;
  pageSize: number;
  customers: FixtureCustomer[];
  subscriptions: StoredSubscription[];
  orders: StoredOrder[];
  outbox: OutboxMessage[];
  faults: FaultRule[];
  counters: { order: number; message: number };
}

/**
 * A copy of a frozen (shared) state that a transaction or an advance may change. What nothing changes again is
 * shared, still frozen: finished orders and sent e-mails, which are most of a busy portal's state, and every
 * subscription until it is changed (getWritableSubscription copies it then). Orders in flight, customers, faults
 * and counters are copied. A state not of this version is copied whole.
 */
export function copyPortalState(state: PortalState): PortalState {
  if (state.version !== STATE_VERSION || !Array.isArray(state.orders) || !Array.isArray(state.outbox)) return structuredClone(state);
  return {
    ...state,
    customers: structuredClone(state.customers),
    subscriptions: [...state.subscriptions],
    orders: state.orders.map((o) => (isFinished(o) ? o : structuredClone(o))),
    outbox: [...state.outbox],
    faults: structuredClone(state.faults),
    counters: { ...state.counters },
  };
}

/**
 * Subscription `index` ready to be changed: one still shared with a frozen snapshot (copyPortalState) is replaced
 * by its own copy first. Every change of a subscription goes through here; a frozen one would refuse it.
 */
export function getWritableSubscription(state: PortalState, index: number): StoredSubscription {
  const sub = state.subscriptions[index];
  if (!Object.isFrozen(sub)) return sub;
  const copy = structuredClone(sub);
  state.subscriptions[index] = copy;
  return copy;
}

function isFinished(stored: StoredOrder): boolean {
  const status = stored?.order?.status;
  return status === "completed" || status === "error";
}

const TERM_MONTHS: Record<TermDuration, number> = { P1M: 1, P1Y: 12, P3Y: 36 };
const CYCLE_MONTHS: Record<BillingCycle, number> = { monthly: 1, annual: 12 };

/** Builds a fresh state from a validated fixture. */
export function createPortalState(fixture: PortalFixture, options: { seededAt: Date; epoch: string }): PortalState {
  return {
    version: STATE_VERSION,
    epoch: options.epoch,
    seededAt: options.seededAt.toISOString(),
    ...(fixture.now !== undefined ? { fixtureNow: new Date(fixture.now).toISOString() } : {}),
    processingDelayMs: fixture.processingDelayMs ?? 0,
    pageSize: fixture.pageSize ?? 100,
    customers: fixture.customers.map((c) => ({ ...c })),
    faults: (fixture.faults ?? []).map((f) => ({ ...f })),
    orders: [],
    outbox: [],
    counters: { order: 0, message: 0 },
    subscriptions: fixture.subscriptions.map((sub) => {
      const methods = sub.paymentMethods ?? [];
      const hasDefault = methods.some((pm) => pm.isDefault);
      return {
        id: sub.id,
        name: sub.name,
        customerId: sub.customerId,
        status: sub.status,
        baseEligibility: sub.eligibility ? { ...sub.eligibility } : { eligible: true },
        currency: sub.currency,
        billingCycle: sub.billingCycle ?? "monthly",
        billingAnchorDay: Number(sub.billingPeriod.start.slice(8, 10)),
        billingPeriod: { ...sub.billingPeriod },
        termDuration: sub.termDuration ?? (addDays(sub.termEnd, 1) === sub.billingPeriod.end ? "P1M" : "P1Y"),
        termEnd: sub.termEnd,
        autoRenew: sub.autoRenew,
        paymentMethods: methods.map((pm, i) => ({ id: pm.id, label: pm.label, isDefault: pm.isDefault ?? (!hasDefault && i === 0) })),
        revision: 1,
        scheduledChanges: [],
        lines: sub.lines.map((line) => ({
          sku: line.sku,
          displayName: line.displayName,
          usage: line.usage,
          ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
          limit: line.limit,
          unitPrice: createMoney(line.unitPrice, sub.currency),
          minQuantity: line.minQuantity ?? 1,
          maxQuantity: line.maxQuantity ?? 300,
          batches: (line.batches ?? [])
            .map((batch) => createBatch(batch.quantity, new Date(batch.addedAt)))
            .sort((a, b) => a.addedAt.localeCompare(b.addedAt)),
          ...(line.provisioningError !== undefined ? { provisioningError: line.provisioningError } : {}),
        })),
      };
    }),
  };
}

/**
 * The portal's "now": the injected clock when there is one; otherwise, with a fixture `now`, that time plus the
 * real time elapsed since seeding (so orders still complete and windows still close); otherwise the wall clock.
 */
export function getPortalNow(state: Pick<PortalState, "fixtureNow" | "seededAt">, wallNow: Date, clock?: { now(): Date }): Date {
  if (clock) return clock.now();
  if (state.fixtureNow === undefined) return wallNow;
  const elapsed = Math.max(0, wallNow.getTime() - Date.parse(state.seededAt));
  return new Date(Date.parse(state.fixtureNow) + elapsed);
}

const STATUS_ELIGIBILITY: Record<Exclude<SubscriptionStatus, "active">, Eligibility> = {
  pending: { eligible: false, reasonCode: "pending", reason: "The subscription is still being provisioned; it can be changed once it is active." },
  suspended: { eligible: false, reasonCode: "suspended", reason: "The subscription is suspended (and still billed); it cannot be changed until it is reactivated." },
  hold: { eligible: false, reasonCode: "on-hold", reason: "The subscription is on hold; contact the provider to release it." },
  terminated: { eligible: false, reasonCode: "terminated", reason: "The subscription is terminated; buy a new one instead." },
};

/** The order still running on `subscriptionId`, if any. */
export function findOrderInFlight(state: PortalState, subscriptionId: string): StoredOrder | undefined {
  return state.orders.find((o) => o.order.subscriptionId === subscriptionId && (o.order.status === "submitted" || o.order.status === "processing"));
}

/** Eligibility as shown: the fixture's reason first, then the status, then an order in progress. */
export function getEligibility(state: PortalState, sub: StoredSubscription): Eligibility {
  if (!sub.baseEligibility.eligible) return sub.baseEligibility;
  if (sub.status !== "active") return STATUS_ELIGIBILITY[sub.status];
  const inFlight = findOrderInFlight(state, sub.id);
  if (inFlight) {
    return {
      eligible: false,
      reasonCode: "order-in-progress",
      reason: `Order ${inFlight.order.id} is still being processed; changes are possible once it completes.`,
    };
  }
  return { eligible: true };
}

/** The opaque revision string of `sub`. */
export function formatRevision(state: PortalState, sub: StoredSubscription): string {
  return `${state.epoch}-${sub.revision}`;
}

/** A stored line as a LicenseLine. */
export function toLicenseLine(line: StoredLine): LicenseLine {
  return {
    sku: line.sku,
    displayName: line.displayName,
    usage: line.usage,
    ...(line.usageScope !== undefined ? { usageScope: line.usageScope } : {}),
    limit: line.limit,
    unitPrice: { ...line.unitPrice },
    minQuantity: line.minQuantity,
    maxQuantity: line.maxQuantity,
    refundableBatches: line.batches.map((b) => ({ ...b })),
  };
}

/** A stored subscription as the Portal interface shows it. */
export function toSubscription(state: PortalState, sub: StoredSubscription): Subscription {
  return {
    id: sub.id,
    name: sub.name,
    customerId: sub.customerId,
    status: sub.status,
    eligibility: { ...getEligibility(state, sub) },
    currency: sub.currency,
    billingPeriod: { ...sub.billingPeriod },
    termEnd: sub.termEnd,
    renewalDate: addDays(sub.termEnd, 1),
    autoRenew: sub.autoRenew,
    paymentMethods: sub.paymentMethods.map((pm) => ({ ...pm })),
    revision: formatRevision(state, sub),
    lines: sub.lines.map(toLicenseLine),
    scheduledChanges: sub.scheduledChanges.map((c) => ({ ...c })),
  };
}

/** The error for a calendar that would run past LAST_DATE (or a date the state holds that is not a date). */
export function createCalendarLimitError(summary: string): CspSeatsError {
  return new CspSeatsError(
    "PORTAL_CALENDAR_LIMIT",
    summary,
    "Re-seed the embedded portal with dates nearer the time you want (`csp-seats portal seed --fixture FILE`), or pin a nearer time with --now.",
    { status: 422 },
  );
}

/** `date` plus `months` on `anchorDay`, refused with PORTAL_CALENDAR_LIMIT past LAST_DATE. */
function addCalendarMonths(sub: StoredSubscription, date: string, months: number, anchorDay?: number): string {
  const result = addMonths(date, months, anchorDay);
  if (!isCalendarDate(result)) {
    throw createCalendarLimitError(`subscription ${sub.id} would renew or bill past ${LAST_DATE}, the last date the portal's calendar reaches`);
  }
  return result;
}

/** Starts the next billing period. */
function rollBillingPeriod(sub: StoredSubscription): void {
  const start = sub.billingPeriod.end;
  sub.billingPeriod = { start, end: addCalendarMonths(sub, start, CYCLE_MONTHS[sub.billingCycle], sub.billingAnchorDay) };
  sub.revision += 1;
}

/**
 * Renews `sub` at the start of its renewal date: a new term, scheduled quantities applied, and every seat renewed
 * as one new batch whose 168-hour window starts now. Without auto-renew the subscription ends instead.
 */
function renewSubscription(sub: StoredSubscription): void {
  const renewalDate = addDays(sub.termEnd, 1);
  const renewedAt = new Date(startOfDay(renewalDate));
  if (!sub.autoRenew) {
    sub.revision += 1;
    sub.status = "terminated";
    sub.scheduledChanges = [];
    return;
  }
  // Computed before any change, so a calendar past its last date leaves the subscription as it was.
  const termEnd = addDays(addCalendarMonths(sub, renewalDate, TERM_MONTHS[sub.termDuration]), -1);
  const billingEnd = addCalendarMonths(sub, renewalDate, CYCLE_MONTHS[sub.billingCycle], sub.billingAnchorDay);
  sub.revision += 1;
  for (const line of sub.lines) {
    const scheduled = sub.scheduledChanges.find((c) => c.sku === line.sku);
    if (scheduled) line.limit = scheduled.quantity;
    line.batches = line.limit > 0 ? [createBatch(line.limit, renewedAt)] : [];
  }
  sub.scheduledChanges = [];
  sub.termEnd = termEnd;
  sub.billingPeriod = { start: renewalDate, end: billingEnd };
}

/**
 * Event times by date text. Every read asks for each subscription's next event, and a portal of 1,000
 * subscriptions has a handful of distinct dates: validating and converting each date once per read was a third
 * of the embedded portal's CPU per order. Bounded, so odd states cannot grow it without limit.
 */
const eventTimes = new Map<string, number>();
const renewalTimes = new Map<string, number>();
const EVENT_TIME_CACHE_LIMIT = 4096;

function remember(cache: Map<string, number>, key: string, value: number): number {
  if (cache.size >= EVENT_TIME_CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Midnight UTC of `date` in ms, or Infinity for a date the calendar cannot hold (never NaN). */
function toEventTime(date: string): number {
  return eventTimes.get(date) ?? remember(eventTimes, date, isCalendarDate(date) ? startOfDay(date) : Infinity);
}

/** When a term ending `termEnd` renews (the day after), or Infinity when the calendar cannot hold it. */
function getRenewalTime(termEnd: string): number {
  return renewalTimes.get(termEnd) ?? remember(renewalTimes, termEnd, isCalendarDate(termEnd) && termEnd < LAST_DATE ? toEventTime(addDays(termEnd, 1)) : Infinity);
}

/**
 * The next calendar event of `sub` (a billing period ending or a renewal), as ms since the epoch; undefined for a
 * terminated subscription or when neither event falls on a date the calendar holds (after LAST_DATE). Never NaN:
 * a NaN time compares false with everything, and a loop waiting for it to pass `now` would never end.
 */
export function getNextCalendarEvent(sub: StoredSubscription): { at: number; kind: "renewal" | "billing" } | undefined {
  if (sub.status === "terminated") return undefined;
  const renewalAt = getRenewalTime(sub.termEnd);
  const billingAt = toEventTime(sub.billingPeriod.end);
  if (renewalAt === Infinity && billingAt === Infinity) return undefined;
  return renewalAt <= billingAt ? { at: renewalAt, kind: "renewal" } : { at: billingAt, kind: "billing" };
}

/** Applies one calendar event returned by getNextCalendarEvent. */
export function applyCalendarEvent(sub: StoredSubscription, kind: "renewal" | "billing"): void {
  if (kind === "renewal") renewSubscription(sub);
  else rollBillingPeriod(sub);
}
