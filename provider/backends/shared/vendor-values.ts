/**
 * The one check of what a vendor sends before it becomes an input to a plan. A value that cannot be (a negative
 * or fractional quantity, a currency ISO-4217 does not know, an amount that is not a plain decimal, a date that
 * does not exist or lies outside 2000..9998) is a VENDOR_VALUE_INVALID error that names the vendor, the object
 * and the field ("CloudBlue subscription 1234567 products[0].quantity is -3: a quantity cannot be negative"),
 * with details {vendor, object, field, value}. csp-seats never repairs such a value, and never plans with one.
 */
import { EARLIEST_YEAR, LATEST_YEAR } from "../../core/dates";
import { CspSeatsError } from "../../core/errors";
import { getMinorDigits, isKnownCurrency } from "../../core/money";

/** Where a value came from: `{ vendor: "CloudBlue", object: "subscription 1234567" }`. */
export interface VendorObject {
  readonly vendor: string;
  readonly object: string;
  /** The fix; default: report it, nothing was planned or ordered (reads). Orders say what was placed. */
  readonly fix?: string;
  readonly correlationId?: string;
}

/** The most seats a line may have: seats.yaml's own maximum (schema/seats.schema.json). */
export const MAX_VENDOR_QUANTITY = 1_000_000;
/** Dates outside these years are refused (the same bound app/runtime-config puts on --now). */
export { EARLIEST_YEAR as VENDOR_EARLIEST_YEAR, LATEST_YEAR as VENDOR_LATEST_YEAR } from "../../core/dates";
/** Digits an amount may have before its decimal point: a quadrillion is past any price, and keeps sums readable. */
const MAX_WHOLE_DIGITS = 15;
/** Digits after the point when the vendor's precision is free (CloudBlue rates to 4; 10 is far past any rating engine). */
const MAX_FRACTION_DIGITS = 10;

/** The fix of a read whose data was refused. */
export const VENDOR_VALUE_FIX = "This is the portal's data: report it to the portal's operator; nothing was planned or ordered.";

function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The coded error for `field` of `at` holding `value`, which is impossible because `reason`. */
export function createVendorValueError(at: VendorObject, field: string, value: unknown, reason: string): CspSeatsError {
  return new CspSeatsError("VENDOR_VALUE_INVALID", `${at.vendor} ${at.object} ${field} is ${showValue(value)}: ${reason}`, at.fix ?? VENDOR_VALUE_FIX, {
    ...(at.correlationId ? { correlationId: at.correlationId } : {}),
    details: { vendor: at.vendor, object: at.object, field, value: value === undefined ? null : value },
  });
}

/** A count of seats (a limit, an assigned count, a batch): a safe integer in 0..max. `5.0` is 5. */
export function checkQuantity(at: VendorObject, field: string, value: unknown, max = MAX_VENDOR_QUANTITY): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw createVendorValueError(at, field, value, "a quantity must be a number");
  if (value < 0) throw createVendorValueError(at, field, value, "a quantity cannot be negative");
  if (!Number.isInteger(value)) throw createVendorValueError(at, field, value, "a quantity is a whole number of seats");
  if (value > max) throw createVendorValueError(at, field, value, `a quantity cannot exceed ${max.toLocaleString("en-US")}`);
  return value;
}

/** `checkQuantity` for a value the vendor may leave out; undefined stays undefined. */
export function checkOptionalQuantity(at: VendorObject, field: string, value: unknown, max = MAX_VENDOR_QUANTITY): number | undefined {
  return value === undefined || value === null ? undefined : checkQuantity(at, field, value, max);
}

/** An ISO-4217 code that money can be in, upper-cased ("eur" -> "EUR"); "EURO", "XXX" and "" are refused. */
export function checkCurrency(at: VendorObject, field: string, value: unknown): string {
  if (typeof value !== "string") throw createVendorValueError(at, field, value, "a currency must be an ISO-4217 code such as \"EUR\"");
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !isKnownCurrency(code)) throw createVendorValueError(at, field, value, "not an ISO-4217 currency a price can be in");
  return code;
}

