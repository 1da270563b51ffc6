/**
 * What a SubscriptionSeats resource records beside its plan, as state stores it: what the last read observed and
 * what the last order did, each one compact JSON text. docs/provider.md ("What is stored where") says why: the
 * engine serializes every property value of every resource after every step, so the ~30 values these records
 * were as objects cost an `up` of N resources N x N x 30. A state written by csp-seats 0.1 (top-level `limits`,
 * `usage`, ..., `orderId`, `charge`, `lineResults`, `appliedPlan`) is read the same way.
 */
import { formatMoney } from "./describe";
import { isRecord, parseJsonObject } from "./json";
import type { LineResult, Money } from "./model";
import { parseMoneyWords } from "./money";

/** Purchased and assigned seats of the managed SKUs, as last read. */
export interface ObservedSeats {
  readonly limits: Record<string, number>;
  readonly usage: Record<string, number | null>;
  /** Seats per SKU already scheduled for renewal (a decrease outside the refund window, ordered earlier). */
  readonly scheduled: Record<string, number>;
  readonly revision: string;
  readonly status: string;
  /** Wall-clock time of the read. */
  readonly observedAt: string;
}

/**
 * What an order was placed with, as planned: the revision and key, the planned money in words ("3.61 EUR", as the
 * preview showed it). Its lines are the order record's `lineResults` (sku, from, to, effective, what happened).
 */
export interface AppliedPlan {
  readonly revision: string;
  readonly idempotencyKey: string;
  readonly charge: string;
  readonly refund: string;
  readonly paymentMethodId?: string;
  readonly notifyEmail?: string;
}

/** The last order placed: what the portal did (`lineResults`), what it charged and refunded, what it carried. */
export interface OrderRecord {
  readonly orderId: string;
  readonly orderStatus?: string;
  readonly charge?: Money;
  readonly refund?: Money;
  readonly lineResults?: readonly LineResult[];
  readonly appliedPlan?: AppliedPlan;
}

type Json = Record<string, unknown>;

/** `{ currency, amount }` from "3.61 EUR" (or from the object older state holds); undefined for anything else. */
function fromWords(value: unknown): Money | undefined {
  if (isRecord(value)) return typeof value.amount === "string" && typeof value.currency === "string" ? { currency: value.currency, amount: value.amount } : undefined;
  return typeof value === "string" ? parseMoneyWords(value) : undefined;
}

/** The observation as state stores it (`observed`). */
export function encodeObservedSeats(seen: ObservedSeats): string {
  return JSON.stringify(seen);
}

/** The observation in a resource's outputs: the `observed` text, or csp-seats 0.1's top-level fields. */
export function decodeObservedSeats(outputs: Json | undefined): ObservedSeats | undefined {
  if (!outputs) return undefined;
  const source = parseJsonObject(outputs.observed) ?? (isRecord(outputs.limits) ? outputs : undefined);
  if (!source) return undefined;
  return {
    limits: (isRecord(source.limits) ? source.limits : {}) as Record<string, number>,
    usage: (isRecord(source.usage) ? source.usage : {}) as Record<string, number | null>,
    scheduled: (isRecord(source.scheduled) ? source.scheduled : {}) as Record<string, number>,
    revision: typeof source.revision === "string" ? source.revision : "",
    status: typeof source.status === "string" ? source.status : "",
    observedAt: typeof source.observedAt === "string" ? source.observedAt : "",
  };
}

/** The order record as state stores it (`order`): money in words. */
export function encodeOrderRecord(record: OrderRecord): string {
  return JSON.stringify({
    ...record,
    ...(record.charge ? { charge: formatMoney(record.charge) } : {}),
    ...(record.refund ? { refund: formatMoney(record.refund) } : {}),
    ...(record.lineResults ? { lineResults: record.lineResults.map((line) => ({ ...line, amount: formatMoney(line.amount) })) } : {}),
  });
}

/** The last order in a resource's outputs: the `order` text, or csp-seats 0.1's top-level fields; undefined when none. */
export function decodeOrderRecord(outputs: Json | undefined): OrderRecord | undefined {
  if (!outputs) return undefined;
  const source = parseJsonObject(outputs.order) ?? outputs;
  if (typeof source.orderId !== "string") return undefined;
  const charge = fromWords(source.charge);
  const refund = fromWords(source.refund);
  const applied = parseJsonObject(source.appliedPlan) ?? (isRecord(source.appliedPlan) ? source.appliedPlan : undefined);
  return {
    orderId: source.orderId,
    ...(typeof source.orderStatus === "string" ? { orderStatus: source.orderStatus } : {}),
    ...(charge ? { charge } : {}),
    ...(refund ? { refund } : {}),
    ...(Array.isArray(source.lineResults)
      ? { lineResults: (source.lineResults as Json[]).map((line) => ({ ...(line as unknown as LineResult), amount: fromWords(line.amount) ?? (line.amount as Money) })) }
      : {}),
    ...(applied ? { appliedPlan: applied as unknown as AppliedPlan } : {}),
  };
}
