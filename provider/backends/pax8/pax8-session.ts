/**
 * The Pax8 session: OAuth 2.0 client credentials (`POST /v1/token` with client_id, client_secret, audience,
 * grant_type; authentication-openapi.json), the token cached until shortly before `expires_in` and refreshed once
 * on a 401, the partner-endpoint client, and Pax8's error envelope (`{type, message, instance, status, details}`,
 * NOTES.md section 4) as csp-seats errors. Bodies are read with the lossless reader so prices keep their digits.
 * The client id and secret and the token are redacted from every error the clients produce.
 */
import type { Clock } from "../../core/clock";
import { CspSeatsError } from "../../core/errors";
import { HttpClient, type HttpRequest, type HttpResponse, type HttpRetryInfo } from "../shared/http-client";
import type { Pax8Config } from "./config";
import { parseJsonKeepingDecimals } from "./lossless-json";
import { PAX8_DECIMAL_FIELDS } from "./pax8-types";

/** Refresh the token this long before Pax8 says it expires (tokens live a day). */
export const PAX8_TOKEN_MARGIN_MS = 5 * 60_000;

/** What the session needs beyond the config. */
export interface Pax8SessionOptions {
  readonly clock: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retries?: number;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  readonly log: (line: string) => void;
  /** undici connections per origin: at most this many requests in flight. Default 4 (Pax8 allows ~1000/min). */
  readonly connections?: number;
}

function readVendorMessage(body: unknown): { message?: string; type?: string } {
  if (typeof body === "string") return body.trim() ? { message: body.trim().slice(0, 500) } : {};
  if (!body || typeof body !== "object") return {};
  const record = body as Record<string, unknown>;
  const details = Array.isArray(record.details) ? (record.details as Record<string, unknown>[]).map((d) => d?.message).filter((m): m is string => typeof m === "string" && m !== "") : [];
  const message = [record.message, record.error_description].find((v) => typeof v === "string" && v.trim() !== "") as string | undefined;
  const type = [record.type, record.error].find((v) => typeof v === "string") as string | undefined;
  const all = [message, ...details].filter(Boolean).join("; ");
  return { ...(all ? { message: all.slice(0, 500) } : {}), ...(type ? { type } : {}) };
}

/** Maps a Pax8 error response (the envelope of NOTES.md section 4, or the token endpoint's `{error, error_description}`). */
export function mapPax8Error(response: HttpResponse<unknown>): CspSeatsError {
  const vendor = readVendorMessage(response.body);
  const said = vendor.message ? `: ${vendor.message}` : "";
  const extra = {
    status: response.status,
    ...(response.correlationId ? { correlationId: response.correlationId } : {}),
    details: { ...(vendor.message ? { vendorMessage: vendor.message } : {}), ...(vendor.type ? { vendorType: vendor.type } : {}) },
  };
  const status = response.status;
  if (status === 401) return new CspSeatsError("PORTAL_UNAUTHORIZED", `Pax8 refused the API credentials${said}`, "Check csp-seats:clientId and clientSecret (Pax8 > Integrations > API credentials) and csp-seats:audience.", extra);
  if (status === 403) return new CspSeatsError("PAX8_FORBIDDEN", `Pax8 denied the request${said}`, "Check that the API credentials belong to the partner that owns this company (csp-seats:companyId).", extra);
  if (status === 404) return new CspSeatsError("PAX8_NOT_FOUND", `Pax8 has no such resource${said}`, "Check the id.", extra);
  if (status === 422) return new CspSeatsError("PAX8_REFUSED", `Pax8 refused the change${said}`, "Read Pax8's message: an NCE decrease is only possible within 7 days of adding or renewing seats; plan again.", extra);
  if (status === 429) return new CspSeatsError("PORTAL_THROTTLED", `Pax8 is throttling requests${said}`, "Wait a minute and run again, or lower the concurrency.", extra);
  if (status === 503) return new CspSeatsError("PORTAL_UNAVAILABLE", `Pax8 is unavailable${said}`, "Retry later.", extra);
  if (status >= 500) return new CspSeatsError("PORTAL_INTERNAL", `Pax8 failed to handle the request (HTTP ${status})${said}`, "Retry later; if it persists, give Pax8 support the request's time and path.", extra);
  return new CspSeatsError("PORTAL_BAD_REQUEST", `Pax8 refused the request (HTTP ${status})${said}`, "Fix what Pax8's message names, then run again.", extra);
}

