/**
 * Reading Pax8: companies, paged subscriptions, one subscription with what mapping needs (its history, the
 * product's commitment and quantity range, the company's status) and the tenant's assigned seats from Microsoft
 * Graph. Product data is cached for the portal's life (one command): Pax8 calls it dynamic and asks to fetch it
 * when needed, not to store it. Every "not found" becomes the Portal contract's PORTAL_SUBSCRIPTION_NOT_FOUND.
 */
import type { Clock } from "../../core/clock";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Subscription } from "../../core/model";
import type { GraphClient } from "../graph/graph-client";
import { buildSkuUsageLookup, type SkuUsage } from "../graph/sku-usage";
import { collectPages, type PaginationLimits } from "../shared/paginate";
import { checkArray, checkObject, checkOptionalQuantity } from "../shared/vendor-values";
import type { Pax8Config } from "./config";
import { atPax8, DEFAULT_PRODUCT_LIMITS, mapPax8Subscription, parseProductLimits, PAX8_VENDOR, type ProductLimits } from "./map-subscription";
import type { Pax8Session } from "./pax8-session";
import type { Pax8Commitment, Pax8Company, Pax8Dependencies, Pax8Page, Pax8Pricing, Pax8Subscription } from "./pax8-types";

/** The largest page Pax8 serves (NOTES.md section 2). */
export const PAX8_MAX_PAGE_SIZE = 200;

/** productId -> assigned seats of its Microsoft SKU in the company's tenant. */
export type Pax8UsageLookup = (raw: Pax8Subscription) => SkuUsage;

/** The read side of the Pax8 backend. */
export class Pax8Reader {
  private readonly products = new Map<string, Promise<{ dependencies: Pax8Dependencies; pricing: Pax8Pricing[] }>>();
  private readonly companies = new Map<string, Promise<Pax8Company | undefined>>();

  constructor(
    private readonly session: Pax8Session,
    private readonly config: Pax8Config,
    private readonly clock: Clock,
    private readonly graph: GraphClient | undefined,
    private readonly pageSize: number,
    private readonly pagination: Partial<PaginationLimits> = {},
  ) {}

  /** Whether `companyId` is one this backend manages (all when csp-seats:companyId is unset). */
  isManagedCompany(companyId: string | undefined): boolean {
    return !this.config.companyIds || (companyId !== undefined && this.config.companyIds.includes(companyId));
  }

  /** Every subscription of `companyId` (or of every company), page by page (`page` from 0, `size` up to 200). */
  async listAll(companyId: string | undefined): Promise<Pax8Subscription[]> {
    const list = "GET /subscriptions";
    const size = Math.min(PAX8_MAX_PAGE_SIZE, Math.max(1, this.pageSize));
    return collectPages<Pax8Subscription, number>(
      async (cursor) => {
        const page = cursor ?? 0;
        let body: Pax8Page<Pax8Subscription>;
        let correlationId: string | undefined;
        try {
          const read = await this.session.request<Pax8Page<Pax8Subscription>>({ method: "GET", path: "/subscriptions", query: { page: String(page), size: String(size), ...(companyId ? { companyId } : {}) } }, list);
          body = read.body;
          correlationId = read.response.correlationId;
        } catch (error) {
          // "We expect to receive zero results (or perhaps a Not Found Exception)" past the last page.
          if (page > 0 && isCspSeatsError(error) && error.code === "PAX8_NOT_FOUND") return { items: [] };
          throw error;
        }
        const at = { ...atPax8(list), ...(correlationId ? { correlationId } : {}) };
        const checked = checkObject(at, "(body)", body ?? {});
        const items = (checked.content === undefined ? [] : checkArray(at, "content", checked.content)) as Pax8Subscription[];
        const info = checked.page === undefined ? undefined : checkObject(at, "page", checked.page);
        const totalPages = checkOptionalQuantity(at, "page.totalPages", info?.totalPages, Number.MAX_SAFE_INTEGER);
        const number = checkOptionalQuantity(at, "page.number", info?.number, Number.MAX_SAFE_INTEGER);
        if (number !== undefined && number !== page) {
          throw new CspSeatsError("VENDOR_PAGINATION_LOOP", `Pax8 ${list} answered page ${number} to a request for page ${page}: the list does not advance`, "This is the portal's data: report it to Pax8 with the request's time; nothing was planned or ordered.", {
            ...(correlationId ? { correlationId } : {}),
            details: { vendor: PAX8_VENDOR, list, field: "page.number", value: number },
          });
        }
        const last = totalPages !== undefined ? page >= totalPages - 1 : items.length < size;
        return { items, ...(last ? {} : { next: page + 1 }), ...(correlationId ? { correlationId } : {}) };
      },
      { vendor: PAX8_VENDOR, list, cursorField: "page", itemKey: (item) => item.id, ...this.pagination },
    );
  }

  /** `GET /subscriptions/{id}`; PORTAL_SUBSCRIPTION_NOT_FOUND when Pax8 has none, or it is another company's. */
  async fetchSubscription(id: string): Promise<Pax8Subscription> {
    let raw: Pax8Subscription | undefined;
    try {
      raw = (await this.session.request<Pax8Subscription>({ method: "GET", path: `/subscriptions/${encodeURIComponent(id)}` }, "GET /subscriptions/{id}")).body;
    } catch (error) {
      if (isCspSeatsError(error) && error.code === "PAX8_NOT_FOUND") throw notFound(id, "Pax8 has no subscription with that id", error.correlationId);
      throw error;
    }
    if (!raw || typeof raw !== "object" || raw.id === undefined) throw notFound(id, "Pax8 returned no subscription");
    if (!this.isManagedCompany(raw.companyId)) throw notFound(id, `it belongs to another company than csp-seats:companyId ${this.config.companyIds!.join(",")}`);
    return raw;
  }

