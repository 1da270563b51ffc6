/**
 * The one retry policy of the backends, on p-retry: how many attempts, which failures are worth another one
 * (429/5xx/connection/timeout, and only for requests that are safe to repeat), how long to wait (exponential
 * backoff with full jitter, never less than a capped Retry-After) and how to stop (AbortSignal). The HTTP
 * client, the backends' own recovery loops (look up, then resend) and the order wait all go through `retry`.
 *
 * p-retry is ESM-only and csp-seats compiles to CommonJS: it is loaded with a dynamic `import()`, which
 * TypeScript keeps as-is under `module: node16`, so the compiled dist/ loads it natively.
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import { isCspSeatsError } from "../../core/errors";

type PRetryModule = typeof import("p-retry", { with: { "resolution-mode": "import" } });

let pRetryModule: Promise<PRetryModule> | undefined;

function loadPRetry(): Promise<PRetryModule> {
  pRetryModule ??= import("p-retry");
  return pRetryModule;
}

/** Told about each retry before the wait (for logs and tests). */
export interface RetryInfo<E = unknown> {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Retries still allowed after this one (Infinity for a poll bounded by time). */
  readonly retriesLeft: number;
  /** How long `retry` waits before the next attempt. */
  readonly delayMs: number;
  readonly error: E;
}

/** What `retry` needs to know: everything about the policy is in here, the operation knows nothing of it. */
export interface RetryOptions {
  /** Retries after the first attempt; Infinity retries until `shouldRetry` says no (or the signal aborts). */
  readonly retries: number;
  /** Whether failed attempt number `attempt` (from 1) is worth another one. Throwing from it stops with that error. */
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  /** The wait after failed attempt number `attempt`. */
  readonly getDelayMs: (error: unknown, attempt: number) => number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Stops waiting and retrying; `retry` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How to wait; injectable so tests never sleep. Default: node:timers/promises setTimeout. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits `ms` (node:timers/promises), rejecting early when `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, signal ? { signal } : undefined);
}

/**
 * Runs `run` until it resolves, retrying failures the policy accepts. Resolves with `run`'s value; rejects with
 * the last failure, whatever `shouldRetry` throws, or the signal's reason.
 *
 * p-retry drives the attempts, the count and the abort; the wait is ours (p-retry's own timers are set to 0),
 * because p-retry cannot honour a server's Retry-After and its timers cannot be replaced in tests. p-retry 6
 * calls onFailedAttempt even after shouldRetry said no, so the decision is taken once and remembered.
 */
export async function retry<T>(run: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!(options.retries >= 0)) throw new TypeError(`Expected \`retries\` to be a non-negative number, got ${options.retries}`);
  const { default: pRetry } = await loadPRetry();
  const wait = options.sleep ?? sleep;
  const forever = options.retries === Infinity;
  let retrying = false;
  try {
    return await pRetry(
      async (n) => {
        try {
          return await run(n);
        } catch (error) {
          // p-retry refuses to retry non-Errors and TypeErrors; wrapping keeps the decision with the policy.
          throw error instanceof Error && !(error instanceof TypeError) ? error : new RetryCarrier(error);
        }
      },
      {
        retries: forever ? 0 : options.retries,
        forever,
        minTimeout: 0,
        maxTimeout: 0,
        ...(options.signal ? { signal: options.signal } : {}),
        shouldRetry: (failure) => {
          // Asked after the last attempt too: no retry is left then, and nothing must be waited for.
          retrying = (forever || failure.attemptNumber <= options.retries) && options.shouldRetry(unwrap(failure), failure.attemptNumber);
          return retrying;
        },
        onFailedAttempt: async (failure) => {
          if (!retrying) return;
          const error = unwrap(failure);
          const delayMs = Math.max(0, options.getDelayMs(error, failure.attemptNumber));
          const retriesLeft = forever ? Infinity : Math.max(0, options.retries - failure.attemptNumber);
          options.onRetry?.({ attempt: failure.attemptNumber, retriesLeft, delayMs, error });
          await wait(delayMs, options.signal);
        },
      },
    );
  } catch (error) {
    throw error instanceof RetryCarrier ? error.original : error;
  }
}

