/**
 * The CloudBlue SimpleAPI session: the two HTTP clients (Basic auth for `POST /token`, bearer for the rest),
 * the token cache, and the vendor's error responses as csp-seats errors.
 *
 * Auth: `POST /token` (Basic username:password + marketplace) -> bearer, cached until shortly before
 * `expiresInSeconds`, refreshed once on a 401. `X-Subscription-Key` goes on every call. Every secret (password,
 * subscription key, the Basic value, the token) is redacted from every error the clients produce.
 *
 * One command opens a portal per call (app/portal-session.ts), always over the same CloudBlueConfig object: the
 * portals opened over it share one limiter (at most `concurrency` SimpleAPI requests in flight across every
 * concurrent check), one token and one catalog cache (getCloudBlueShared), so N checks cost N subscription reads,
 * not N tokens and N catalog reads, and never more requests at once than the gateway is asked to bear.
 */
import type { Clock } from "../../core/clock";
import { CspSeatsError } from "../../core/errors";
import { DEFAULT_CLOUDBLUE_CONCURRENCY, type CloudBlueConfig } from "./config";
import { createLimiter, type Limiter } from "../shared/concurrency";
import { HttpClient, type HttpResponse, type HttpRetryInfo } from "../shared/http-client";
import type { ProductLimits } from "./map-subscription";
import type { CbTokenInfo } from "./simpleapi-types";

/** The SimpleAPI calls the reads and orders make: every request through the shared limiter. */
export type SimpleApi = Pick<HttpClient, "request" | "retry">;

/** What every portal opened over one CloudBlueConfig object shares (see the file comment). */
export interface CloudBlueShared {
  readonly limiter: Limiter;
  token: { value: string; expiresAt: number } | undefined;
  tokenRequest: Promise<string> | undefined;
  /** Catalog limits per mpn (`GET /products?mpn=`): the catalog does not change during a command. */
  readonly limits: Map<string, Promise<ProductLimits>>;
}

const sharedByConfig = new WeakMap<CloudBlueConfig, CloudBlueShared>();

/** The state shared by the portals opened over `config` (created by the first). */
export function getCloudBlueShared(config: CloudBlueConfig): CloudBlueShared {
  let shared = sharedByConfig.get(config);
  if (!shared) {
    shared = { limiter: createLimiter(config.concurrency ?? DEFAULT_CLOUDBLUE_CONCURRENCY), token: undefined, tokenRequest: undefined, limits: new Map() };
    sharedByConfig.set(config, shared);
  }
  return shared;
}

/** Refresh the SimpleAPI token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

/** What the session needs beyond the config. */
export interface CloudBlueSessionOptions {
  readonly clock: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retries?: number;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  readonly log: (line: string) => void;
}

function readVendorMessage(body: unknown): { message?: string; code?: string } {
  if (typeof body === "string") return body.trim() ? { message: body.trim().slice(0, 500) } : {};
  if (!body || typeof body !== "object") return {};
  const record = body as Record<string, unknown>;
  const nested = typeof record.error === "object" && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const message = [record.message, record.error_description, nested?.message, record.error, record.detail].find((v) => typeof v === "string" && v.trim() !== "") as string | undefined;
  const code = [record.code, record.errorCode, nested?.code].find((v) => typeof v === "string" || typeof v === "number");
  return { ...(message ? { message: message.trim() } : {}), ...(code !== undefined ? { code: String(code) } : {}) };
}

/**
 * SimpleAPI documents no error body (every operation has only a `default` response); gateways answer with
 * `{ message, code }` or plain text, which is carried as the vendor's message.
 */
