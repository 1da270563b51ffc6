/**
 * CloudBlue's dates and periods as csp-seats' term: the current billing period and the renewal date, derived
 * from `expirationDate` and the billing and subscription periods (SimpleAPI has no "current period" field).
 * Calendar arithmetic is core/dates.ts's.
 */
import { CspSeatsError } from "../../core/errors";
import { addDays, addMonths, toDateString } from "../../core/dates";
import type { CbPeriod, CbSubscriptionDetailed } from "./simpleapi-types";

/** The start of `date` as a Date; CLOUDBLUE_BAD_DATE when CloudBlue sent something that is not a date. */
export function parseVendorDate(date: string): Date {
  const at = new Date(`${date.slice(0, 10)}T00:00:00.000Z`);
  if (Number.isNaN(at.getTime())) {
    throw new CspSeatsError("CLOUDBLUE_BAD_DATE", `CloudBlue sent "${date}", which is not a date`, "Report this to the portal's support with the correlation id.");
  }
  return at;
}

/** `date` plus `count` periods (negative to go back); month arithmetic keeps the day, clamped to the month's end. */
export function addPeriods(date: string, period: CbPeriod, count: number): string {
  const day = toDateString(parseVendorDate(date));
  const units = period.duration * count;
  if (period.type === "day") return addDays(day, units);
  return addMonths(day, period.type === "year" ? units * 12 : units);
}

/** Billing and subscription periods CloudBlue leaves unknown (`statement_day`, `unknown`, absent) are read as one month. */
function normalisePeriod(period: CbPeriod | undefined): CbPeriod {
  if (!period || !Number.isInteger(period.duration) || period.duration <= 0) return { type: "month", duration: 1 };
  if (period.type === "day" || period.type === "month" || period.type === "year") return period;
  return { type: "month", duration: period.duration };
}

/** Our term: the subscription expires at the start of `expirationDate`; the term ends the day before; renewal is that day. */
export interface DerivedTerm {
  readonly termStart: string;
  readonly termEnd: string;
  readonly renewalDate: string;
  readonly billingPeriod: { readonly start: string; readonly end: string };
}

/**
 * Derives the term and the current billing period from the dates SimpleAPI gives. The billing period is the
 * one containing `today`, counted back from `expirationDate` in `billingPeriod` steps (SimpleAPI has no
 * "current period" field); the term started one `subscriptionPeriod` before expiration.
 */
export function deriveTerm(subscription: Pick<CbSubscriptionDetailed, "expirationDate" | "renewalDate" | "creationDate" | "billingPeriod" | "subscriptionPeriod" | "id">, now: Date): DerivedTerm {
  const expiration = subscription.expirationDate ?? subscription.renewalDate;
  if (!expiration) {
    throw new CspSeatsError(
      "CLOUDBLUE_NO_TERM",
      `subscription ${subscription.id ?? "?"} has neither an expirationDate nor a renewalDate`,
      "csp-seats cannot price or schedule changes without the term; check the subscription in the CloudBlue control panel.",
    );
  }
  const today = toDateString(now);
  const billing = normalisePeriod(subscription.billingPeriod);
  const term = normalisePeriod(subscription.subscriptionPeriod ?? subscription.billingPeriod);
  let end = expiration.slice(0, 10);
  let start = addPeriods(end, billing, -1);
  for (let guard = 0; start > today && guard < 1200; guard += 1) {
    end = start;
    start = addPeriods(end, billing, -1);
  }
  const termStart = addPeriods(expiration, term, -1);
  return {
    termStart: subscription.creationDate && subscription.creationDate.slice(0, 10) > termStart ? subscription.creationDate.slice(0, 10) : termStart,
    termEnd: addPeriods(expiration, { type: "day", duration: 1 }, -1),
    renewalDate: expiration.slice(0, 10),
    billingPeriod: { start, end },
  };
}
