/**
 * A small resilient JSON-over-HTTP client shared by the backends that talk to a portal over the network (the
 * embedded portal's API, CloudBlue Commerce). One keep-alive undici Pool per origin bounds concurrency; requests
 * that are safe to repeat are retried on connection failures, timeouts, 429 and 5xx with exponential backoff and
 * full jitter, honouring (a capped) Retry-After, by the one retry policy in retry.ts. Every failure is a CspSeatsError with a stable code, the HTTP
 * status and the correlation id; secrets (tokens, passwords) are redacted from every text it produces.
 */
import { randomUUID } from "node:crypto";
import { Pool } from "undici";
import type { Clock } from "../../core/clock";
import { CspSeatsError, isCspSeatsError, type ErrorCode } from "../../core/errors";
import { createHttpRetryPolicy, getHttpRetryDelay, isTransientHttpError, parseRetryAfter, retry, type RetryInfo, type RetryOptions } from "./retry";

/** The methods the backends use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A response as the client returns it. */
export interface HttpResponse<T> {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON, the text otherwise (undefined when empty). */
  body: T;
  /** The body exactly as received (for vendors whose JSON numbers must be read without a binary float, e.g. Pax8 prices). */
  text?: string;
  correlationId?: string;
}

/** Told to `onRetry` before each retry (the error already redacted). */
export interface HttpRetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  retriesLeft: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  error: CspSeatsError;
}

/** The options every vendor backend (CloudBlue, Pax8, Partner Center) takes; each documents its own defaults. */
export interface VendorPortalOptions {
  readonly clock?: Clock;
  /** Waits between HTTP retries (and polls, rate-limit slots); injectable so tests never sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  /** One line per notable event, with the vendor's correlation ids; never secrets. */
  readonly log?: (line: string) => void;
  /** HTTP retries of safe requests. */
  readonly retries?: number;
}

/** How a client connects, authenticates, retries and maps errors. */
export interface HttpClientOptions {
  /** Origin plus an optional path prefix, e.g. `http://127.0.0.1:8080` or `https://api.example.com/simpleapi/1.15`. */
  baseUrl: string;
  /** Extra headers (e.g. auth); called before every attempt so a refreshed token is picked up. */
  headers?: () => Promise<Record<string, string>> | Record<string, string>;
  /** Values to redact from every error and log text. */
  secrets?: () => string[];
  /** undici Pool size: at most this many requests in flight, the rest queue. Default 8. */
  connections?: number;
  /** Headers and body timeouts per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Backoff base. Default 200 ms. */
  minRetryDelayMs?: number;
  /** Backoff ceiling. Default 10 s. */
  maxRetryDelayMs?: number;
  /** The longest Retry-After the client will wait; longer values are capped. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Header carrying the correlation id (sent with every request, read from every response). Default `x-correlation-id`. */
  correlationHeader?: string;
  /** Vendor-specific error mapping of a non-2xx response; undefined falls back to the generic HTTP_* codes. */
  mapError?: (response: HttpResponse<unknown>) => CspSeatsError | undefined;
  /** Told about each retry before the client waits (for logs and tests). */
  onRetry?: (info: HttpRetryInfo) => void;
  /** Called once on a 401 (e.g. to refresh a token); return true to retry the request once. */
  onUnauthorized?: () => Promise<boolean>;
  /** How to wait between attempts; injectable so tests run without real delays. Default: node:timers/promises. */
  sleep?: (ms: number) => Promise<void>;
  /** Stops retrying (and waiting) for every request of this client. */
  signal?: AbortSignal;
}

/** One request. */
export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, e.g. `/v1/orders`. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether repeating the request is harmless. Default: GET yes; POST only with an Idempotency-Key header; others no. */
  retrySafe?: boolean;
  /** Sent as application/x-www-form-urlencoded (OAuth token endpoints); excludes `body`. */
  form?: Record<string, string>;
}

const DEFAULTS = {
  connections: 8,
  timeoutMs: 30_000,
  retries: 4,
  minRetryDelayMs: 200,
  maxRetryDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  correlationHeader: "x-correlation-id",
};

const REDACTED = "[redacted]";

export { isTransientHttpError };

