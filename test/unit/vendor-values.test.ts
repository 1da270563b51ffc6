import { describe, expect, it } from "vitest";
import { getRefusal } from "../helpers/coded-error";
import { isKnownCurrency } from "../../provider/core/money";
import {
  checkCurrency,
  checkDecimalAmount,
  checkMoney,
  checkQuantity,
  checkVendorDate,
  type VendorObject,
} from "../../provider/backends/shared/vendor-values";

const AT: VendorObject = { vendor: "CloudBlue", object: "subscription 1234567" };

describe("quantities are whole seat counts in 0..1,000,000", () => {
  it.each([0, 1, 5.0, 1_000_000])("%s is accepted", (value) => {
    expect(checkQuantity(AT, "products[0].quantity", value)).toBe(value);
  });

  it.each([
    { value: -3, reason: "a quantity cannot be negative" },
    { value: 2.5, reason: "a quantity is a whole number of seats" },
    { value: 1_000_001, reason: "a quantity cannot exceed 1,000,000" },
    { value: "5", reason: "a quantity must be a number" },
    { value: Number.NaN, reason: "a quantity must be a number" },
    { value: null, reason: "a quantity must be a number" },
  ])("$value is refused: $reason", ({ value, reason }) => {
    const error = getRefusal(() => checkQuantity(AT, "products[0].quantity", value));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(`CloudBlue subscription 1234567 products[0].quantity is `);
    expect(error.summary).toContain(reason);
    expect(error.fix).toBe("This is the portal's data: report it to the portal's operator; nothing was planned or ordered.");
    expect(error.details).toMatchObject({ vendor: "CloudBlue", object: "subscription 1234567", field: "products[0].quantity" });
  });

  it("words the summary as the issue does", () => {
    expect(getRefusal(() => checkQuantity(AT, "products[0].quantity", -3)).summary).toBe("CloudBlue subscription 1234567 products[0].quantity is -3: a quantity cannot be negative");
  });
});

describe("currencies are ISO-4217 codes money can be in (Intl's list)", () => {
  it.each(["EUR", "usd", " JPY ", "KWD", "XOF"])("%s is accepted and upper-cased", (code) => {
    expect(checkCurrency(AT, "currency", code)).toBe(code.trim().toUpperCase());
  });

  it.each(["EURO", "XXX", "XTS", "", "E1R", 978, undefined])("%s is refused", (code) => {
    const error = getRefusal(() => checkCurrency(AT, "products[0].unitPrice.currency", code));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.details).toMatchObject({ field: "products[0].unitPrice.currency" });
  });

  it("XXX means 'no currency' and is not one Intl lists", () => {
    expect(isKnownCurrency("XXX")).toBe(false);
    expect(isKnownCurrency("EUR")).toBe(true);
  });
});

describe("amounts are decimal strings that stay exact", () => {
  it.each(["12.34", "-3.7336", "+2", "0", "70.5", "999999999999999.9999"])("%s is accepted", (amount) => {
    expect(checkDecimalAmount(AT, "amount", amount)).toBe(amount);
  });

  it.each([
    { amount: "12.3.4", reason: "not a decimal amount" },
    { amount: "1e5", reason: "not a decimal amount" },
    { amount: "1,234.00", reason: "not a decimal amount" },
    { amount: "", reason: "not a decimal amount" },
    { amount: 12.34, reason: "not a JSON number" },
    { amount: "1234567890123456.00", reason: "at most 15 digits before the decimal point" },
    { amount: "1.12345678901", reason: "at most 10 decimal digits" },
  ])("$amount is refused: $reason", ({ amount, reason }) => {
    const error = getRefusal(() => checkDecimalAmount(AT, "products[0].unitPrice.amount", amount));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(reason);
  });

  it("holds an exact portal to its currency's digits", () => {
    expect(checkMoney(AT, "unitPrice", { currency: "EUR", amount: "5.60" }, "EUR")).toEqual({ currency: "EUR", amount: "5.60" });
    expect(getRefusal(() => checkMoney(AT, "unitPrice", { currency: "EUR", amount: "5.605" })).summary).toContain("EUR has 2 decimal digits");
    expect(getRefusal(() => checkMoney(AT, "unitPrice", { currency: "JPY", amount: "5.5" })).summary).toContain("JPY has 0 decimal digits");
    expect(getRefusal(() => checkMoney(AT, "unitPrice", { currency: "USD", amount: "5.60" }, "EUR")).summary).toContain("the subscription is in EUR");
  });
});

describe("dates exist and lie in 2000..9998", () => {
  it.each(["2026-05-12", "2026-05-12T09:00:00Z", "2000-01-01", "9998-12-31", "2024-02-29"])("%s is accepted", (date) => {
    expect(checkVendorDate(AT, "expirationDate", date)).toBe(date);
  });

  it.each([
    { date: "10000-01-01", reason: "years 2000..9998" },
    { date: "9999-12-31", reason: "years 2000..9998" },
    { date: "1999-12-31", reason: "years 2000..9998" },
    { date: "2026-02-30", reason: "not a date" },
    { date: "2026-13-01", reason: "not a date" },
    { date: "yesterday", reason: "not a date" },
    { date: "2026-05-12Tnoon", reason: "not a date-time" },
    { date: 20260512, reason: "a date must be a string" },
  ])("$date is refused: $reason", ({ date, reason }) => {
    const error = getRefusal(() => checkVendorDate(AT, "expirationDate", date));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(reason);
  });

  it("a date-only field refuses a time", () => {
    expect(getRefusal(() => checkVendorDate(AT, "termEnd", "2026-05-12T00:00:00Z", { dateOnly: true })).summary).toContain("YYYY-MM-DD");
  });
});
