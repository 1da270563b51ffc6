/**
 * One error type for everything csp-seats reports: a stable `code` that scripts can match, a one-line summary
 * of what went wrong and a `fix` that says what to do. HTTP details ride along when the error came from a portal.
 * Every code is in the catalog (error-codes.ts); a code that is not does not compile.
 */
import type { ErrorCode } from "./error-codes";

export type { ErrorCode } from "./error-codes";

export class CspSeatsError extends Error {
  /** Stable identifier, e.g. `PORTAL_ORDER_IN_PROGRESS`. Never reworded. */
  readonly code: ErrorCode;
  /** One line: what went wrong. */
  readonly summary: string;
  /** One line: what to do about it. */
  readonly fix: string;
  /** HTTP status when the error came from (or maps to) an HTTP response. */
  readonly status?: number;
  /** The portal's correlation id, for support tickets. */
  readonly correlationId?: string;
  /** Structured extra data (e.g. the subscription id, a location in a file). */
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    summary: string,
    fix: string,
    extra: { status?: number; correlationId?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(`${summary}. ${fix}`.replace(/\.\. /, ". "), extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "CspSeatsError";
    this.code = code;
    this.summary = summary;
    this.fix = fix;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.correlationId !== undefined) this.correlationId = extra.correlationId;
    if (extra.details !== undefined) this.details = extra.details;
  }

  /** The JSON shape used by the HTTP API and `--format json`. */
  toJSON(): { code: ErrorCode; summary: string; fix: string; status?: number; correlationId?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      summary: this.summary,
      fix: this.fix,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.correlationId !== undefined ? { correlationId: this.correlationId } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}

/** Whether `error` is a CspSeatsError (also across module copies, by shape). */
export function isCspSeatsError(error: unknown): error is CspSeatsError {
  return error instanceof CspSeatsError || (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "CspSeatsError");
}

/**
 * `error` with `what` in front of its summary (`cannot read subscription X: the portal is not available`), keeping
 * its code, fix, status, correlation id and details, so the context is added without losing what a script or a
 * support ticket needs. Anything that is not a CspSeatsError becomes a plain Error with the same prefix.
 */
export function withContext(what: string, error: CspSeatsError): CspSeatsError;
export function withContext(what: string, error: unknown): Error;
export function withContext(what: string, error: unknown): Error {
  if (!isCspSeatsError(error)) return new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  return new CspSeatsError(error.code, `${what}: ${error.summary}`, error.fix, {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.correlationId !== undefined ? { correlationId: error.correlationId } : {}),
    ...(error.details !== undefined ? { details: error.details } : {}),
  });
}