/** The body of a 2xx reply, JSON read losslessly (prices as decimal text); PAX8_BAD_RESPONSE when it is not JSON. */
export function readPax8Body<T>(response: HttpResponse<unknown>, what: string): T {
  const text = response.text ?? "";
  if (text.trim() === "") return undefined as T;
  try {
    return parseJsonKeepingDecimals(text, PAX8_DECIMAL_FIELDS) as T;
  } catch (error) {
    throw new CspSeatsError("PAX8_BAD_RESPONSE", `Pax8 ${what} answered with malformed JSON (${error instanceof Error ? error.message : String(error)})`, "Check csp-seats:endpoint points at Pax8's partner API (https://api.pax8.com/v1).", {
      status: response.status,
      ...(response.correlationId ? { correlationId: response.correlationId } : {}),
    });
  }
}

/** The authenticated partner-endpoint client: `request` sends with a valid bearer token and reads the body losslessly. */
export class Pax8Session {
  private readonly api: HttpClient;
  private readonly auth: HttpClient;
  private readonly config: Pax8Config;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly tokenPath: string;
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;

  constructor(config: Pax8Config, options: Pax8SessionOptions) {
    this.config = config;
    this.clock = options.clock;
    this.log = options.log;
    const tokenUrl = new URL(config.tokenUrl);
    this.tokenPath = tokenUrl.pathname;
    const common = {
      secrets: () => [config.clientSecret, config.clientId, ...(this.token ? [this.token.value] : [])],
      mapError: mapPax8Error,
      connections: options.connections ?? 4,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.auth = new HttpClient({ ...common, baseUrl: tokenUrl.origin });
    this.api = new HttpClient({
      ...common,
      baseUrl: config.endpoint,
      headers: async () => ({ authorization: `Bearer ${await this.getToken()}` }),
      onUnauthorized: async () => {
        this.token = undefined;
        this.log("pax8: token refused (401); requesting a new one");
        return true;
      },
    });
  }

  /** Sends `req` to the partner endpoints; resolves with the body (lossless) and the raw response. */
  async request<T>(req: HttpRequest, what = `${req.method} ${req.path}`): Promise<{ body: T; response: HttpResponse<unknown> }> {
    const response = await this.api.request<unknown>(req);
    return { body: readPax8Body<T>(response, what), response };
  }

  /** The client's retry loop (same backoff, sleep and onRetry), for the change's own recovery. */
  retry<T>(run: (attempt: number) => Promise<T>, policy: { retries: number; shouldRetry: (error: unknown, attempt: number) => boolean }): Promise<T> {
    return this.api.retry(run, policy);
  }

  async close(): Promise<void> {
    await Promise.all([this.api.close(), this.auth.close()]);
  }

  private async getToken(): Promise<string> {
    if (this.token && this.clock.now().getTime() < this.token.expiresAt) return this.token.value;
    this.tokenRequest ??= (async () => {
      try {
        const response = await this.auth.request<unknown>({
          method: "POST",
          path: this.tokenPath,
          body: { client_id: this.config.clientId, client_secret: this.config.clientSecret, audience: this.config.audience, grant_type: "client_credentials" },
          retrySafe: true,
        });
        const body = readPax8Body<{ access_token?: unknown; expires_in?: unknown }>(response, "POST /token");
        const token = body?.access_token;
        const seconds = Number(body?.expires_in);
        if (typeof token !== "string" || token === "" || !Number.isFinite(seconds) || seconds <= 0) {
          throw new CspSeatsError("PAX8_BAD_RESPONSE", "Pax8 POST /token answered without an access token", "Check csp-seats:tokenUrl (default https://api.pax8.com/v1/token).", { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
        }
        this.token = { value: token, expiresAt: this.clock.now().getTime() + Math.max(0, seconds * 1000 - PAX8_TOKEN_MARGIN_MS) };
        this.log(`pax8: token issued, valid ${Math.round(seconds / 60)} min`);
        return token;
      } finally {
        this.tokenRequest = undefined;
      }
    })();
    return this.tokenRequest;
  }
}
