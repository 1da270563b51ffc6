/**
 * Calendar dates, one module for all of csp-seats: a date is a `YYYY-MM-DD` string in UTC (the portals bill by
 * UTC calendar day), a moment is a Date. Pure; no time zones other than UTC, no locale.
 */

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
/** One day in milliseconds (UTC days have no DST). */
export const DAY_MS = 86_400_000;


const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is shaped `YYYY-MM-DD` (the calendar is not checked). */
export function isDateString(text: string): boolean {
  return DATE.test(text);
}

/** The UTC calendar date (YYYY-MM-DD) of `at`. */
export function toDateString(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC at the start of `date` (YYYY-MM-DD), in ms since the epoch (NaN for an unreadable date). */
export function startOfDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The last millisecond of `date` (YYYY-MM-DD) in UTC, in ms since the epoch. */
export function endOfDay(date: string): number {
  return startOfDay(date) + DAY_MS - 1;
}

/** `date` (YYYY-MM-DD) plus `days` (negative to go back). */
export function addDays(date: string, days: number): string {
  return toDateString(new Date(startOfDay(date) + days * DAY_MS));
}

function getDaysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `date` plus `months` (negative to go back), landing on `anchorDay` (default: the date's own day), or on the
 * month's last day when that month is shorter ("2026-01-31" + 1 month = "2026-02-28").
 */
export function addMonths(date: string, months: number, anchorDay = Number(date.slice(8, 10))): string {
  const year = Number(date.slice(0, 4));
  const monthIndex = Number(date.slice(5, 7)) - 1 + months;
  const y = year + Math.floor(monthIndex / 12);
  const m = ((monthIndex % 12) + 12) % 12;
  const d = Math.min(anchorDay, getDaysInMonth(y, m));
  return `${String(y).padStart(4, "0")}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Days from date `from` to date `to` (YYYY-MM-DD, UTC), `to` exclusive. */
export function daysBetween(from: string, to: string): number {
  const a = startOfDay(from);
  const b = startOfDay(to);
  if (Number.isNaN(a) || Number.isNaN(b)) throw new TypeError(`Expected YYYY-MM-DD dates, got ${from} and ${to}`);
  return Math.round((b - a) / DAY_MS);
}

/** The earliest year csp-seats accepts in a time it is given (a pinned time, a fixture's dates and times). */
export const EARLIEST_YEAR = 2000;
/**
 * The latest year csp-seats accepts in a time it is given: a term renewing a year or more later must still be a
 * four-digit ISO year (Date.parse reads no other), so the calendar keeps a margin before 9999-12-31.
 */
export const LATEST_YEAR = 9998;
/** The last date the calendar can reach: the last one ISO-8601 writes with a four-digit year. */
export const LAST_DATE = "9999-12-31";

/** Whether `text` is a real calendar date YYYY-MM-DD (not 2026-02-30) no later than LAST_DATE. */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= getDaysInMonth(year, month - 1);
}

/** Whether `year` is within EARLIEST_YEAR..LATEST_YEAR. */
export function isSupportedYear(year: number): boolean {
  return Number.isInteger(year) && year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}