export function mapCloudBlueError(response: HttpResponse<unknown>): CspSeatsError {
  const vendor = readVendorMessage(response.body);
  const said = vendor.message ? `: ${vendor.message}` : "";
  const retryAfter = response.headers["retry-after"];
  const extra = {
    status: response.status,
    ...(response.correlationId ? { correlationId: response.correlationId } : {}),
    details: {
      ...(vendor.message ? { vendorMessage: vendor.message } : {}),
      ...(vendor.code ? { vendorCode: vendor.code } : {}),
      ...(retryAfter && /^\d+$/.test(retryAfter.trim()) ? { retryAfterMs: Number(retryAfter.trim()) * 1000 } : {}),
    },
  };
  const status = response.status;
  if (status === 401) return new CspSeatsError("PORTAL_UNAUTHORIZED", `CloudBlue refused the credentials${said}`, "Check csp-seats:username, password, marketplace and subscriptionKey.", extra);
  if (status === 403) return new CspSeatsError("CLOUDBLUE_FORBIDDEN", `CloudBlue denied the request${said}`, "Check that the API user and the gateway subscription key may use this operation for this customer.", extra);
  if (status === 404) return new CspSeatsError("CLOUDBLUE_NOT_FOUND", `CloudBlue has no such resource${said}`, "Check the id.", extra);
  if (status === 409) return new CspSeatsError("PORTAL_ORDER_IN_PROGRESS", `CloudBlue reports a conflicting order in progress${said}`, "Wait for the subscription's open order to finish, then run again.", extra);
  if (status === 429) return new CspSeatsError("PORTAL_THROTTLED", `CloudBlue is throttling requests${said}`, "Wait a minute and run again, or lower the concurrency.", extra);
  if (status === 503) return new CspSeatsError("PORTAL_UNAVAILABLE", `CloudBlue is unavailable${said}`, "Retry later.", extra);
  if (status >= 500) return new CspSeatsError("PORTAL_INTERNAL", `CloudBlue failed to handle the request (HTTP ${status})${said}`, "Retry later; if it persists, give CloudBlue support the correlation id.", extra);
  return new CspSeatsError("PORTAL_BAD_REQUEST", `CloudBlue refused the request (HTTP ${status})${said}`, "Fix what the portal's message names, then run again.", extra);
}

/** The authenticated SimpleAPI client: `api` sends every call with a valid bearer token. */
export class CloudBlueSession {
  /** Bearer-authenticated SimpleAPI calls, at most `concurrency` in flight with those of the other portals sharing the config. */
  readonly api: SimpleApi;
  /** What this session shares with the other portals opened over the same config. */
  readonly shared: CloudBlueShared;
  private readonly bearer: HttpClient;
  private readonly auth: HttpClient;
  private readonly config: CloudBlueConfig;
  private readonly clock: Clock;

  constructor(config: CloudBlueConfig, options: CloudBlueSessionOptions) {
    this.config = config;
    this.clock = options.clock;
    this.shared = getCloudBlueShared(config);
    const shared = this.shared;
    const basic = Buffer.from(`${config.username}:${config.password}`).toString("base64");
    const common = {
      baseUrl: config.endpoint,
      secrets: () => [config.password, config.subscriptionKey, basic, ...(shared.token ? [shared.token.value] : [])],
      mapError: mapCloudBlueError,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.auth = new HttpClient({ ...common, headers: () => ({ "x-subscription-key": config.subscriptionKey, authorization: `Basic ${basic}` }) });
    const bearer = new HttpClient({
      ...common,
      headers: async () => ({ "x-subscription-key": config.subscriptionKey, authorization: `Bearer ${await this.getToken()}` }),
      onUnauthorized: async () => {
        shared.token = undefined;
        options.log("cloudblue: token refused (401); requesting a new one");
        return true;
      },
    });
    this.bearer = bearer;
    // The token request is not limited: it runs inside a limited request (its headers), so limiting it could deadlock.
    this.api = { request: (req) => shared.limiter.run(() => bearer.request(req)), retry: (run, policy) => bearer.retry(run, policy) };
  }

  /** Closes both clients' sockets. */
  async close(): Promise<void> {
    await Promise.all([this.bearer.close(), this.auth.close()]);
  }

  private async getToken(): Promise<string> {
    const shared = this.shared;
    if (shared.token && this.clock.now().getTime() < shared.token.expiresAt) return shared.token.value;
    shared.tokenRequest ??= (async () => {
      try {
        const response = await this.auth.request<CbTokenInfo>({ method: "POST", path: "/token", body: { marketplace: this.config.marketplace }, retrySafe: true });
        const token = response.body?.token;
        const seconds = Number(response.body?.expiresInSeconds);
        if (typeof token !== "string" || token === "" || !Number.isFinite(seconds)) {
          throw new CspSeatsError("CLOUDBLUE_BAD_RESPONSE", "POST /token answered without a token", "Check csp-seats:endpoint points at SimpleAPI.", { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
        }
        shared.token = { value: token, expiresAt: this.clock.now().getTime() + Math.max(0, seconds * 1000 - TOKEN_MARGIN_MS) };
        return token;
      } finally {
        shared.tokenRequest = undefined;
      }
    })();
    return shared.tokenRequest;
  }
}
