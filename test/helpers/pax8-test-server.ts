/**
 * A stateful Pax8 Partner API on 127.0.0.1:0 (under /v1, as https://api.pax8.com/v1) that holds every request and
 * every response to Pax8's own OpenAPI documents (schema/vendor/pax8/*.json, verbatim copies of shared/specs):
 * operation, query parameters, bearer auth, request bodies (strict: read-only properties must not be sent) and
 * response bodies (lenient where the vendor's document is itself wrong, NOTES.md section 11: unknown fields are
 * ignored and date-only or "-0700" values are accepted in date-time fields). Every mismatch is recorded in
 * `violations`; tests assert none.
 *
 * Behaviour (NOTES.md): tokens of one day (`expires_in: 86400`), pages from 0 (size up to 200), the error envelope
 * {type, message, instance, status, details}, a PUT applied synchronously, NCE decreases refused (422) outside
 * Microsoft's 168-hour window after seats were added or renewed, renewals when the server's clock passes the
 * commitment's end. Prices are written as JSON numbers with their exact source text. Faults on demand: 429 (no
 * Retry-After, as Pax8 documents none), 5xx, expired tokens, and a PUT whose reply is lost after it was applied.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { convertOpenApiSchema } from "./cloudblue-test-server";

export const PAX8_SPEC_DIR = path.resolve(__dirname, "../../schema/vendor/pax8");

type Json = Record<string, unknown>;

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly pathParams: string[];
  readonly parameters: { name: string; in: string; required?: boolean; schema?: Json }[];
  readonly requestBody?: ValidateFunction;
  readonly responses: Map<string, ValidateFunction | undefined>;
  readonly paramValidators: Map<string, ValidateFunction>;
  readonly secured: boolean;
}

/** Lenient date-time for responses: the vendor's own examples send dates and "-0700" offsets there. */
const LENIENT_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Pax8's two documents compiled for requests (strict) and responses (lenient). */
export class Pax8Contract {
  readonly operations: Operation[] = [];
  readonly errorBody: ValidateFunction;

  constructor(dir = PAX8_SPEC_DIR) {
    const specs = ["partner-endpoints-openapi.json", "authentication-openapi.json"].map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Json);
    const ajvFor = (mode: "request" | "response"): Ajv => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
      addFormats(ajv);
      // The document's own date format name (Invoice, UsageLine): a calendar date.
      ajv.addFormat("yyyy-MM-dd", /^\d{4}-\d{2}-\d{2}$/);
      // Contact.phone: the document names a format it does not define; any text.
      ajv.addFormat("phone", /^[\s\S]*$/);
      if (mode === "response") ajv.addFormat("date-time", { type: "string", validate: (s: string) => LENIENT_DATE_TIME.test(s) });
      return ajv;
    };
    const ajvs = { request: ajvFor("request"), response: ajvFor("response") };
    let errorBody: ValidateFunction | undefined;
    for (const [index, spec] of specs.entries()) {
      const components = spec.components as Json;
      const base = `https://pax8.test/${index}`;
      for (const mode of ["request", "response"] as const) {
        const schemas = Object.fromEntries(Object.entries(components.schemas as Json).map(([name, s]) => [name, convertOpenApiSchema(s, mode, components)]));
        ajvs[mode].addSchema({ $id: `${base}/${mode}.json`, components: { schemas } });
      }
      let inline = 0;
      const compile = (schema: Json | undefined, mode: "request" | "response"): ValidateFunction | undefined => {
        if (!schema) return undefined;
        const converted = convertOpenApiSchema(schema, mode, components) as Json;
        const ref = converted.$ref as string | undefined;
        inline += 1;
        return ajvs[mode].compile(ref ? { $ref: `${base}/${mode}.json${ref}` } : { $id: `${base}/inline/${mode}/${inline}.json`, ...rebase(converted, `${base}/${mode}.json`) });
      };
      if (index === 0) errorBody = compile({ $ref: "#/components/schemas/Error" }, "response");
      const secured = Array.isArray(spec.security) && (spec.security as Json[]).some((s) => "OAuth2" in s);
      for (const [template, item] of Object.entries(spec.paths as Json)) {
        for (const [method, raw] of Object.entries(item as Json)) {
          const op = raw as Json;
          const parameters = (op.parameters ?? []) as Operation["parameters"];
          const paramValidators = new Map<string, ValidateFunction>();
          for (const p of parameters) if (p.schema) paramValidators.set(`${p.in}:${p.name}`, compile(p.schema, "request")!);
          const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
          const responses = new Map<string, ValidateFunction | undefined>();
          for (const [status, response] of Object.entries(op.responses as Json)) {
            const content = ((response as Json).content as Json | undefined)?.["application/json"] as Json | undefined;
            responses.set(status, compile(content?.schema as Json | undefined, "response"));
          }
          const opSecurity = op.security as Json[] | undefined;
          this.operations.push({
            method: method.toUpperCase(),
            template,
            pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+)")}$`),
            pathParams: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
            parameters,
            ...(body ? { requestBody: compile(body.schema as Json, "request")! } : {}),
            responses,
            paramValidators,
            secured: opSecurity ? opSecurity.some((s) => "OAuth2" in s) : secured,
          });
        }
      }
    }
    // Literal segments win over parameters (`/invoices/draftItems` before `/invoices/{invoiceId}`).
    this.operations.sort((a, b) => a.pathParams.length - b.pathParams.length);
    this.errorBody = errorBody!;
  }

  find(method: string, pathname: string): { op: Operation; params: Record<string, string> } | undefined {
    for (const op of this.operations) {
      if (op.method !== method) continue;
      const match = op.pattern.exec(pathname);
      if (match) return { op, params: Object.fromEntries(op.pathParams.map((name, i) => [name, decodeURIComponent(match[i + 1])])) };
    }
    return undefined;
  }
}

