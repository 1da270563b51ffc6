/**
 * The error-code catalog: every stable code csp-seats reports, with its one-line meaning, in error-codes.json.
 * Codes are a public interface (scripts match them, docs/formats.md lists them): add codes, never rename them. A
 * code not in the catalog does not compile (`CspSeatsError`'s constructor takes an `ErrorCode`, a finding a
 * `FindingCode`). To add one: insert it in alphabetical order with a one-line meaning (a test checks the order).
 * The catalog is data (JSON), so the three lists read as data and TypeScript still derives the code types.
 */
import catalog from "./error-codes.json";

/** Codes of `CspSeatsError` and of a failed order's `error.code`. */
export const ERROR_CODES = catalog.errors;

/** A stable error code from the catalog. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of plan and drift findings (`PlanFinding.code`), as docs/formats.md lists them. */
export const FINDING_CODES = catalog.findings;

/** A stable finding code from the catalog. */
export type FindingCode = keyof typeof FINDING_CODES;

/** Codes of located errors in a desired-state file (`LocatedError.code`), as docs/formats.md lists them. */
export const LOCATED_ERROR_CODES = catalog.located;

/** A stable located-error code from the catalog. */
export type LocatedErrorCode = keyof typeof LOCATED_ERROR_CODES;

/** Whether `code` is in the error catalog (for codes that arrive from outside, e.g. a remote portal's reply). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}
