/** Pax8: lossless money, status and term mapping, refundable seats from history and renewal, config. */
import { describe, expect, it } from "vitest";
import { resolvePax8Config, getPax8EnvName } from "../../provider/backends/pax8/config";
import { parseJsonKeepingDecimals, toPlainDecimal } from "../../provider/backends/pax8/lossless-json";
import { findPeriod, getTermMonths, mapPax8Subscription, parseProductLimits, toPax8Money } from "../../provider/backends/pax8/map-subscription";
import { mapPax8Status } from "../../provider/backends/pax8/map-status";
import type { Pax8Subscription } from "../../provider/backends/pax8/pax8-types";
import { PAX8_DECIMAL_FIELDS } from "../../provider/backends/pax8/pax8-types";

const at = { vendor: "Pax8", object: "subscription s" };

describe("lossless JSON money", () => {
  it("keeps the source text of price fields and parses everything else as JSON does", () => {
    const text = '{"price": 123456789012345.67, "partnerCost": 0.1000000000000000055511151231257827, "quantity": 5.0, "rates": [{"partnerBuyRate": 145.80}], "name": "E3 \\u00e9"}';
    const parsed = parseJsonKeepingDecimals(text, PAX8_DECIMAL_FIELDS) as Record<string, unknown>;
    expect(parsed).toEqual({ price: "123456789012345.67", partnerCost: "0.1000000000000000055511151231257827", quantity: 5, rates: [{ partnerBuyRate: "145.80" }], name: "E3 é" });
    // A float would have lost it: JSON.parse gives the double nearest, which prints as 0.1.
    expect(String(JSON.parse(text).partnerCost)).toBe("0.1");
    expect(() => parseJsonKeepingDecimals('{"price": 1.}', PAX8_DECIMAL_FIELDS)).toThrow(SyntaxError);
    expect(() => parseJsonKeepingDecimals('{"a": 1} x', PAX8_DECIMAL_FIELDS)).toThrow(SyntaxError);
  });

  it("turns exponents into plain decimals and money, refusing negatives and non-numbers", () => {
    expect([toPlainDecimal("1.5E+1"), toPlainDecimal("15e-3"), toPlainDecimal("2.50"), toPlainDecimal("0.05e1")]).toEqual(["15", "0.015", "2.50", "0.5"]);
    expect(toPax8Money(at, "price", "15.39", "USD")).toEqual({ currency: "USD", amount: "15.39" });
    expect(toPax8Money(at, "price", "11.395", "USD")).toEqual({ currency: "USD", amount: "11.40" });
    expect(() => toPax8Money(at, "price", 15.39, "USD")).toThrow(/not a JSON number/);
    expect(() => toPax8Money(at, "price", "-1", "USD")).toThrow(/negative/);
  });
});

