import { describe, expect, it } from "vitest";
import { getRefusal } from "../helpers/coded-error";
import { DEFAULT_PRODUCT_LIMITS, mapOrder, mapSubscription, parseProductLimits, sumDetailsBySku } from "../../provider/backends/cloudblue/cloudblue-mapping";
import type { CbOrderDetailed, CbSubscriptionDetailed } from "../../provider/backends/cloudblue/simpleapi-types";
import { buildSkuUsageLookup } from "../../provider/backends/graph/sku-usage";
import type { SubscribedSku } from "../../provider/backends/graph/graph-client";

const NOW = new Date("2026-05-12T09:00:00.000Z");

function subscription(overrides: Partial<CbSubscriptionDetailed> = {}, product: Record<string, unknown> = {}): CbSubscriptionDetailed {
  return {
    id: "1234567",
    customerId: "1000001",
    status: "active",
    creationDate: "2025-12-01",
    expirationDate: "2026-12-01",
    billingPeriod: { type: "month", duration: 1 },
    subscriptionPeriod: { type: "year", duration: 1 },
    products: [{ mpn: "CFQ7TTC0LH18-P1Y-M", name: "Business Basic", quantity: 20, unitPrice: { amount: "5.6000", currency: "EUR" }, ...product }],
    ...overrides,
  } as CbSubscriptionDetailed;
}

function map(sub: CbSubscriptionDetailed) {
  return mapSubscription(sub, { now: NOW, recentOrders: [], limits: () => DEFAULT_PRODUCT_LIMITS, usage: () => ({ usage: 3 }) });
}

describe("a CloudBlue subscription with an impossible value is refused before it is mapped", () => {
  it("maps a sound one", () => {
    expect(map(subscription()).lines[0]).toMatchObject({ limit: 20, unitPrice: { currency: "EUR", amount: "5.60" } });
  });

  it.each([
    { name: "a negative quantity", sub: subscription({}, { quantity: -3 }), summary: "CloudBlue subscription 1234567 products[0].quantity is -3: a quantity cannot be negative" },
    { name: "a fractional quantity", sub: subscription({}, { quantity: 2.5 }), summary: "CloudBlue subscription 1234567 products[0].quantity is 2.5: a quantity is a whole number of seats" },
    { name: "an unknown currency", sub: subscription({}, { unitPrice: { amount: "5.60", currency: "EURO" } }), summary: 'CloudBlue subscription 1234567 products[0].unitPrice.currency is "EURO": not an ISO-4217 currency a price can be in' },
    { name: "no currency (XXX)", sub: subscription({}, { unitPrice: { amount: "5.60", currency: "XXX" } }), summary: "products[0].unitPrice.currency is \"XXX\"" },
    { name: "a malformed amount", sub: subscription({}, { unitPrice: { amount: "12.3.4", currency: "EUR" } }), summary: 'products[0].unitPrice.amount is "12.3.4": not a decimal amount' },
    { name: "an exponent", sub: subscription({}, { unitPrice: { amount: "1e5", currency: "EUR" } }), summary: 'products[0].unitPrice.amount is "1e5"' },
    { name: "an amount as a JSON number", sub: subscription({}, { unitPrice: { amount: 12.34, currency: "EUR" } }), summary: "products[0].unitPrice.amount is 12.34: an amount must be a decimal string, not a JSON number" },
    { name: "a date in year 10000", sub: subscription({ expirationDate: "10000-01-01" }), summary: 'expirationDate is "10000-01-01": a date must lie in the years 2000..9998' },
    { name: "a day that does not exist", sub: subscription({ creationDate: "2026-02-30" }), summary: 'creationDate is "2026-02-30": not a date' },
  ])("$name", ({ sub, summary }) => {
    const error = getRefusal(() => map(sub));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(summary);
    expect(error.details).toMatchObject({ vendor: "CloudBlue", object: "subscription 1234567" });
    expect(error.fix).toContain("nothing was planned or ordered");
  });

  it("refuses a recent order with an impossible date or marker", () => {
    const order = { id: "5000001", orderNumber: "SO000001", type: "change", customerId: "1000001", status: "completed", creationDate: "2026-05-11T25:00:00Z" } as const;
    const error = getRefusal(() => mapSubscription(subscription(), { now: NOW, recentOrders: [order], limits: () => DEFAULT_PRODUCT_LIMITS, usage: () => ({ usage: 3 }) }));
    expect(error.summary).toContain("CloudBlue order SO000001 creationDate");
  });
});

