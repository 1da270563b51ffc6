/**
 * A stateful CloudBlue Commerce SimpleAPI 1.15 on 127.0.0.1:0 that holds every request it receives and every
 * response it sends to the vendor's own OpenAPI document (schema/vendor/cloudblue-simpleapi-1.15.yaml, a
 * verbatim copy of shared/specs): path and method, required headers (X-Subscription-Key, Basic/Bearer auth),
 * query parameters, request bodies (read-only properties must not be sent) and response bodies (write-only
 * properties must not come back), all with ajv. Every mismatch is recorded in `violations`; tests assert none.
 *
 * State: subscriptions, a product catalog, orders that complete after N polls (and then change the limits),
 * tokens that expire. Counters: every request with when it arrived (`requests`), and how many were in flight at
 * once (`inFlight`, `maxInFlight`). Faults on demand: 429 with Retry-After, 5xx, expired tokens (401), an order ending in
 * error, and a POST /orders whose reply is lost after the order was created.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import type { CbOrder, CbOrderDetail, CbOrderDetailed, CbProduct, CbSubscriptionDetailed } from "../../provider/backends/cloudblue/simpleapi-types";

export const CLOUDBLUE_SPEC_PATH = path.resolve(__dirname, "../../schema/vendor/cloudblue-simpleapi-1.15.yaml");

type Json = Record<string, unknown>;
type Mode = "request" | "response";

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI 3.0 -> JSON Schema for ajv

/**
 * Converts one OpenAPI 3.0 Schema Object into JSON Schema for `mode`: `nullable` becomes a null type, a
 * read-only schema is forbidden in requests and a write-only one in responses (and dropped from `required`),
 * `$ref`s stay pointers into the converted components.
 */
export function convertOpenApiSchema(schema: unknown, mode: Mode, components: Json): unknown {
  if (typeof schema !== "object" || schema === null) return schema;
  const node = schema as Json;
  if (typeof node.$ref === "string") return { $ref: node.$ref };
  const forbidden = mode === "request" ? node.readOnly === true : node.writeOnly === true;
  if (forbidden) return false;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (["example", "examples", "xml", "externalDocs", "discriminator", "deprecated", "nullable", "readOnly", "writeOnly"].includes(key)) continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([name, sub]) => [name, convertOpenApiSchema(sub, mode, components)]));
    } else if (key === "items" || key === "not" || (key === "additionalProperties" && typeof value === "object")) {
      out[key] = convertOpenApiSchema(value, mode, components);
    } else if (key === "allOf" || key === "anyOf" || key === "oneOf") {
      out[key] = (value as unknown[]).map((sub) => convertOpenApiSchema(sub, mode, components));
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(node.required) && node.properties) {
    const props = node.properties as Json;
    out.required = (node.required as string[]).filter((name) => {
      const prop = resolveRef(props[name], components) as Json | undefined;
      return !(prop && (mode === "request" ? prop.readOnly === true : prop.writeOnly === true));
    });
  }
  if (node.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

function resolveRef(schema: unknown, components: Json): unknown {
  const ref = (schema as Json | undefined)?.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/components/schemas/", "");
  return resolveRef((components.schemas as Json)[name], components);
}

interface OperationInfo {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly pathParams: string[];
  readonly parameters: { name: string; in: string; required?: boolean; schema?: Json }[];
  readonly security: string[];
  readonly requestBody?: ValidateFunction;
  readonly response?: ValidateFunction;
  readonly paramValidators: Map<string, ValidateFunction>;
}

/** The vendor's contract, compiled: find the operation for a request and validate both directions. */
export class OpenApiContract {
  readonly operations: OperationInfo[] = [];
  readonly errorBody: ValidateFunction;

  constructor(specPath = CLOUDBLUE_SPEC_PATH) {
    const spec = parseYaml(fs.readFileSync(specPath, "utf8")) as Json;
    const components = spec.components as Json;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("double", { type: "number", validate: () => true });
    ajv.addFormat("float", { type: "number", validate: () => true });
    for (const mode of ["request", "response"] as const) {
      const schemas = Object.fromEntries(Object.entries(components.schemas as Json).map(([name, s]) => [name, convertOpenApiSchema(s, mode, components)]));
      ajv.addSchema({ $id: `https://simpleapi.test/${mode}.json`, components: { schemas } });
    }
    const compile = (schema: Json | undefined, mode: Mode): ValidateFunction | undefined => {
      if (!schema) return undefined;
      const converted = convertOpenApiSchema(schema, mode, components) as Json;
      const ref = converted.$ref as string | undefined;
      return ajv.compile(ref ? { $ref: `https://simpleapi.test/${mode}.json${ref}` } : { $id: `https://simpleapi.test/inline/${Math.random().toString(36).slice(2)}.json`, ...converted });
    };
    for (const [template, item] of Object.entries(spec.paths as Json)) {
      for (const [method, raw] of Object.entries(item as Json)) {
        const op = raw as Json;
        const pathParams = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const parameters = (op.parameters ?? []) as OperationInfo["parameters"];
        const paramValidators = new Map<string, ValidateFunction>();
        for (const p of parameters) if (p.schema) paramValidators.set(`${p.in}:${p.name}`, ajv.compile({ $id: `https://simpleapi.test/param/${method}${template.replace(/[{}]/g, "_")}/${p.in}/${p.name}.json`, ...(convertOpenApiSchema(p.schema, "request", components) as Json) }));
        const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
        const response = (((op.responses as Json).default as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+)")}$`),
          pathParams,
          parameters,
          security: ((op.security ?? []) as Json[]).flatMap((s) => Object.keys(s)),
          ...(body ? { requestBody: compile(body.schema as Json, "request")! } : {}),
          ...(response ? { response: compile(response.schema as Json, "response")! } : {}),
          paramValidators,
        });
      }
    }
    // Literal segments win over parameters (`/orders/estimate` before `/orders/{id}`).
    this.operations.sort((a, b) => a.pathParams.length - b.pathParams.length);
    // SimpleAPI documents no error body at all; errors from this server use the shape gateways commonly send.
    this.errorBody = ajv.compile({ $id: "https://simpleapi.test/error.json", type: "object", required: ["message"], properties: { message: { type: "string" }, code: { type: "string" } } });
  }

  /** The operation for `method path`, or undefined when the spec has none. */
  find(method: string, pathname: string): { op: OperationInfo; params: Record<string, string> } | undefined {
    for (const op of this.operations) {
      if (op.method !== method) continue;
      const match = op.pattern.exec(pathname);
      if (match) return { op, params: Object.fromEntries(op.pathParams.map((name, i) => [name, decodeURIComponent(match[i + 1])])) };
    }
    return undefined;
  }
}