describe("Pax8 mapping", () => {
  const base: Pax8Subscription = {
    id: "s",
    companyId: "c",
    productId: "p",
    productName: "Microsoft 365 Business Basic",
    quantity: 10,
    status: "Active",
    billingTerm: "Monthly",
    partnerCost: "5.60",
    price: "6.72",
    currencyCode: "EUR",
    startDate: "2025-12-01T00:00:00Z",
    billingStart: "2025-12-01",
    createdDate: "2025-12-01T00:00:00Z",
    commitmentTerm: { id: "ct", term: "1-Year", endDate: "2026-12-01T00:00:00Z" },
  };
  const input = { history: [], limits: { minQuantity: 1, maxQuantity: 300 }, usage: { usage: null } };

  it("maps statuses to eligibility with reasons", () => {
    expect(mapPax8Status("Active").eligibility.eligible).toBe(true);
    for (const [status, code] of [["PendingManual", "provisioning-manual"], ["PendingCancel", "pending-cancel"], ["Trial", "trial"], ["Cancelled", "cancelled"], ["Bogus", "unknown-status"]]) {
      expect(mapPax8Status(status).eligibility).toMatchObject({ eligible: false, reasonCode: code });
    }
  });

  it("reads terms, periods and quantity ranges", () => {
    expect([getTermMonths("1-Year"), getTermMonths("3-Year"), getTermMonths("Monthly"), getTermMonths("?")]).toEqual([12, 36, 1, undefined]);
    expect(findPeriod("2025-12-31", 1, "2026-02-28")).toEqual({ start: "2026-02-28", end: "2026-03-31" });
    expect(findPeriod("2025-12-01", 12, "2026-05-12")).toEqual({ start: "2025-12-01", end: "2026-12-01" });
    expect(parseProductLimits([{ billingTerm: "Monthly", rates: [{ startQuantityRange: 0, endQuantityRange: 300 }] }], "Monthly")).toEqual({ minQuantity: 1, maxQuantity: 300 });
  });

  it("refundable seats: increases from history for 168 hours, every seat for 168 hours after renewal", () => {
    const history: Pax8Subscription[] = [
      { ...base, quantity: 8, updatedDate: "2025-12-01T00:00:00Z" },
      { ...base, quantity: 10, updatedDate: "2026-05-10T09:00:00Z" },
    ];
    const mid = mapPax8Subscription(base, { ...input, history, now: new Date("2026-05-12T09:00:00Z") });
    expect(mid.lines[0].refundableBatches).toEqual([{ quantity: 2, addedAt: "2026-05-10T09:00:00.000Z", refundableUntil: "2026-05-17T09:00:00.000Z" }]);
    expect(mid).toMatchObject({ renewalDate: "2026-12-01", termEnd: "2026-11-30", canScheduleChanges: false, canValidateChanges: false, revision: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const renewed = mapPax8Subscription({ ...base, commitmentTerm: { ...base.commitmentTerm, endDate: "2027-12-01T00:00:00Z" } }, { ...input, history, now: new Date("2026-12-03T00:00:00Z") });
    expect(renewed.renewalDate).toBe("2027-12-01");
    expect(renewed.lines[0].refundableBatches).toEqual([{ quantity: 10, addedAt: "2026-12-01T00:00:00.000Z", refundableUntil: "2026-12-08T00:00:00.000Z" }]);
    const flexible = mapPax8Subscription(base, { ...input, commitment: { allowForQuantityDecrease: true }, now: new Date("2026-05-12T09:00:00Z") });
    expect(flexible.lines[0].refundableBatches[0]).toMatchObject({ quantity: 10, refundableUntil: "2026-12-01T00:00:00.000Z" });
  });

  it("refuses impossible values naming the field", () => {
    expect(() => mapPax8Subscription({ ...base, quantity: -1 }, { ...input, now: new Date() })).toThrow(/quantity is -1/);
    expect(() => mapPax8Subscription({ ...base, currencyCode: "EURO" }, { ...input, now: new Date() })).toThrow(/currencyCode/);
  });
});

describe("Pax8 config", () => {
  it("needs the credentials, defaults the endpoint and audience, and names env variables", () => {
    expect(getPax8EnvName("clientSecret")).toBe("CSP_SEATS_PAX8_CLIENT_SECRET");
    expect(() => resolvePax8Config(() => undefined)).toThrow(/missing clientId, clientSecret/);
    const config = resolvePax8Config((key) => ({ clientId: "id", clientSecret: "secret", companyId: "a, b" })[key]);
    expect(config).toMatchObject({ endpoint: "https://api.pax8.com/v1", tokenUrl: "https://api.pax8.com/v1/token", audience: "https://api.pax8.com", companyIds: ["a", "b"] });
    expect(() => resolvePax8Config((key) => ({ clientId: "id", clientSecret: "s", companyId: "a,b", graphTenantId: "t", graphClientId: "g", graphClientSecret: "x" })[key])).toThrow(/exactly one csp-seats:companyId/);
    expect(() => resolvePax8Config((key) => ({ clientId: "id", clientSecret: "s", audience: "nope" })[key])).toThrow(/audience/);
  });
});
