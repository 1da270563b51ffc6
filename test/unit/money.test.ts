import { describe, expect, it } from "vitest";
import {
  addMoney,
  compareMoney,
  createMoney,
  daysBetween,
  divideRoundHalfUp,
  formatMinorUnits,
  parseDecimal,
  parseMinorUnits,
  prorate,
  roundToMinorUnits,
  sumDecimalsToMinorUnits,
  subtractMoney,
  sumMoney,
} from "../../provider/core/money";
import type { Money } from "../../provider/core/model";

const eur = (amount: string): Money => ({ currency: "EUR", amount });

describe("prorate", () => {
  // Every expected value is worked out by hand: unit x seats x remaining days / days in period, rounded once, half away from zero.
  const cases: Array<{ reason: string; price: Money; quantity: number; period: [string, string]; today: string; expected: string }> = [
    {
      reason: "Microsoft's example: 4/30 x 29 x 1 = 3.8667 -> 3.87",
      price: eur("4.00"),
      quantity: 1,
      period: ["2026-06-01", "2026-07-01"],
      today: "2026-06-02",
      expected: "3.87",
    },
    {
      reason: "31-day month: 5.60 x 2 x 20/31 (12..31 May) = 7.2258 -> 7.23",
      price: eur("5.60"),
      quantity: 2,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-05-12",
      expected: "7.23",
    },
    {
      reason: "leap February 2028 has 29 days: 5.60 x 15/29 (15..29 Feb) = 2.8966 -> 2.90",
      price: eur("5.60"),
      quantity: 1,
      period: ["2028-02-01", "2028-03-01"],
      today: "2028-02-15",
      expected: "2.90",
    },
    {
      reason: "February 2027 has 28 days: 5.60 x 14/28 = 2.80 exactly",
      price: eur("5.60"),
      quantity: 1,
      period: ["2027-02-01", "2027-03-01"],
      today: "2027-02-15",
      expected: "2.80",
    },
    {
      reason: "last day of the month counts as one day: 5.60 x 1/31 = 0.1806 -> 0.18",
      price: eur("5.60"),
      quantity: 1,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-05-31",
      expected: "0.18",
    },
    {
      reason: "first day of the period is the whole price: 11.70 x 3",
      price: eur("11.70"),
      quantity: 3,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-05-01",
      expected: "35.10",
    },
    {
      reason: "a day before the period is still the whole period (no negative days)",
      price: eur("11.70"),
      quantity: 1,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-04-20",
      expected: "11.70",
    },
    {
      reason: "the period end is exclusive: nothing left on that day",
      price: eur("11.70"),
      quantity: 1,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-06-01",
      expected: "0.00",
    },
    {
      reason: "a period of one day charges the full price on that day",
      price: eur("33.75"),
      quantity: 1,
      period: ["2026-05-12", "2026-05-13"],
      today: "2026-05-12",
      expected: "33.75",
    },
    {
      reason: "half-up: 0.01 x 15/30 = 0.005 -> 0.01",
      price: eur("0.01"),
      quantity: 1,
      period: ["2026-06-01", "2026-07-01"],
      today: "2026-06-16",
      expected: "0.01",
    },
    {
      reason: "half away from zero for refunds: -0.005 -> -0.01",
      price: eur("0.01"),
      quantity: -1,
      period: ["2026-06-01", "2026-07-01"],
      today: "2026-06-16",
      expected: "-0.01",
    },
    {
      reason: "a refund (negative seats): 5.60 x -3 x 20/31 = -10.8387 -> -10.84",
      price: eur("5.60"),
      quantity: -3,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-05-12",
      expected: "-10.84",
    },
    {
      reason: "rounded once on the total: 3.70 x 7 x 13/31 = 10.8613 -> 10.86 (per seat would give 1.55 x 7 = 10.85)",
      price: eur("3.70"),
      quantity: 7,
      period: ["2026-05-01", "2026-06-01"],
      today: "2026-05-19",
      expected: "10.86",
    },
    {
      reason: "annual period in leap year 2028 has 366 days: 120.00 x 184/366 (1 Jul..31 Dec) = 60.3279 -> 60.33",
      price: eur("120.00"),
      quantity: 1,
      period: ["2028-01-01", "2029-01-01"],
      today: "2028-07-01",
      expected: "60.33",
    },
    {
      reason: "zero-decimal currency: 1200 JPY x 15/30 = 600",
      price: { currency: "JPY", amount: "1200" },
      quantity: 1,
      period: ["2026-06-01", "2026-07-01"],
      today: "2026-06-16",
      expected: "600",
    },
    {
      reason: "three-decimal currency: 1.000 KWD x 1/3 = 0.3333 -> 0.333",
      price: { currency: "KWD", amount: "1.000" },
      quantity: 1,
      period: ["2026-05-01", "2026-05-04"],
      today: "2026-05-03",
      expected: "0.333",
    },
  ];

  it.each(cases)("$reason", ({ price, quantity, period, today, expected }) => {
    expect(prorate(price, quantity, { start: period[0], end: period[1] }, today)).toEqual({ currency: price.currency, amount: expected });
  });

  it("refuses an empty period and a fractional seat count", () => {
    expect(() => prorate(eur("1.00"), 1, { start: "2026-05-01", end: "2026-05-01" }, "2026-05-01")).toThrow(RangeError);
    expect(() => prorate(eur("1.00"), 1.5, { start: "2026-05-01", end: "2026-06-01" }, "2026-05-01")).toThrow(TypeError);
  });
});