function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`).join("; ");
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface CloudBlueCredentials {
  readonly username: string;
  readonly password: string;
  readonly subscriptionKey: string;
  readonly marketplace: string;
}

export interface CloudBlueFault {
  /** `METHOD /template` as in the spec, e.g. `GET /subscriptions/{id}`, `POST /orders`. */
  readonly route: string;
  /** `status`: answer `status` without acting; `drop-after-commit`: act, then destroy the socket. */
  readonly kind: "status" | "drop-after-commit";
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly message?: string;
  /** Requests affected before the fault is used up. Default 1. */
  readonly times?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly status: number;
  /** When the request arrived (Date.now()): how long a client waited before a retry, without timing the test. */
  readonly receivedAt: number;
}

/** Prices a change of one product: the details the estimate and the order carry. */
export type PriceChange = (input: { subscription: CbSubscriptionDetailed; mpn: string; from: number; to: number; unitPrice: string; currency: string }) => CbOrderDetail[];

export interface CloudBlueTestServerOptions {
  readonly credentials: CloudBlueCredentials;
  readonly subscriptions: CbSubscriptionDetailed[];
  readonly products?: CbProduct[];
  readonly orders?: CbOrderDetailed[];
  /** Seconds a token lives. Default 1500 (the spec's example). */
  readonly tokenTtlSeconds?: number;
  /** GET /orders/{id} polls an order needs before it completes: submitted, processing..., completed. Default 2. */
  readonly pollsToComplete?: number;
  /** Server time (order creation dates, token expiry). Default: wall clock. */
  readonly now?: () => Date;
  readonly priceChange?: PriceChange;
  /** Milliseconds every answer takes (a gateway's latency), so concurrent requests overlap and `maxInFlight` shows how many a client sends at once. Default 0. */
  readonly latencyMs?: number;
}

/** Multiplies a decimal string by an integer and a decimal factor, exactly, printed with 4 decimals (CloudBlue sends more digits than the currency has). */
/**
 * A CloudBlue subscription as SimpleAPI returns it: active, monthly billing in a yearly term that renews on
 * 2026-11-24 (expires 2026-12-01). `products` and anything else come from the caller.
 */
export function buildCbSubscription(id: string, fields: Pick<CbSubscriptionDetailed, "products"> & Partial<CbSubscriptionDetailed>): CbSubscriptionDetailed {
  return {
    id,
    name: `Microsoft 365 (${id})`,
    customerId: "1000001",
    status: "active",
    renewalStatus: true,
    creationDate: "2025-12-01",
    renewalDate: "2026-11-24",
    lastModifiedDate: "2026-04-01",
    expirationDate: "2026-12-01",
    billingModel: "chargeBeforeBillingPeriod",
    billingPeriod: { type: "month", duration: 1 },
    subscriptionPeriod: { type: "year", duration: 1 },
    planId: 10005,
    ...fields,
  };
}

export function multiplyDecimal(amount: string, quantity: number, factor: string): string {
  const parse = (text: string): [bigint, number] => {
    const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
    const value = BigInt(`${whole}${fraction}`);
    return [text.startsWith("-") ? -value : value, fraction.length];
  };
  const [a, as] = parse(amount);
  const [f, fs_] = parse(factor);
  const scale = as + fs_;
  let value = a * f * BigInt(quantity);
  // Truncate to 4 decimals, as a rating engine printing a fixed precision would.
  if (scale > 4) value = value / 10n ** BigInt(scale - 4);
  else value = value * 10n ** BigInt(4 - scale);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(5, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/**
 * The default rating: an increase is a `recurring` charge of unit x added seats x 0.4667 (the rest of the
 * period); a decrease is a `downgrade` detail with a POSITIVE amount, the sign convention csp-seats must undo.
 */
export const defaultPriceChange: PriceChange = ({ mpn, from, to, unitPrice, currency }) => {
  if (to === from) return [];
  const delta = Math.abs(to - from);
  const amount = multiplyDecimal(unitPrice, delta, "0.4667");
  return [{ type: to > from ? "recurring" : "downgrade", mpn, quantity: delta, description: to > from ? "Recurring for the product" : "Downgrade refund", unitPrice: { amount: unitPrice, currency }, extendedPrice: { amount, currency } }];
};

interface StoredOrder {
  order: CbOrderDetailed;
  polls: number;
  failWith?: { statusCode: string; message: string };
}

/**
 * A hostile reply: gets the body the server would send (and the request's query) and returns what to send
 * instead. Tampered bodies are not checked against the spec (they break it on purpose); requests still are.
 */
export type CloudBlueTamper = (body: unknown, query: Record<string, string>) => unknown;

/** A running SimpleAPI test server. */
export class CloudBlueTestServer {
  readonly contract: OpenApiContract;
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly subscriptions = new Map<string, CbSubscriptionDetailed>();
  readonly orders = new Map<string, StoredOrder>();
  url = "";
  /** Requests being answered right now, and the most there ever were at once (resetCounters sets it to 0). */
  inFlight = 0;
  maxInFlight = 0;
  private readonly options: CloudBlueTestServerOptions;
  private readonly server: http.Server;
  private readonly tokens = new Map<string, number>();
  private faults: (CloudBlueFault & { left: number })[] = [];
  private readonly tampers = new Map<string, CloudBlueTamper>();
  private nextOrderFailure: { statusCode: string; message: string } | undefined;
  private sequence = 0;
  private correlation = 0;

  constructor(options: CloudBlueTestServerOptions, contract = new OpenApiContract()) {
    this.options = options;
    this.contract = contract;
    for (const sub of options.subscriptions) this.subscriptions.set(sub.id!, structuredClone(sub));
    for (const order of options.orders ?? []) this.orders.set(order.id!, { order: structuredClone(order), polls: 0 });
    this.server = http.createServer((req, res) => {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.once("close", () => (this.inFlight -= 1));
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`server error: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) this.send(res, "GET", "", 500, { message: "test server failure" });
      });
    });
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a fault for the next matching request(s). */
  inject(fault: CloudBlueFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Successful replies to `METHOD /template` pass through `fn` from now on (undefined removes it). */
  tamper(route: string, fn: CloudBlueTamper | undefined): void {
    if (fn) this.tampers.set(route, fn);
    else this.tampers.delete(route);
  }

  /** The next order placed ends in `error` with this status code and message. */
  failNextOrder(failure: { statusCode: string; message: string }): void {
    this.nextOrderFailure = failure;
  }

  /** Every token issued so far stops working (the next call gets 401). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** Forgets the requests received so far and the in-flight high-water mark (violations stay). */
  resetCounters(): void {
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
  }

  /** Requests received for `METHOD /template`. */
  count(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private send(res: http.ServerResponse, method: string, template: string, status: number, body: unknown, headers: Record<string, string> = {}, validate = true): void {
    if (!validate) {
      // A hostile reply, on purpose: not held to the spec.
    } else if (status >= 200 && status < 300) {
      const validate = this.contract.operations.find((op) => op.method === method && op.template === template)?.response;
      if (validate && !validate(body)) this.violations.push(`response ${method} ${template}: ${describeErrors(validate)}`);
    } else if (!this.contract.errorBody(body)) {
      this.violations.push(`error response ${method} ${template}: ${describeErrors(this.contract.errorBody)}`);
    }
    this.correlation += 1;
    res.writeHead(status, { "content-type": "application/json", "x-correlation-id": `cb-${this.correlation}`, ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const receivedAt = Date.now();
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
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    const found = this.contract.find(method, url.pathname);
    const record = (status: number): void => {
      this.requests.push({ method, route: found ? `${method} ${found.op.template}` : `${method} ${url.pathname}`, path: url.pathname, query, headers: req.headers, body, status, receivedAt });
    };
    if (!found) {
      this.violations.push(`request ${method} ${url.pathname}: no such operation in SimpleAPI 1.15`);
      record(404);
      return this.send(res, method, url.pathname, 404, { message: "Not found" });
    }
    const { op, params } = found;
    this.checkRequest(op, method, req.headers, query, body, text);

    const fault = this.faults.find((f) => f.left > 0 && f.route === `${method} ${op.template}`);
    if (fault) fault.left -= 1;
    if (fault?.kind === "status") {
      record(fault.status ?? 500);
      return this.send(res, method, op.template, fault.status ?? 500, { message: fault.message ?? "Injected failure" }, fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
    }

    const auth = this.authenticate(op, req.headers);
    if (auth) {
      record(401);
      return this.send(res, method, op.template, 401, { message: auth });
    }
    const result = this.route(method, op.template, params, query, body);
    record(result.status);
    if (fault?.kind === "drop-after-commit") {
      req.socket.destroy();
      return;
    }
    const tamper = result.status >= 200 && result.status < 300 ? this.tampers.get(`${method} ${op.template}`) : undefined;
    if (tamper) return this.send(res, method, op.template, result.status, tamper(structuredClone(result.body), query), {}, false);
    this.send(res, method, op.template, result.status, result.body);
  }

  private checkRequest(op: OperationInfo, method: string, headers: http.IncomingHttpHeaders, query: Record<string, string>, body: unknown, text: string): void {
    const where = `request ${method} ${op.template}`;
    for (const p of op.parameters) {
      const value = p.in === "header" ? (headers[p.name.toLowerCase()] as string | undefined) : p.in === "query" ? query[p.name] : undefined;
      if (p.in === "path") continue;
      if (value === undefined) {
        if (p.required) this.violations.push(`${where}: required ${p.in} parameter ${p.name} is missing`);
        continue;
      }
      const type = p.schema?.type;
      const coerced = type === "integer" ? (/^-?\d+$/.test(value) ? Number(value) : value) : value;
      const validate = op.paramValidators.get(`${p.in}:${p.name}`);
      if (validate && !validate(coerced)) this.violations.push(`${where}: ${p.in} parameter ${p.name}=${value}: ${describeErrors(validate)}`);
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
    const authorization = String(headers.authorization ?? "");
    if (op.security.includes("BasicAuth") && !/^Basic [A-Za-z0-9+/=]+$/.test(authorization)) this.violations.push(`${where}: Basic authorization is missing`);
    if (op.security.includes("BearerAuth") && !/^Bearer \S+$/.test(authorization)) this.violations.push(`${where}: Bearer authorization is missing`);
  }

  /** Returns a reason to refuse with 401, or undefined. */
  private authenticate(op: OperationInfo, headers: http.IncomingHttpHeaders): string | undefined {
    const { credentials } = this.options;
    if (headers["x-subscription-key"] !== credentials.subscriptionKey) return "Invalid subscription key";
    const authorization = String(headers.authorization ?? "");
    if (op.security.includes("BasicAuth")) {
      const expected = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
      return authorization === `Basic ${expected}` ? undefined : "Invalid username or password";
    }
    const token = authorization.replace(/^Bearer /, "");
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined || expiresAt <= this.now().getTime()) return "The token is expired or invalid";
    return undefined;
  }

  private route(method: string, template: string, params: Record<string, string>, query: Record<string, string>, body: unknown): { status: number; body: unknown } {
    switch (`${method} ${template}`) {
      case "POST /token":
        return this.issueToken(body as { marketplace?: string });
      case "GET /subscriptions":
        return this.page(
          [...this.subscriptions.values()].filter((s) => (!query.customerId || s.customerId === query.customerId) && (!query.status || s.status === query.status)).map(toSubscriptionListItem),
          query,
        );
      case "GET /subscriptions/{id}": {
        const sub = this.subscriptions.get(params.id);
        return sub ? { status: 200, body: sub } : { status: 404, body: { message: `Subscription ${params.id} not found` } };
      }
      case "GET /products":
        return this.page((this.options.products ?? []).filter((p) => !query.mpn || p.mpn === query.mpn), query);
      case "POST /orders/estimate":
        return this.estimate(body as CbOrderDetailed);
      case "POST /orders":
        return this.createOrder(body as CbOrderDetailed);
      case "GET /orders":
        return this.page(
          [...this.orders.values()]
            .map((s) => s.order)
            .filter((o) => (!query.subscriptionId || orderSubscriptionId(o) === query.subscriptionId) && (!query.customerId || o.customerId === query.customerId) && (!query.status || o.status === query.status))
            .filter((o) => !query.creationTimeFrom || (o.creationDate ?? "") >= query.creationTimeFrom)
            .map(toOrderListItem),
          query,
        );
      case "GET /orders/{id}":
        return this.pollOrder(params.id);
      default:
        return { status: 501, body: { message: `${method} ${template} is not simulated` } };
    }
  }

  private issueToken(body: { marketplace?: string }): { status: number; body: unknown } {
    if (body?.marketplace !== this.options.credentials.marketplace) return { status: 400, body: { message: `Unknown marketplace ${body?.marketplace}` } };
    const ttl = this.options.tokenTtlSeconds ?? 1500;
    this.sequence += 1;
    const token = `tok-${this.sequence}-${Math.random().toString(36).slice(2)}`;
    this.tokens.set(token, this.now().getTime() + ttl * 1000);
    return { status: 200, body: { token, expiresInSeconds: ttl } };
  }

  private page<T>(items: T[], query: Record<string, string>): { status: number; body: unknown } {
    const offset = Number(query.offset ?? 0);
    const limit = Number(query.limit ?? 10);
    return { status: 200, body: { data: items.slice(offset, offset + limit), pagination: { offset, limit, total: items.length } } };
  }

  private price(order: CbOrderDetailed): { details: CbOrderDetail[]; error?: string } {
    const sub = this.subscriptions.get(order.subscriptionId ?? order.products?.[0]?.subscriptionId ?? "");
    if (!sub) return { details: [], error: `Subscription ${order.subscriptionId} not found` };
    if (order.customerId !== sub.customerId) return { details: [], error: `Subscription ${sub.id} does not belong to customer ${order.customerId}` };
    const details: CbOrderDetail[] = [];
    for (const line of order.products ?? []) {
      const product = sub.products?.find((p) => p.mpn === line.mpn);
      if (!product) return { details: [], error: `Product ${line.mpn} is not in subscription ${sub.id}` };
      if (line.subscriptionId !== sub.id) return { details: [], error: `Product line names subscription ${line.subscriptionId}` };
      if (order.scheduledOn === "renewal") continue;
      details.push(...(this.options.priceChange ?? defaultPriceChange)({ subscription: sub, mpn: line.mpn!, from: product.quantity ?? 0, to: line.quantity ?? 0, unitPrice: product.unitPrice!.amount, currency: product.unitPrice!.currency }));
    }
    return { details };
  }

  private estimate(order: CbOrderDetailed): { status: number; body: unknown } {
    const priced = this.price(order);
    if (priced.error) return { status: 400, body: { message: priced.error } };
    return { status: 200, body: stripWriteOnly({ ...order, details: priced.details, total: totalOf(priced.details, order) }) };
  }

  private createOrder(order: CbOrderDetailed): { status: number; body: unknown } {
    const priced = this.price(order);
    if (priced.error) return { status: 400, body: { message: priced.error } };
    const open = [...this.orders.values()].find((s) => orderSubscriptionId(s.order) === orderSubscriptionId(order) && (s.order.status === "submitted" || s.order.status === "processing"));
    if (open) return { status: 409, body: { message: `Order ${open.order.orderNumber} is in progress for this subscription` } };
    this.sequence += 1;
    const id = String(5_000_000 + this.sequence);
    const stored: CbOrderDetailed = {
      ...order,
      id,
      orderNumber: `SO${String(this.sequence).padStart(6, "0")}`,
      creationDate: this.now().toISOString().replace(/\.\d{3}Z$/, "Z"),
      status: "submitted",
      statusCode: "SB",
      details: priced.details,
      total: totalOf(priced.details, order),
    };
    this.orders.set(id, { order: stored, polls: 0, ...(this.nextOrderFailure ? { failWith: this.nextOrderFailure } : {}) });
    this.nextOrderFailure = undefined;
    return { status: 200, body: stripWriteOnly(stored) };
  }

  private pollOrder(id: string): { status: number; body: unknown } {
    const stored = this.orders.get(id);
    if (!stored) return { status: 404, body: { message: `Order ${id} not found` } };
    const { order } = stored;
    if (order.status === "submitted" || order.status === "processing") {
      stored.polls += 1;
      if (stored.polls >= (this.options.pollsToComplete ?? 2)) {
        if (stored.failWith) {
          order.status = "error";
          order.statusCode = stored.failWith.statusCode;
          (order as CbOrderDetailed & { message?: string }).message = stored.failWith.message;
        } else {
          order.status = "completed";
          order.statusCode = "CP";
          order.provisioningDate = this.now().toISOString().replace(/\.\d{3}Z$/, "Z");
          this.apply(order);
        }
      } else {
        order.status = "processing";
        order.statusCode = "PR";
      }
    }
    return { status: 200, body: stripWriteOnly(order) };
  }

  private apply(order: CbOrderDetailed): void {
    if (order.scheduledOn === "renewal") return;
    const sub = this.subscriptions.get(orderSubscriptionId(order));
    if (!sub) return;
    for (const line of order.products ?? []) {
      const product = sub.products?.find((p) => p.mpn === line.mpn);
      if (product) product.quantity = line.quantity;
    }
    sub.lastModifiedDate = this.now().toISOString().slice(0, 10);
  }
}

function orderSubscriptionId(order: CbOrderDetailed): string {
  return order.subscriptionId ?? order.products?.[0]?.subscriptionId ?? "";
}

function totalOf(details: CbOrderDetail[], order: CbOrderDetailed): { currency: string; amount: string } {
  const currency = details[0]?.extendedPrice?.currency ?? "USD";
  // CloudBlue's total nets refunds against charges; refund-type details arrive positive, so subtract them.
  let sum = 0n;
  for (const d of details) {
    const [whole, fraction = ""] = d.extendedPrice!.amount.replace(/^-/, "").split(".");
    const value = BigInt(`${whole}${fraction.padEnd(4, "0").slice(0, 4)}`);
    sum += d.type === "downgrade" || d.type?.endsWith("efund") ? -value : value;
  }
  void order;
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(5, "0");
  return { currency, amount: `${negative ? "-" : ""}${digits.slice(0, -4)}.${digits.slice(-4)}` };
}

/** SubscriptionDetailed -> the list item `Subscription` (no products, prices or parameters). */
function toSubscriptionListItem(sub: CbSubscriptionDetailed): unknown {
  const { products: _p, totalPrice: _t, planId: _id, ...rest } = sub;
  return rest;
}

/** OrderDetailed -> the list item `Order` (no products, details or subscription id). */
function toOrderListItem(order: CbOrderDetailed): CbOrder {
  const { products: _p, details: _d, subscriptionId: _s, scheduledOn: _o, ...rest } = order as CbOrderDetailed & { message?: string };
  delete (rest as { message?: string }).message;
  return rest;
}

/** Responses never carry write-only properties (the spec marks `scheduledOn`, `planId`, ... writeOnly). */
function stripWriteOnly(order: CbOrderDetailed): CbOrderDetailed {
  const { scheduledOn: _s, ...rest } = order;
  return rest;
}

/** Starts a SimpleAPI test server. */
export async function startCloudBlueTestServer(options: CloudBlueTestServerOptions, contract?: OpenApiContract): Promise<CloudBlueTestServer> {
  return new CloudBlueTestServer(options, contract).listen();
}
