/**
 * The Pax8 backend: Pax8's Partner API (schema/vendor/pax8/partner-endpoints-openapi.json) for companies,
 * subscriptions, products and quantity changes, plus Microsoft Graph for assigned seats, which Pax8 does not
 * have. One csp-seats subscription = one Pax8 subscription with one license line (sku = productId); one order =
 * one PUT. Pax8 cannot schedule or validate a change: mapped subscriptions say so (`canScheduleChanges: false`,
 * `canValidateChanges: false`), so the planner defers NCE decreases to their renewal window and labels its money an
 * estimate. By concern: pax8-session.ts (token, errors, lossless bodies), pax8-reads.ts, pax8-change.ts, and the
 * pure map-subscription.ts / map-status.ts; docs/backends.md explains them.
 */
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { CspSeatsError } from "../../core/errors";
import type { Order, OrderEstimate, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import { createGraphClient, type GraphClient } from "../graph/graph-client";
import type { VendorPortalOptions } from "../shared/http-client";
import type { PaginationLimits } from "../shared/paginate";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../portal";
import type { Pax8Config } from "./config";
import { checkPax8Request, estimatePax8Change, placePax8Change, summariseLines } from "./pax8-change";
import { mapWithConcurrency } from "../shared/concurrency";
import { Pax8Reader, PAX8_MAX_PAGE_SIZE } from "./pax8-reads";
import { Pax8Session } from "./pax8-session";

/** How the Pax8 backend behaves beyond its config; everything has a default. */
export interface Pax8PortalOptions extends VendorPortalOptions {
  /** HTTP retries of reads (429 and 5xx, exponential backoff with full jitter). Default 6. */
  readonly retries?: number;
  /** Page size of GET /subscriptions. Default 200 (Pax8's maximum). */
  readonly pageSize?: number;
  readonly pagination?: Partial<PaginationLimits>;
  /** Subscriptions read in parallel. Default 4. */
  readonly concurrency?: number;
}

/** The Pax8 Partner API backend. */
export class Pax8Portal implements Portal {
  readonly kind = "pax8";
  private readonly options: Pax8PortalOptions;
  private readonly config: Pax8Config;
  private readonly clock: Clock;
  private readonly session: Pax8Session;
  private readonly reader: Pax8Reader;
  private readonly graph: GraphClient | undefined;
  /** Changes placed by this portal instance (Pax8 keeps no record of a PUT to look up later). */
  private readonly orders = new Map<string, Order>();
  private closed = false;

  constructor(config: Pax8Config, options: Pax8PortalOptions = {}) {
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const http = {
      ...(options.sleep ? { sleep: options.sleep } : {}),
      retries: options.retries ?? 6,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
    this.session = new Pax8Session(config, { clock: this.clock, log: (line) => this.log(line), ...http });
    this.graph = config.graph ? createGraphClient({ ...config.graph, clock: this.clock, ...http, ...(options.pagination ? { pagination: options.pagination } : {}) }) : undefined;
    this.reader = new Pax8Reader(this.session, config, this.clock, this.graph, options.pageSize ?? PAX8_MAX_PAGE_SIZE, options.pagination);
  }

  async listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
    const usage = await this.reader.loadUsage();
    const concurrency = this.options.concurrency ?? 4;
    let raws;
    if (options.ids) {
      const found = await mapWithConcurrency([...options.ids], concurrency, async (id) => {
        try {
          return await this.reader.fetchSubscription(id);
        } catch (error) {
          if (error instanceof CspSeatsError && error.code === "PORTAL_SUBSCRIPTION_NOT_FOUND") return undefined;
          throw error;
        }
      });
      raws = found.filter((raw) => raw !== undefined);
    } else {
      const companies = options.customerId ? [options.customerId] : this.config.companyIds ?? [undefined];
      const listed = (await mapWithConcurrency(companies, concurrency, (company) => this.reader.listAll(company))).flat();
      // The list omits vendorSkuId (NOTES.md section 9): read each subscription's detail.
      raws = await mapWithConcurrency(listed.filter((s) => s.id && this.reader.isManagedCompany(s.companyId)), concurrency, (s) => this.reader.fetchSubscription(s.id!));
    }
    const mapped = await mapWithConcurrency(raws, concurrency, (raw) => this.reader.load(raw, usage));
    return mapped.filter((s) => !options.customerId || s.customerId === options.customerId);
  }

  async getSubscription(id: string): Promise<Subscription> {
    const [raw, usage] = await Promise.all([this.reader.fetchSubscription(id), this.reader.loadUsage()]);
    return this.reader.load(raw, usage);
  }

  /** csp-seats' own estimate (daily proration): Pax8 has no quote endpoint for a quantity change. */
  async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
    const subscription = await this.getSubscription(request.subscriptionId);
    const { quantity } = checkPax8Request(subscription, request);
    const line = estimatePax8Change(subscription, quantity, this.clock.now());
    return { subscriptionId: request.subscriptionId, lines: [line], ...summariseLines([line], subscription.currency) };
  }

  /** One PUT with the absolute quantity; returns the completed order (Pax8 applies it synchronously). */
  async placeOrder(request: PlaceOrderRequest): Promise<Order> {
    const usage = await this.reader.loadUsage();
    const order = await placePax8Change(
      {
        session: this.session,
        fetchRaw: (id) => this.reader.fetchSubscription(id),
        load: (raw) => this.reader.load(raw, usage),
        now: () => this.clock.now(),
        log: (line) => this.log(line),
      },
      request,
    );
    this.orders.set(order.id, order);
    return order;
  }

  async getOrder(id: string): Promise<Order> {
    const order = this.orders.get(id);
    if (!order) throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `no Pax8 change ${id} in this run`, "Pax8 keeps no record of quantity changes to look up; read the subscription (csp-seats drift) instead.", { status: 404 });
    return order;
  }

  async listOrders(options: ListOrdersOptions = {}): Promise<Order[]> {
    return [...this.orders.values()].filter((o) => (!options.subscriptionId || o.subscriptionId === options.subscriptionId) && (!options.idempotencyKey || o.idempotencyKey === options.idempotencyKey));
  }

  /** Pax8 runs on real time: the injected clock (the wall clock unless pinned). */
  async now(): Promise<Date> {
    return this.clock.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.session.close(), this.graph?.close()]);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** Opens the Pax8 backend (no request is made until the first call). */
export async function createPax8Portal(config: Pax8Config, options: Pax8PortalOptions = {}): Promise<Portal> {
  return new Pax8Portal(config, options);
}
