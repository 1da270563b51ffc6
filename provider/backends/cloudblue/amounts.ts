/**
 * CloudBlue amounts: SimpleAPI's decimal strings (which may carry more digits than the currency has) as exact
 * Money, the sign rule of each order detail type, and the per-product sums of an order's details. All decimal
 * arithmetic is core/money.ts's; this module only says how CloudBlue's numbers are to be read.
 */
import { CspSeatsError } from "../../core/errors";
import type { Money, OrderEstimate, OrderLine } from "../../core/model";
import { moneyFromMinor, negateMoney, roundToMinorUnits, parseDecimal, subtractMoney, sumDecimalsToMinorUnits, sumMoney, toMinorUnits } from "../../core/money";
import type { VendorObject } from "../shared/vendor-values";
import { CLOUDBLUE_ORDER_FIX, atCloudBlue, checkCbAmount } from "./check-values";
import type { CbAmount, CbOrderDetail, CbOrderDetailType } from "./simpleapi-types";

/**
 * Money from a CloudBlue amount. SimpleAPI amounts are decimal strings that may carry more digits than the
 * currency has ("4.1234"); they are rounded half away from zero to the currency's minor digits. An unknown
 * currency or a malformed amount is VENDOR_VALUE_INVALID naming `at` and `field`.
 */
export function toMoney(amount: CbAmount, at: VendorObject = atCloudBlue("price"), field = "amount"): Money {
  const checked = checkCbAmount(at, field, amount);
  return moneyFromMinor(roundToMinorUnits(parseDecimal(checked.amount), checked.currency), checked.currency);
}

/** How a detail's amount enters our signed line amount (positive = charge, negative = refund). */
export type DetailSign = "as-given" | "refund" | "ignore";

const DETAIL_SIGNS: Record<CbOrderDetailType, DetailSign> = {
  setup: "as-given",
  switch: "as-given",
  renew: "as-given",
  transfer: "as-given",
  recurring: "as-given",
  overuse: "as-given",
  handlingFee: "as-given",
  nonProvisioningItem: "as-given",
  billPenalty: "as-given",
  billRecord: "as-given",
  adjustment: "as-given",
  refundAdjustment: "as-given",
  unknown: "as-given",
  setupRefund: "refund",
  renewRefund: "refund",
  transferRefund: "refund",
  recurringRefund: "refund",
  downgrade: "refund",
  cancellation: "refund",
  refund: "refund",
  discount: "refund",
  payment: "ignore",
  resellerPayment: "ignore",
  deposit: "ignore",
};

/**
 * The sign rule of an order detail type. Refund-like types (downgrade, refund, recurringRefund, ...) and
 * discounts always reduce what is owed, whatever sign CloudBlue gives them (change orders report them both
 * ways); charge-like types keep their sign; payments and deposits move money but price nothing, so they are ignored.
 */
export function getDetailSign(type: string | undefined): DetailSign {
  return DETAIL_SIGNS[(type ?? "unknown") as CbOrderDetailType] ?? "as-given";
}

/** The signed decimal string a detail contributes, or undefined when it contributes nothing. */
export function getSignedDetailAmount(detail: CbOrderDetail): string | undefined {
  if (!detail.extendedPrice) return undefined;
  const sign = getDetailSign(detail.type);
  if (sign === "ignore") return undefined;
  const raw = detail.extendedPrice.amount.trim().replace(/^\+/, "");
  if (sign === "as-given") return raw;
  return raw.startsWith("-") ? raw : `-${raw}`;
}

/**
 * Signed amounts per mpn from an order's details: refund types negative, summed exactly, rounded half-up once
 * per line. Details without an mpn are attributed to the only changed line, or refused when ambiguous.
 */
export function sumDetailsBySku(details: readonly CbOrderDetail[], currency: string, changedSkus: readonly string[], orderLabel: string): Map<string, Money> {
  const bySku = new Map<string, string[]>();
  const at = atCloudBlue(orderLabel, orderLabel.startsWith("order ") ? CLOUDBLUE_ORDER_FIX : undefined);
  for (const [index, detail] of details.entries()) {
    if (detail.extendedPrice === undefined) continue;
    const detailCurrency = checkCbAmount(at, `details[${index}].extendedPrice`, detail.extendedPrice).currency;
    const amount = getSignedDetailAmount(detail);
    if (amount === undefined) continue;
    if (detailCurrency !== currency) {
      throw new CspSeatsError("MONEY_CURRENCY_MISMATCH", `${orderLabel}: a ${detail.type ?? "detail"} is in ${detailCurrency}, the subscription in ${currency}`, "csp-seats never adds amounts in different currencies; check the order in the CloudBlue control panel.");
    }
    let sku = detail.mpn;
    if (sku === undefined) {
      if (changedSkus.length !== 1) {
        throw new CspSeatsError("CLOUDBLUE_UNMAPPED_DETAIL", `${orderLabel}: a ${detail.type ?? "detail"} of ${detail.extendedPrice!.amount} ${detailCurrency} names no product`, "Change one product per order, or check the order in the CloudBlue control panel.");
      }
      sku = changedSkus[0];
    }
    bySku.set(sku, [...(bySku.get(sku) ?? []), amount]);
  }
  const result = new Map<string, Money>();
  for (const [sku, amounts] of bySku) result.set(sku, moneyFromMinor(sumDecimalsToMinorUnits(amounts, currency), currency));
  return result;
}

/** charge (sum of positive lines), refund (sum of negative lines, positive) and total (charge - refund). */
export function summarise(lines: readonly OrderLine[], currency: string): Pick<OrderEstimate, "charge" | "refund" | "total" | "currency"> {
  const charge = sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) > 0n), currency);
  const refund = negateMoney(sumMoney(lines.map((l) => l.amount).filter((a) => toMinorUnits(a) < 0n), currency));
  return { charge, refund, total: subtractMoney(charge, refund), currency };
}