/** Carries a thrown value p-retry would not retry (a non-Error or a TypeError) through it unchanged. */
class RetryCarrier extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = "RetryCarrier";
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof RetryCarrier ? error.original : error;
}

/** Exponential backoff from `minMs` doubling to `maxMs`. */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** `full`: a random wait between 0 and the backoff (so many clients do not retry in lockstep); `none`: the backoff. */
  readonly jitter: "full" | "none";
}

/**
 * The wait after failed attempt number `attempt` (from 1): `minMs * 2^(attempt-1)` capped at `maxMs`, jittered,
 * but never less than the server's Retry-After capped at `maxRetryAfterMs`.
 */
export function getBackoffDelay(attempt: number, backoff: BackoffOptions, retryAfter?: { readonly ms: number | undefined; readonly maxMs: number }): number {
  const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.max(0, attempt - 1));
  const delay = backoff.jitter === "full" ? Math.round(Math.random() * ceiling) : ceiling;
  const floor = retryAfter?.ms === undefined ? 0 : Math.min(retryAfter.ms, retryAfter.maxMs);
  return Math.max(delay, floor);
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The Retry-After a CspSeatsError carries in `details.retryAfterMs`, if any. */
export function readRetryAfterMs(error: unknown): number | undefined {
  const value = isCspSeatsError(error) ? (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs : undefined;
  return typeof value === "number" ? value : undefined;
}

/** Codes whose failure may be transient: the same request can succeed when repeated (if repeating is safe). */
const TRANSIENT_CODES = new Set(["HTTP_TIMEOUT", "HTTP_CONNECTION", "HTTP_THROTTLED", "HTTP_SERVER_ERROR", "PORTAL_THROTTLED", "PORTAL_INTERNAL", "PORTAL_UNAVAILABLE"]);

/** Whether an HTTP failure may succeed on a later attempt (connection, timeout, throttling, 5xx). */
export function isTransientHttpError(error: unknown): boolean {
  if (!isCspSeatsError(error)) return false;
  if (TRANSIENT_CODES.has(error.code)) return true;
  return error.status !== undefined && (error.status === 429 || error.status >= 500);
}

/** The HTTP retry policy's knobs (HttpClientOptions carries them). */
export interface HttpRetrySettings {
  readonly retries: number;
  readonly minRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly onRetry?: (info: RetryInfo) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * The policy for one HTTP request: retried only when it is safe to repeat (`retrySafe`: GET, a POST with an
 * Idempotency-Key, or the caller says so) and the failure is transient; paced by backoff with full jitter and the
 * server's Retry-After.
 */
export function createHttpRetryPolicy(settings: HttpRetrySettings, retrySafe: boolean): RetryOptions {
  return {
    retries: settings.retries,
    shouldRetry: (error) => retrySafe && isTransientHttpError(error),
    getDelayMs: (error, attempt) => getHttpRetryDelay(settings, attempt, readRetryAfterMs(error)),
    ...(settings.onRetry ? { onRetry: settings.onRetry } : {}),
    ...(settings.sleep ? { sleep: settings.sleep } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
  };
}

/** The HTTP policy's wait after failed attempt `attempt`, given the server's Retry-After. */
export function getHttpRetryDelay(settings: Pick<HttpRetrySettings, "minRetryDelayMs" | "maxRetryDelayMs" | "maxRetryAfterMs">, attempt: number, retryAfterMs?: number): number {
  return getBackoffDelay(attempt, { minMs: settings.minRetryDelayMs, maxMs: settings.maxRetryDelayMs, jitter: "full" }, { ms: retryAfterMs, maxMs: settings.maxRetryAfterMs });
}
