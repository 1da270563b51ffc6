/**
 * The CloudBlue Commerce backend: SimpleAPI 1.15 (the reseller gateway Dell's CSP portal is built on) for
 * subscriptions, prices and orders, plus Microsoft Graph for assigned seats, which SimpleAPI does not have.
 * The adapter translates; the planner and CloudBlue decide. By concern: cloudblue-session.ts (auth, token,
 * vendor errors), cloudblue-reads.ts (lists, subscriptions, orders), cloudblue-orders.ts (placing, idempotency
 * marker, lost replies), and the pure mapping modules (amounts, map-term, map-status, order-marker,
 * map-subscription, map-order); docs/backends.md explains them.
 */
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { DAY_MS } from "../../core/dates";
import { CspSeatsError } from "../../core/errors";
import type { Order, OrderEstimate, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import type { CloudBlueConfig } from "./config";
import { createGraphClient, type GraphClient } from "../graph/graph-client";
import type { VendorPortalOptions } from "../shared/http-client";
import type { PaginationLimits } from "../shared/paginate";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../portal";
import { summarise } from "./amounts";
import { checkRevision, placeCloudBlueOrder } from "./cloudblue-orders";
import { mapWithConcurrency } from "../shared/concurrency";
import { CloudBlueReader, toSpecDateTime, type LoadedSubscription } from "./cloudblue-reads";
import { CloudBlueSession } from "./cloudblue-session";
import { assertKnownSkus, buildChangeOrder, combineOrders, groupByEffective, mapPricedLines } from "./map-order";
import { isOrderForKey } from "./order-marker";
import type { CbOrder, CbOrderDetailed, CbSubscription } from "./simpleapi-types";

/** How long a read stays good for the estimate or order that follows it (converge's read, then its order). */
const JUST_READ_MS = 30_000;

/** How the CloudBlue backend behaves beyond its config; everything has a default. */
export interface CloudBluePortalOptions extends VendorPortalOptions {
  /**
   * How long placeOrder waits for an immediate order before it places the renewal order that must follow it.
   * Default 900 s (csp-seats:orderTimeoutSeconds' default). Waiting for the last order is the caller's, with the
   * shared order wait.
   */
  readonly orderTimeoutMs?: number;
  /** HTTP retries for safe requests. Default 4. */
  readonly retries?: number;
  /** Page size for list endpoints. Default 100. */
  readonly pageSize?: number;
  /** Bounds of every list read (pages, items, time); defaults in shared/paginate.ts (items: 100,000). */
  readonly pagination?: Partial<PaginationLimits>;
  /** How far back listOrders looks. Default 30 days. */
  readonly orderLookbackDays?: number;
  /** Attempts of `POST /orders` refused with 429 (refused = not placed, so repeating is safe). Default 3. */
  readonly throttledOrderAttempts?: number;
}

/** The CloudBlue Commerce SimpleAPI 1.15 backend. */
export class CloudBluePortal implements Portal {
  readonly kind = "cloudblue";
  /** CloudBlue's rating engine decides what a change costs; plans quote it with POST /orders/estimate. */
  readonly ownRating = true;
  private readonly options: CloudBluePortalOptions;
  private readonly clock: Clock;
  private readonly session: CloudBlueSession;
  private readonly reader: CloudBlueReader;
  private readonly graph: GraphClient | undefined;
  /** The last read of each subscription by getSubscription, for the estimate or order that follows it at once. */
  private readonly justRead = new Map<string, { readonly loaded: LoadedSubscription; readonly at: number }>();
  private closed = false;

  constructor(config: CloudBlueConfig, options: CloudBluePortalOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const http = {
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.session = new CloudBlueSession(config, { clock: this.clock, log: (line) => this.log(line), ...http });
    this.graph = config.graph ? createGraphClient({ ...config.graph, clock: this.clock, ...http, ...(options.pagination ? { pagination: options.pagination } : {}) }) : undefined;
    this.reader = new CloudBlueReader(this.session.api, config, this.clock, this.graph, options.pageSize ?? 100, options.pagination, this.session.shared.limits);
  }

  async listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
    const usage = await this.reader.loadUsage();
    const ids = options.ids
      ? [...options.ids]
      : (await this.reader.listAll<CbSubscription>("/subscriptions", { ...this.reader.customerQuery(options.customerId) })).map((s) => s.id!).filter(Boolean);
    // The shared limiter bounds the requests; this only keeps the queue of loads as short as the limit.
    const loaded = await mapWithConcurrency(ids, this.session.shared.limiter.limit, (id) => this.reader.load(id, usage));
    return loaded.map((entry) => entry.subscription).filter((s) => !options.customerId || s.customerId === options.customerId);
  }

  async getSubscription(id: string): Promise<Subscription> {
    const loaded = await this.reader.load(id, await this.reader.loadUsage());
    this.justRead.set(id, { loaded, at: performance.now() });
    return loaded.subscription;
  }

  async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
    const loaded = this.takeJustRead(request.subscriptionId) ?? (await this.reader.load(request.subscriptionId, await this.reader.loadUsage()));
    checkRevision(loaded, request.expectedRevision);
    assertKnownSkus(loaded.raw, request.lines);
    const groups = groupByEffective(request.lines);
    let details: CbOrderDetailed["details"] = [];
    if (groups.now.length > 0) {
      const body = buildChangeOrder(loaded.raw, new Map(groups.now.map((line) => [line.sku, line.quantity])));
      const response = await this.session.api.request<CbOrderDetailed>({ method: "POST", path: "/orders/estimate", body, retrySafe: true });
      details = response.body?.details ?? [];
    }
    const lines = mapPricedLines(loaded.subscription, [...groups.now, ...groups.renewal], details, this.clock.now(), `estimate for ${request.subscriptionId}`);
    return { subscriptionId: request.subscriptionId, lines, ...summarise(lines, loaded.subscription.currency) };
  }

  /** Places the change and returns the order as placed (submitted or processing); wait for it with waitForOrder. */
  async placeOrder(request: PlaceOrderRequest): Promise<Order> {
    return placeCloudBlueOrder(
      {
        api: this.session.api,
        reader: this.reader,
        now: () => this.clock.now(),
        log: (line) => this.log(line),
        throttledOrderAttempts: this.options.throttledOrderAttempts ?? 3,
        orderTimeoutMs: this.options.orderTimeoutMs ?? 900_000,
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      },
      request,
      this.takeJustRead(request.subscriptionId),
    );
  }

  async getOrder(id: string): Promise<Order> {
    const parts = id.split("+").filter(Boolean);
    if (parts.length === 0) throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `no order "${id}"`, "Check the order id.", { status: 404 });
    const orders = await Promise.all(parts.map(async (part) => this.reader.mapDetailed(await this.reader.fetchOrder(part))));
    return combineOrders(orders);
  }

  async listOrders(options: ListOrdersOptions = {}): Promise<Order[]> {
    const since = new Date(this.clock.now().getTime() - (this.options.orderLookbackDays ?? 30) * DAY_MS);
    const query = {
      ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : this.reader.customerQuery(undefined)),
      creationTimeFrom: toSpecDateTime(since),
    };
    const key = options.idempotencyKey;
    const list = (await this.reader.listAll<CbOrder>("/orders", query)).filter(
      (order) => key === undefined || isOrderForKey(order, key) || isOrderForKey(order, `${key}#now`) || isOrderForKey(order, `${key}#renewal`),
    );
    const details = await mapWithConcurrency(list, this.session.shared.limiter.limit, (order) => this.reader.fetchOrder(order.id!));
    return details.map((order) => this.reader.mapDetailed(order));
  }

  /** CloudBlue runs on real time: the injected clock (the wall clock unless a test sets one). */
  async now(): Promise<Date> {
    return this.clock.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.session.close(), this.graph?.close()]);
  }

  /**
   * The read getSubscription made of `id` a moment ago, once: a preview's check reads then quotes, converge reads
   * then orders, and neither needs SimpleAPI to answer the same read twice. An older read is not reused.
   */
  private takeJustRead(id: string): LoadedSubscription | undefined {
    const entry = this.justRead.get(id);
    this.justRead.delete(id);
    return entry && performance.now() - entry.at <= JUST_READ_MS ? entry.loaded : undefined;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** Opens the CloudBlue backend (no request is made until the first call). */
export async function createCloudBluePortal(config: CloudBlueConfig, options: CloudBluePortalOptions = {}): Promise<Portal> {
  return new CloudBluePortal(config, options);
}
