/**
 * The Partner Center session: the access token (secure application model), the headers every call carries, the
 * client-side rate limit and Partner Center's error bodies as csp-seats errors.
 *
 * Auth: app + user exchanges the configured refresh token at the token endpoint (`grant_type=refresh_token`,
 * scope `https://api.partnercenter.microsoft.com/.default`); without a refresh token the app authenticates alone
 * (`client_credentials`), which subscriptions allow and subscribedskus does not. The token is cached until shortly
 * before `expires_in` (in memory, shared by the process's sessions with the same credentials) and refreshed once on
 * a 401. A rotated refresh token is kept in memory for this process only.
 *
 * Headers (NOTES.md §2): `MS-CorrelationId` new on every attempt (the HTTP client's correlation header),
 * `MS-RequestId` new per logical operation and the SAME on each retry of it (Partner Center's idempotency; the
 * caller may pass one derived from the plan), `MS-Contract-Version: v1`, `Accept: application/json`, the bearer.
 * Every secret (client secret, refresh tokens, access token) is redacted from every error the clients produce.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock";
import { CspSeatsError, type ErrorCode } from "../../core/errors";
import { HttpClient, type HttpMethod, type HttpResponse, type HttpRetryInfo } from "../shared/http-client";
import type { PartnerCenterConfig } from "./config";
import type { PcApiFault } from "./pc-types";
import type { TokenBucket } from "./rate-limiter";

/** Refresh the access token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;
/** The Partner Center API's token audience. */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";

/**
 * Access tokens by credentials, for the whole process: the Pulumi plugin opens a portal per call, and a token
 * exchange per call would multiply the sign-ins by the number of resources. In memory only, never persisted.
 */
const sharedTokens = new Map<string, { value: string; expiresAt: number; refreshToken?: string }>();

/** What the session needs beyond the config. */
export interface PartnerCenterSessionOptions {
  readonly clock: Clock;
  readonly bucket: TokenBucket;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retries?: number;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  /** Per-attempt timeout. Default 30 s. */
  readonly timeoutMs?: number;
}

/** One call to the REST API. */
export interface PcCall {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  /** The logical operation's id; a new one when absent. Retries of this call reuse it. */
  readonly requestId?: string;
  /** Sent as `If-Match: "<etag>"` (quoted, as the docs ask). */
  readonly etag?: string;
  /** Whether repeating is harmless: GETs, and PATCHes carrying their MS-RequestId. */
  readonly retrySafe?: boolean;
}

/** The error codes Partner Center's `code` maps to, and what to do. */
const VENDOR_CODES: Record<string, [ErrorCode, string]> = {
  "800090": ["PORTAL_DECREASE_OUTSIDE_WINDOW", "Schedule the decrease for renewal (downgradePolicy at-renewal) or remove only the seats still inside their 168-hour window."],
  "900213": ["PORTAL_DECREASE_OUTSIDE_WINDOW", "The cancellation window has passed; schedule the change for renewal."],
  "900214": ["PORTAL_DECREASE_OUTSIDE_WINDOW", "The window for reducing seats has passed; schedule the decrease for renewal."],
  "900257": ["PORTAL_DECREASE_OUTSIDE_WINDOW", "The window for reducing seats has passed; schedule the decrease for renewal."],
  "2055": ["PORTAL_STALE_REVISION", "Run the plan again (pulumi refresh, then preview) and apply the new plan."],
  "2002": ["PORTAL_QUANTITY_OUT_OF_RANGE", "Choose a quantity within the offer's minimum and maximum."],
  "800067": ["PORTAL_QUANTITY_OUT_OF_RANGE", "Stay below the offer's maximum seats per subscription, or buy a second subscription."],
  "2001": ["PORTAL_INELIGIBLE", "Wait until the subscription is no longer being suspended."],
  "800091": ["PORTAL_INELIGIBLE", "Reactivate the subscription in Partner Center first."],
  "900278": ["PORTAL_ORDER_IN_PROGRESS", "Partner Center asks to wait 24 hours; nothing was changed. Run again tomorrow."],
  "900280": ["PORTAL_ORDER_IN_PROGRESS", "Updates are currently not allowed; run again later."],
  "800060": ["PORTAL_ORDER_IN_PROGRESS", "An order is in progress; run again in a few minutes."],
  "800014": ["PORTAL_ORDER_IN_PROGRESS", "An adjustment is pending; run again in a few minutes."],
  "800082": ["PORTAL_ORDER_IN_PROGRESS", "The subscription is not ready to be updated; run again later."],
  "900311": ["PARTNER_CENTER_UPDATE_LIMIT", "The subscription has had too many updates (about 1,200); contact Partner Center support."],
  "900279": ["PARTNER_CENTER_UPDATE_LIMIT", "Partner Center no longer allows updates of this subscription; contact Partner Center support."],
  "20003": ["PORTAL_SUBSCRIPTION_NOT_FOUND", "Check the subscription id and csp-seats:customerId."],
  "900421": ["PARTNER_CENTER_MFA_REQUIRED", "Create the refresh token with a user sign-in that passed MFA (the secure application model's consent flow), then set csp-seats:refreshToken again."],
};

