import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  addPeriods,
  deriveRefundableBatches,
  deriveTerm,
  getDetailSign,
  getMarkerPoNumber,
  isOrderForKey,
  mapOrder,
  mapOrderStatus,
  mapSubscriptionStatus,
  parseProductLimits,
  sumDetailsBySku,
  toMoney,
} from "../../provider/backends/cloudblue/cloudblue-mapping";
import type { CbOrder } from "../../provider/backends/cloudblue/simpleapi-types";
import { buildSkuUsageLookup } from "../../provider/backends/graph/sku-usage";
import { compileSubscribedSkusSchema } from "../helpers/graph-test-server";

describe("toMoney rounds CloudBlue's decimal strings half away from zero to the currency's digits", () => {
  it.each([
    { amount: "3.865", currency: "EUR", expected: "3.87", reason: "exact half rounds up" },
    { amount: "-3.865", currency: "EUR", expected: "-3.87", reason: "negative half rounds away from zero" },
    { amount: "3.8649", currency: "EUR", expected: "3.86", reason: "below half rounds down" },
    { amount: "70.5", currency: "usd", expected: "70.50", reason: "fewer digits are padded; currency upper-cased" },
    { amount: "1200.5", currency: "JPY", expected: "1201", reason: "zero-digit currency" },
    { amount: "0.0049", currency: "EUR", expected: "0.00", reason: "tiny amounts round to zero" },
    { amount: "+2.10", currency: "EUR", expected: "2.10", reason: "explicit plus sign" },
  ])("$amount $currency -> $expected ($reason)", ({ amount, currency, expected }) => {
    expect(toMoney({ amount, currency }).amount).toBe(expected);
  });

  it("refuses a non-decimal amount instead of guessing", () => {
    expect(() => toMoney({ amount: "1e3", currency: "EUR" })).toThrow(/not a decimal amount/);
  });
});

describe("order detail signs", () => {
  it.each([
    { type: "recurring", sign: "as-given", reason: "the charge for added seats" },
    { type: "downgrade", sign: "refund", reason: "CloudBlue reports downgrade refunds as positive amounts" },
    { type: "recurringRefund", sign: "refund", reason: "refund of the recurring fee" },
    { type: "refund", sign: "refund", reason: "plain refund" },
    { type: "cancellation", sign: "refund", reason: "downsize to 0" },
    { type: "discount", sign: "refund", reason: "a discount lowers what is owed" },
    { type: "adjustment", sign: "as-given", reason: "adjustments carry their own sign" },
    { type: "payment", sign: "ignore", reason: "money movement, not a price" },
    { type: "somethingNew", sign: "as-given", reason: "unknown types keep the vendor's sign" },
  ])("$type is $sign ($reason)", ({ type, sign }) => {
    expect(getDetailSign(type)).toBe(sign);
  });

  it("sums a line's details exactly and rounds once", () => {
    const sums = sumDetailsBySku(
      [
        { type: "recurring", mpn: "A", extendedPrice: { amount: "1.005", currency: "EUR" } },
        { type: "recurring", mpn: "A", extendedPrice: { amount: "1.005", currency: "EUR" } },
        { type: "downgrade", mpn: "B", extendedPrice: { amount: "2.4951", currency: "EUR" } },
        { type: "recurringRefund", mpn: "B", extendedPrice: { amount: "-0.0049", currency: "EUR" } },
      ],
      "EUR",
      ["A", "B"],
      "test",
    );
    // 1.005 + 1.005 = 2.010 (rounding each first would give 2.02); -(2.4951 + 0.0049) = -2.50.
    expect(Object.fromEntries([...sums].map(([sku, m]) => [sku, m.amount]))).toEqual({ A: "2.01", B: "-2.50" });
  });

  it("refuses a detail in another currency and an unattributable detail", () => {
    expect(() => sumDetailsBySku([{ type: "recurring", mpn: "A", extendedPrice: { amount: "1", currency: "USD" } }], "EUR", ["A"], "t")).toThrow(/USD/);
    expect(() => sumDetailsBySku([{ type: "recurring", extendedPrice: { amount: "1", currency: "EUR" } }], "EUR", ["A", "B"], "t")).toThrow(/names no product/);
    expect(sumDetailsBySku([{ type: "recurring", extendedPrice: { amount: "1", currency: "EUR" } }], "EUR", ["A"], "t").get("A")?.amount).toBe("1.00");
  });
});