/**
 * A decimal string ("12.34", "-3.7336", "+2"): not a JSON number (a float already lost the exact value), no
 * exponent, no thousands separators, at most 15 digits before the point and `maxFractionDigits` after it (the
 * currency's minor digits when the vendor states amounts exactly, 10 when it rates to any precision).
 */
export function checkDecimalAmount(at: VendorObject, field: string, value: unknown, options: { currency?: string; maxFractionDigits?: number } = {}): string {
  if (typeof value === "number") throw createVendorValueError(at, field, value, "an amount must be a decimal string, not a JSON number (which loses exactness)");
  if (typeof value !== "string") throw createVendorValueError(at, field, value, "an amount must be a decimal string");
  const match = /^[+-]?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw createVendorValueError(at, field, value, "not a decimal amount");
  const whole = match[1].replace(/^0+(?=\d)/, "");
  if (whole.length > MAX_WHOLE_DIGITS) throw createVendorValueError(at, field, value, `an amount has at most ${MAX_WHOLE_DIGITS} digits before the decimal point`);
  const digits = options.maxFractionDigits ?? (options.currency ? getMinorDigits(options.currency) : MAX_FRACTION_DIGITS);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > digits) {
    throw createVendorValueError(at, field, value, options.currency && options.maxFractionDigits === undefined ? `${options.currency} has ${digits} decimal digits` : `an amount has at most ${digits} decimal digits`);
  }
  return value.trim();
}

/**
 * A date (`2026-05-12`) or a date-time (`2026-05-12T09:00:00Z`): a real calendar day in 2000..9998, and a
 * date-time Date.parse reads. Returns the text as given.
 */
export function checkVendorDate(at: VendorObject, field: string, value: unknown, options: { dateOnly?: boolean } = {}): string {
  if (typeof value !== "string") throw createVendorValueError(at, field, value, "a date must be a string such as \"2026-05-12\"");
  const match = /^(\d{4,})-(\d{2})-(\d{2})/.exec(value);
  if (!match) throw createVendorValueError(at, field, value, options.dateOnly ? "not a date (YYYY-MM-DD)" : "not a date");
  const year = Number(match[1]);
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) {
    throw createVendorValueError(at, field, value, `a date must lie in the years ${EARLIEST_YEAR}..${LATEST_YEAR}`);
  }
  const day = Date.UTC(year, Number(match[2]) - 1, Number(match[3]));
  if (new Date(day).toISOString().slice(0, 10) !== match[0] || (options.dateOnly && value.length !== 10)) {
    throw createVendorValueError(at, field, value, options.dateOnly ? "not a date (YYYY-MM-DD)" : "not a date");
  }
  if (value.length > 10 && Number.isNaN(Date.parse(value))) throw createVendorValueError(at, field, value, "not a date-time");
  return value;
}

/** `checkVendorDate` for a date the vendor may leave out. */
export function checkOptionalDate(at: VendorObject, field: string, value: unknown, options: { dateOnly?: boolean } = {}): string | undefined {
  return value === undefined || value === null ? undefined : checkVendorDate(at, field, value, options);
}

/** A non-empty string (an id, a SKU). */
export function checkString(at: VendorObject, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw createVendorValueError(at, field, value, "expected a non-empty string");
  return value;
}

/** A JSON array (a list of lines, of items). */
export function checkArray(at: VendorObject, field: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw createVendorValueError(at, field, value, "expected a list");
  return value;
}

/** A JSON object (not null, not a list). */
export function checkObject(at: VendorObject, field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw createVendorValueError(at, field, value, "expected an object");
  return value as Record<string, unknown>;
}

/**
 * Money as a portal states it exactly (`{ currency, amount }`): a known currency (the expected one, when given)
 * and a decimal string with no more digits than the currency has.
 */
export function checkMoney(at: VendorObject, field: string, value: unknown, expectedCurrency?: string): { currency: string; amount: string } {
  const money = checkObject(at, field, value);
  const currency = checkCurrency(at, `${field}.currency`, money.currency);
  if (expectedCurrency !== undefined && currency !== expectedCurrency) {
    throw createVendorValueError(at, `${field}.currency`, money.currency, `the ${at.object.split(" ")[0]} is in ${expectedCurrency}`);
  }
  return { currency, amount: checkDecimalAmount(at, `${field}.amount`, money.amount, { currency }) };
}
