/**
 * Microsoft Graph, only for what SimpleAPI lacks: how many licenses of each SKU are assigned in the customer's
 * tenant (`GET /v1.0/subscribedSkus`, `consumedUnits`). App-only access with the client-credentials grant
 * (`POST /{tenant}/oauth2/v2.0/token`, scope `https://graph.microsoft.com/.default`; the app needs
 * `LicenseAssignment.Read.All` or `Organization.Read.All`). Uses the shared HttpClient for retries and redaction.
 */
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { CspSeatsError } from "../../core/errors";
import { HttpClient, type HttpResponse, type HttpRetryInfo } from "../shared/http-client";
import { collectPages, type PaginationLimits } from "../shared/paginate";
import { checkArray, checkObject, createVendorValueError } from "../shared/vendor-values";

/** The subscribedSku properties csp-seats reads (schema/graph-subscribedsku.schema.json has them all). */
export interface SubscribedSku {
  readonly id: string;
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly appliesTo: "User" | "Company";
  readonly capabilityStatus: string;
  /** Licenses assigned, across every subscription of this SKU in the tenant. */
  readonly consumedUnits: number;
  readonly prepaidUnits: { readonly enabled: number; readonly lockedOut?: number; readonly suspended?: number; readonly warning?: number };
  /** Microsoft commerce subscription ids of this SKU (one per CSP subscription). */
  readonly subscriptionIds?: readonly string[];
}

export interface GraphClientOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `https://graph.microsoft.com`. */
  readonly endpoint?: string;
  /** The authority; the token URL is `{tokenEndpoint}/{tenantId}/oauth2/v2.0/token`. Default `https://login.microsoftonline.com`. */
  readonly tokenEndpoint?: string;
  readonly clock?: Clock;
  readonly retries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  /** Bounds of the subscribedSkus listing; default 100 pages (a tenant has far fewer SKUs), the rest as shared/paginate.ts. */
  readonly pagination?: Partial<PaginationLimits>;
}

/** The vendor as messages name it. */
export const GRAPH_VENDOR = "Microsoft Graph";

/** Refresh this long before Microsoft's expiry, so a token never expires mid-request. */
const TOKEN_MARGIN_MS = 60_000;
const SELECT = "id,skuId,skuPartNumber,appliesTo,capabilityStatus,consumedUnits,prepaidUnits,subscriptionIds";

/** Maps Graph's `{ error: { code, message } }` bodies onto stable codes, keeping Microsoft's message. */
function mapGraphError(response: HttpResponse<unknown>): CspSeatsError | undefined {
  const body = response.body as { error?: { code?: string; message?: string } | string; error_description?: string } | undefined;
  const vendor = typeof body?.error === "object" ? body.error.message ?? body.error.code : body?.error_description ?? (typeof body?.error === "string" ? body.error : undefined);
  const extra = { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}), ...(vendor ? { details: { vendorMessage: vendor } } : {}) };
  if (response.status === 401 || response.status === 400) {
    return new CspSeatsError("GRAPH_UNAUTHORIZED", `Microsoft Graph refused the app's credentials${vendor ? `: ${vendor}` : ""}`, "Check graphTenantId, graphClientId and graphClientSecret, and that the secret has not expired.", extra);
  }
  if (response.status === 403) {
    return new CspSeatsError("GRAPH_FORBIDDEN", `Microsoft Graph denied GET /subscribedSkus${vendor ? `: ${vendor}` : ""}`, "Grant the app the LicenseAssignment.Read.All (or Organization.Read.All) application permission with admin consent.", extra);
  }
  if (response.status === 429) {
    return new CspSeatsError("GRAPH_THROTTLED", "Microsoft Graph is throttling requests", "Wait a minute and retry.", extra);
  }
  return undefined;
}