describe("daysBetween", () => {
  it.each([
    { from: "2028-02-28", to: "2028-03-01", days: 2, reason: "leap day 2028-02-29 exists" },
    { from: "2027-02-28", to: "2027-03-01", days: 1, reason: "no leap day in 2027" },
    { from: "2026-03-28", to: "2026-03-30", days: 2, reason: "UTC dates ignore the DST change of 29 March" },
    { from: "2026-12-31", to: "2027-01-01", days: 1, reason: "year end" },
  ])("$from -> $to is $days ($reason)", ({ from, to, days }) => {
    expect(daysBetween(from, to)).toBe(days);
  });
});

describe("divideRoundHalfUp", () => {
  it.each([
    { n: 5n, d: 2n, q: 3n, reason: "exact half rounds up" },
    { n: -5n, d: 2n, q: -3n, reason: "negative half rounds away from zero" },
    { n: 4n, d: 3n, q: 1n, reason: "1.33 rounds down" },
    { n: 5n, d: 3n, q: 2n, reason: "1.67 rounds up" },
    { n: 0n, d: 7n, q: 0n, reason: "zero" },
  ])("$n / $d = $q ($reason)", ({ n, d, q }) => {
    expect(divideRoundHalfUp(n, d)).toBe(q);
  });

  it("refuses a zero or negative denominator", () => {
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(1n, -2n)).toThrow(RangeError);
  });
});

describe("parsing and formatting", () => {
  it.each([
    { amount: "5.6", currency: "EUR", minor: 560n, formatted: "5.60", reason: "pads to the currency's two digits" },
    { amount: "5.600", currency: "EUR", minor: 560n, formatted: "5.60", reason: "trailing zeros are not extra precision" },
    { amount: "-3.87", currency: "EUR", minor: -387n, formatted: "-3.87", reason: "negative amounts" },
    { amount: "0.05", currency: "EUR", minor: 5n, formatted: "0.05", reason: "leading zero kept" },
    { amount: "-0.05", currency: "EUR", minor: -5n, formatted: "-0.05", reason: "negative below one" },
    { amount: "1200", currency: "JPY", minor: 1200n, formatted: "1200", reason: "zero-decimal currency" },
    { amount: "1.5", currency: "KWD", minor: 1500n, formatted: "1.500", reason: "three-decimal currency" },
    { amount: "123456789012345678.99", currency: "EUR", minor: 12345678901234567899n, formatted: "123456789012345678.99", reason: "beyond float precision, still exact" },
  ])("$amount $currency ($reason)", ({ amount, currency, minor, formatted }) => {
    expect(parseMinorUnits(amount, currency)).toBe(minor);
    expect(formatMinorUnits(minor, currency)).toBe(formatted);
    expect(createMoney(amount, currency.toLowerCase())).toEqual({ currency, amount: formatted });
  });

  it.each([
    { amount: "0.001", currency: "EUR", code: "MONEY_PRECISION", reason: "a tenth of a cent" },
    { amount: "1.5", currency: "JPY", code: "MONEY_PRECISION", reason: "yen have no decimals" },
    { amount: "abc", currency: "EUR", code: "MONEY_INVALID", reason: "not a number" },
    { amount: "1e3", currency: "EUR", code: "MONEY_INVALID", reason: "exponent notation is float talk" },
    { amount: "5,60", currency: "EUR", code: "MONEY_INVALID", reason: "decimal comma" },
    { amount: "", currency: "EUR", code: "MONEY_INVALID", reason: "empty" },
  ])("refuses $amount $currency with $code ($reason)", ({ amount, currency, code }) => {
    expect(() => parseMinorUnits(amount, currency)).toThrow(expect.objectContaining({ code }));
  });
});

