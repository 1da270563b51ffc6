/**
 * The CloudBlue Commerce backend: SimpleAPI 1.15 (the reseller gateway Dell's CSP portal is built on) for
 * subscriptions, prices and orders, plus Microsoft Graph for assigned seats, which SimpleAPI does not have.
 *
 * - Auth: `POST /token` (Basic username:password + marketplace) -> bearer, cached until shortly before
 *   `expiresInSeconds`, refreshed once on a 401. `X-Subscription-Key` goes on every call.
 * - A change is ONE `POST /orders` of type `change` carrying every product of the subscription (new totals),
 *   then `GET /orders/{id}` is polled until completed, error or cancelled (bounded). Changes at renewal are a
 *   second order with `scheduledOn: renewal` (SimpleAPI schedules per order, not per line).
 * - Idempotency: SimpleAPI has no idempotency header, so each order carries a marker (PO number derived from
 *   the key, plus the key in `attributes`). Before placing, and after a POST whose reply was lost, csp-seats
 *   looks for an order of this subscription with that marker among the orders of the last 168 hours.
 * Mapping rules live in cloudblue-mapping.ts (pure); docs/backends.md explains them.
 */
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Order, OrderEstimate, OrderLineRequest, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import { checkLineChange } from "../../core/rules";
import type { CloudBlueConfig } from "./config";
import { createGraphClient, type GraphClient } from "../graph/graph-client";
import { buildSkuUsageLookup, type SkuUsage } from "../graph/sku-usage";
import { HttpClient, isOutcomeUnknown, type HttpResponse, type HttpRetryInfo } from "../shared/http-client";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../portal";
import {
  DEFAULT_PRODUCT_LIMITS,
  RECENT_ORDER_HOURS,
  assertKnownSkus,
  buildChangeOrder,
  combineOrders,
  findOpenOrders,
  groupByEffective,
  isFinalOrderStatus,
  isOrderForKey,
  mapOrder,
  mapPricedLines,
  mapSubscription,
  mapSubscriptionStatus,
  parseProductLimits,
  summarise,
  describeOrderFailure,
  type OrderMarker,
  type ProductLimits,
} from "./cloudblue-mapping";
import type { CbOrder, CbOrderDetailed, CbProduct, CbResultList, CbSubscription, CbSubscriptionDetailed, CbTokenInfo } from "./simpleapi-types";

/** Reported on every poll of an order. */
export interface CloudBlueOrderProgress {
  readonly orderId: string;
  readonly orderNumber?: string;
  /** CloudBlue's status: submitted, processing, completed, error, cancelled. */
  readonly status: string;
  /** 1 for the first poll. */
  readonly poll: number;
  readonly maxPolls: number;
}

export interface CloudBluePortalOptions {
  readonly clock?: Clock;
  /** Waits between HTTP retries and between order polls; injectable so tests never sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Between polls of an order. Default 5 s. */
  readonly pollIntervalMs?: number;
  /** Polls before giving up (the order stays; a re-run finds it by its marker). Default 180 (15 min at 5 s). */
  readonly maxPolls?: number;
  readonly onProgress?: (progress: CloudBlueOrderProgress) => void;
  readonly onRetry?: (info: HttpRetryInfo) => void;
  /** One line per notable event (order placed, polled, found again), with correlation ids; never secrets. */
  readonly log?: (line: string) => void;
  /** HTTP retries for safe requests. Default 4. */
  readonly retries?: number;
  /** Page size for list endpoints. Default 100. */
  readonly pageSize?: number;
  /** Subscriptions fetched in parallel by listSubscriptions. Default 4. */
  readonly concurrency?: number;
  /** How far back listOrders looks. Default 30 days. */
  readonly orderLookbackDays?: number;
  /** Attempts of `POST /orders` refused with 429 (refused = not placed, so repeating is safe). Default 3. */
  readonly throttledOrderAttempts?: number;
}

