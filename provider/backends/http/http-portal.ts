/**
 * The `http` backend: the Portal interface over the embedded portal's HTTP API (schema/portal-openapi.yaml),
 * e.g. a `csp-seats portal serve` shared by a team. Reads and estimates are retried freely; an order is retried
 * only with its Idempotency-Key, and after a lost reply the client first asks whether the order exists (by that
 * key) before posting again, so a flaky network never places a second order.
 */
import { CspSeatsError, type ErrorCode } from "../../core/errors";
import type { Order, OrderEstimate, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../portal";
import { HttpClient, isOutcomeUnknown, isTransientHttpError, type HttpClientOptions, type HttpResponse } from "../shared/http-client";
import { collectPages, type PaginationLimits } from "../shared/paginate";
import { checkObject, checkVendorDate, createVendorValueError } from "../shared/vendor-values";
import { PORTAL_API_VENDOR, checkPortalEstimate, checkPortalItems, checkPortalOrder, checkPortalSubscription } from "./portal-values";

/** The http backend's settings; HttpClient options override its defaults. */
export interface HttpPortalOptions extends Partial<Omit<HttpClientOptions, "baseUrl">> {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  /** Bearer token. Secret: redacted from every error. */
  readonly token?: string;
  /** Subscriptions per page when listing (1-1000). Default: the server's page size. */
  readonly pageSize?: number;
  /** Bounds of a listing (pages, items, time); defaults in shared/paginate.ts. */
  readonly pagination?: Partial<PaginationLimits>;
}

/** The Portal over HTTP, plus the API's extra reads (outbox, faults) for tools and tests. */
export interface HttpPortal extends Portal {
  readonly kind: "http";
  readonly client: HttpClient;
}

interface ApiErrorBody {
  error?: { code?: unknown; summary?: unknown; fix?: unknown; details?: unknown };
}

/** Maps the API's `{ error: { code, summary, fix } }` onto a CspSeatsError with the same code. */
function mapPortalError(response: HttpResponse<unknown>): CspSeatsError | undefined {
  const error = (response.body as ApiErrorBody | undefined)?.error;
  if (!error || typeof error.code !== "string" || typeof error.summary !== "string") return undefined;
  // The API speaks csp-seats' own catalog (the embedded portal's server); its codes are passed through unchanged.
  return new CspSeatsError(error.code as ErrorCode, error.summary, typeof error.fix === "string" ? error.fix : "See the portal's message.", {
    status: response.status,
    ...(response.correlationId ? { correlationId: response.correlationId } : {}),
    ...(error.details && typeof error.details === "object" ? { details: error.details as Record<string, unknown> } : {}),
  });
}

function toOrderBody(request: OrderRequest): OrderRequest {
  return {
    subscriptionId: request.subscriptionId,
    lines: request.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, effective: line.effective })),
    ...(request.expectedRevision !== undefined ? { expectedRevision: request.expectedRevision } : {}),
    ...(request.paymentMethodId !== undefined ? { paymentMethodId: request.paymentMethodId } : {}),
    ...(request.notifyEmail !== undefined ? { notifyEmail: request.notifyEmail } : {}),
    ...(request.allowBelowUsage !== undefined ? { allowBelowUsage: request.allowBelowUsage } : {}),
  };
}