describe("arithmetic", () => {
  it("adds, subtracts and sums exactly where floats would drift", () => {
    expect(addMoney(eur("0.10"), eur("0.20"))).toEqual(eur("0.30"));
    expect(subtractMoney(eur("1.00"), eur("3.87"))).toEqual(eur("-2.87"));
    expect(sumMoney([eur("0.10"), eur("0.20"), eur("0.30")], "EUR")).toEqual(eur("0.60"));
    expect(sumMoney([], "EUR")).toEqual(eur("0.00"));
  });

  it.each([
    { op: "add", run: () => addMoney(eur("1.00"), { currency: "USD", amount: "1.00" }) },
    { op: "subtract", run: () => subtractMoney(eur("1.00"), { currency: "USD", amount: "1.00" }) },
    { op: "compare", run: () => compareMoney(eur("1.00"), { currency: "USD", amount: "1.00" }) },
    { op: "sum", run: () => sumMoney([{ currency: "USD", amount: "1.00" }], "EUR") },
  ])("refuses to $op different currencies", ({ run }) => {
    expect(run).toThrow(expect.objectContaining({ code: "MONEY_CURRENCY_MISMATCH" }));
  });
});

describe("vendor decimals (more digits than the currency has)", () => {
  it.each([
    { amount: "4.1234", currency: "EUR", minor: 412n, reason: "rounded down below the half" },
    { amount: "3.865", currency: "EUR", minor: 387n, reason: "a half rounds away from zero" },
    { amount: "-3.865", currency: "EUR", minor: -387n, reason: "a negative half rounds away from zero too" },
    { amount: "+10.4540", currency: "EUR", minor: 1045n, reason: "a leading plus sign is read" },
    { amount: "7", currency: "EUR", minor: 700n, reason: "no fraction" },
    { amount: "1234.5", currency: "JPY", minor: 1235n, reason: "a currency without minor digits" },
    { amount: "1.0005", currency: "KWD", minor: 1001n, reason: "a currency with three digits" },
  ])("$amount $currency -> $minor ($reason)", ({ amount, currency, minor }) => {
    expect(roundToMinorUnits(parseDecimal(amount), currency)).toBe(minor);
  });

  it("parses exactly, keeping every digit", () => {
    expect(parseDecimal("-0.000125")).toEqual({ value: -125n, scale: 6 });
  });

  it("sums first and rounds once, so no cent is lost to rounding each amount", () => {
    // Rounded one by one: 0.00 + 0.00 + 0.00 = 0.00; summed first: 0.012 -> 0.01.
    expect(sumDecimalsToMinorUnits(["0.004", "0.004", "0.004"], "EUR")).toBe(1n);
    expect(sumDecimalsToMinorUnits(["10.4540", "-3.7336"], "EUR")).toBe(672n);
    expect(sumDecimalsToMinorUnits([], "EUR")).toBe(0n);
  });

  it("refuses what is not a decimal with MONEY_INVALID", () => {
    expect(() => parseDecimal("1,50")).toThrow(expect.objectContaining({ code: "MONEY_INVALID" }));
    expect(() => parseDecimal("--1")).toThrow(expect.objectContaining({ code: "MONEY_INVALID" }));
  });
});