describe("statuses", () => {
  it.each([
    { cb: "active", status: "active", eligible: true, reasonCode: undefined },
    { cb: "pending", status: "pending", eligible: false, reasonCode: "provisioning" },
    { cb: "hold", status: "hold", eligible: false, reasonCode: "on-hold" },
    { cb: "terminated", status: "terminated", eligible: false, reasonCode: "terminated" },
    { cb: "removed", status: "terminated", eligible: false, reasonCode: "removed" },
    { cb: "unknown", status: "suspended", eligible: false, reasonCode: "unknown-status" },
  ])("subscription $cb -> $status", ({ cb, status, eligible, reasonCode }) => {
    const mapped = mapSubscriptionStatus(cb);
    expect(mapped.status).toBe(status);
    expect(mapped.eligibility.eligible).toBe(eligible);
    expect(mapped.eligibility.reasonCode).toBe(reasonCode);
  });

  it.each([
    ["submitted", "submitted"],
    ["processing", "processing"],
    ["completed", "completed"],
    ["error", "error"],
    ["cancelled", "error"],
  ])("order %s -> %s", (cb, ours) => {
    expect(mapOrderStatus(cb)).toBe(ours);
  });

  it("maps an order that ended in error to CLOUDBLUE_ORDER_FAILED, keeping CloudBlue's status code and message in the words", () => {
    const order = mapOrder({ id: "1", orderNumber: "SO-1", type: "change", customerId: "c", status: "error", statusCode: "ER", total: { currency: "EUR", amount: "0" }, message: "seat maximum exceeded" } as never, "EUR");
    expect(order.status).toBe("error");
    expect(order.error).toEqual({ code: "CLOUDBLUE_ORDER_FAILED", message: "order SO-1 ended in error (status code ER): seat maximum exceeded" });
  });

  it("maps a cancelled order to an error with CLOUDBLUE_ORDER_CANCELLED", () => {
    const order = mapOrder({ id: "1", type: "change", customerId: "c", status: "cancelled", total: { currency: "EUR", amount: "0" } }, "EUR");
    expect(order.error?.code).toBe("CLOUDBLUE_ORDER_CANCELLED");
  });
});

describe("terms and periods", () => {
  it.each([
    { date: "2026-01-31", period: { type: "month" as const, duration: 1 }, count: 1, expected: "2026-02-28", reason: "clamped to the month's end" },
    { date: "2026-12-01", period: { type: "year" as const, duration: 1 }, count: -1, expected: "2025-12-01", reason: "a year back" },
    { date: "2026-03-01", period: { type: "day" as const, duration: 1 }, count: -1, expected: "2026-02-28", reason: "a day back" },
  ])("addPeriods($date, $count) = $expected ($reason)", ({ date, period, count, expected }) => {
    expect(addPeriods(date, period, count)).toBe(expected);
  });

  it("derives the current billing period by counting back from expiration", () => {
    const term = deriveTerm({ id: "s", expirationDate: "2026-12-15", billingPeriod: { type: "month", duration: 1 }, subscriptionPeriod: { type: "year", duration: 1 } }, new Date("2026-05-12T09:00:00Z"));
    expect(term).toEqual({ termStart: "2025-12-15", termEnd: "2026-12-14", renewalDate: "2026-12-15", billingPeriod: { start: "2026-04-15", end: "2026-05-15" } });
  });

  it("refuses a subscription without any term date", () => {
    expect(() => deriveTerm({ id: "s" }, new Date())).toThrow(/neither an expirationDate nor a renewalDate/);
  });
});

describe("refundable batches", () => {
  const marker = (key: string, from: number, to: number) => ({ "csp-seats": JSON.stringify({ v: 1, key, effective: "now", effectiveDate: "2026-05-10", currency: "EUR", lines: [{ sku: "A", from, to }] }) });
  const order = (key: string, at: string, from: number, to: number, status: CbOrder["status"] = "completed"): CbOrder => ({ id: key, type: "change", customerId: "c", status, creationDate: at, provisioningDate: at, poNumber: getMarkerPoNumber(key), attributes: marker(key, from, to) });
  const now = new Date("2026-05-12T09:00:00Z");

  it.each([
    { name: "term started long ago, no orders of ours", orders: [], termStart: "2025-12-01", expected: [] },
    { name: "term started 2 days ago: all seats", orders: [], termStart: "2026-05-10", expected: [{ quantity: 20, addedAt: "2026-05-10T00:00:00.000Z" }] },
    { name: "our increase 1 day ago", orders: [order("k1", "2026-05-11T09:00:00Z", 16, 20)], termStart: "2025-12-01", expected: [{ quantity: 4, addedAt: "2026-05-11T09:00:00.000Z" }] },
    { name: "increase then a decrease takes the newest seats", orders: [order("k1", "2026-05-10T09:00:00Z", 15, 22), order("k2", "2026-05-11T09:00:00Z", 22, 20)], termStart: "2025-12-01", expected: [{ quantity: 5, addedAt: "2026-05-10T09:00:00.000Z" }] },
    { name: "an order in error adds nothing", orders: [order("k1", "2026-05-11T09:00:00Z", 16, 20, "error")], termStart: "2025-12-01", expected: [] },
    { name: "an increase 8 days ago is out of its window", orders: [order("k1", "2026-05-04T08:00:00Z", 16, 20)], termStart: "2025-12-01", expected: [] },
  ])("$name", ({ orders, termStart, expected }) => {
    expect(deriveRefundableBatches("A", 20, termStart, orders, now).map((b) => ({ quantity: b.quantity, addedAt: b.addedAt }))).toEqual(expected);
  });
});