describe("catalog bounds", () => {
  it("keep a word (unlimited) and a missing bound as 'the catalog does not say'", () => {
    expect(parseProductLimits({ mpn: "A", minimumQuantity: "1", maximumQuantity: "unlimited" })).toEqual({ minQuantity: 1, maxQuantity: 300 });
    expect(parseProductLimits(undefined)).toEqual(DEFAULT_PRODUCT_LIMITS);
  });

  it.each([
    { product: { mpn: "A", minimumQuantity: "-3" }, summary: 'CloudBlue product A minimumQuantity is -3: a quantity cannot be negative' },
    { product: { mpn: "A", maximumQuantity: "2.5" }, summary: "maximumQuantity is 2.5: a quantity is a whole number of seats" },
    { product: { mpn: "A", minimumQuantity: "50", maximumQuantity: "10" }, summary: 'minimumQuantity is "50": the minimum is above the maximum 10' },
  ])("refuse $product", ({ product, summary }) => {
    const error = getRefusal(() => parseProductLimits(product));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(summary);
  });
});

describe("order amounts", () => {
  it("refuse a malformed or unknown-currency detail, naming the order and the detail", () => {
    const bad = getRefusal(() => sumDetailsBySku([{ type: "recurring", mpn: "A", extendedPrice: { amount: "12.3.4", currency: "EUR" } }], "EUR", ["A"], "order SO000009"));
    expect(bad.summary).toBe('CloudBlue order SO000009 details[0].extendedPrice.amount is "12.3.4": not a decimal amount');
    expect(bad.fix).toContain("csp-seats acted on none of it");
    const euro = getRefusal(() => sumDetailsBySku([{ type: "recurring", mpn: "A", extendedPrice: { amount: "1.00", currency: "EURO" } }], "EUR", ["A"], "estimate for 1234567"));
    expect(euro.summary).toContain("estimate for 1234567 details[0].extendedPrice.currency");
    expect(euro.fix).toContain("nothing was planned or ordered");
  });

  it("refuse an order whose products carry a negative quantity", () => {
    const order: CbOrderDetailed = { id: "5000002", orderNumber: "SO000002", type: "change", customerId: "1000001", status: "completed", products: [{ mpn: "A", quantity: -1 }] };
    expect(getRefusal(() => mapOrder(order, "EUR")).summary).toBe("CloudBlue order SO000002 products[0].quantity is -1: a quantity cannot be negative");
  });
});

describe("Microsoft Graph counts", () => {
  const sku = (fields: Partial<SubscribedSku>): SubscribedSku => ({ id: "t_s", skuId: "s", skuPartNumber: "EXCHANGESTANDARD", appliesTo: "User", capabilityStatus: "Enabled", consumedUnits: 4, prepaidUnits: { enabled: 5 }, ...fields });

  it.each([
    { fields: { consumedUnits: -1 }, summary: "Microsoft Graph subscribedSku EXCHANGESTANDARD consumedUnits is -1: a quantity cannot be negative" },
    { fields: { consumedUnits: 1.5 }, summary: "consumedUnits is 1.5: a quantity is a whole number of seats" },
    { fields: { prepaidUnits: { enabled: -5 } }, summary: "prepaidUnits.enabled is -5" },
  ])("refuse $fields", ({ fields, summary }) => {
    const error = getRefusal(() => buildSkuUsageLookup([sku(fields)], { A: "EXCHANGESTANDARD" }));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(summary);
  });
});
