/**
 * The Partner Center resources csp-seats reads and writes, as schema/vendor/partner-center/subscription.schema.json
 * ($defs Subscription, SubscriptionCollection, SubscribedSkuCollection, ApiFault) describes them. Only the fields
 * csp-seats uses are typed; a PATCH sends back the whole object it read (unknown fields kept), as Microsoft asks.
 */

/** `$defs/ProductTerm`. */
export interface PcProductTerm {
  productId?: string;
  skuId?: string;
  availabilityId?: string;
  billingCycle?: string;
  termDuration?: string;
  promotionId?: string;
}

/** `$defs/ScheduledNextTermInstructions`. */
export interface PcScheduledNextTermInstructions {
  product?: PcProductTerm;
  quantity?: number;
  customTermEndDate?: string | null;
}

/** `$defs/RefundableQuantity`. */
export interface PcRefundableQuantity {
  totalQuantity?: number;
  details?: { quantity: number; allowedUntilDateTime: string }[];
}

/** `$defs/Subscription` (camelCase, as the REST API serializes it). */
export interface PcSubscription {
  id: string;
  offerId?: string | null;
  offerName?: string | null;
  friendlyName?: string | null;
  quantity: number;
  unitType?: string | null;
  creationDate?: string;
  effectiveStartDate?: string;
  commitmentEndDate?: string;
  billingCycleEndDate?: string | null;
  status: string;
  autoRenewEnabled?: boolean;
  isTrial?: boolean;
  billingCycle?: string;
  termDuration?: string;
  refundableQuantity?: PcRefundableQuantity | null;
  scheduledNextTermInstructions?: PcScheduledNextTermInstructions | null;
  attributes?: { etag?: string; objectType?: string };
  [field: string]: unknown;
}

/** `$defs/SubscriptionCollection`. */
export interface PcSubscriptionCollection {
  totalCount: number;
  items: PcSubscription[];
}

/** `$defs/SubscribedSku` (the fields csp-seats reads). */
export interface PcSubscribedSku {
  availableUnits: number;
  activeUnits: number;
  consumedUnits: number;
  suspendedUnits: number;
  totalUnits: number;
  warningUnits: number;
  productSku?: { id?: string; name?: string; skuPartNumber?: string; licenseGroupId?: string };
}

/** `$defs/SubscribedSkuCollection`. */
export interface PcSubscribedSkuCollection {
  totalCount: number;
  items: PcSubscribedSku[];
}

/** `$defs/ApiFault`: `code` is a string in the docs and a number in the 800090 example; compare as strings. */
export interface PcApiFault {
  code: string | number;
  description: string;
  data?: unknown[] | null;
  source?: string;
}