/** Points local `#/components/...` refs of an inline schema at the compiled components document. */
function rebase(schema: unknown, doc: string): Json {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `${doc}${value}` : value)) as Json;
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}

// ---------------------------------------------------------------------------------------------------------------
// State

/** A subscription as the server keeps it: prices as exact decimal text. */
export interface Pax8SubscriptionRecord {
  id: string;
  companyId: string;
  productId: string;
  productName: string;
  vendorSkuId?: string;
  vendorSubscriptionId?: string;
  quantity: number;
  status: string;
  billingTerm: string;
  /** Decimal text, written as a JSON number. */
  price: string;
  partnerCost: string;
  currencyCode: string;
  startDate: string;
  billingStart: string;
  createdDate: string;
  updatedDate: string;
  endDate?: string;
  commitmentTerm?: { id: string; term: string; endDate: string };
}

export interface Pax8ProductRecord {
  readonly id: string;
  readonly name: string;
  readonly vendorSku?: string;
  readonly allowForQuantityDecrease: boolean;
  readonly commitmentId: string;
  readonly term: string;
  readonly autoRenew?: boolean;
  readonly minQuantity?: number;
  readonly maxQuantity?: number | null;
  readonly billingTerm?: string;
  /** Buy rate as decimal text. */
  readonly partnerBuyRate?: string;
}

export interface Pax8TestServerOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly companies: { id: string; name: string; status?: "Active" | "Inactive" | "Deleted" }[];
  readonly subscriptions: Pax8SubscriptionRecord[];
  readonly products: Pax8ProductRecord[];
  /** Server time. */
  readonly now: Date;
  readonly tokenTtlSeconds?: number;
}

export interface Pax8Fault {
  /** `METHOD /template` as in the spec (`GET /subscriptions/{subscriptionId}`, `PUT /subscriptions/{subscriptionId}`, `POST /token`). */
  readonly route: string;
  /** `status`: answer `status` without acting; `drop-after-commit`: act, then destroy the socket. */
  readonly kind: "status" | "drop-after-commit";
  readonly status?: number;
  readonly times?: number;
}

export interface Pax8RecordedRequest {
  readonly method: string;
  readonly route: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly status: number;
  readonly authorization: string;
}

const WINDOW_MS = 168 * 3_600_000;
const DECIMAL_FIELDS = new Set(["price", "partnerCost", "partnerBuyRate", "suggestedRetailPrice"]);