/** Partner Center's ApiFault (or a 429's `{statusCode, message}`, or plain text): its code and message. */
export function readPcFault(body: unknown): { code?: string; message?: string; source?: string } {
  if (typeof body === "string") return body.trim() ? { message: body.trim().slice(0, 500) } : {};
  if (!body || typeof body !== "object") return {};
  const fault = body as Partial<PcApiFault> & { message?: unknown };
  const message = [fault.description, fault.message].find((v) => typeof v === "string" && v.trim() !== "") as string | undefined;
  const code = typeof fault.code === "string" || typeof fault.code === "number" ? String(fault.code) : undefined;
  return { ...(code ? { code } : {}), ...(message ? { message: message.trim().slice(0, 1024) } : {}), ...(typeof fault.source === "string" ? { source: fault.source } : {}) };
}

/** Maps a non-2xx Partner Center response onto csp-seats codes, keeping the vendor's code and message. */
export function mapPartnerCenterError(response: HttpResponse<unknown>): CspSeatsError {
  const fault = readPcFault(response.body);
  const said = `${fault.code ? ` (Partner Center ${fault.code})` : ""}${fault.message ? `: ${fault.message}` : ""}`;
  const retryAfter = response.headers["retry-after"];
  const extra = {
    status: response.status,
    ...(response.correlationId ? { correlationId: response.correlationId } : {}),
    details: {
      ...(fault.code ? { vendorCode: fault.code } : {}),
      ...(fault.message ? { vendorMessage: fault.message } : {}),
      ...(fault.source ? { vendorSource: fault.source } : {}),
      ...(response.headers["ms-requestid"] ? { requestId: response.headers["ms-requestid"] } : {}),
      ...(retryAfter && /^\d+$/.test(retryAfter.trim()) ? { retryAfterMs: Number(retryAfter.trim()) * 1000 } : {}),
    },
  };
  const known = fault.code ? VENDOR_CODES[fault.code] : undefined;
  if (known) return new CspSeatsError(known[0], `Partner Center refused the request${said}`, known[1], extra);
  const status = response.status;
  if (status === 401) return new CspSeatsError("PORTAL_UNAUTHORIZED", `Partner Center refused the access token${said}`, "Check csp-seats:clientId, clientSecret and refreshToken (the app must be consented in the partner tenant).", extra);
  if (status === 403) return new CspSeatsError("PORTAL_INELIGIBLE", `Partner Center denied the request${said}`, "Check the app's and the user's GDAP roles for this customer.", extra);
  if (status === 404) return new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `Partner Center has no such resource${said}`, "Check the subscription id and csp-seats:customerId.", extra);
  if (status === 409) return new CspSeatsError("PORTAL_ORDER_IN_PROGRESS", `Partner Center reports a conflicting operation${said}`, "Partner Center asks to resubmit after about two minutes (e.g. during renewal); run again.", extra);
  if (status === 412) return new CspSeatsError("PORTAL_STALE_REVISION", `Partner Center says the subscription changed${said}`, "Run the plan again and apply the new plan.", extra);
  if (status === 429) return new CspSeatsError("PORTAL_THROTTLED", `Partner Center is throttling requests${said}`, "Run fewer tenants at once or lower csp-seats:requestsPerMinute, and run again.", extra);
  if (status === 503) return new CspSeatsError("PORTAL_UNAVAILABLE", `Partner Center is unavailable${said}`, "Retry later.", extra);
  if (status >= 500) return new CspSeatsError("PORTAL_INTERNAL", `Partner Center failed to handle the request (HTTP ${status})${said}`, "Retry later; if it persists, give Partner Center support the MS-CorrelationId.", extra);
  return new CspSeatsError("PORTAL_BAD_REQUEST", `Partner Center refused the request (HTTP ${status})${said}`, "Fix what Partner Center's message names, then run again.", extra);
}

