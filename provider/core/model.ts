/**
 * The shared vocabulary of csp-seats: subscriptions, license lines, orders and money as every backend,
 * the planner, the provider and the CLI see them. Plain JSON-serializable data only (no classes, no Dates):
 * the same shapes travel over the embedded portal's HTTP API, into Pulumi state and into `--format json`.
 *
 * Times are ISO-8601 UTC strings (`2026-11-26T05:58:02.000Z`); calendar dates are `YYYY-MM-DD`.
 */

/** Exact money: a decimal string with exactly the currency's minor digits ("12.34" EUR, "1200" JPY). Never a JS float. */
export interface Money {
  /** ISO-4217 code, upper case. */
  readonly currency: string;
  /** Decimal string, optionally negative ("-3.87"). */
  readonly amount: string;
}

export type SubscriptionStatus = "active" | "pending" | "suspended" | "hold" | "terminated";

/** Why a subscription cannot take seat changes right now. */
export interface Eligibility {
  readonly eligible: boolean;
  /** Stable reason code when not eligible, e.g. `channel-partner`, `trial`, `on-hold`, `order-in-progress`, `suspended`. */
  readonly reasonCode?: string;
  /** Human sentence shown to the user when not eligible. */
  readonly reason?: string;
}

/** A period [start, end): `end` is the first day of the next period (exclusive). */
export interface BillingPeriod {
  readonly start: string;
  readonly end: string;
}

export interface PaymentMethod {
  readonly id: string;
  readonly label: string;
  readonly isDefault: boolean;
}

/** Seats added at one time; each batch may be reduced (with a refund) only until `refundableUntil` (168 h after `addedAt`). */
export interface RefundableBatch {
  readonly quantity: number;
  readonly addedAt: string;
  readonly refundableUntil: string;
}

export interface LicenseLine {
  /** Portal product id / manufacturer part number (CloudBlue `mpn`). */
  readonly sku: string;
  readonly displayName: string;
  /** Assigned seats (Microsoft 365 `consumedUnits`). `null` when the backend cannot tell. */
  readonly usage: number | null;
  /** Where `usage` comes from when it is not per subscription, e.g. `tenant-wide sku O365_BUSINESS_ESSENTIALS`. */
  readonly usageScope?: string;
  /** Purchased seats (the portal's "limit"). */
  readonly limit: number;
  /** Price of one seat for one full billing period. */
  readonly unitPrice: Money;
  readonly minQuantity: number;
  readonly maxQuantity: number;
  /** Batches still (or recently) inside their reduction window, newest last. Seats outside all batches are not refundable. */
  readonly refundableBatches: readonly RefundableBatch[];
}

/** A change the portal will apply at renewal. */
export interface ScheduledChange {
  readonly sku: string;
  readonly quantity: number;
  readonly effectiveDate: string;
  readonly orderId?: string;
}

export interface Subscription {
  readonly id: string;
  readonly name: string;
  readonly customerId: string;
  readonly status: SubscriptionStatus;
  readonly eligibility: Eligibility;
  readonly currency: string;
  readonly billingPeriod: BillingPeriod;
  /** Last day of the current term (YYYY-MM-DD); renewal runs the day after. */
  readonly termEnd: string;
  /** Date scheduled changes take effect (the day after `termEnd`). */
  readonly renewalDate: string;
  readonly autoRenew: boolean;
  readonly paymentMethods: readonly PaymentMethod[];
  /** Opaque revision (etag); changes on every change to the subscription. */
  readonly revision: string;
  readonly lines: readonly LicenseLine[];
  readonly scheduledChanges: readonly ScheduledChange[];
  /**
   * False when the portal cannot schedule a change for renewal (Pax8): a decrease outside its refund window is then
   * held by csp-seats as a deferred change until the renewal window opens. Absent means it can (embedded, http, CloudBlue).
   */
  readonly canScheduleChanges?: false;
  /**
   * False when the portal neither quotes nor validates a change before it is placed (Pax8 has no quote endpoint and
   * no dry run for a quantity change): the plan's money is csp-seats' estimate. Absent means it does.
   */
  readonly canValidateChanges?: false;
  /**
   * True when any change now deletes the changes scheduled for renewal (Partner Center): the plan then says that
   * csp-seats changes the seats first and re-creates the schedule (SCHEDULE_RECREATED).
   */
  readonly midTermChangeWipesSchedule?: true;
}

export type Effective = "now" | "renewal";

/** One line of an order request: the NEW total for a sku. */
export interface OrderLineRequest {
  readonly sku: string;
  readonly quantity: number;
  readonly effective: Effective;
}

export interface OrderRequest {
  readonly subscriptionId: string;
  /** The revision the order was planned against; a different current revision is refused (412). */
  readonly expectedRevision?: string;
  readonly lines: readonly OrderLineRequest[];
  readonly paymentMethodId?: string;
  readonly notifyEmail?: string;
  /** Allow a new limit below the assigned seats (users lose licenses). Off unless the desired state says so. */
  readonly allowBelowUsage?: boolean;
}

export interface PlaceOrderRequest extends OrderRequest {
  /** Same key => same order, never a second one. Derive it from the plan (deterministic). */
  readonly idempotencyKey: string;
}

export type OrderStatus = "submitted" | "processing" | "completed" | "error";

export interface OrderLine {
  readonly sku: string;
  readonly from: number;
  readonly to: number;
  readonly effective: Effective;
  /** Date the change takes effect (today for `now`, the renewal date for `renewal`). */
  readonly effectiveDate: string;
  /** Signed: positive is a charge, negative a refund, zero for scheduled changes. */
  readonly amount: Money;
  /** Per-line outcome once the order is processed. */
  readonly result?: { readonly status: "applied" | "scheduled" | "failed"; readonly message?: string };
}

/** A priced order that was not placed (the portal's own quote). */
export interface OrderEstimate {
  readonly subscriptionId: string;
  readonly lines: readonly OrderLine[];
  /** Sum of positive line amounts. */
  readonly charge: Money;
  /** Sum of refunds, as a positive amount. */
  readonly refund: Money;
  /** charge - refund. */
  readonly total: Money;
  readonly currency: string;
}

export interface Order extends OrderEstimate {
  readonly id: string;
  readonly status: OrderStatus;
  readonly idempotencyKey: string;
  readonly paymentMethodId?: string;
  readonly notifyEmail?: string;
  readonly createdAt: string;
  readonly completedAt?: string;
  /** Set when status is `error`. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** An e-mail the portal sent (the confirmation and the charges notice of the seed article). */
export interface OutboxMessage {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly sentAt: string;
  readonly orderId?: string;
  readonly kind: "order-confirmation" | "charges-notice";
}

/** What one order did to one line: what csp-seats records after the portal processed it. */
export interface LineResult extends Omit<OrderLine, "result"> {
  readonly status: "applied" | "scheduled" | "failed";
  readonly message?: string;
}