  /** Assigned seats from Graph (one request per command), or a lookup that knows none. */
  async loadUsage(): Promise<Pax8UsageLookup> {
    if (!this.graph) return () => ({ usage: null });
    const skus = await this.graph.listSubscribedSkus();
    const bySkuId = new Map(skus.map((sku) => [sku.skuId.toLowerCase(), sku.skuPartNumber]));
    const lookup = (map: Record<string, string>) => buildSkuUsageLookup(skus, map);
    const company = this.config.companyIds?.[0];
    return (raw) => {
      if (raw.companyId !== company || !raw.productId) return { usage: null };
      // vendorSkuId is Microsoft's skuId (Graph `skuId`); the configured skuMap covers subscriptions without it.
      const part = (raw.vendorSkuId ? bySkuId.get(raw.vendorSkuId.toLowerCase()) : undefined) ?? this.config.skuMap?.[raw.productId];
      return part ? lookup({ [raw.productId]: part })(raw.productId) : { usage: null };
    };
  }

  /** One subscription, mapped: its history, product commitment and range, company status and usage. */
  async load(raw: Pax8Subscription, usage: Pax8UsageLookup): Promise<Subscription> {
    const id = raw.id!;
    const [history, product, company] = await Promise.all([this.fetchHistory(id), this.getProduct(raw.productId ?? "", raw.companyId), this.getCompany(raw.companyId)]);
    const commitment = findCommitment(product.dependencies, raw);
    const limits: ProductLimits = product.pricing.length > 0 ? parseProductLimits(product.pricing, raw.billingTerm) : DEFAULT_PRODUCT_LIMITS;
    return mapPax8Subscription(raw, {
      now: this.clock.now(),
      history,
      ...(commitment ? { commitment } : {}),
      limits,
      ...(company?.status ? { companyStatus: company.status } : {}),
      usage: usage(raw),
    });
  }

  private async fetchHistory(id: string): Promise<Pax8Subscription[]> {
    const { body } = await this.session.request<{ content?: unknown }>({ method: "GET", path: `/subscriptions/${encodeURIComponent(id)}/history` }, "GET /subscriptions/{id}/history");
    const at = atPax8(`subscription ${id} history`);
    const checked = checkObject(at, "(body)", body ?? {});
    return (checked.content === undefined ? [] : checkArray(at, "content", checked.content)) as Pax8Subscription[];
  }

  private getCompany(companyId: string | undefined): Promise<Pax8Company | undefined> {
    if (!companyId) return Promise.resolve(undefined);
    let cached = this.companies.get(companyId);
    if (!cached) {
      cached = this.session
        .request<Pax8Company>({ method: "GET", path: `/companies/${encodeURIComponent(companyId)}` }, "GET /companies/{id}")
        .then((read) => read.body)
        .catch((error: unknown) => {
          this.companies.delete(companyId);
          throw error;
        });
      this.companies.set(companyId, cached);
    }
    return cached;
  }

  private getProduct(productId: string, companyId: string | undefined): Promise<{ dependencies: Pax8Dependencies; pricing: Pax8Pricing[] }> {
    const key = `${productId} ${companyId ?? ""}`;
    let cached = this.products.get(key);
    if (!cached) {
      const path = `/products/${encodeURIComponent(productId)}`;
      const optional = async <T>(read: Promise<{ body: T }>, fallback: T): Promise<T> => {
        try {
          return (await read).body ?? fallback;
        } catch (error) {
          if (isCspSeatsError(error) && error.code === "PAX8_NOT_FOUND") return fallback;
          throw error;
        }
      };
      cached = Promise.all([
        optional(this.session.request<Pax8Dependencies>({ method: "GET", path: `${path}/dependencies` }, "GET /products/{id}/dependencies"), {}),
        optional(this.session.request<{ content?: Pax8Pricing[] }>({ method: "GET", path: `${path}/pricing`, query: companyId ? { companyId } : {} }, "GET /products/{id}/pricing"), {}),
      ])
        .then(([dependencies, pricing]) => ({ dependencies, pricing: Array.isArray(pricing.content) ? pricing.content : [] }))
        .catch((error: unknown) => {
          this.products.delete(key);
          throw error;
        });
      this.products.set(key, cached);
    }
    return cached;
  }
}

/** The product commitment the subscription is on: by id, else by term; undefined when Pax8 names none. */
export function findCommitment(dependencies: Pax8Dependencies, raw: Pax8Subscription): Pax8Commitment | undefined {
  const list = Array.isArray(dependencies.commitmentDependencies) ? dependencies.commitmentDependencies : [];
  const term = raw.commitmentTerm;
  if (!term) return undefined;
  return list.find((c) => term.id !== undefined && c.id === term.id) ?? list.find((c) => term.term !== undefined && c.term === term.term);
}

function notFound(id: string, why: string, correlationId?: string): CspSeatsError {
  return new CspSeatsError("PORTAL_SUBSCRIPTION_NOT_FOUND", `Pax8 subscription ${id} not found: ${why}`, "Check the subscription id in seats.yaml against the Pax8 app (Subscriptions), and csp-seats:companyId.", {
    status: 404,
    ...(correlationId ? { correlationId } : {}),
  });
}