/** The token endpoint's `{error, error_description}` as PARTNER_CENTER_MFA_REQUIRED or PARTNER_CENTER_TOKEN. */
export function mapTokenError(response: HttpResponse<unknown>, appOnly: boolean): CspSeatsError {
  const body = (response.body && typeof response.body === "object" ? response.body : {}) as { error?: unknown; error_description?: unknown };
  const error = typeof body.error === "string" ? body.error : undefined;
  const description = typeof body.error_description === "string" ? body.error_description.split(/\r?\n/)[0]!.slice(0, 300) : undefined;
  const said = [error, description].filter(Boolean).join(": ");
  const extra = { status: response.status, details: { ...(error ? { vendorCode: error } : {}), ...(description ? { vendorMessage: description } : {}) } };
  if (/AADSTS(50076|50079|50074|50158)/.test(description ?? "")) {
    return new CspSeatsError("PARTNER_CENTER_MFA_REQUIRED", `the token endpoint requires multi-factor authentication${said ? ` (${said})` : ""}`, "Create the refresh token again with a user sign-in that passed MFA (secure application model), then set csp-seats:refreshToken.", extra);
  }
  const fix = appOnly
    ? "Check csp-seats:tenantId, clientId and clientSecret (and that the secret has not expired)."
    : "Check csp-seats:tenantId, clientId, clientSecret and refreshToken: a refresh token expires after 90 days unused, or when revoked; create a new one with the consent flow.";
  return new CspSeatsError("PARTNER_CENTER_TOKEN", `the token endpoint refused the ${appOnly ? "app's credentials" : "refresh token"}${said ? ` (${said})` : ""}`, fix, extra);
}

/** The authenticated, rate-limited Partner Center client. */
export class PartnerCenterSession {
  /** True when no refresh token is configured (client credentials only). */
  readonly appOnly: boolean;
  private readonly api: HttpClient;
  private readonly auth: HttpClient;
  private readonly tokenPath: string;
  private readonly config: PartnerCenterConfig;
  private readonly options: PartnerCenterSessionOptions;
  private refreshToken: string | undefined;
  private readonly tokenKey: string;
  private tokenRequest: Promise<string> | undefined;
  /** How many access tokens this session obtained (for logs and tests). */
  tokensIssued = 0;