describe("markers and catalog limits", () => {
  it("recognises its own order by PO number and key, and not another key's", () => {
    const attributes = { "csp-seats": JSON.stringify({ v: 1, key: "k1", effective: "now", effectiveDate: "2026-05-12", currency: "EUR", lines: [] }) };
    expect(isOrderForKey({ poNumber: getMarkerPoNumber("k1"), attributes }, "k1")).toBe(true);
    expect(isOrderForKey({ poNumber: getMarkerPoNumber("k1") }, "k1")).toBe(true);
    expect(isOrderForKey({ poNumber: getMarkerPoNumber("k1"), attributes }, "k2")).toBe(false);
    expect(isOrderForKey({ poNumber: "PO1234" }, "k1")).toBe(false);
    expect(getMarkerPoNumber("k1")).toMatch(/^CSPS-[0-9a-f]{16}$/);
  });

  it.each([
    { product: { minimumQuantity: "1", maximumQuantity: "300" }, expected: { minQuantity: 1, maxQuantity: 300 }, reason: "catalog values" },
    { product: undefined, expected: { minQuantity: 1, maxQuantity: 300 }, reason: "not in the catalog: conservative defaults" },
    { product: { minimumQuantity: "0", maximumQuantity: "unlimited" }, expected: { minQuantity: 0, maxQuantity: 300 }, reason: "unparsable bound falls back" },
  ])("$reason", ({ product, expected }) => {
    expect(parseProductLimits(product)).toEqual(expected);
  });
});

describe("usage from Microsoft Graph", () => {
  const sku = (part: string, consumed: number, subscriptionIds: string[]) => ({ id: `x_${part}`, skuId: "3b555118-da6a-4418-894f-7df1e2096870", skuPartNumber: part, appliesTo: "User" as const, capabilityStatus: "Enabled", consumedUnits: consumed, prepaidUnits: { enabled: 30 }, subscriptionIds });

  it("reports the tenant-wide count with its scope and never splits it", () => {
    const lookup = buildSkuUsageLookup([sku("O365_BUSINESS_ESSENTIALS", 18, ["s1", "s2"]), sku("EXCHANGESTANDARD", 4, ["s3"])], { A: "O365_BUSINESS_ESSENTIALS", B: "EXCHANGESTANDARD", C: "SPE_E3" });
    expect(lookup("A")).toEqual({ usage: 18, usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions" });
    expect(lookup("B")).toEqual({ usage: 4, usageScope: "tenant-wide: EXCHANGESTANDARD, one subscription" });
    expect(lookup("C")).toEqual({ usage: null, usageScope: "tenant-wide: SPE_E3 not found in the tenant's subscribedSkus" });
    expect(lookup("unmapped")).toEqual({ usage: null });
  });
});

describe("schema/graph-subscribedsku.schema.json", () => {
  const validate = compileSubscribedSkusSchema();
  const example = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../schema/vendor/graph-subscribedskus-v1.0-example.json"), "utf8")) as { value: Record<string, unknown>[] };

  it("accepts Microsoft's documented example response", () => {
    expect(validate(example)).toBe(true);
  });

  it.each([
    { change: { consumedUnits: "14" }, reason: "consumedUnits must be an integer" },
    { change: { skuId: "not-a-guid" }, reason: "skuId is a GUID" },
    { change: { capabilityStatus: "Active" }, reason: "capabilityStatus is one of Microsoft's values" },
    { change: { prepaidUnits: { lockedOut: 0 } }, reason: "prepaidUnits.enabled is required" },
    { change: { skuPartNumber: undefined }, reason: "skuPartNumber is required" },
  ])("refuses a sku where $reason", ({ change }) => {
    const broken = { ...example, value: [{ ...example.value[0], ...change }] };
    expect(validate(JSON.parse(JSON.stringify(broken)))).toBe(false);
  });
});
