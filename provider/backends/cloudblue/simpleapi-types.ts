/**
 * The parts of CloudBlue Commerce SimpleAPI 1.15 that csp-seats reads and writes, typed from the vendor's
 * OpenAPI document (shared/specs/cloudblue-simpleapi-1.15.yaml). Every property is optional unless the spec
 * marks it required, because the spec leaves almost everything optional.
 */

/** `components.schemas.Period`. */
export interface CbPeriod {
  type: "day" | "month" | "year" | "statement_day" | "unknown";
  duration: number;
}

/** UnitPrice / TotalOrderPriceEstimation / ExtendedPrice ...: a decimal string and a currency. */
export interface CbAmount {
  currency: string;
  amount: string;
}

export type CbSubscriptionStatus = "pending" | "active" | "hold" | "terminated" | "removed" | "unknown";

/** `components.schemas.Pagination` (all three required). */
export interface CbPagination {
  offset: number;
  limit: number;
  total: number;
}

/** `components.schemas.SubscriptionProduct`. */
export interface CbSubscriptionProduct {
  mpn?: string;
  vendor?: string;
  id?: string;
  quantity?: number;
  name?: string;
  unitPrice?: CbAmount;
  extendedPrice?: CbAmount;
  vendorSubscriptionId?: string;
}

/** `components.schemas.Subscription` (list item: no products). */
export interface CbSubscription {
  id?: string;
  name?: string;
  customerId?: string;
  status?: CbSubscriptionStatus;
  attributes?: Record<string, string>;
  renewalStatus?: boolean;
  creationDate?: string;
  renewalDate?: string;
  lastModifiedDate?: string;
  expirationDate?: string;
  billingModel?: string;
  billingPeriod?: CbPeriod;
  subscriptionPeriod?: CbPeriod;
}

/** `components.schemas.SubscriptionDetailed`. */
export interface CbSubscriptionDetailed extends CbSubscription {
  totalPrice?: CbAmount;
  products?: CbSubscriptionProduct[];
  planId?: number;
}

export interface CbResultList<T> {
  data?: T[];
  pagination?: CbPagination;
}

export type CbOrderStatus = "submitted" | "processing" | "error" | "completed" | "cancelled";

export type CbOrderDetailType =
  | "unknown" | "setup" | "setupRefund" | "switch" | "renew" | "renewRefund" | "transfer" | "transferRefund"
  | "recurring" | "recurringRefund" | "overuse" | "downgrade" | "discount" | "adjustment" | "cancellation"
  | "handlingFee" | "nonProvisioningItem" | "payment" | "refund" | "refundAdjustment" | "billPenalty"
  | "billRecord" | "resellerPayment" | "deposit";

/** `components.schemas.OrderDetail`. */
export interface CbOrderDetail {
  type?: CbOrderDetailType;
  mpn?: string;
  productId?: string;
  description?: string;
  quantity?: number;
  unitPrice?: CbAmount;
  extendedPrice?: CbAmount;
}

/** `components.schemas.OrderLineProduct` (the request side). */
export interface CbOrderLineProduct {
  mpn?: string;
  vendor?: string;
  id?: string;
  billingPeriod?: CbPeriod;
  subscriptionPeriod?: CbPeriod;
  name?: string;
  quantity?: number;
  subscriptionId?: string;
}

/** `components.schemas.Order` (list item: no products, no details). */
export interface CbOrder {
  id?: string;
  orderNumber?: string;
  type: "sales" | "change" | "renewal" | "cancellation" | "migration" | "unknown";
  customerId: string;
  poNumber?: string;
  creationDate?: string;
  provisioningDate?: string;
  status?: CbOrderStatus;
  statusCode?: string;
  total?: CbAmount;
  attributes?: Record<string, string>;
}

/** `components.schemas.OrderDetailed`. */
export interface CbOrderDetailed extends CbOrder {
  details?: CbOrderDetail[];
  products?: CbOrderLineProduct[];
  subscriptionId?: string;
  /** Write-only: `renewal` schedules the change for the subscription's renewal. */
  scheduledOn?: string;
}

/** `components.schemas.Product` (catalog). Quantities are strings in the spec. */
export interface CbProduct {
  mpn?: string;
  vendor?: string;
  name?: string;
  minimumQuantity?: string;
  maximumQuantity?: string;
}

/** `components.schemas.TokenInfo`. */
export interface CbTokenInfo {
  token: string;
  expiresInSeconds: number;
}