/**
 * Whether the server may have acted on a request whose reply was lost: the connection broke or timed out after
 * the request was sent, or the server failed with a 5xx. A 429 or 503 means the server refused it.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  if (!isCspSeatsError(error)) return false;
  if (error.code === "HTTP_TIMEOUT" || error.code === "HTTP_CONNECTION") return true;
  return error.status !== undefined && error.status >= 500 && error.status !== 503;
}

function validateOptions(options: HttpClientOptions): void {
  if (typeof options?.baseUrl !== "string") throw new TypeError("Expected `baseUrl` to be a string");
  const url = new URL(options.baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`Expected \`baseUrl\` to be http(s), got ${url.protocol}`);
  for (const key of ["connections", "timeoutMs", "retries", "minRetryDelayMs", "maxRetryDelayMs", "maxRetryAfterMs"] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new TypeError(`Expected \`${key}\` to be a non-negative number, got ${value}`);
  }
  if (options.connections !== undefined && options.connections < 1) throw new TypeError("Expected `connections` to be at least 1");
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === name);
}

const STATUS_CODES: Record<number, [ErrorCode, string, string]> = {
  400: ["HTTP_BAD_REQUEST", "the server refused the request as malformed", "Check the request data; this is likely a bug in csp-seats if it persists."],
  401: ["HTTP_UNAUTHORIZED", "the server refused the credentials", "Check the token or credentials configured for this backend."],
  403: ["HTTP_FORBIDDEN", "the server refused access to this resource", "Check that the account has permission for this operation."],
  404: ["HTTP_NOT_FOUND", "the server has no such resource", "Check the id and the endpoint URL."],
  409: ["HTTP_CONFLICT", "the server reported a conflicting change in progress", "Wait for the other change to finish, then retry."],
  412: ["HTTP_PRECONDITION_FAILED", "the resource changed since it was read", "Read it again (run the plan again) and retry."],
  422: ["HTTP_UNPROCESSABLE", "the server refused the request data", "Check the values sent; the server's message says which one."],
  429: ["HTTP_THROTTLED", "the server is throttling requests", "Wait a minute and retry, or lower the concurrency."],
};

/** The generic error for a non-2xx response. */
function mapStatusError(response: HttpResponse<unknown>, method: string, path: string): CspSeatsError {
  const known = STATUS_CODES[response.status];
  const [code, summary, fix]: [ErrorCode, string, string] =
    known ??
    (response.status >= 500
      ? ["HTTP_SERVER_ERROR", "the server failed to handle the request", "Retry later; if it persists, contact the portal's support with the correlation id."]
      : ["HTTP_CLIENT_ERROR", "the server refused the request", "Check the request; the server's message says why."]);
  return new CspSeatsError(code, `${method} ${path}: ${summary} (HTTP ${response.status})`, fix, {
    status: response.status,
    ...(response.correlationId ? { correlationId: response.correlationId } : {}),
  });
}

/** Maps an undici/network failure to HTTP_TIMEOUT or HTTP_CONNECTION. */
function mapNetworkError(error: unknown, method: string, path: string, origin: string, correlationId: string): CspSeatsError {
  const code = (error as { code?: unknown })?.code;
  const detail = typeof code === "string" ? code : error instanceof Error ? error.name : "unknown";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
    return new CspSeatsError("HTTP_TIMEOUT", `${method} ${path}: ${origin} did not answer in time (${detail})`, "Check that the portal is up and reachable; raise the timeout if it is just slow.", { correlationId, details: { cause: detail } });
  }
  return new CspSeatsError("HTTP_CONNECTION", `${method} ${path}: the connection to ${origin} failed (${detail})`, "Check the endpoint URL and that the portal is running and reachable.", { correlationId, details: { cause: detail } });
}

/** A copy of `error` with extra details (and optionally a suffix on the summary). */
function withDetails(error: CspSeatsError, details: Record<string, unknown>, suffix = ""): CspSeatsError {
  return new CspSeatsError(error.code, `${error.summary}${suffix}`, error.fix, {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.correlationId ? { correlationId: error.correlationId } : {}),
    details: { ...(error.details ?? {}), ...details },
  });
}

/** Builds a copy of `error` with every secret replaced; the stack is rebuilt from the clean message. */
function redactError(error: CspSeatsError, secrets: string[]): CspSeatsError {
  const live = secrets.filter((secret) => typeof secret === "string" && secret.length > 0);
  const clean = (text: string): string => live.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const details = error.details ? (JSON.parse(clean(JSON.stringify(error.details))) as Record<string, unknown>) : undefined;
  const copy = new CspSeatsError(error.code, clean(error.summary), clean(error.fix), {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.correlationId !== undefined ? { correlationId: clean(error.correlationId) } : {}),
    ...(details ? { details } : {}),
  });
  if (copy.stack) copy.stack = clean(copy.stack);
  return copy;
}

/**
 * The client. One instance per base URL; `close()` releases its sockets.
 *
 * Retry policy: a request is repeated only when `retrySafe` (GET, or POST carrying an Idempotency-Key, or the
 * caller says so) and the failure is transient (connection/timeout/429/5xx). A 401 triggers `onUnauthorized` once.
 */
export class HttpClient {
  private readonly options: HttpClientOptions;
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly prefix: string;

