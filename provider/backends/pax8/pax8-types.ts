/**
 * The parts of Pax8's Partner API (schema/vendor/pax8/partner-endpoints-openapi.json) csp-seats reads and sends.
 * Money fields arrive as their JSON source text (lossless-json.ts), hence `string` where the document says number.
 */

export type Pax8SubscriptionStatus =
  | "Active"
  | "Cancelled"
  | "PendingManual"
  | "PendingAutomated"
  | "PendingCancel"
  | "WaitingForDetails"
  | "Trial"
  | "Converted"
  | "PendingActivation"
  | "Activated";

export type Pax8BillingTerm = "Monthly" | "Annual" | "2-Year" | "3-Year" | "One-Time" | "Trial" | "Activation";

/** `Subscription` (read-only fields included); `price` and `partnerCost` as decimal source text. */
export interface Pax8Subscription {
  readonly id?: string;
  readonly parentSubscriptionId?: string;
  readonly companyId?: string;
  readonly productId?: string;
  readonly vendorSubscriptionId?: string;
  readonly vendorSkuId?: string;
  readonly quantity?: number;
  readonly startDate?: string;
  readonly endDate?: string;
  readonly createdDate?: string;
  readonly updatedDate?: string;
  readonly billingStart?: string;
  readonly status?: Pax8SubscriptionStatus;
  readonly price?: string;
  readonly currencyCode?: string;
  readonly partnerCost?: string;
  readonly productName?: string;
  readonly billingTerm?: Pax8BillingTerm;
  readonly commitmentTerm?: { readonly id?: string; readonly term?: string; readonly endDate?: string };
}

/** `{content, page}` of the paged lists. */
export interface Pax8Page<T> {
  readonly content?: T[];
  readonly page?: { readonly size?: number; readonly totalElements?: number; readonly totalPages?: number; readonly number?: number };
}

export interface Pax8Company {
  readonly id?: string;
  readonly name?: string;
  readonly status?: "Active" | "Inactive" | "Deleted";
}

/** `Commitment` of `GET /products/{id}/dependencies`. */
export interface Pax8Commitment {
  readonly id?: string;
  readonly term?: string;
  readonly autoRenew?: boolean;
  readonly allowForQuantityIncrease?: boolean;
  readonly allowForQuantityDecrease?: boolean;
}

export interface Pax8Dependencies {
  readonly commitmentDependencies?: Pax8Commitment[];
}

/** `Rate` of `GET /products/{id}/pricing`; the buy and retail rates as decimal source text. */
export interface Pax8Rate {
  readonly partnerBuyRate?: string;
  readonly suggestedRetailPrice?: string;
  readonly startQuantityRange?: number;
  readonly endQuantityRange?: number | null;
  readonly chargeType?: "Per Unit" | "Flat Rate";
}

export interface Pax8Pricing {
  readonly productId?: string;
  readonly billingTerm?: Pax8BillingTerm;
  readonly commitmentTerm?: string;
  readonly rates?: Pax8Rate[];
}

/** The money fields read as decimal text. */
export const PAX8_DECIMAL_FIELDS: ReadonlySet<string> = new Set(["price", "partnerCost", "partnerBuyRate", "suggestedRetailPrice"]);
