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

/** The http backend's settings; HttpClient options override its defaults. */
export interface HttpPortalOptions extends Partial<Omit<HttpClientOptions, "baseUrl">> {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  /** Bearer token. Secret: redacted from every error. */
  readonly token?: string;
  /** Subscriptions per page when listing (1-1000). Default: the server's page size. */
  readonly pageSize?: number;

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
  const { endpoint, token, pageSize, ...overrides } = options;
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
    const at = Date.parse(headers["x-portal-time"] ?? "");
    if (!Number.isNaN(at)) portalTime = { at, seenAt: performance.now() };
  };

  const findOrderByKey = async (key: string): Promise<Order | undefined> => {
    const response = await client.request<{ items: Order[] }>({ method: "GET", path: "/v1/orders", query: { idempotencyKey: key } });
    return response.body.items[0];
  };

  const portal: HttpPortal = {
    kind: "http",
    client,

    async listSubscriptions(list: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
      const all: Subscription[] = [];
      let pageToken: string | undefined;
      do {
        const response = await client.request<{ items: Subscription[]; nextPageToken?: string }>({
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
        all.push(...response.body.items);
        pageToken = response.body.nextPageToken;
      } while (pageToken);
      return all;
    },

    async getSubscription(id: string): Promise<Subscription> {
      const response = await client.request<Subscription>({ method: "GET", path: `/v1/subscriptions/${encodeURIComponent(id)}` });
      notePortalTime(response.headers);
      return response.body;
    },

    async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
      return (await client.request<OrderEstimate>({ method: "POST", path: "/v1/orders/estimate", body: toOrderBody(request), retrySafe: true })).body;
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
            return (await client.request<Order>({ method: "POST", path: "/v1/orders", body, headers: { "idempotency-key": key }, retrySafe: false })).body;
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
      return (await client.request<Order>({ method: "GET", path: `/v1/orders/${encodeURIComponent(id)}` })).body;
    },

    async listOrders(list: ListOrdersOptions = {}): Promise<Order[]> {
      const response = await client.request<{ items: Order[] }>({
        method: "GET",
        path: "/v1/orders",
        query: { subscriptionId: list.subscriptionId, idempotencyKey: list.idempotencyKey },
      });
      return response.body.items;
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
