/**
 * Exact money. Amounts are decimal strings at the boundary and bigint minor units inside; nothing here ever
 * touches a JS float, so a refund computed by the planner equals the portal's to the cent.
 */
import type { Money } from "./model";
import { CspSeatsError } from "./errors";
import { daysBetween } from "./dates";

// The date helpers moved to dates.ts; re-exported for the modules that still import them from here.
export { daysBetween, toDateString } from "./dates";

const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, HUF: 2, CLP: 0, ISK: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3 };

/** Digits after the decimal point for `currency` (2 unless ISO-4217 says otherwise). */
export function getMinorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string into minor units of `currency`; more precision than the currency has is an error. */
export function parseMinorUnits(amount: string, currency: string): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (!match) {
    throw new CspSeatsError("MONEY_INVALID", `"${amount}" is not a decimal amount`, "Write amounts as decimal strings such as \"12.34\".");
  }
  const digits = getMinorDigits(currency);
  const fraction = (match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) {
    throw new CspSeatsError(
      "MONEY_PRECISION",
      `${amount} ${currency} has more than ${digits} decimal digits`,
      `Round the amount to ${digits} decimals.`,
    );
  }
  const minor = BigInt(match[2]) * 10n ** BigInt(digits) + BigInt((fraction || "0").padEnd(digits, "0") || "0");
  return match[1] ? -minor : minor;
}