interface Batch {
  quantity: number;
  at: number;
}

function addMonthsIso(iso: string, months: number): string {
  const at = new Date(iso);
  const day = at.getUTCDate();
  const target = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1, at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.toISOString().replace(".000Z", "Z");
}

function termMonths(term: string): number {
  const match = /^(\d+)-(Year|Month)$/.exec(term);
  return match ? Number(match[1]) * (match[2] === "Year" ? 12 : 1) : 12;
}

/** The running server. */
export class Pax8TestServer {
  readonly contract: Pax8Contract;
  readonly violations: string[] = [];
  readonly requests: Pax8RecordedRequest[] = [];
  readonly subscriptions = new Map<string, Pax8SubscriptionRecord>();
  readonly history = new Map<string, Pax8SubscriptionRecord[]>();
  /** Successful quantity changes (PUTs that changed the quantity), per subscription. */
  readonly changes: { subscriptionId: string; from: number; to: number; at: string }[] = [];
  url = "";
  now: Date;
  private readonly options: Pax8TestServerOptions;
  private readonly server: http.Server;
  private readonly tokens = new Map<string, number>();
  private readonly batches = new Map<string, Batch[]>();
  private faults: (Pax8Fault & { left: number })[] = [];
  private sequence = 0;

  constructor(options: Pax8TestServerOptions, contract = new Pax8Contract()) {
    this.options = options;
    this.contract = contract;
    this.now = new Date(options.now);
    for (const sub of options.subscriptions) {
      this.subscriptions.set(sub.id, structuredClone(sub));
      this.history.set(sub.id, [structuredClone(sub)]);
      this.batches.set(sub.id, [{ quantity: sub.quantity, at: Date.parse(sub.startDate) }]);
    }
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`server error: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"type":"INTERNAL","message":"test server failure","status":500,"details":[]}');
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  inject(fault: Pax8Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Every token issued so far stops working (the next call gets 401). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** Moves the server's clock (renewals happen as it passes a commitment's end). */
  setNow(at: Date | string): void {
    this.now = new Date(at);
  }

  count(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  /** Renews every subscription whose commitment ended: a new term, and every seat refundable for 168 hours. */
  private renew(): void {
    for (const sub of this.subscriptions.values()) {
      while (sub.commitmentTerm && Date.parse(sub.commitmentTerm.endDate) <= this.now.getTime() && sub.status === "Active" && !sub.endDate) {
        const renewedAt = Date.parse(sub.commitmentTerm.endDate);
        sub.commitmentTerm.endDate = addMonthsIso(sub.commitmentTerm.endDate, termMonths(sub.commitmentTerm.term));
        this.batches.set(sub.id, [{ quantity: sub.quantity, at: renewedAt }]);
      }
    }
  }

  private refundable(id: string): number {
    return (this.batches.get(id) ?? []).filter((b) => b.at > this.now.getTime() - WINDOW_MS && b.at <= this.now.getTime()).reduce((sum, b) => sum + b.quantity, 0);
  }

  private send(res: http.ServerResponse, op: Operation | undefined, status: number, body: unknown, validate = true): void {
    if (validate && op) {
      const validator = op.responses.get(String(status));
      if (!op.responses.has(String(status)) && !(op.template === "/token" && status === 401)) this.violations.push(`response ${op.method} ${op.template}: status ${status} is not documented`);
      const checked = toValidationShape(body);
      if (validator && !validator(checked)) this.violations.push(`response ${op.method} ${op.template} ${status}: ${describeErrors(validator)}`);
      if (status >= 400 && op.template !== "/token" && !this.contract.errorBody(checked)) this.violations.push(`error response ${op.method} ${op.template}: ${describeErrors(this.contract.errorBody)}`);
    }
    this.sequence += 1;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(status === 204 ? "" : serializeWithNumbers(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        this.violations.push(`request ${method} ${url.pathname}: body is not JSON`);
      }
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const pathname = url.pathname.replace(/^\/v1/, "");
    const found = url.pathname.startsWith("/v1/") ? this.contract.find(method, pathname) : undefined;
    const authorization = String(req.headers.authorization ?? "");
    const record = (status: number): void => {
      this.requests.push({ method, route: found ? `${method} ${found.op.template}` : `${method} ${url.pathname}`, query, body, status, authorization });
    };
    if (!found) {
      this.violations.push(`request ${method} ${url.pathname}: no such operation in Pax8's OpenAPI`);
      record(404);
      return this.send(res, undefined, 404, { type: "NOT_FOUND", message: "Not found", instance: url.pathname, status: 404, details: [] });
    }
    const { op, params } = found;
    this.checkRequest(op, req.headers, query, body, text);
    this.renew();