/** Refresh the SimpleAPI token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `2019-12-11T17:32:28Z`: the spec's date-time example has no milliseconds. */
function toSpecDateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
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
function mapCloudBlueError(response: HttpResponse<unknown>): CspSeatsError {
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

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A raw subscription with what mapping needs. */
interface Loaded {
  readonly raw: CbSubscriptionDetailed;
  readonly recentOrders: CbOrder[];
  readonly subscription: Subscription;
}

/** The CloudBlue Commerce SimpleAPI 1.15 backend. */
export class CloudBluePortal implements Portal {
  readonly kind = "cloudblue";
  /** CloudBlue's rating engine decides what a change costs; plans quote it with POST /orders/estimate. */
  readonly ownRating = true;
  private readonly config: CloudBlueConfig;
  private readonly options: CloudBluePortalOptions;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly api: HttpClient;
  private readonly auth: HttpClient;
  private readonly graph: GraphClient | undefined;
  private readonly limitsCache = new Map<string, Promise<ProductLimits>>();
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;
  private closed = false;

  constructor(config: CloudBlueConfig, options: CloudBluePortalOptions = {}) {
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? defaultSleep;
    const basic = Buffer.from(`${config.username}:${config.password}`).toString("base64");
    const common = {
      baseUrl: config.endpoint,
      secrets: () => [config.password, config.subscriptionKey, basic, ...(this.token ? [this.token.value] : [])],
      mapError: mapCloudBlueError,
      sleep: this.sleep,
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.auth = new HttpClient({ ...common, headers: () => ({ "x-subscription-key": config.subscriptionKey, authorization: `Basic ${basic}` }) });
    this.api = new HttpClient({
      ...common,
      headers: async () => ({ "x-subscription-key": config.subscriptionKey, authorization: `Bearer ${await this.getToken()}` }),
      onUnauthorized: async () => {
        this.token = undefined;
        this.log("cloudblue: token refused (401); requesting a new one");
        return true;
      },
    });
    this.graph = config.graph
      ? createGraphClient({
          ...config.graph,
          clock: this.clock,
          sleep: this.sleep,
          ...(options.retries !== undefined ? { retries: options.retries } : {}),
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        })
      : undefined;
  }

  async listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
    const usage = await this.loadUsage();
    const ids = options.ids
      ? [...options.ids]
      : (await this.listAll<CbSubscription>("/subscriptions", { ...this.customerQuery(options.customerId) })).map((s) => s.id!).filter(Boolean);
    const loaded = await mapWithConcurrency(ids, this.options.concurrency ?? 4, (id) => this.load(id, usage));
    return loaded.map((entry) => entry.subscription).filter((s) => !options.customerId || s.customerId === options.customerId);
  }

  async getSubscription(id: string): Promise<Subscription> {
    return (await this.load(id, await this.loadUsage())).subscription;
  }

  async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
    const loaded = await this.load(request.subscriptionId, await this.loadUsage());
    this.checkRevision(loaded, request.expectedRevision);
    assertKnownSkus(loaded.raw, request.lines);
    const groups = groupByEffective(request.lines);
    let details: CbOrderDetailed["details"] = [];
    if (groups.now.length > 0) {
      const body = buildChangeOrder(loaded.raw, this.targets(groups.now));
      const response = await this.api.request<CbOrderDetailed>({ method: "POST", path: "/orders/estimate", body, retrySafe: true });
      details = response.body?.details ?? [];
    }
    const lines = mapPricedLines(loaded.subscription, [...groups.now, ...groups.renewal], details, this.clock.now(), `estimate for ${request.subscriptionId}`);
    return { subscriptionId: request.subscriptionId, lines, ...summarise(lines, loaded.subscription.currency) };
  }

  async placeOrder(request: PlaceOrderRequest): Promise<Order> {
    if (typeof request.idempotencyKey !== "string" || request.idempotencyKey.trim() === "") {
      throw new CspSeatsError("PORTAL_BAD_REQUEST", "an order needs an idempotency key", "Derive it from the plan (csp-seats does); it is what prevents a second order.", { status: 400 });
    }
    const usage = await this.loadUsage();
    let loaded = await this.load(request.subscriptionId, usage);
    assertKnownSkus(loaded.raw, request.lines);
    const groups = groupByEffective(request.lines);
    const parts = (["now", "renewal"] as const)
      .filter((effective) => groups[effective].length > 0)
      .map((effective, _i, all) => ({ effective, lines: groups[effective], key: all.length > 1 ? `${request.idempotencyKey}#${effective}` : request.idempotencyKey }));
    if (parts.length === 0) {
      throw new CspSeatsError("PORTAL_BAD_REQUEST", "the order has no lines", "Send at least one line.", { status: 400 });
    }

    // Replays first: a retried run must find its order even though the subscription changed since (revision).
    const existing = parts.map((part) => loaded.recentOrders.find((order) => isOrderForKey(order, part.key)));
    if (existing.every((order) => order === undefined)) this.checkEligible(loaded, request);

    const orders: Order[] = [];
    for (const [index, part] of parts.entries()) {
      let orderId = existing[index]?.id;
      if (orderId) {
        this.log(`cloudblue: order ${existing[index]!.orderNumber ?? orderId} already placed for this idempotency key; not placing another`);
      } else {
        const previous = orders.at(-1);
        const base = previous ? await this.load(request.subscriptionId, usage) : loaded;
        loaded = base;
        orderId = await this.submit(base, part, request);
      }
      const final = await this.pollOrder(orderId);
      const order = mapOrder(final, loaded.subscription.currency);
      if (order.status === "error") {
        const failure = describeOrderFailure(final as CbOrderDetailed & { message?: unknown });
        throw new CspSeatsError("CLOUDBLUE_ORDER_FAILED", `subscription ${request.subscriptionId}: ${failure.message}`, "Nothing further was ordered. Check the order in the CloudBlue control panel, fix the cause, then run again.", {
          status: 422,
          details: { orderId, orderNumber: final.orderNumber, statusCode: final.statusCode, vendorCode: failure.code, vendorMessage: failure.message, completedOrders: orders.map((o) => o.id) },
        });
      }
      orders.push(order);
    }
    return combineOrders(orders);
  }

  async getOrder(id: string): Promise<Order> {
    const parts = id.split("+").filter(Boolean);
    if (parts.length === 0) throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `no order "${id}"`, "Check the order id.", { status: 404 });
    const orders = await Promise.all(parts.map(async (part) => this.mapDetailed(await this.fetchOrder(part))));
    return combineOrders(orders);
  }

  async listOrders(options: ListOrdersOptions = {}): Promise<Order[]> {
    const since = new Date(this.clock.now().getTime() - (this.options.orderLookbackDays ?? 30) * 86_400_000);
    const query = {
      ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : this.customerQuery(undefined)),
      creationTimeFrom: toSpecDateTime(since),
    };
    const key = options.idempotencyKey;
    const list = (await this.listAll<CbOrder>("/orders", query)).filter(
      (order) => key === undefined || isOrderForKey(order, key) || isOrderForKey(order, `${key}#now`) || isOrderForKey(order, `${key}#renewal`),
    );
    const details = await mapWithConcurrency(list, this.options.concurrency ?? 4, (order) => this.fetchOrder(order.id!));
    return details.map((order) => this.mapDetailed(order));
  }

  /** CloudBlue runs on real time: the injected clock (the wall clock unless a test sets one). */
  async now(): Promise<Date> {
    return this.clock.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.api.close(), this.auth.close(), this.graph?.close()]);
  }

  // -------------------------------------------------------------------------------------------------------------

  private log(line: string): void {
    this.options.log?.(line);
  }

  private customerQuery(customerId: string | undefined): Record<string, string> {
    const id = customerId ?? this.config.customerId;
    return id ? { customerId: id } : {};
  }

  private async getToken(): Promise<string> {
    if (this.token && this.clock.now().getTime() < this.token.expiresAt) return this.token.value;
    this.tokenRequest ??= (async () => {
      try {
        const response = await this.auth.request<CbTokenInfo>({ method: "POST", path: "/token", body: { marketplace: this.config.marketplace }, retrySafe: true });
        const token = response.body?.token;
        const seconds = Number(response.body?.expiresInSeconds);
        if (typeof token !== "string" || token === "" || !Number.isFinite(seconds)) {
          throw new CspSeatsError("CLOUDBLUE_BAD_RESPONSE", "POST /token answered without a token", "Check csp-seats:endpoint points at SimpleAPI.", { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
        }
        this.token = { value: token, expiresAt: this.clock.now().getTime() + Math.max(0, seconds * 1000 - TOKEN_MARGIN_MS) };
        return token;
      } finally {
        this.tokenRequest = undefined;
      }
    })();
    return this.tokenRequest;
  }

  /** Every item of a paginated list endpoint (offset/limit, until `pagination.total`). */
  private async listAll<T>(path: string, query: Record<string, string>): Promise<T[]> {
    const limit = this.options.pageSize ?? 100;
    const items: T[] = [];
    for (let offset = 0; ; ) {
      const response = await this.api.request<CbResultList<T>>({ method: "GET", path, query: { ...query, offset: String(offset), limit: String(limit) } });
      const data = response.body?.data ?? [];
      items.push(...data);
      offset += data.length;
      const total = response.body?.pagination?.total;
      if (data.length === 0 || (total !== undefined ? offset >= total : data.length < limit)) return items;
      if (items.length > 100_000) {
        throw new CspSeatsError("CLOUDBLUE_BAD_RESPONSE", `GET ${path} kept paging past 100,000 items`, "Narrow the query with csp-seats:customerId.");
      }
    }
  }

  private async loadUsage(): Promise<(customerId: string) => (mpn: string) => SkuUsage> {
    const none = () => () => ({ usage: null });
    if (!this.graph) return none;
    const lookup = buildSkuUsageLookup(await this.graph.listSubscribedSkus(), this.config.skuMap ?? {});
    // One Graph tenant is one customer's: never attribute its seats to another customer's subscriptions.
    return (customerId) => (customerId === this.config.customerId ? lookup : () => ({ usage: null }));
  }

  private getLimits(mpn: string): Promise<ProductLimits> {
    let cached = this.limitsCache.get(mpn);
    if (!cached) {
      cached = this.api
        .request<CbResultList<CbProduct>>({ method: "GET", path: "/products", query: { mpn, offset: "0", limit: "10" } })
        .then((response) => parseProductLimits((response.body?.data ?? []).find((p) => p.mpn === mpn)))
        .catch((error: unknown) => {
          this.limitsCache.delete(mpn);
          if (isCspSeatsError(error) && error.code === "CLOUDBLUE_NOT_FOUND") return DEFAULT_PRODUCT_LIMITS;
          throw error;
        });
      this.limitsCache.set(mpn, cached);
    }
    return cached;
  }

  private async fetchSubscription(id: string): Promise<CbSubscriptionDetailed> {
    try {
      const response = await this.api.request<CbSubscriptionDetailed>({ method: "GET", path: `/subscriptions/${encodeURIComponent(id)}` });
      if (!response.body?.id) throw new CspSeatsError("CLOUDBLUE_NOT_FOUND", `CloudBlue returned no subscription ${id}`, "Check the id.", { status: 404 });
      return response.body;
    } catch (error) {
      if (isCspSeatsError(error) && error.code === "CLOUDBLUE_NOT_FOUND") {
        throw new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `CloudBlue has no subscription ${id}`, "Check the subscription id in seats.yaml against the CloudBlue control panel.", {
          status: 404,
          ...(error.correlationId ? { correlationId: error.correlationId } : {}),
        });
      }
      throw error;
    }
  }

  private async fetchOrder(id: string): Promise<CbOrderDetailed> {
    try {
      return (await this.api.request<CbOrderDetailed>({ method: "GET", path: `/orders/${encodeURIComponent(id)}` })).body;
    } catch (error) {
      if (isCspSeatsError(error) && error.code === "CLOUDBLUE_NOT_FOUND") {
        throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `CloudBlue has no order ${id}`, "Check the order id.", { status: 404, ...(error.correlationId ? { correlationId: error.correlationId } : {}) });
      }
      throw error;
    }
  }

  private async fetchRecentOrders(subscriptionId: string): Promise<CbOrder[]> {
    const since = new Date(this.clock.now().getTime() - RECENT_ORDER_HOURS * 3_600_000);
    return this.listAll<CbOrder>("/orders", { subscriptionId, creationTimeFrom: toSpecDateTime(since) });
  }

  private async load(id: string, usage: (customerId: string) => (mpn: string) => SkuUsage): Promise<Loaded> {
    const [raw, recentOrders] = await Promise.all([this.fetchSubscription(id), this.fetchRecentOrders(id)]);
    if (this.config.customerId && raw.customerId !== this.config.customerId) {
      throw new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `subscription ${id} belongs to another customer than csp-seats:customerId ${this.config.customerId}`, "Manage it from a stack configured for its customer, or remove it from seats.yaml.", { status: 404 });
    }
    const mpns = [...new Set((raw.products ?? []).map((p) => p.mpn ?? p.id ?? ""))];
    const limits = new Map(await Promise.all(mpns.map(async (mpn) => [mpn, await this.getLimits(mpn)] as const)));
    const subscription = mapSubscription(raw, {
      now: this.clock.now(),
      recentOrders,
      limits: (mpn) => limits.get(mpn) ?? DEFAULT_PRODUCT_LIMITS,
      usage: usage(raw.customerId ?? ""),
    });
    return { raw, recentOrders, subscription };
  }

  private checkRevision(loaded: Loaded, expected: string | undefined): void {
    if (expected !== undefined && expected !== loaded.subscription.revision) {
      throw new CspSeatsError("PORTAL_STALE_REVISION", `subscription ${loaded.subscription.id} changed since it was planned`, "Run the plan again (pulumi preview / csp-seats plan) and apply the new plan.", {
        status: 412,
        details: { expected, actual: loaded.subscription.revision },
      });
    }
  }

  /** Refuses what CloudBlue would refuse or what csp-seats must protect: status, open orders, stale plans, the rules. */
  private checkEligible(loaded: Loaded, request: PlaceOrderRequest): void {
    const { subscription } = loaded;
    const mapped = mapSubscriptionStatus(loaded.raw.status);
    if (!mapped.eligibility.eligible) {
      throw new CspSeatsError("PORTAL_INELIGIBLE", `subscription ${subscription.id} cannot be changed: ${mapped.eligibility.reason}`, "Resolve the subscription's status in the CloudBlue control panel first.", { status: 403, details: { reasonCode: mapped.eligibility.reasonCode } });
    }
    const open = findOpenOrders(loaded.recentOrders);
    if (open.length > 0) {
      throw new CspSeatsError("PORTAL_ORDER_IN_PROGRESS", `subscription ${subscription.id} has order ${open[0].orderNumber ?? open[0].id} still ${open[0].status}`, "Wait for it to finish, then run again.", { status: 409 });
    }
    this.checkRevision(loaded, request.expectedRevision);
    const now = this.clock.now();
    for (const line of request.lines) {
      const current = subscription.lines.find((l) => l.sku === line.sku)!;
      const violation = checkLineChange(subscription, current, line.quantity, line.effective, now, request.allowBelowUsage ? { allowBelowUsage: true } : {});
      // The 168-hour windows csp-seats derives for CloudBlue are a conservative estimate; Microsoft decides.
      if (violation && violation.code !== "PORTAL_DECREASE_OUTSIDE_WINDOW") {
        throw new CspSeatsError(violation.code, violation.summary, violation.fix, { status: 422 });
      }
    }
  }

  private targets(lines: readonly OrderLineRequest[]): Map<string, number> {
    return new Map(lines.map((line) => [line.sku, line.quantity]));
  }

  /** Posts one change order; after a lost reply, finds it by its marker instead of posting again. Returns its id. */
  private async submit(loaded: Loaded, part: { effective: "now" | "renewal"; lines: OrderLineRequest[]; key: string }, request: PlaceOrderRequest): Promise<string> {
    const now = this.clock.now();
    const marker: OrderMarker = {
      v: 1,
      key: part.key,
      effective: part.effective,
      effectiveDate: part.effective === "renewal" ? loaded.subscription.renewalDate : now.toISOString().slice(0, 10),
      currency: loaded.subscription.currency,
      lines: part.lines.map((line) => ({ sku: line.sku, from: loaded.subscription.lines.find((l) => l.sku === line.sku)!.limit, to: line.quantity })),
    };
    const body = buildChangeOrder(loaded.raw, this.targets(part.lines), { marker, ...(part.effective === "renewal" ? { scheduledOn: "renewal" as const } : {}) });
    const attempts = Math.max(1, this.options.throttledOrderAttempts ?? 3);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.api.request<CbOrderDetailed>({ method: "POST", path: "/orders", body, retrySafe: false });
        const id = response.body?.id;
        if (!id) throw new CspSeatsError("CLOUDBLUE_BAD_RESPONSE", "POST /orders answered without an order id", "Check the subscription's orders in the CloudBlue control panel before running again.", { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
        this.log(`cloudblue: placed order ${response.body.orderNumber ?? id} for subscription ${request.subscriptionId} (correlation id ${response.correlationId ?? "none"})`);
        return id;
      } catch (error) {
        if (isCspSeatsError(error) && error.status === 429 && attempt < attempts) {
          const retryAfterMs = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
          const wait = this.api.getRetryDelay(attempt, typeof retryAfterMs === "number" ? retryAfterMs : undefined);
          this.log(`cloudblue: POST /orders throttled (429); waiting ${wait} ms (correlation id ${error.correlationId ?? "none"})`);
          await this.api.wait(wait);
          continue;
        }
        if (!isOutcomeUnknown(error)) throw error;
        const found = (await this.fetchRecentOrders(request.subscriptionId)).find((order) => isOrderForKey(order, part.key));
        if (found?.id) {
          this.log(`cloudblue: the reply to POST /orders was lost; found order ${found.orderNumber ?? found.id} by its marker, not placing another`);
          return found.id;
        }
        const failure = error as CspSeatsError;
        throw new CspSeatsError("CLOUDBLUE_ORDER_UNCONFIRMED", `subscription ${request.subscriptionId}: the reply to POST /orders was lost and no order with its marker exists yet (${failure.summary})`, "Run again: csp-seats looks for the order by its PO number before placing one, so it will not order twice.", {
          ...(failure.status !== undefined ? { status: failure.status } : {}),
          ...(failure.correlationId ? { correlationId: failure.correlationId } : {}),
          details: { poNumber: body.poNumber },
        });
      }
    }
  }

  /** Polls `GET /orders/{id}` until completed, error or cancelled, at most `maxPolls` times. */
  private async pollOrder(id: string): Promise<CbOrderDetailed> {
    const maxPolls = this.options.maxPolls ?? 180;
    const interval = this.options.pollIntervalMs ?? 5000;
    for (let poll = 1; poll <= maxPolls; poll += 1) {
      const order = await this.fetchOrder(id);
      this.options.onProgress?.({ orderId: id, ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}), status: order.status ?? "submitted", poll, maxPolls });
      if (isFinalOrderStatus(order.status)) return order;
      await this.sleep(interval);
    }
    throw new CspSeatsError("CLOUDBLUE_ORDER_TIMEOUT", `order ${id} was not finished after ${maxPolls} polls`, "The order is still in CloudBlue; run again later: csp-seats finds it by its marker and does not order twice.", { details: { orderId: id } });
  }

  private mapDetailed(order: CbOrderDetailed): Order {
    const currency = order.total?.currency ?? order.details?.find((d) => d.extendedPrice)?.extendedPrice?.currency ?? "USD";
    return mapOrder(order, currency);
  }
}

/** Opens the CloudBlue backend (no request is made until the first call). */
export async function createCloudBluePortal(config: CloudBlueConfig, options: CloudBluePortalOptions = {}): Promise<Portal> {
  return new CloudBluePortal(config, options);
}