  constructor(options: HttpClientOptions) {
    validateOptions(options);
    this.options = options;
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, "");
    const timeout = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? DEFAULTS.connections,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      keepAliveTimeout: 10_000,
    });
  }

  /** Sends `req`, retrying where safe; resolves with a 2xx response or rejects with a CspSeatsError. */
  async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    try {
      return await this.send<T>(req);
    } catch (error) {
      const failure = isCspSeatsError(error)
        ? (error as CspSeatsError)
        : new CspSeatsError("HTTP_INTERNAL", `${req.method} ${req.path}: the request could not be sent (${error instanceof Error ? error.message : String(error)})`, "This is a bug in csp-seats; please report it.");
      throw redactError(failure, this.secrets());
    }
  }

  /** Closes the pool's sockets once in-flight requests finish. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private secrets(): string[] {
    try {
      return this.options.secrets?.() ?? [];
    } catch {
      return [];
    }
  }

  private isRetrySafe(req: HttpRequest): boolean {
    if (req.retrySafe !== undefined) return req.retrySafe;
    if (req.method === "GET") return true;
    return req.method === "POST" && hasHeader(req.headers, "idempotency-key");
  }

  private buildPath(req: HttpRequest): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) search.append(key, value);
    const query = search.toString();
    return `${this.prefix}${req.path.startsWith("/") ? "" : "/"}${req.path}${query ? `?${query}` : ""}`;
  }

  /**
   * The wait before retrying after failed attempt number `attempt` (from 1): exponential backoff with full
   * jitter, but never less than the server's Retry-After (capped at maxRetryAfterMs).
   */
  getRetryDelay(attempt: number, retryAfterMs?: number): number {
    return getHttpRetryDelay(this.retrySettings(), attempt, retryAfterMs);
  }

  /**
   * Runs a caller's own recovery loop (look up, then resend) under this client's retry policy: the same backoff,
   * Retry-After, sleep, signal and onRetry, with the caller's `shouldRetry`.
   */
  async retry<T>(run: (attempt: number) => Promise<T>, policy: { retries: number; shouldRetry: (error: unknown, attempt: number) => boolean; onRetry?: (info: RetryInfo) => void }): Promise<T> {
    const base = createHttpRetryPolicy(this.retrySettings(), true);
    return retry(run, { ...base, retries: policy.retries, shouldRetry: policy.shouldRetry, ...(policy.onRetry ? { onRetry: policy.onRetry } : {}) });
  }

  private retrySettings(): Parameters<typeof createHttpRetryPolicy>[0] {
    const options = this.options;
    return {
      retries: options.retries ?? DEFAULTS.retries,
      minRetryDelayMs: options.minRetryDelayMs ?? DEFAULTS.minRetryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  private async send<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const path = this.buildPath(req);
    const correlationHeader = (this.options.correlationHeader ?? DEFAULTS.correlationHeader).toLowerCase();
    let unauthorizedRetried = false;
    let attempts = 0;
    const policy: RetryOptions = {
      ...createHttpRetryPolicy(this.retrySettings(), this.isRetrySafe(req)),
      ...(this.options.onRetry
        ? { onRetry: (info: RetryInfo) => this.options.onRetry!({ attempt: info.attempt, retriesLeft: info.retriesLeft, delayMs: info.delayMs, error: redactError(info.error as CspSeatsError, this.secrets()) }) }
        : {}),
    };
    const once = async (): Promise<HttpResponse<T>> => {
      attempts += 1;
      const correlationId = randomUUID();
      let response: HttpResponse<T>;
      try {
        response = await this.attempt<T>(req, path, correlationHeader, correlationId);
      } catch (error) {
        throw isCspSeatsError(error) ? error : mapNetworkError(error, req.method, req.path, this.origin, correlationId);
      }
      if (response.status >= 200 && response.status < 300) return response;
      // A refreshed token is not a retry: the request is sent again at once and does not count as an attempt.
      if (response.status === 401 && !unauthorizedRetried && this.options.onUnauthorized) {
        unauthorizedRetried = true;
        if (await this.options.onUnauthorized()) {
          attempts -= 1;
          return once();
        }
      }
      const retryAfterMs = parseRetryAfter(response.headers["retry-after"], Date.now());
      const failure = this.options.mapError?.(response as HttpResponse<unknown>) ?? mapStatusError(response as HttpResponse<unknown>, req.method, req.path);
      throw retryAfterMs !== undefined ? withDetails(failure, { retryAfterMs }) : failure;
    };
    try {
      return await retry(once, policy);
    } catch (error) {
      if (attempts > 1 && isCspSeatsError(error)) throw withDetails(error, { attempts }, ` (after ${attempts} attempts)`);
      throw error;
    }
  }

  private async attempt<T>(req: HttpRequest, path: string, correlationHeader: string, correlationId: string): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: "application/json", [correlationHeader]: correlationId };
    let body: string | undefined;
    if (req.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(req.form).toString();
    } else if (req.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(req.body);
    }
    Object.assign(headers, await this.options.headers?.(), req.headers);
    const timeout = this.options.timeoutMs ?? DEFAULTS.timeoutMs;
    const response = await this.pool.request({ method: req.method, path, headers, body, headersTimeout: timeout, bodyTimeout: timeout });
    const text = await response.body.text();
    const responseHeaders = flattenHeaders(response.headers);
    let parsed: unknown = text === "" ? undefined : text;
    if (text !== "" && /json/i.test(responseHeaders["content-type"] ?? "")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.statusCode < 300) {
          throw new CspSeatsError("HTTP_BAD_RESPONSE", `${req.method} ${req.path}: the server sent malformed JSON`, "Check that the endpoint points at the right API.", { status: response.statusCode, correlationId: responseHeaders[correlationHeader] ?? correlationId });
        }
      }
    }
    return {
      status: response.statusCode,
      headers: responseHeaders,
      body: parsed as T,
      text,
      correlationId: responseHeaders[correlationHeader] ?? correlationId,
    };
  }
}