/** Formats minor units of `currency` as a decimal string with exactly the currency's digits. */
export function formatMinorUnits(minor: bigint, currency: string): string {
  const digits = getMinorDigits(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  const whole = digits === 0 ? abs : abs.slice(0, -digits);
  const fraction = digits === 0 ? "" : `.${abs.slice(-digits)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** An exact decimal number: `value / 10^scale` (e.g. "4.1234" = 41234n / 10^4). */
export interface ExactDecimal {
  readonly value: bigint;
  readonly scale: number;
}

const SIGNED_DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string of any precision ("4.1234", "+3", "-0.5") exactly; MONEY_INVALID otherwise. */
export function parseDecimal(amount: string): ExactDecimal {
  const match = SIGNED_DECIMAL.exec(amount.trim());
  if (!match) {
    throw new CspSeatsError("MONEY_INVALID", `"${amount}" is not a decimal amount`, "Write amounts as decimal strings such as \"12.34\".");
  }
  const fraction = match[3] ?? "";
  const value = BigInt(`${match[2]}${fraction}`);
  return { value: match[1] === "-" ? -value : value, scale: fraction.length };
}

function rescaleDecimal(decimal: ExactDecimal, scale: number): bigint {
  return decimal.value * 10n ** BigInt(scale - decimal.scale);
}

/** Rounds an exact decimal to minor units of `currency`, half away from zero ("3.865" -> 387n, "-3.865" -> -387n). */
export function roundToMinorUnits(decimal: ExactDecimal, currency: string): bigint {
  const digits = getMinorDigits(currency);
  if (decimal.scale <= digits) return rescaleDecimal(decimal, digits);
  return divideRoundHalfUp(decimal.value, 10n ** BigInt(decimal.scale - digits));
}

/** Sums decimal strings exactly, then rounds once to minor units of `currency` (half away from zero). */
export function sumDecimalsToMinorUnits(amounts: readonly string[], currency: string): bigint {
  const parsed = amounts.map(parseDecimal);
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  const total = parsed.reduce((sum, d) => sum + rescaleDecimal(d, scale), 0n);
  return roundToMinorUnits({ value: total, scale }, currency);
}

/** Builds Money from minor units. */
export function moneyFromMinor(minor: bigint, currency: string): Money {
  return { currency, amount: formatMinorUnits(minor, currency) };
}

/** Builds Money from a decimal string, normalising it to the currency's digits ("5.6" EUR -> "5.60"). */
export function createMoney(amount: string, currency: string): Money {
  const code = currency.toUpperCase();
  return moneyFromMinor(parseMinorUnits(amount, code), code);
}

/**
 * Money from its words, "3.61 EUR" (as core/describe's formatMoney writes it), exactly as written; undefined for
 * any other text.
 */
export function parseMoneyWords(text: string): Money | undefined {
  const match = /^(-?\d+(?:\.\d+)?) ([A-Z]{3})$/.exec(text);
  return match ? { currency: match[2], amount: match[1] } : undefined;
}

/** Zero in `currency`. */
export function zeroMoney(currency: string): Money {
  return moneyFromMinor(0n, currency);
}

/** Minor units of `money`. */
export function toMinorUnits(money: Money): bigint {
  return parseMinorUnits(money.amount, money.currency);
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new CspSeatsError(
      "MONEY_CURRENCY_MISMATCH",
      `cannot combine ${a.currency} and ${b.currency}`,
      "Amounts in different currencies are never added; keep totals per currency.",
    );
  }
}

/** a + b (same currency). */
export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return moneyFromMinor(toMinorUnits(a) + toMinorUnits(b), a.currency);
}

/** a - b (same currency). */
export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return moneyFromMinor(toMinorUnits(a) - toMinorUnits(b), a.currency);
}

/** -a. */
export function negateMoney(a: Money): Money {
  return moneyFromMinor(-toMinorUnits(a), a.currency);
}

/** |a|. */
export function absMoney(a: Money): Money {
  const minor = toMinorUnits(a);
  return moneyFromMinor(minor < 0n ? -minor : minor, a.currency);
}

/** Sum of `items` in `currency` (zero when empty). */
export function sumMoney(items: readonly Money[], currency: string): Money {
  return items.reduce((total, item) => addMoney(total, item), zeroMoney(currency));
}

/** Compares a and b: -1, 0 or 1. */
export function compareMoney(a: Money, b: Money): number {
  assertSameCurrency(a, b);
  const d = toMinorUnits(a) - toMinorUnits(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Whether the amount is zero. */
export function isZeroMoney(a: Money): boolean {
  return toMinorUnits(a) === 0n;
}

/** Divides with rounding half away from zero (the way invoices round 3.8666 to 3.87). */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const q = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
}

/** `unitPrice` x `quantity`, exact. */
export function multiplyMoney(unitPrice: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new TypeError(`Expected an integer quantity, got ${quantity}`);
  return moneyFromMinor(toMinorUnits(unitPrice) * BigInt(quantity), unitPrice.currency);
}

/**
 * The change from `before` to `after` (any two amounts on one scale, e.g. minor units) as a percentage of
 * `before`, rounded once to one decimal, half away from zero, signed like the change: "+20.0", "-33.3", "0.0"
 * ("+0.0" for a rise too small to show). Null when `before` is 0: no percentage of nothing.
 */
export function formatPercentChange(before: bigint, after: bigint): string | null {
  if (before === 0n) return null;
  const change = after - before;
  const base = before < 0n ? -before : before;
  const tenths = divideRoundHalfUp(change * 1000n, base);
  const abs = tenths < 0n ? -tenths : tenths;
  const sign = change > 0n ? "+" : change < 0n ? "-" : "";
  return `${sign}${abs / 10n}.${abs % 10n}`;
}

/**
 * The prorated amount for `quantity` seats at `unitPrice` per billing period, for the days from `today`
 * (counted) to `periodEnd` (exclusive) out of the period [periodStart, periodEnd). This one formula prices both
 * an increase (charge for the rest of the period) and a refund (full amount minus the days used), so the planner
 * and every portal agree to the cent. Rounds once, on the total, half away from zero.
 */
export function prorate(unitPrice: Money, quantity: number, period: { start: string; end: string }, today: string): Money {
  if (!Number.isSafeInteger(quantity)) throw new TypeError(`Expected an integer quantity, got ${quantity}`);
  const periodDays = daysBetween(period.start, period.end);
  if (periodDays <= 0) throw new RangeError(`billing period ${period.start}..${period.end} is empty`);
  const from = today < period.start ? period.start : today;
  const remaining = Math.max(0, Math.min(periodDays, daysBetween(from, period.end)));
  const minor = divideRoundHalfUp(toMinorUnits(unitPrice) * BigInt(quantity) * BigInt(remaining), BigInt(periodDays));
  return moneyFromMinor(minor, unitPrice.currency);
}

let knownCurrencies: ReadonlySet<string> | undefined;

/**
 * Whether `code` is an ISO-4217 currency a price can be in, as the runtime's Intl knows them. `XXX` ("no
 * currency") and `XTS` (testing) are not in Intl's list, so they are not known: nothing can be billed in them.
 */
export function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  return knownCurrencies.has(code);
}