/** Opens the http backend. Nothing is sent until the first call; `close()` releases the connection pool. */
export async function createHttpPortal(options: HttpPortalOptions): Promise<HttpPortal> {
  const { endpoint, token, pageSize, pagination, ...overrides } = options;
  const orderRetries = overrides.retries ?? 4;
  if (typeof endpoint !== "string" || endpoint === "") throw new TypeError("Expected `endpoint` to be a URL");
  const client = new HttpClient({
    retries: 4,
    minRetryDelayMs: 100,
    maxRetryDelayMs: 5_000,
    maxRetryAfterMs: 30_000,
    ...overrides,
    baseUrl: endpoint,
    headers: async () => ({ ...(await overrides.headers?.()), ...(token ? { authorization: `Bearer ${token}` } : {}) }),
    secrets: () => [...(overrides.secrets?.() ?? []), ...(token ? [token] : [])],
    mapError: (response) => overrides.mapError?.(response) ?? mapPortalError(response),
  });

  // The portal's clock, as last reported in X-Portal-Time, moved on by the local time elapsed since.
  let portalTime: { at: number; seenAt: number } | undefined;
  const notePortalTime = (headers: Record<string, string>): void => {
    const header = headers["x-portal-time"];
    if (header === undefined) return;
    // The time every plan is priced at: a reply that is not a real date in range is refused, never planned with.
    const at = Date.parse(checkVendorDate({ vendor: PORTAL_API_VENDOR, object: "reply" }, "X-Portal-Time", header));
    portalTime = { at, seenAt: performance.now() };
  };

  const findOrderByKey = async (key: string): Promise<Order | undefined> => {
    const response = await client.request<unknown>({ method: "GET", path: "/v1/orders", query: { idempotencyKey: key } });
    return checkPortalItems(response.body, "GET /v1/orders", (item) => checkPortalOrder(item, response.correlationId), response.correlationId)[0];
  };

  const portal: HttpPortal = {
    kind: "http",
    client,

    async listSubscriptions(list: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
      // Pages end on an empty page or a missing token; a token that repeats, a subscription sent twice, too many
      // pages or too long a listing is refused (shared/paginate.ts), and every subscription is checked.
      return collectPages<Subscription, string>(
        async (pageToken) => {
          const response = await client.request<unknown>({
            method: "GET",
            path: "/v1/subscriptions",
            query: {
              pageSize: pageSize === undefined ? undefined : String(pageSize),
              pageToken,
              ids: list.ids ? list.ids.join(",") : undefined,
              customerId: list.customerId,
            },
          });
          notePortalTime(response.headers);
          const at = { vendor: PORTAL_API_VENDOR, object: "GET /v1/subscriptions", ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
          const next = checkObject(at, "(body)", response.body).nextPageToken;
          if (next !== undefined && typeof next !== "string") throw createVendorValueError(at, "nextPageToken", next, "a page token must be a string");
          const items = checkPortalItems(response.body, "GET /v1/subscriptions", (item) => checkPortalSubscription(item, response.correlationId), response.correlationId);
          return { items, next: next as string | undefined, ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
        },
        { vendor: PORTAL_API_VENDOR, list: "GET /v1/subscriptions", cursorField: "nextPageToken", itemKey: (sub) => sub.id, ...pagination },
      );
    },

    async getSubscription(id: string): Promise<Subscription> {
      const response = await client.request<unknown>({ method: "GET", path: `/v1/subscriptions/${encodeURIComponent(id)}` });
      notePortalTime(response.headers);
      return checkPortalSubscription(response.body, response.correlationId);
    },

    async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
      const response = await client.request<unknown>({ method: "POST", path: "/v1/orders/estimate", body: toOrderBody(request), retrySafe: true });
      return checkPortalEstimate(response.body, request.subscriptionId, response.correlationId);
    },

    async placeOrder(request: PlaceOrderRequest): Promise<Order> {
      const key = request.idempotencyKey;
      if (typeof key !== "string" || key === "") {
        throw new CspSeatsError("PORTAL_BAD_REQUEST", "an order needs an idempotency key", "Derive one from the plan so a retried order is never placed twice.");
      }
      // The POST is never repeated blind: after a lost reply (reset, timeout, 5xx) the order may exist, so ask by
      // key first and post again only when it does not. Refusals (429/503) did nothing and are simply paced.
      const body = toOrderBody(request);
      return client.retry(
        async (attempt) => {
          try {
            const response = await client.request<unknown>({ method: "POST", path: "/v1/orders", body, headers: { "idempotency-key": key }, retrySafe: false });
            return checkPortalOrder(response.body, response.correlationId);
          } catch (error) {
            if (attempt <= orderRetries && isTransientHttpError(error) && isOutcomeUnknown(error)) {
              const existing = await findOrderByKey(key);
              if (existing) return existing;
            }
            throw error;
          }
        },
        {
          retries: orderRetries,
          shouldRetry: isTransientHttpError,
          ...(overrides.onRetry ? { onRetry: (info) => overrides.onRetry!({ ...info, error: info.error as CspSeatsError }) } : {}),
        },
      );
    },

    async getOrder(id: string): Promise<Order> {
      const response = await client.request<unknown>({ method: "GET", path: `/v1/orders/${encodeURIComponent(id)}` });
      return checkPortalOrder(response.body, response.correlationId);
    },

    async listOrders(list: ListOrdersOptions = {}): Promise<Order[]> {
      // The API does not page orders; the list is checked item by item like every other reply.
      const response = await client.request<unknown>({
        method: "GET",
        path: "/v1/orders",
        query: { subscriptionId: list.subscriptionId, idempotencyKey: list.idempotencyKey },
      });
      return checkPortalItems(response.body, "GET /v1/orders", (item) => checkPortalOrder(item, response.correlationId), response.correlationId);
    },

    async now(): Promise<Date> {
      if (!portalTime) notePortalTime((await client.request<unknown>({ method: "GET", path: "/healthz" })).headers);
      if (!portalTime) return new Date();
      return new Date(portalTime.at + (performance.now() - portalTime.seenAt));
    },

    async close(): Promise<void> {
      await client.close();
    },
  };
  return portal;
}
