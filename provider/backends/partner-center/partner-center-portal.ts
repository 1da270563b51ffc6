/**
 * The Microsoft Partner Center backend: the REST API every CSP portal sits on, for direct-bill partners and
 * indirect providers. One Partner Center subscription is one csp-seats subscription with one line (its offer);
 * assigned seats come from the customer's subscribedskus (tenant-wide per SKU, never split). By concern:
 * config.ts (settings), pc-session.ts (token, headers, rate limit, vendor errors), map-subscription.ts (pure
 * mapping), pc-orders.ts (changes now and at renewal, lost replies, 202 polling); docs/backends.md explains them.
 */
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Money, Order, OrderEstimate, OrderRequest, PlaceOrderRequest, Subscription } from "../../core/model";
import type { VendorPortalOptions } from "../shared/http-client";
import { checkArray, checkObject, checkQuantity, createVendorValueError } from "../shared/vendor-values";
import type { ListOrdersOptions, ListSubscriptionsOptions, Portal } from "../portal";
import type { PartnerCenterConfig } from "./config";
import { lookupOffer, mapPcSubscription, PARTNER_CENTER_VENDOR, type PcUsage } from "./map-subscription";
import { checkPcLines, checkPcRevision, placePcOrder, pollQuantity, pricePcLines, summarisePcLines, type PcOrderContext, type PendingChange } from "./pc-orders";
import { PartnerCenterSession } from "./pc-session";
import type { PcSubscribedSkuCollection, PcSubscription, PcSubscriptionCollection } from "./pc-types";
import { getSharedBucket, type TokenBucket } from "./rate-limiter";

/** How the Partner Center backend behaves beyond its config; everything has a default. */
export interface PartnerCenterPortalOptions extends VendorPortalOptions {
  /** How long placeOrder waits for a 202 before it schedules the renewal change that must follow. Default 900 s. */
  readonly orderTimeoutMs?: number;
  /** HTTP retries of safe requests (GETs, PATCHes with their MS-RequestId). Default 4. */
  readonly retries?: number;
  /** The rate limiter; default the process-wide bucket of the customer tenant. */
  readonly bucket?: TokenBucket;
}

/** A subscribedskus lookup: the configured offer -> skuPartNumber (or SKU GUID) -> consumed seats. */
type UsageLookup = (offerId: string) => PcUsage;

/** The Partner Center REST API backend. */
export class PartnerCenterPortal implements Portal {
  readonly kind = "partner-center";
  /** Prices are configuration, not csp-seats' defaults: plans quote them, so an unpriced change fails loudly. */
  readonly ownRating = true;
  /** Any mid-term change deletes Partner Center's scheduled changes; this backend re-creates them (see pc-orders.ts). */
  readonly midTermChangeWipesSchedule = true;
  readonly session: PartnerCenterSession;
  private readonly config: PartnerCenterConfig;
  private readonly options: PartnerCenterPortalOptions;
  private readonly clock: Clock;
  private readonly orders = new Map<string, Order>();
  private readonly pending = new Map<string, PendingChange>();
  private closed = false;