    const fault = this.faults.find((f) => f.left > 0 && f.route === `${method} ${op.template}`);
    if (fault) fault.left -= 1;
    if (fault?.kind === "status") {
      const status = fault.status ?? 500;
      record(status);
      // Pax8 documents 429 and 5xx without declaring them per operation: not held to the per-status list.
      return this.send(res, undefined, status, { type: status === 429 ? "TOO_MANY_REQUESTS" : "INTERNAL_SERVER_ERROR", message: status === 429 ? "Too many requests hit the API quickly" : "Injected failure", instance: `/v1${pathname}`, status, details: [] });
    }
    if (op.secured) {
      const token = authorization.replace(/^Bearer /, "");
      const expiresAt = this.tokens.get(token);
      if (expiresAt === undefined || expiresAt <= this.now.getTime()) {
        record(401);
        return this.send(res, undefined, 401, { type: "UNAUTHORIZED", message: "No valid API key provided", instance: `/v1${pathname}`, status: 401, details: [] });
      }
    }
    const result = this.route(method, op.template, params, query, body, pathname);
    record(result.status);
    if (fault?.kind === "drop-after-commit") {
      req.socket.destroy();
      return;
    }
    this.send(res, op, result.status, result.body);
  }

  private checkRequest(op: Operation, headers: http.IncomingHttpHeaders, query: Record<string, string>, body: unknown, text: string): void {
    const where = `request ${op.method} ${op.template}`;
    for (const p of op.parameters) {
      if (p.in !== "query") continue;
      const value = query[p.name];
      if (value === undefined) {
        if (p.required) this.violations.push(`${where}: required query parameter ${p.name} is missing`);
        continue;
      }
      const type = p.schema?.type;
      const coerced = type === "number" || type === "integer" ? (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value) : type === "boolean" ? (value === "true" ? true : value === "false" ? false : value) : value;
      const validate = op.paramValidators.get(`${p.in}:${p.name}`);
      if (validate && !validate(coerced)) this.violations.push(`${where}: query parameter ${p.name}=${value}: ${describeErrors(validate)}`);
    }
    const declared = new Set(op.parameters.filter((p) => p.in === "query").map((p) => p.name));
    for (const name of Object.keys(query)) if (!declared.has(name)) this.violations.push(`${where}: query parameter ${name} is not in the spec`);
    if (op.requestBody) {
      if (text === "") this.violations.push(`${where}: the request has no body`);
      else if (!/application\/json/.test(String(headers["content-type"] ?? ""))) this.violations.push(`${where}: content-type is ${headers["content-type"]}, not application/json`);
      else if (!op.requestBody(body)) this.violations.push(`${where}: ${describeErrors(op.requestBody)}`);
    } else if (text !== "") {
      this.violations.push(`${where}: the operation takes no body`);
    }
    if (op.secured && !/^Bearer \S+$/.test(String(headers.authorization ?? ""))) this.violations.push(`${where}: Bearer authorization is missing`);
  }

  private route(method: string, template: string, params: Record<string, string>, query: Record<string, string>, body: unknown, pathname: string): { status: number; body: unknown } {
    const notFound = (what: string) => ({ status: 404, body: { type: "NOT_FOUND", message: `${what} Not Found: ${pathname.split("/").pop()}`, instance: `/public/v1${pathname}`, status: 404, details: [] } });
    switch (`${method} ${template}`) {
      case "POST /token":
        return this.issueToken(body as Json);
      case "GET /companies/{companyId}": {
        const company = this.options.companies.find((c) => c.id === params.companyId);
        return company ? { status: 200, body: toCompany(company) } : notFound("Company");
      }
      case "GET /subscriptions": {
        if (query.companyId && !this.options.companies.some((c) => c.id === query.companyId)) {
          return { status: 403, body: { type: "FORBIDDEN", message: "Invalid companyId", instance: "/public/v1/subscriptions", status: 403, details: [] } };
        }
        const all = [...this.subscriptions.values()].filter((s) => (!query.companyId || s.companyId === query.companyId) && (!query.status || s.status === query.status)).map((s) => toSubscription(s, false));
        const page = Number(query.page ?? 0);
        const size = Number(query.size ?? 10);
        return { status: 200, body: { content: all.slice(page * size, page * size + size), page: { size, totalElements: all.length, totalPages: Math.ceil(all.length / size), number: page } } };
      }
      case "GET /subscriptions/{subscriptionId}": {
        const sub = this.subscriptions.get(params.subscriptionId);
        return sub ? { status: 200, body: toSubscription(sub, true) } : notFound("Subscription");
      }
      case "GET /subscriptions/{subscriptionId}/history": {
        const list = this.history.get(params.subscriptionId);
        return list ? { status: 200, body: { content: [...list].reverse().map((s) => toSubscription(s, false)) } } : notFound("Subscription");
      }
      case "PUT /subscriptions/{subscriptionId}":
        return this.update(params.subscriptionId, body as Json, pathname);
      case "GET /products/{productId}/dependencies": {
        const product = this.options.products.find((p) => p.id === params.productId);
        if (!product) return notFound("Product");
        return {
          status: 200,
          body: {
            commitmentDependencies: [
              { id: product.commitmentId, term: product.term, autoRenew: product.autoRenew ?? true, renewalWindowDaysBeforeTermEnd: 0, renewalWindowDaysAfterTermEnd: 7, allowForQuantityIncrease: true, allowForQuantityDecrease: product.allowForQuantityDecrease, allowForEarlyCancellation: false, cancellationFeeApplied: true, isTransferable: false },
            ],
            productDependencies: [],
          },
        };
      }
      case "GET /products/{productId}/pricing": {
        const product = this.options.products.find((p) => p.id === params.productId);
        if (!product) return notFound("Product");
        const rate = { partnerBuyRate: product.partnerBuyRate ?? "1.00", suggestedRetailPrice: product.partnerBuyRate ?? "1.00", startQuantityRange: product.minQuantity ?? 1, chargeType: "Per Unit", ...(product.maxQuantity !== null ? { endQuantityRange: product.maxQuantity ?? 300 } : {}) };
        return { status: 200, body: { content: [{ productId: product.id, productName: product.name, billingTerm: product.billingTerm ?? "Monthly", commitmentTerm: product.term, commitmentTermInMonths: termMonths(product.term), type: "Flat", unitOfMeasurement: "Each", rates: [rate] }] } };
      }
      default:
        this.violations.push(`${method} ${template} is not simulated`);
        return { status: 404, body: { type: "NOT_FOUND", message: "not simulated", instance: pathname, status: 404, details: [] } };
    }
  }

  private issueToken(body: Json): { status: number; body: unknown } {
    if (body?.client_id !== this.options.clientId || body?.client_secret !== this.options.clientSecret) return { status: 401, body: { error: "access_denied", error_description: "Unauthorized" } };
    if (body?.audience !== "https://api.pax8.com") this.violations.push(`token: audience ${String(body?.audience)}, expected https://api.pax8.com for the partner endpoints`);
    const ttl = this.options.tokenTtlSeconds ?? 86400;
    this.sequence += 1;
    const token = `pax8-tok-${this.sequence}-${Math.random().toString(36).slice(2)}`;
    this.tokens.set(token, this.now.getTime() + ttl * 1000);
    return { status: 200, body: { access_token: token, expires_in: 86400, token_type: "Bearer" } };
  }

  private update(id: string, body: Json, pathname: string): { status: number; body: unknown } {
    const sub = this.subscriptions.get(id);
    const refuse = (message: string) => ({ status: 422, body: { type: "UNPROCESSABLE_ENTITY", message, instance: `/public/v1${pathname}`, status: 422, details: [{ type: "VALIDATION", message }] } });
    if (!sub) return { status: 404, body: { type: "NOT_FOUND", message: `Subscription Not Found: ${id}`, instance: `/public/v1${pathname}`, status: 404, details: [] } };
    const quantity = body?.quantity;
    if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity < 1) return refuse("Quantity must be a whole number of at least 1");
    if (sub.status !== "Active") return refuse(`Subscription is ${sub.status}`);
    const product = this.options.products.find((p) => p.id === sub.productId);
    if (product && (quantity < (product.minQuantity ?? 1) || (product.maxQuantity !== null && quantity > (product.maxQuantity ?? 300)))) return refuse("Quantity is outside the product's range");
    const from = sub.quantity;
    if (quantity < from && !product?.allowForQuantityDecrease) {
      const refundable = this.refundable(id);
      if (from - quantity > refundable) return refuse("Microsoft NCE subscription quantity can only be decreased within 7 days of purchase or renewal");
      // Newest seats go first, as Microsoft takes them.
      let left = from - quantity;
      const batches = (this.batches.get(id) ?? []).sort((a, b) => a.at - b.at);
      for (let i = batches.length - 1; i >= 0 && left > 0; i -= 1) {
        if (batches[i].at <= this.now.getTime() - WINDOW_MS) continue;
        const take = Math.min(left, batches[i].quantity);
        batches[i].quantity -= take;
        left -= take;
      }
    } else if (quantity > from) {
      this.batches.get(id)!.push({ quantity: quantity - from, at: this.now.getTime() });
    }
    if (quantity !== from) {
      sub.quantity = quantity;
      sub.updatedDate = this.now.toISOString();
      this.history.get(id)!.push(structuredClone(sub));
      this.changes.push({ subscriptionId: id, from, to: quantity, at: this.now.toISOString() });
    }
    return { status: 200, body: toSubscription(sub, true) };
  }
}

