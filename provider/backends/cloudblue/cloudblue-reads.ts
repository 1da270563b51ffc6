/**
 * Reading CloudBlue: paginated lists, one subscription with what mapping needs (its orders of the last 168
 * hours, the catalog limits of its products, the assigned seats from Microsoft Graph), and orders. Every
 * vendor "not found" becomes the Portal contract's PORTAL_*_NOT_FOUND.
 */
import type { Clock } from "../../core/clock";
import { HOUR_MS } from "../../core/dates";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Order, Subscription } from "../../core/model";
import type { CloudBlueConfig } from "./config";
import type { GraphClient } from "../graph/graph-client";
import { buildSkuUsageLookup, type SkuUsage } from "../graph/sku-usage";
import { collectPages, type PaginationLimits } from "../shared/paginate";
import { checkArray, checkObject, checkOptionalQuantity } from "../shared/vendor-values";
import { CLOUDBLUE_VENDOR, atCloudBlue } from "./check-values";
import { mapOrder } from "./map-order";
import { DEFAULT_PRODUCT_LIMITS, mapSubscription, parseProductLimits, type ProductLimits } from "./map-subscription";
import { RECENT_ORDER_HOURS } from "./order-marker";
import type { SimpleApi } from "./cloudblue-session";
import type { CbOrder, CbOrderDetailed, CbProduct, CbResultList, CbSubscriptionDetailed } from "./simpleapi-types";

/** A raw subscription with what mapping needs. */
export interface LoadedSubscription {
  readonly raw: CbSubscriptionDetailed;
  readonly recentOrders: CbOrder[];
  readonly subscription: Subscription;
}

/** Assigned seats per customer and mpn (from Graph), or unknown. */
export type UsageLookup = (customerId: string) => (mpn: string) => SkuUsage;

/** `2019-12-11T17:32:28Z`: the spec's date-time example has no milliseconds. */
export function toSpecDateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The read side of the CloudBlue backend (the catalog limits are cached per mpn in `limitsCache`, one command's). */
export class CloudBlueReader {
  constructor(
    private readonly api: SimpleApi,
    private readonly config: CloudBlueConfig,
    private readonly clock: Clock,
    private readonly graph: GraphClient | undefined,
    private readonly pageSize: number,
    private readonly pagination: Partial<PaginationLimits> = {},
    private readonly limitsCache = new Map<string, Promise<ProductLimits>>(),
  ) {}

  /** `{ customerId }` for list queries: the given customer, else the configured one, else none. */
  customerQuery(customerId: string | undefined): Record<string, string> {
    const id = customerId ?? this.config.customerId;
    return id ? { customerId: id } : {};
  }

  /**
   * Every item of a paginated list endpoint (offset/limit). The list ends on an empty page, at
   * `pagination.total`, or on a short page when there is no total; a page that answers another offset than
   * asked, an item sent twice and the page, item and time bounds are refused (shared/paginate.ts).
   */
  async listAll<T extends { id?: string }>(path: string, query: Record<string, string>): Promise<T[]> {
    const limit = this.pageSize;
    const list = `GET ${path}`;
    return collectPages<T, number>(
      async (cursor) => {
        const offset = cursor ?? 0;
        const response = await this.api.request<CbResultList<T>>({ method: "GET", path, query: { ...query, offset: String(offset), limit: String(limit) } });
        const at = { ...atCloudBlue(list), ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
        const body = checkObject(at, "(body)", response.body ?? {});
        const data = (body.data === undefined ? [] : checkArray(at, "data", body.data)) as T[];
        const pagination = body.pagination === undefined ? undefined : checkObject(at, "pagination", body.pagination);
        const total = checkOptionalQuantity(at, "pagination.total", pagination?.total, Number.MAX_SAFE_INTEGER);
        const answered = checkOptionalQuantity(at, "pagination.offset", pagination?.offset, Number.MAX_SAFE_INTEGER);
        if (answered !== undefined && answered !== offset) {
          throw new CspSeatsError("VENDOR_PAGINATION_LOOP", `CloudBlue ${list} answered offset ${answered} to a request for offset ${offset}: the list does not advance`, "This is the portal's data: report it to the portal's operator with the correlation id; nothing was planned or ordered.", {
            ...(response.correlationId ? { correlationId: response.correlationId } : {}),
            details: { vendor: CLOUDBLUE_VENDOR, list, field: "pagination.offset", value: answered },
          });
        }
        const next = offset + data.length;
        const last = total !== undefined ? next >= total : data.length < limit;
        return { items: data, ...(last ? {} : { next }), ...(response.correlationId ? { correlationId: response.correlationId } : {}) };
      },
      { vendor: CLOUDBLUE_VENDOR, list, cursorField: "offset", itemKey: (item) => item.id, ...this.pagination },
    );
  }

  /** Assigned seats from Graph (one request), or a lookup that knows none without Graph settings. */
  async loadUsage(): Promise<UsageLookup> {
    const none = () => () => ({ usage: null });
    if (!this.graph) return none;
    const lookup = buildSkuUsageLookup(await this.graph.listSubscribedSkus(), this.config.skuMap ?? {});
    // One Graph tenant is one customer's: never attribute its seats to another customer's subscriptions.
    return (customerId) => (customerId === this.config.customerId ? lookup : () => ({ usage: null }));
  }

  /** `GET /orders/{id}`; PORTAL_ORDER_NOT_FOUND when CloudBlue has no such order. */
  async fetchOrder(id: string): Promise<CbOrderDetailed> {
    try {
      return (await this.api.request<CbOrderDetailed>({ method: "GET", path: `/orders/${encodeURIComponent(id)}` })).body;
    } catch (error) {
      if (isCspSeatsError(error) && error.code === "CLOUDBLUE_NOT_FOUND") {
        throw new CspSeatsError("PORTAL_ORDER_NOT_FOUND", `CloudBlue has no order ${id}`, "Check the order id.", { status: 404, ...(error.correlationId ? { correlationId: error.correlationId } : {}) });
      }
      throw error;
    }
  }

  /** The orders of `subscriptionId` created within the reduction window (any status). */
  async fetchRecentOrders(subscriptionId: string): Promise<CbOrder[]> {
    const since = new Date(this.clock.now().getTime() - RECENT_ORDER_HOURS * HOUR_MS);
    return this.listAll<CbOrder>("/orders", { subscriptionId, creationTimeFrom: toSpecDateTime(since) });
  }

  /** One subscription, mapped, with its raw form and recent orders; another customer's is not found. */
  async load(id: string, usage: UsageLookup): Promise<LoadedSubscription> {
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

  /** An order read on its own: its currency from its total or details. */
  mapDetailed(order: CbOrderDetailed): Order {
    const currency = order.total?.currency ?? order.details?.find((d) => d.extendedPrice)?.extendedPrice?.currency ?? "USD";
    return mapOrder(order, currency);
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
}