  constructor(config: PartnerCenterConfig, options: PartnerCenterPortalOptions = {}) {
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const bucket = options.bucket ?? getSharedBucket(`${config.endpoint}|${config.customerId}`, { perMinute: config.requestsPerMinute, ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.session = new PartnerCenterSession(config, {
      clock: this.clock,
      bucket,
      log: (line) => this.log(line),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  }

  async listSubscriptions(options: ListSubscriptionsOptions = {}): Promise<Subscription[]> {
    if (options.customerId !== undefined && options.customerId !== this.config.customerId) return [];
    const response = await this.session.call<PcSubscriptionCollection>({ method: "GET", path: this.customerPath("/subscriptions") });
    const collection = checkObject({ vendor: PARTNER_CENTER_VENDOR, object: "subscription list" }, "", response.body);
    const items = checkArray({ vendor: PARTNER_CENTER_VENDOR, object: "subscription list" }, "items", collection.items) as PcSubscription[];
    const wanted = options.ids ? new Set(options.ids) : undefined;
    // Without ids, only seat-based subscriptions: usage-billed ones (Azure) have no seats and far-future end dates.
    const chosen = items.filter((item) => (wanted ? wanted.has(item?.id) : item?.billingType !== "usage" && typeof item?.offerId === "string"));
    const usage = chosen.length > 0 ? await this.loadUsage() : () => ({ usage: null });
    return Promise.all(chosen.map((raw) => this.mapRaw(raw, usage)));
  }

  async getSubscription(id: string): Promise<Subscription> {
    return this.mapRaw(await this.readRaw(id), await this.loadUsage());
  }

  async estimateOrder(request: OrderRequest): Promise<OrderEstimate> {
    const subscription = await this.getSubscription(request.subscriptionId);
    checkPcRevision(subscription, request.expectedRevision);
    const { now, renewal } = checkPcLines(subscription, request);
    const lines = pricePcLines(subscription, [...(now ? [now] : []), ...(renewal ? [renewal] : [])], this.priceOf(subscription.lines[0]!.sku), this.clock.now(), true);
    return { subscriptionId: subscription.id, lines, ...summarisePcLines(lines, subscription.currency) };
  }

  /** Changes the seats (now, at renewal, or both in the one safe order) and returns what was done. */
  async placeOrder(request: PlaceOrderRequest): Promise<Order> {
    const replay = [...this.orders.values()].find((order) => order.idempotencyKey === request.idempotencyKey && order.subscriptionId === request.subscriptionId);
    if (replay) return this.getOrder(replay.id);
    const order = await placePcOrder({ ...this.orderContext(), pending: this.pending }, request);
    this.orders.set(order.id, order);
    return order;
  }

  /** The order as this portal recorded it; a 202 still pending is polled at its Location first. */
  async getOrder(id: string): Promise<Order> {
    const order = this.orders.get(id);
    if (!order) throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `no order "${id}" in this session`, "Partner Center has no order record for seat changes; re-read the subscription instead.", { status: 404 });
    const pending = this.pending.get(id);
    if (!pending) return order;
    const polled = await pollQuantity(this.orderContext(), pending);
    if (polled.status === "completed") {
      this.pending.delete(id);
      this.orders.set(id, polled);
    }
    return polled;
  }

  async listOrders(options: ListOrdersOptions = {}): Promise<Order[]> {
    return [...this.orders.values()].filter((o) => (options.subscriptionId === undefined || o.subscriptionId === options.subscriptionId) && (options.idempotencyKey === undefined || o.idempotencyKey === options.idempotencyKey));
  }

  /** Partner Center runs on real time: the injected clock (the wall clock unless a test pins one). */
  async now(): Promise<Date> {
    return this.clock.now();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }

  private orderContext(): PcOrderContext {
    return {
      session: this.session,
      subscriptionPath: (id) => this.customerPath(`/subscriptions/${encodeURIComponent(id)}`),
      readRaw: (id) => this.readRaw(id),
      readRawAt: async (path) => (await this.session.call<PcSubscription>({ method: "GET", path })).body,
      map: async (raw) => this.mapRaw(raw, await this.loadUsage()),
      priceOf: (offerId) => this.priceOf(offerId),
      resolveLocation: (location) => this.resolveLocation(location),
      now: () => this.clock.now(),
      log: (line) => this.log(line),
      orderTimeoutMs: this.options.orderTimeoutMs ?? 900_000,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
    };
  }

  private customerPath(rest: string): string {
    return `/v1/customers/${encodeURIComponent(this.config.customerId)}${rest}`;
  }

  private priceOf(offerId: string): Money | undefined {
    return lookupOffer(this.config.prices, offerId);
  }

  private async readRaw(id: string): Promise<PcSubscription> {
    const response = await this.session.call<PcSubscription>({ method: "GET", path: this.customerPath(`/subscriptions/${encodeURIComponent(id)}`) });
    return response.body;
  }

  private async mapRaw(raw: PcSubscription, usage: UsageLookup): Promise<Subscription> {
    const offerId = typeof raw?.offerId === "string" ? raw.offerId : "";
    return mapPcSubscription(raw, { customerId: this.config.customerId, now: this.clock.now(), price: this.priceOf(offerId), currency: this.config.currency, usage: usage(offerId) });
  }

  /**
   * Assigned seats from subscribedskus (App+User only; Directory Reader, Global Reader, User Administrator or
   * License Administrator by GDAP). Without a skuMap usage is unknown and nothing is read.
   */
  private async loadUsage(): Promise<UsageLookup> {
    const skuMap = this.config.skuMap;
    if (!skuMap || Object.keys(skuMap).length === 0) return () => ({ usage: null });
    if (this.session.appOnly) {
      throw new CspSeatsError("PARTNER_CENTER_APP_ONLY", "subscribedskus (assigned seats) supports App+User authentication only, and no refresh token is configured", "Set csp-seats:refreshToken (secure application model), or remove csp-seats:skuMap to plan without assigned seats.");
    }
    let body: PcSubscribedSkuCollection;
    try {
      body = (await this.session.call<PcSubscribedSkuCollection>({ method: "GET", path: this.customerPath("/subscribedskus") })).body;
    } catch (error) {
      if (isCspSeatsError(error) && error.status === 403) {
        throw new CspSeatsError("PARTNER_CENTER_GDAP_ROLE", `Partner Center denied subscribedskus for customer ${this.config.customerId}${error.details?.vendorMessage ? `: ${String(error.details.vendorMessage)}` : ""}`, "Give the signed-in user a GDAP role of Directory Reader, Global Reader, User Administrator or License Administrator for this customer, or remove csp-seats:skuMap.", {
          status: 403,
          ...(error.correlationId ? { correlationId: error.correlationId } : {}),
          ...(error.details ? { details: error.details } : {}),
        });
      }
      throw error;
    }
    const at = { vendor: PARTNER_CENTER_VENDOR, object: "subscribedskus" };
    const items = checkArray(at, "items", checkObject(at, "", body).items);
    const consumed = new Map<string, number>();
    items.forEach((item, index) => {
      const sku = checkObject(at, `items[${index}]`, item);
      const units = checkQuantity(at, `items[${index}].consumedUnits`, sku.consumedUnits);
      const product = (sku.productSku ?? {}) as { id?: unknown; skuPartNumber?: unknown };
      for (const key of [product.skuPartNumber, product.id]) {
        if (typeof key !== "string" || key === "") continue;
        const total = (consumed.get(key.toUpperCase()) ?? 0) + units;
        if (!Number.isSafeInteger(total)) throw createVendorValueError(at, `items[${index}].consumedUnits`, sku.consumedUnits, "the SKU's entries add up past any seat count");
        consumed.set(key.toUpperCase(), total);
      }
    });
    return (offerId) => {
      const part = lookupOffer(skuMap, offerId);
      if (!part) return { usage: null };
      const units = consumed.get(part.toUpperCase());
      return units === undefined ? { usage: null, usageScope: `tenant-wide: ${part} not found in the tenant's subscribedskus` } : { usage: units, usageScope: `tenant-wide: ${part}` };
    };
  }

  /** A 202's Location as a path below the endpoint; undefined for another origin (the token never goes there). */
  private resolveLocation(location: string | undefined): string | undefined {
    if (!location) return undefined;
    const endpoint = new URL(this.config.endpoint);
    let url: URL;
    try {
      url = new URL(location, `${endpoint.origin}/v1/`);
    } catch {
      return undefined;
    }
    if (url.origin !== endpoint.origin) return undefined;
    const prefix = endpoint.pathname.replace(/\/+$/, "");
    const path = prefix && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    return `${path.startsWith("/v1/") ? path : `/v1${path}`}${url.search}`;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** Opens the Partner Center backend (no request is made until the first call). */
export async function createPartnerCenterPortal(config: PartnerCenterConfig, options: PartnerCenterPortalOptions = {}): Promise<Portal> {
  return new PartnerCenterPortal(config, options);
}
