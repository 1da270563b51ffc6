/**
 * A stateful Microsoft Partner Center REST API (and its Entra ID token endpoint) on 127.0.0.1:0 that holds every
 * request body and every response body to the contract csp-seats assembled (schema/vendor/partner-center/
 * subscription.schema.json, a verbatim copy of shared/specs, with ajv 2020) and checks the headers NOTES.md §2
 * asks for (Bearer, Accept, MS-CorrelationId new per call, MS-RequestId, MS-Contract-Version: v1, a quoted
 * If-Match on PATCH). Every mismatch is recorded in `violations`; tests assert none.
 *
 * It implements the new-commerce rules of NOTES.md §5: seats added now form a batch refundable for 168 h
 * (refundableQuantity.details[]), a decrease beyond the refundable seats is 800090, any quantity change deletes
 * scheduledNextTermInstructions, which needs autoRenewEnabled; a stale etag is 2055; MS-RequestId is the
 * idempotency key (a repeated id gets the first answer, nothing is applied twice); slow changes answer 202 with
 * a Location and show after N polls. Faults on demand: statuses (429 + Retry-After, 5xx, vendor codes), replies
 * dropped after the change was made, expired tokens, a concurrent change, MFA missing, GDAP role missing.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { PcSubscribedSku, PcSubscription } from "../../provider/backends/partner-center/pc-types";

export const PARTNER_CENTER_SPEC_DIR = path.resolve(__dirname, "../../schema/vendor/partner-center");
const SCHEMA_ID = "urn:csp-seats:specs:partner-center:subscription.schema.json";
const WINDOW_MS = 168 * 3_600_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The contract compiled: one validator per $def. */
export class PartnerCenterContract {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(JSON.parse(fs.readFileSync(path.join(PARTNER_CENTER_SPEC_DIR, "subscription.schema.json"), "utf8")));
  }

  /** Validation errors of `value` against `$defs/<def>` (empty when valid). */
  check(def: string, value: unknown): string[] {
    let validate = this.cache.get(def);
    if (!validate) {
      validate = this.ajv.getSchema(`${SCHEMA_ID}#/$defs/${def}`)!;
      this.cache.set(def, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${def}${e.instancePath || "/"} ${e.message}`);
  }
}

export interface PartnerCenterCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** One subscription the server holds: the resource plus the batches behind its refundableQuantity. */
export interface PcSeed {
  readonly subscription: PcSubscription;
  /** Seats still refundable, with when their window closes. Default none. */
  readonly batches?: { quantity: number; allowedUntil: string }[];
}

export interface PartnerCenterFault {
  /** `METHOD /template`: `GET /subscriptions`, `GET /subscriptions/{id}`, `PATCH /subscriptions/{id}`, `GET /subscribedskus`, `POST /token`. */
  readonly route: string;
  /** `status`: answer `status` without acting; `drop-after-commit`: act, then destroy the socket. */
  readonly kind: "status" | "drop-after-commit";
  readonly status?: number;
  /** Partner Center's error code in the ApiFault body. */
  readonly code?: string | number;
  readonly description?: string;
  readonly retryAfterSeconds?: number;
  readonly times?: number;
}

export interface PcRecordedRequest {
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly status: number;
  /** Wall-clock ms when the answer was ready. */
  readonly at: number;
  /** A PATCH answered from the MS-RequestId store (nothing applied). */
  readonly replayed?: boolean;
}

export interface PartnerCenterTestServerOptions {
  readonly credentials: PartnerCenterCredentials;
  readonly customerId: string;
  readonly subscriptions: PcSeed[];
  readonly subscribedSkus?: PcSubscribedSku[];
  /** Server time (batches, windows, tokens). Default: wall clock. */
  readonly now?: () => Date;
  /** Seconds an access token lives. Default 3600. */
  readonly tokenTtlSeconds?: number;
  /** Requests per minute per customer before 429 (Partner Center's published limit). Default 500. */
  readonly requestsPerMinute?: number;
  /** The offer's maximum seats (2002 above it). Default 300. */
  readonly maxQuantity?: number;
}

interface Held {
  body: PcSubscription;
  batches: { quantity: number; allowedUntil: string }[];
  updates: number;
  slow?: { polls: number; target?: number };
}

/**
 * A new-commerce subscription shaped like Microsoft's get-a-subscription-by-id example (Business Basic, annual
 * term billed monthly, auto-renew on), with `fields` over it.
 */
export function buildPcSubscription(customerId: string, id: string, fields: Partial<PcSubscription> = {}): PcSubscription {
  const offerId = fields.offerId ?? "CFQ7TTC0LH18:0001:CFQ7TTC0K971";
  const [productId, skuId, availabilityId] = offerId.split(":");
  return {
    id,
    offerId,
    offerName: "Microsoft 365 Business Basic",
    friendlyName: "Microsoft 365 Business Basic",
    productType: { id: "OnlineServicesNCE", displayName: "OnlineServicesNCE" },
    quantity: 20,
    unitType: "Licenses",
    hasPurchasableAddons: false,
    creationDate: "2025-12-01T10:15:12.0966728Z",
    effectiveStartDate: "2025-12-01T10:15:11.498252Z",
    commitmentEndDate: "2026-11-30T00:00:00Z",
    commitmentEndDateTime: "2026-11-30T23:59:59Z",
    status: "active",
    autoRenewEnabled: true,
    isTrial: false,
    billingType: "license",
    billingCycle: "monthly",
    termDuration: "P1Y",
    renewalTermDuration: "",
    refundOptions: [{ type: "Full", expiresAt: "2025-12-08T00:00:00Z" }],
    isMicrosoftProduct: true,
    partnerId: "",
    attentionNeeded: false,
    actionTaken: false,
    contractType: "subscription",
    links: {
      product: { uri: `/products/${productId}?country=US`, method: "GET", headers: [] },
      sku: { uri: `/products/${productId}/skus/${skuId}?country=US`, method: "GET", headers: [] },
      availability: { uri: `/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=US`, method: "GET", headers: [] },
      self: { uri: `/customers/${customerId}/subscriptions/${id}`, method: "GET", headers: [] },
    },
    publisherName: "Microsoft Corporation",
    orderId: "34b37d7340cc",
    attributes: { etag: `etag-${randomUUID()}`, objectType: "Subscription" },
    ...fields,
  };
}

/** A running Partner Center test server. */
export class PartnerCenterTestServer {
  readonly contract: PartnerCenterContract;
  readonly violations: string[] = [];
  readonly requests: PcRecordedRequest[] = [];
  readonly subscriptions = new Map<string, Held>();
  /** Quantity changes applied, per subscription (a replayed PATCH applies none). */
  readonly changes = new Map<string, number>();
  /** Scheduled changes deleted by a mid-term change, per subscription. */
  readonly wipes = new Map<string, number>();
  url = "";
  private readonly options: PartnerCenterTestServerOptions;
  private readonly server: http.Server;
  private readonly tokens = new Map<string, { expiresAt: number; appOnly: boolean }>();
  private readonly refreshTokens = new Set<string>();
  private readonly idempotent = new Map<string, { status: number; body: unknown; headers: Record<string, string> }>();
  private readonly correlationIds = new Set<string>();
  private faults: (PartnerCenterFault & { left: number })[] = [];
  private readonly window: number[] = [];
  private raceBeforePatch = new Set<string>();
  private sequence = 0;
  /** Set to make App+User calls fail with 900421 (no MFA claim). */
  mfaMissing = false;
  /** Set to make subscribedskus fail with 403 (no GDAP role). */
  gdapRoleMissing = false;

  constructor(options: PartnerCenterTestServerOptions, contract = new PartnerCenterContract()) {
    this.options = options;
    this.contract = contract;
    this.refreshTokens.add(options.credentials.refreshToken);
    for (const seed of options.subscriptions) this.subscriptions.set(seed.subscription.id, { body: structuredClone(seed.subscription), batches: structuredClone(seed.batches ?? []), updates: 0 });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`server error: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) this.sendJson(res, 500, { code: "500", description: "test server failure" });
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The token endpoint's URL (what csp-seats:tokenEndpoint is set to). */
  get tokenEndpoint(): string {
    return `${this.url}/${this.options.credentials.tenantId}/oauth2/v2.0/token`;
  }

  inject(fault: PartnerCenterFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Every access token issued so far stops working (the next call gets 401). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** The next `polls` GETs of `id` after a quantity PATCH still show the old quantity (the PATCH answers 202). */
  slow(id: string, polls: number): void {
    this.subscriptions.get(id)!.slow = { polls };
  }

  /** Someone else changes the subscription just before the next PATCH reaches it (its etag moves on). */
  raceNextPatch(id: string): void {
    this.raceBeforePatch.add(id);
  }

  /** A change made elsewhere (e.g. in the Partner Center UI): a new etag, optionally a new quantity. */
  touch(id: string, quantity?: number): void {
    const held = this.subscriptions.get(id)!;
    if (quantity !== undefined) held.body.quantity = quantity;
    held.body.attributes = { ...held.body.attributes, etag: `etag-${randomUUID()}` };
  }

  /** The resource as GET answers it now. */
  view(id: string): PcSubscription {
    return this.render(this.subscriptions.get(id)!);
  }

  count(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private render(held: Held): PcSubscription {
    const now = this.now().getTime();
    const open = held.batches.filter((b) => Date.parse(b.allowedUntil) > now && b.quantity > 0);
    const body: PcSubscription = structuredClone(held.body);
    if (open.length > 0) body.refundableQuantity = { totalQuantity: open.reduce((s, b) => s + b.quantity, 0), details: open.map((b) => ({ quantity: b.quantity, allowedUntilDateTime: b.allowedUntil })) };
    else delete body.refundableQuantity;
    if (body.scheduledNextTermInstructions === null) delete body.scheduledNextTermInstructions;
    return body;
  }

  private sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  }

  private send(res: http.ServerResponse, req: http.IncomingMessage, status: number, body: unknown, def: string | undefined, headers: Record<string, string> = {}): void {
    const schema = status === 429 ? "ThrottlingError" : status >= 400 ? "ApiFault" : def;
    if (schema) for (const v of this.contract.check(schema, body)) this.violations.push(`response ${req.method} ${req.url}: ${v}`);
    const echo = { "ms-correlationid": String(req.headers["ms-correlationid"] ?? ""), "ms-requestid": String(req.headers["ms-requestid"] ?? ""), "ms-cv": `cv.${++this.sequence}` };
    this.sendJson(res, status, body, { ...echo, ...headers });
  }

  private fault(route: string): (PartnerCenterFault & { left: number }) | undefined {
    const fault = this.faults.find((f) => f.left > 0 && f.route === route);
    if (fault) fault.left -= 1;
    return fault;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const customer = `/v1/customers/${this.options.customerId}`;
    let route: string;
    let id: string | undefined;
    if (method === "POST" && url.pathname === `/${this.options.credentials.tenantId}/oauth2/v2.0/token`) route = "POST /token";
    else if (method === "GET" && url.pathname === `${customer}/subscriptions`) route = "GET /subscriptions";
    else if (method === "GET" && url.pathname === `${customer}/subscribedskus`) route = "GET /subscribedskus";
    else if ((method === "GET" || method === "PATCH") && url.pathname.startsWith(`${customer}/subscriptions/`)) {
      route = `${method} /subscriptions/{id}`;
      id = decodeURIComponent(url.pathname.slice(`${customer}/subscriptions/`.length));
    } else {
      this.violations.push(`request ${method} ${url.pathname}: no such Partner Center operation`);
      return this.sendJson(res, 404, { code: "404", description: "Not found" });
    }
    let body: unknown;
    if (route === "POST /token") body = Object.fromEntries(new URLSearchParams(text));
    else if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        this.violations.push(`request ${route}: body is not JSON`);
      }
    }
    let replayed = false;
    const record = (status: number): void => {
      this.requests.push({ method, route, path: url.pathname, headers: req.headers, body, status, at: Date.now(), ...(replayed ? { replayed } : {}) });
    };
    if (route === "POST /token") {
      const result = this.issueToken(body as Record<string, string>);
      record(result.status);
      return this.sendJson(res, result.status, result.body);
    }
    this.checkHeaders(route, req.headers);
    if (this.overLimit()) {
      record(429);
      return this.send(res, req, 429, { statusCode: 429, message: "Rate limit is exceeded. Try again in 60 seconds." }, undefined, { "retry-after": "60" });
    }
    const fault = this.fault(route);
    if (fault?.kind === "status") {
      const status = fault.status ?? 500;
      record(status);
      if (status === 429) {
        const seconds = fault.retryAfterSeconds ?? 1;
        return this.send(res, req, 429, { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }, undefined, { "retry-after": String(seconds) });
      }
      return this.send(res, req, status, { code: fault.code ?? String(status), description: fault.description ?? "Injected failure", data: [], source: "PartnerFD" }, undefined, fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
    }
    const auth = this.authenticate(req.headers, route);
    if (auth) {
      record(auth.status);
      return this.send(res, req, auth.status, auth.body, undefined);
    }
    let result: { status: number; body: unknown; def?: string; headers?: Record<string, string> };
    const requestId = String(req.headers["ms-requestid"] ?? "");
    if (route === "PATCH /subscriptions/{id}" && this.idempotent.has(requestId)) {
      replayed = true;
      result = { ...this.idempotent.get(requestId)!, def: "Subscription" };
    } else {
      result = this.route(route, id, body, req.headers);
      if (route === "PATCH /subscriptions/{id}") this.idempotent.set(requestId, { status: result.status, body: result.body, headers: result.headers ?? {} });
    }
    record(result.status);
    if (fault?.kind === "drop-after-commit") {
      req.socket.destroy();
      return;
    }
    this.send(res, req, result.status, result.body, result.def, result.headers);
  }

  private checkHeaders(route: string, headers: http.IncomingHttpHeaders): void {
    const where = `request ${route}`;
    if (headers.accept !== "application/json") this.violations.push(`${where}: Accept is ${headers.accept}, not application/json`);
    for (const name of ["ms-correlationid", "ms-requestid"]) {
      const value = headers[name];
      if (typeof value !== "string" || !GUID.test(value)) this.violations.push(`${where}: ${name} is ${String(value)}, not a GUID`);
    }
    const correlation = String(headers["ms-correlationid"]);
    if (this.correlationIds.has(correlation)) this.violations.push(`${where}: MS-CorrelationId ${correlation} was sent before (it must be new on every call)`);
    this.correlationIds.add(correlation);
    if (headers["ms-contract-version"] !== "v1") this.violations.push(`${where}: MS-Contract-Version is ${String(headers["ms-contract-version"])}, not v1`);
    if (route.startsWith("PATCH")) {
      if (!/^"[^"]+"$/.test(String(headers["if-match"] ?? ""))) this.violations.push(`${where}: If-Match ${String(headers["if-match"])} is not a quoted etag`);
      if (!/^application\/json/.test(String(headers["content-type"] ?? ""))) this.violations.push(`${where}: Content-Type is ${String(headers["content-type"])}`);
    }
  }

  private overLimit(): boolean {
    const now = Date.now();
    while (this.window.length > 0 && this.window[0]! <= now - 60_000) this.window.shift();
    if (this.window.length >= (this.options.requestsPerMinute ?? 500)) return true;
    this.window.push(now);
    return false;
  }

  private issueToken(form: Record<string, string>): { status: number; body: unknown } {
    const c = this.options.credentials;
    if (form.scope !== "https://api.partnercenter.microsoft.com/.default") this.violations.push(`request POST /token: scope is ${form.scope}`);
    if (form.client_id !== c.clientId || form.client_secret !== c.clientSecret) return { status: 401, body: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." } };
    if (form.grant_type === "refresh_token" && !this.refreshTokens.has(form.refresh_token ?? "")) {
      return { status: 400, body: { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity." } };
    }
    if (form.grant_type !== "refresh_token" && form.grant_type !== "client_credentials") return { status: 400, body: { error: "unsupported_grant_type", error_description: "AADSTS70003" } };
    const ttl = this.options.tokenTtlSeconds ?? 3600;
    const token = `pc-at-${++this.sequence}-${randomUUID()}`;
    this.tokens.set(token, { expiresAt: this.now().getTime() + ttl * 1000, appOnly: form.grant_type === "client_credentials" });
    if (form.grant_type === "client_credentials") return { status: 200, body: { token_type: "Bearer", expires_in: ttl, access_token: token } };
    const rotated = `${c.refreshToken}.r${this.sequence}`;
    this.refreshTokens.add(rotated);
    return { status: 200, body: { token_type: "Bearer", expires_in: ttl, access_token: token, refresh_token: rotated } };
  }

  private authenticate(headers: http.IncomingHttpHeaders, route: string): { status: number; body: unknown } | undefined {
    const token = String(headers.authorization ?? "").replace(/^Bearer /, "");
    const held = this.tokens.get(token);
    if (!held || held.expiresAt <= this.now().getTime()) return { status: 401, body: { code: "401", description: "Unauthorized: the access token is expired or invalid.", data: [], source: "PartnerFD" } };
    if (!held.appOnly && this.mfaMissing) return { status: 401, body: { code: 900421, description: "Multi-factor authentication is required for App+User calls.", data: [], source: "PartnerFD" } };
    if (route === "GET /subscribedskus" && held.appOnly) return { status: 403, body: { code: "403", description: "App only authentication is not supported for this API.", data: [], source: "PartnerFD" } };
    if (route === "GET /subscribedskus" && this.gdapRoleMissing) return { status: 403, body: { code: "403", description: "The user does not have the required GDAP role.", data: [], source: "PartnerFD" } };
    return undefined;
  }

  private route(route: string, id: string | undefined, body: unknown, headers: http.IncomingHttpHeaders): { status: number; body: unknown; def?: string; headers?: Record<string, string> } {
    if (route === "GET /subscriptions") {
      const items = [...this.subscriptions.values()].map((held) => this.render(held));
      return { status: 200, body: { totalCount: items.length, items, attributes: { objectType: "Collection" } }, def: "SubscriptionCollection" };
    }
    if (route === "GET /subscribedskus") {
      const items = (this.options.subscribedSkus ?? []).map((sku) => ({ ...sku, attributes: { objectType: "SubscribedSku" } }));
      return { status: 200, body: { totalCount: items.length, items, attributes: { objectType: "Collection" } }, def: "SubscribedSkuCollection" };
    }
    const held = this.subscriptions.get(id!);
    if (!held) return { status: 404, body: { code: "20003", description: `Subscription with ID ${id} not found.`, data: [], source: "PartnerFD" } };
    if (route === "GET /subscriptions/{id}") {
      if (held.slow?.target !== undefined) {
        held.slow.polls -= 1;
        if (held.slow.polls <= 0) {
          this.applyQuantity(held, held.slow.target);
          delete held.slow;
        }
      }
      return { status: 200, body: this.render(held), def: "Subscription" };
    }
    return this.patch(held, body as PcSubscription, headers);
  }

  private fail(status: number, code: string | number, description: string): { status: number; body: unknown } {
    return { status, body: { code, description, data: [], source: "PartnerFD" } };
  }

  private patch(held: Held, body: PcSubscription, headers: http.IncomingHttpHeaders): { status: number; body: unknown; def?: string; headers?: Record<string, string> } {
    for (const v of this.contract.check("Subscription", body)) this.violations.push(`request PATCH /subscriptions/{id}: ${v}`);
    const current = this.render(held);
    for (const key of Object.keys(current)) if (!(key in (body ?? {})) && key !== "refundableQuantity") this.violations.push(`request PATCH /subscriptions/{id}: not the full resource (no ${key})`);
    if (body?.id !== current.id) this.violations.push(`request PATCH /subscriptions/{id}: body id ${body?.id} is not ${current.id}`);
    if (this.raceBeforePatch.delete(current.id)) this.touch(current.id);
    const etag = held.body.attributes?.etag;
    if (String(headers["if-match"]) !== `"${etag}"`) return this.fail(400, "2055", "Etag is no longer valid");
    if (held.updates >= 1200) return this.fail(400, "900311", "This subscription has been updated too many times. Please contact partner support for further assistance.");
    if (held.slow?.target !== undefined) return this.fail(409, "900278", "There is a pending operation on this subscription. Please try again after 24 hours.");
    const status = String(held.body.status);
    const quantityChanged = body.quantity !== held.body.quantity;
    if (quantityChanged) {
      if (status === "suspended") return this.fail(400, "800091", "Can't update a subscription with suspended status");
      if (status !== "active") return this.fail(400, "900279", "Update operations are no longer allowed for this subscription.");
      if (body.quantity < 1 || body.quantity > (this.options.maxQuantity ?? 300)) return this.fail(400, "2002", "Subscription quantity isn't within minimum and maximum allowed quantity");
      if (body.quantity < held.body.quantity) {
        const refundable = (current.refundableQuantity?.totalQuantity as number | undefined) ?? 0;
        if (held.body.quantity - body.quantity > refundable) return this.fail(400, 800090, "Subscription quantity cannot be decreased.");
      }
      held.updates += 1;
      this.wipeSchedule(held);
      if (held.slow) {
        held.slow.target = body.quantity;
        held.body.attributes = { ...held.body.attributes, etag: `etag-${randomUUID()}` };
        return { status: 202, body: { ...this.render(held), quantity: body.quantity }, def: "Subscription", headers: { location: `/customers/${this.options.customerId}/subscriptions/${held.body.id}` } };
      }
      this.applyQuantity(held, body.quantity);
      return { status: 200, body: this.render(held), def: "Subscription" };
    }
    const wanted = body.scheduledNextTermInstructions ?? null;
    const had = held.body.scheduledNextTermInstructions ?? null;
    if (body.autoRenewEnabled !== held.body.autoRenewEnabled) {
      held.body.autoRenewEnabled = body.autoRenewEnabled === true;
      if (!held.body.autoRenewEnabled) this.wipeSchedule(held);
    }
    if (JSON.stringify(wanted) !== JSON.stringify(had) && wanted !== null) {
      if (held.body.autoRenewEnabled !== true || status !== "active") return this.fail(400, "800095", "Scheduled changes require an active subscription with auto-renew enabled.");
      const [productId, skuId] = String(held.body.offerId).split(":");
      if (wanted.product?.productId !== productId || wanted.product?.skuId !== skuId || !wanted.product?.availabilityId) this.violations.push(`request PATCH /subscriptions/{id}: scheduled product ${JSON.stringify(wanted.product)} is not the subscription's offer`);
      if (!(typeof wanted.quantity === "number" && wanted.quantity >= 1)) return this.fail(400, "2002", "Subscription quantity isn't within minimum and maximum allowed quantity");
      held.body.scheduledNextTermInstructions = structuredClone(wanted);
      held.updates += 1;
    }
    held.body.attributes = { ...held.body.attributes, etag: `etag-${randomUUID()}` };
    return { status: 200, body: this.render(held), def: "Subscription" };
  }

  private wipeSchedule(held: Held): void {
    if (held.body.scheduledNextTermInstructions) this.wipes.set(held.body.id, (this.wipes.get(held.body.id) ?? 0) + 1);
    delete held.body.scheduledNextTermInstructions;
  }

  private applyQuantity(held: Held, target: number): void {
    const now = this.now();
    const from = held.body.quantity;
    if (target > from) held.batches.push({ quantity: target - from, allowedUntil: new Date(now.getTime() + WINDOW_MS).toISOString() });
    else {
      let left = from - target;
      const open = held.batches.filter((b) => Date.parse(b.allowedUntil) > now.getTime());
      for (let i = open.length - 1; i >= 0 && left > 0; i -= 1) {
        const taken = Math.min(left, open[i]!.quantity);
        open[i]!.quantity -= taken;
        left -= taken;
      }
      held.batches = held.batches.filter((b) => b.quantity > 0);
    }
    held.body.quantity = target;
    held.body.attributes = { ...held.body.attributes, etag: `etag-${randomUUID()}` };
    this.changes.set(held.body.id, (this.changes.get(held.body.id) ?? 0) + 1);
  }
}

/** Starts a Partner Center test server on 127.0.0.1, port 0. */
export async function startPartnerCenterTestServer(options: PartnerCenterTestServerOptions, contract?: PartnerCenterContract): Promise<PartnerCenterTestServer> {
  return new PartnerCenterTestServer(options, contract).listen();
}

// ---------------------------------------------------------------------------------------------------------------
// The seeded tenant every Partner Center test runs against

/** The time every Partner Center test runs at: 20 of May's 31 days left, the term ends 2026-11-30. */
export const PC_NOW = "2026-05-12T09:00:00.000Z";
export const PC_CUSTOMER = "d8202a51-69f9-4228-b900-d0e081af17d7";
export const PC_OFFER = "CFQ7TTC0LH18:0001:CFQ7TTC0K971";
/** Assigned Business Basic seats in the tenant (subscribedskus: one number for every subscription of the SKU). */
export const PC_USAGE = 12;
export const PC_CREDENTIALS: PartnerCenterCredentials = {
  tenantId: "5b3c8f3e-1c1f-4e7a-9d0e-3f1a2b3c4d5e",
  clientId: "11111111-2222-3333-4444-555555555555",
  clientSecret: "pc-client-s3cret~value-7f3a",
  refreshToken: "0.AXkA-pc-refresh-token-9e8d7c6b5a",
};

/** One subscription per scenario, so scenarios never disturb each other. */
export const PC_SCENARIOS = ["check", "up", "refund", "schedule", "refuse", "split", "keep", "slow", "drop", "stale", "storm", "token", "cli"] as const;
export type PcScenario = (typeof PC_SCENARIOS)[number];

/** The subscription GUID of `scenario`. */
export function getPcId(scenario: PcScenario): string {
  const index = PC_SCENARIOS.indexOf(scenario) + 1;
  return `a4c1340d-6911-4758-bba3-${String(index).padStart(12, "0")}`;
}

function seedScenario(scenario: PcScenario): PcSeed {
  const id = getPcId(scenario);
  const now = Date.parse(PC_NOW);
  const inThreeDays = new Date(now + 3 * 86_400_000).toISOString();
  const name = { friendlyName: `Business Basic (${scenario})` };
  switch (scenario) {
    case "refund":
      return { subscription: buildPcSubscription(PC_CUSTOMER, id, { ...name, quantity: 20 }), batches: [{ quantity: 5, allowedUntil: inThreeDays }] };
    case "split":
      return { subscription: buildPcSubscription(PC_CUSTOMER, id, { ...name, quantity: 20 }), batches: [{ quantity: 3, allowedUntil: inThreeDays }] };
    case "keep": {
      const [productId, skuId, availabilityId] = PC_OFFER.split(":");
      return { subscription: buildPcSubscription(PC_CUSTOMER, id, { ...name, quantity: 20, scheduledNextTermInstructions: { product: { productId, skuId, availabilityId, billingCycle: "monthly", termDuration: "P1Y" }, quantity: 16 } }) };
    }
    default:
      return { subscription: buildPcSubscription(PC_CUSTOMER, id, { ...name, quantity: 20 }) };
  }
}

/** Starts the seeded tenant: every scenario's subscription, Business Basic's subscribedsku, the server at PC_NOW. */
export async function startPartnerCenterTenant(options: Partial<PartnerCenterTestServerOptions> = {}): Promise<PartnerCenterTestServer> {
  return startPartnerCenterTestServer({
    credentials: PC_CREDENTIALS,
    customerId: PC_CUSTOMER,
    subscriptions: PC_SCENARIOS.map(seedScenario),
    subscribedSkus: [
      {
        availableUnits: 8,
        activeUnits: 20,
        consumedUnits: PC_USAGE,
        suspendedUnits: 0,
        totalUnits: 20,
        warningUnits: 0,
        productSku: { id: "3b555118-da6a-4418-894f-7df1e2096870", name: "Microsoft 365 Business Basic", skuPartNumber: "O365_BUSINESS_ESSENTIALS", licenseGroupId: "group1" },
      },
    ],
    now: () => new Date(PC_NOW),
    ...options,
  });
}

/** The backend's settings for `server`, keyed as the stack config (`csp-seats:<key>`) and the environment read them. */
export function getPcSettings(server: PartnerCenterTestServer): Record<string, string> {
  return {
    endpoint: server.url,
    tokenEndpoint: server.tokenEndpoint,
    tenantId: PC_CREDENTIALS.tenantId,
    clientId: PC_CREDENTIALS.clientId,
    clientSecret: PC_CREDENTIALS.clientSecret,
    refreshToken: PC_CREDENTIALS.refreshToken,
    customerId: PC_CUSTOMER,
    skuMap: JSON.stringify({ "CFQ7TTC0LH18:0001": "O365_BUSINESS_ESSENTIALS" }),
    prices: JSON.stringify({ "CFQ7TTC0LH18:0001": "6.00 USD" }),
  };
}

/** The secrets no output, log, error or state may contain. */
export const PC_SECRETS = [PC_CREDENTIALS.clientSecret, PC_CREDENTIALS.refreshToken];