function toCompany(company: { id: string; name: string; status?: string }): Json {
  return {
    id: company.id,
    name: company.name,
    address: { street: "1 Main St", city: "Denver", stateOrProvince: "CO", postalCode: "80210", country: "US" },
    phone: "555-555-5555",
    website: "https://contoso.example",
    externalId: "C-1",
    billOnBehalfOfEnabled: false,
    selfServiceAllowed: false,
    orderApprovalRequired: false,
    status: company.status ?? "Active",
    updatedDate: "2026-01-05T10:00:00Z",
  };
}

/** A record as the API returns it; `vendorSkuId` only on the detail endpoint (NOTES.md section 9). */
function toSubscription(sub: Pax8SubscriptionRecord, detail: boolean): Json {
  const { vendorSkuId, ...rest } = sub;
  return { ...rest, price: { $number: sub.price }, partnerCost: { $number: sub.partnerCost }, ...(detail && vendorSkuId ? { vendorSkuId } : {}) };
}

/** The JSON text with `{ $number: "15.39" }` written as the number 15.39, exactly as given. */
export function serializeWithNumbers(body: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(body, (key, value) => {
    if (value && typeof value === "object" && typeof (value as Json).$number === "string") {
      marks.push((value as Json).$number as string);
      return `\u0000NUM${marks.length - 1}\u0000`;
    }
    if (typeof value === "string" && DECIMAL_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(value)) {
      marks.push(value);
      return `\u0000NUM${marks.length - 1}\u0000`;
    }
    return value;
  });
  return text.replace(/"\\u0000NUM(\d+)\\u0000"/g, (_m, index: string) => marks[Number(index)]);
}

/** What ajv sees: the numbers as numbers. */
function toValidationShape(body: unknown): unknown {
  return JSON.parse(serializeWithNumbers(body));
}

/** Starts a Pax8 test server. */
export async function startPax8TestServer(options: Pax8TestServerOptions, contract?: Pax8Contract): Promise<Pax8TestServer> {
  return new Pax8TestServer(options, contract).listen();
}