  constructor(config: PartnerCenterConfig, options: PartnerCenterSessionOptions) {
    this.config = config;
    this.options = options;
    this.refreshToken = config.refreshToken;
    this.appOnly = config.refreshToken === undefined;
    this.tokenKey = createHash("sha256").update(JSON.stringify([config.tokenEndpoint, config.clientId, config.clientSecret, config.refreshToken ?? null])).digest("hex");
    this.refreshToken = sharedTokens.get(this.tokenKey)?.refreshToken ?? config.refreshToken;
    const tokenUrl = new URL(config.tokenEndpoint);
    this.tokenPath = `${tokenUrl.pathname}${tokenUrl.search}`;
    const common = {
      secrets: () => [config.clientSecret, ...(config.refreshToken ? [config.refreshToken] : []), ...(this.refreshToken ? [this.refreshToken] : []), ...(this.token ? [this.token.value] : [])],
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    this.auth = new HttpClient({ ...common, baseUrl: tokenUrl.origin, mapError: (response) => mapTokenError(response, this.appOnly) });
    this.api = new HttpClient({
      ...common,
      baseUrl: config.endpoint,
      correlationHeader: "ms-correlationid",
      mapError: mapPartnerCenterError,
      // Called before every attempt, retries included: the one place each request can wait for its slot.
      headers: async () => {
        await options.bucket.take(`Partner Center customer ${config.customerId}`);
        return { authorization: `Bearer ${await this.getToken()}` };
      },
      onUnauthorized: async () => {
        sharedTokens.delete(this.tokenKey);
        options.log("partner-center: access token refused (401); requesting a new one");
        return true;
      },
    });
  }

  /** Sends one call with Partner Center's headers; resolves with a 2xx response. */
  async call<T>(call: PcCall): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = {
      "ms-requestid": call.requestId ?? randomUUID(),
      "ms-contract-version": "v1",
      "ms-partnercenter-application": "csp-seats",
      ...(call.etag !== undefined ? { "if-match": /^".*"$/.test(call.etag) ? call.etag : `"${call.etag}"` } : {}),
    };
    return this.api.request<T>({
      method: call.method,
      path: call.path,
      headers,
      ...(call.query ? { query: call.query } : {}),
      ...(call.body !== undefined ? { body: call.body } : {}),
      retrySafe: call.retrySafe ?? call.method === "GET",
    });
  }

  /** Closes both clients' sockets. */
  async close(): Promise<void> {
    await Promise.all([this.api.close(), this.auth.close()]);
  }

  private get token(): { value: string; expiresAt: number } | undefined {
    return sharedTokens.get(this.tokenKey);
  }

  private async getToken(): Promise<string> {
    // Tokens expire in real time, whatever time the plan is pinned at.
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    this.tokenRequest ??= (async () => {
      try {
        const form: Record<string, string> = this.refreshToken
          ? { grant_type: "refresh_token", client_id: this.config.clientId, client_secret: this.config.clientSecret, refresh_token: this.refreshToken, scope: PARTNER_CENTER_SCOPE }
          : { grant_type: "client_credentials", client_id: this.config.clientId, client_secret: this.config.clientSecret, scope: PARTNER_CENTER_SCOPE };
        const response = await this.auth.request<{ access_token?: unknown; expires_in?: unknown; refresh_token?: unknown }>({ method: "POST", path: this.tokenPath, form, retrySafe: true });
        const token = response.body?.access_token;
        const seconds = Number(response.body?.expires_in);
        if (typeof token !== "string" || token === "" || !Number.isFinite(seconds)) {
          throw new CspSeatsError("PARTNER_CENTER_BAD_RESPONSE", "the token endpoint answered without an access token", "Check csp-seats:tokenEndpoint points at the Entra ID v2.0 token endpoint.", { status: response.status });
        }
        if (typeof response.body.refresh_token === "string" && response.body.refresh_token !== "") this.refreshToken = response.body.refresh_token;
        sharedTokens.set(this.tokenKey, { value: token, expiresAt: Date.now() + Math.max(0, seconds * 1000 - TOKEN_MARGIN_MS), ...(this.refreshToken ? { refreshToken: this.refreshToken } : {}) });
        this.tokensIssued += 1;
        return token;
      } finally {
        this.tokenRequest = undefined;
      }
    })();
    return this.tokenRequest;
  }
}