/** A Graph client for one tenant. */
export class GraphClient {
  private readonly options: GraphClientOptions;
  private readonly clock: Clock;
  private readonly api: HttpClient;
  private readonly auth: HttpClient;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(options: GraphClientOptions) {
    for (const key of ["tenantId", "clientId", "clientSecret"] as const) {
      if (typeof options[key] !== "string" || options[key].trim() === "") throw new TypeError(`Expected \`${key}\` to be a non-empty string`);
    }
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const common = {
      secrets: () => [options.clientSecret, ...(this.token ? [this.token.value] : [])],
      mapError: mapGraphError,
      correlationHeader: "client-request-id",
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.auth = new HttpClient({ baseUrl: options.tokenEndpoint ?? "https://login.microsoftonline.com", ...common });
    this.api = new HttpClient({
      baseUrl: options.endpoint ?? "https://graph.microsoft.com",
      ...common,
      headers: async () => ({ authorization: `Bearer ${await this.getToken()}` }),
      onUnauthorized: async () => {
        this.token = undefined;
        return true;
      },
    });
  }

  /**
   * Every SKU of the tenant with its assigned (`consumedUnits`) and purchased (`prepaidUnits`) licenses, following
   * `@odata.nextLink` only on the configured endpoint (the token never goes to another host), never twice to the
   * same link, within the page and time bounds (shared/paginate.ts).
   */
  async listSubscribedSkus(): Promise<SubscribedSku[]> {
    const base = new URL(this.options.endpoint ?? "https://graph.microsoft.com");
    const prefix = base.pathname.replace(/\/+$/, "");
    const list = "GET /v1.0/subscribedSkus";
    return collectPages<SubscribedSku, string>(
      async (next) => {
        const request = next === undefined ? { path: "/v1.0/subscribedSkus", query: { $select: SELECT } } : { path: this.toPagePath(next, base, prefix, list) };
        const response = await this.api.request<unknown>({ method: "GET", ...request });
        const at = { vendor: GRAPH_VENDOR, object: list, ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
        const body = checkObject(at, "(body)", response.body ?? {});
        const items = (body.value === undefined ? [] : checkArray(at, "value", body.value)) as SubscribedSku[];
        const link = body["@odata.nextLink"];
        if (link !== undefined && typeof link !== "string") throw createVendorValueError(at, "@odata.nextLink", link, "a next link must be a URL");
        return { items, ...(link ? { next: link } : {}), ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
      },
      { vendor: GRAPH_VENDOR, list, cursorField: "@odata.nextLink", maxPages: 100, ...this.options.pagination },
    );
  }

  /** The path (under the endpoint) of a next link; another origin or path is refused. */
  private toPagePath(link: string, base: URL, prefix: string, list: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw createVendorValueError({ vendor: GRAPH_VENDOR, object: list }, "@odata.nextLink", link, "not a URL");
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(`${prefix}/`)) {
      throw createVendorValueError(
        { vendor: GRAPH_VENDOR, object: list, fix: "Check graphEndpoint; csp-seats sends its token to the configured Graph endpoint only. Nothing was planned or ordered." },
        "@odata.nextLink",
        link,
        `a next page outside the configured endpoint ${base.origin}${prefix}`,
      );
    }
    return `${url.pathname.slice(prefix.length)}${url.search}`;
  }

  async close(): Promise<void> {
    await Promise.all([this.api.close(), this.auth.close()]);
  }

  private async getToken(): Promise<string> {
    if (this.token && this.clock.now().getTime() < this.token.expiresAt) return this.token.value;
    const response = await this.auth.request<{ access_token?: string; expires_in?: number | string }>({
      method: "POST",
      path: `/${encodeURIComponent(this.options.tenantId)}/oauth2/v2.0/token`,
      form: {
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: "https://graph.microsoft.com/.default",
        grant_type: "client_credentials",
      },
      retrySafe: true,
    });
    const value = response.body?.access_token;
    const expiresIn = Number(response.body?.expires_in ?? 0);
    if (typeof value !== "string" || value === "" || !Number.isFinite(expiresIn)) {
      throw new CspSeatsError("GRAPH_BAD_RESPONSE", "the Microsoft identity platform answered without an access token", "Check graphTokenEndpoint and graphTenantId.", { status: response.status });
    }
    this.token = { value, expiresAt: this.clock.now().getTime() + Math.max(0, expiresIn * 1000 - TOKEN_MARGIN_MS) };
    return value;
  }
}

/** Opens a Graph client (no request is made until `listSubscribedSkus`). */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  return new GraphClient(options);
}
