import { describe, expect, it } from "vitest";
import { DAY_MS, EARLIEST_YEAR, LAST_DATE, LATEST_YEAR, addDays, addMonths, daysBetween, endOfDay, isCalendarDate, isDateString, isSupportedYear, startOfDay, toDateString } from "../../provider/core/dates";
import { toDateString as toDateStringFromMoney } from "../../provider/core/money";

describe("calendar dates (UTC)", () => {
  it("reads the UTC calendar date of a moment, also through core/money's re-export", () => {
    expect(toDateString(new Date("2026-05-12T23:59:59.999Z"))).toBe("2026-05-12");
    expect(toDateStringFromMoney).toBe(toDateString);
  });

  it("gives the first and last millisecond of a day", () => {
    expect(new Date(startOfDay("2026-05-12")).toISOString()).toBe("2026-05-12T00:00:00.000Z");
    expect(endOfDay("2026-05-12") - startOfDay("2026-05-12")).toBe(DAY_MS - 1);
  });

  it.each([
    ["2026-12-31", 1, "2027-01-01"],
    ["2026-03-01", -1, "2026-02-28"],
    ["2028-02-28", 1, "2028-02-29"],
  ])("%s + %i days = %s", (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it.each([
    { date: "2026-01-31", months: 1, anchor: undefined, expected: "2026-02-28", reason: "clamped to the month's end" },
    { date: "2026-12-01", months: -12, anchor: undefined, expected: "2025-12-01", reason: "a year back" },
    { date: "2026-02-28", months: 1, anchor: 31, expected: "2026-03-31", reason: "back on the anchor day" },
    { date: "2026-11-15", months: 3, anchor: undefined, expected: "2027-02-15", reason: "across a year" },
  ])("$date + $months months = $expected ($reason)", ({ date, months, anchor, expected }) => {
    expect(addMonths(date, months, anchor)).toBe(expected);
  });

  it("counts days with the end exclusive and refuses unreadable dates", () => {
    expect(daysBetween("2026-05-01", "2026-06-01")).toBe(31);
    expect(() => daysBetween("2026-05-01", "soon")).toThrow(TypeError);
    expect([isDateString("2026-05-12"), isDateString("2026-5-12")]).toEqual([true, false]);
  });
});

describe("the calendar's range", () => {
  it("tells real dates up to 9999-12-31 from the rest", () => {
    expect(["2026-02-28", "2028-02-29", "9999-12-31"].map(isCalendarDate)).toEqual([true, true, true]);
    expect(["2026-02-29", "2026-13-01", "2026-00-10", "10000-01-01", "+010000-01", "x"].map(isCalendarDate)).toEqual([false, false, false, false, false, false]);
    expect(isCalendarDate(LAST_DATE)).toBe(true);
  });

  it("accepts the years 2000..9998", () => {
    expect([EARLIEST_YEAR, LATEST_YEAR]).toEqual([2000, 9998]);
    expect([1999, 2000, 9998, 9999, 2026.5].map(isSupportedYear)).toEqual([false, true, true, false, false]);
  });
});
