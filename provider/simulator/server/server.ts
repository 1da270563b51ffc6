/**
 * The embedded portal's HTTP API (schema/portal-openapi.yaml). `createPortalServer` builds a node http.Server
 * without listening, so tests and `csp-seats portal serve` choose where it listens. Every route but
 * `GET /healthz` needs the bearer token; bodies are validated against the OpenAPI component schemas before the
 * portal sees them, so a refused request changes nothing. Fault rules stored in the portal are applied per request.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../../core/clock";
import { systemClock } from "../../core/clock";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import type { Order, OrderRequest, OutboxMessage, PlaceOrderRequest, Subscription } from "../../core/model";
import type { FaultRule } from "../faults";
import { PORTAL_ERROR_STATUS, type Portal } from "../../backends/portal";
import { describeSchemaErrors, loadPortalSchemas } from "./openapi";
import { decodePathSegment, formatClientError, getClientErrorStatus, parseRequestTarget } from "./request-target";

/** A page of subscriptions as the embedded portal returns it. */
export interface SubscriptionPage {
  readonly subscriptions: Subscription[];
  readonly nextPageToken?: string;
}

/** What the server needs from the portal it serves (the embedded portal satisfies it). */
export interface ServablePortal extends Portal {
  listOutbox(): Promise<OutboxMessage[]>;
  getFaults(): Promise<FaultRule[]>;
  setFaults(rules: FaultRule[]): Promise<void>;
  /** Places an order, telling in the same transaction whether its idempotency key was already known (a replay). */
  placeOrderOrReplay(request: PlaceOrderRequest): Promise<{ readonly order: Order; readonly replayed: boolean }>;
  /** Consumes one use of the first rule matching the request, if any; writes nothing when none matches. */
  takeFault(method: string, path: string): Promise<FaultRule | undefined>;
  /** One page (the portal's own page size unless given); without it the server pages over listSubscriptions. */
  listSubscriptionsPage?(options: { ids?: readonly string[]; customerId?: string; pageSize?: number; pageToken?: string }): Promise<SubscriptionPage>;
}

/** What the portal API server serves, and how. */
export interface PortalServerOptions {
  readonly portal: ServablePortal;
  /** The bearer token every route but /healthz requires. */
  readonly token: string;
  /** Time source for the server's own timestamps (the portal has its own clock). */
  readonly clock?: Clock;
  /** Access log: one line per request, never with the token. */
  readonly log?: (line: string) => void;
  /** Largest accepted request body. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RouteContext {
  readonly params: string[];
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
}

interface RouteResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** Component schema the JSON body must satisfy; routes without one take no body. */
  readonly bodySchema?: string;
  /** Whether the route is open without a token. */
  readonly public?: boolean;
  /** Whether fault rules apply (admin and health routes stay reachable to clear faults). */
  readonly faultable: boolean;
  readonly handle: (context: RouteContext) => Promise<RouteResult>;
}

function badRequest(summary: string, fix: string): CspSeatsError {
  return new CspSeatsError("PORTAL_BAD_REQUEST", summary, fix, { status: 400 });
}

function parsePageSize(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badRequest(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got "${raw}"`, "Send a pageSize in range, or leave it out for the portal's default.");
  }
  return size;
}

function decodeOffsetToken(raw: string | null): number {
  if (raw === null || raw === "") return 0;
  const offset = Number(Buffer.from(raw, "base64url").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0) throw badRequest("pageToken is not one this server issued", "Send the nextPageToken of the previous page unchanged, or start again without one.");
  return offset;
}

function encodeOffsetToken(offset: number): string {
  return Buffer.from(String(offset), "utf8").toString("base64url");
}

/** Builds the route table over `portal`. */
function createRoutes(portal: ServablePortal): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/healthz$/,
      public: true,
      faultable: false,
      handle: async () => ({ status: 200, body: { status: "ok" } }),
    },
    {
      method: "GET",
      pattern: /^\/v1\/subscriptions$/,
      faultable: true,
      handle: async ({ query }) => {
        const pageSize = parsePageSize(query.get("pageSize"));
        const pageToken = query.get("pageToken") || undefined;
        const ids = query.get("ids")?.split(",").map((id) => id.trim()).filter((id) => id !== "");
        const customerId = query.get("customerId") || undefined;
        const filter = { ...(ids ? { ids } : {}), ...(customerId ? { customerId } : {}) };
        if (portal.listSubscriptionsPage) {
          const page = await portal.listSubscriptionsPage({ ...filter, ...(pageSize ? { pageSize } : {}), ...(pageToken ? { pageToken } : {}) });
          return { status: 200, body: { items: page.subscriptions, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) } };
        }
        const size = pageSize ?? DEFAULT_PAGE_SIZE;
        const offset = decodeOffsetToken(query.get("pageToken"));
        const all = await portal.listSubscriptions(filter);
        const next = offset + size;
        return { status: 200, body: { items: all.slice(offset, next), ...(next < all.length ? { nextPageToken: encodeOffsetToken(next) } : {}) } };
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/subscriptions\/([^/]+)$/,
      faultable: true,
      handle: async ({ params }) => ({ status: 200, body: await portal.getSubscription(params[0]) }),
    },
    {
      method: "POST",
      pattern: /^\/v1\/orders\/estimate$/,
      bodySchema: "OrderRequest",
      faultable: true,
      handle: async ({ body }) => ({ status: 200, body: await portal.estimateOrder(body as OrderRequest) }),
    },
    {
      method: "POST",
      pattern: /^\/v1\/orders$/,
      bodySchema: "OrderRequest",
      faultable: true,
      handle: async ({ body, headers }) => {
        const key = headers["idempotency-key"];
        if (typeof key !== "string" || key.trim() === "" || key.length > 200) {
          throw badRequest("POST /v1/orders needs an Idempotency-Key header (1-200 characters)", "Send a key derived from the plan, so a retried order is recognised and never placed twice.");
        }
        const { order, replayed } = await portal.placeOrderOrReplay({ ...(body as OrderRequest), idempotencyKey: key });
        return { status: replayed ? 200 : 201, body: order, headers: replayed ? { "idempotent-replayed": "true" } : {} };
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/orders$/,
      faultable: true,
      handle: async ({ query }) => {
        const subscriptionId = query.get("subscriptionId") || undefined;
        const idempotencyKey = query.get("idempotencyKey") || undefined;
        const items = await portal.listOrders({ ...(subscriptionId ? { subscriptionId } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) });
        return { status: 200, body: { items } };
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/orders\/([^/]+)$/,
      faultable: true,
      handle: async ({ params }) => ({ status: 200, body: await portal.getOrder(params[0]) }),
    },
    {
      method: "GET",
      pattern: /^\/v1\/outbox$/,
      faultable: true,
      handle: async () => ({ status: 200, body: { items: await portal.listOutbox() } }),
    },
    {
      method: "GET",
      pattern: /^\/v1\/admin\/faults$/,
      faultable: false,
      handle: async () => ({ status: 200, body: { rules: await portal.getFaults() } }),
    },
    {
      method: "PUT",
      pattern: /^\/v1\/admin\/faults$/,
      bodySchema: "FaultRules",
      faultable: false,
      handle: async ({ body }) => {
        await portal.setFaults((body as { rules: FaultRule[] }).rules);
        return { status: 200, body: { rules: await portal.getFaults() } };
      },
    },
  ];
}

/** Constant-time comparison of the presented bearer token with the expected one. */
function isAuthorized(header: string | undefined, digest: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!match) return false;
  return timingSafeEqual(createHash("sha256").update(match[1].trim()).digest(), digest);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new CspSeatsError("PORTAL_BAD_REQUEST", `the request body is larger than ${limit} bytes`, "Send a smaller body.", { status: 413 }));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The status an error is reported with: the error's own (the portal sets it), then the shared table, then 500. */
function statusOf(error: CspSeatsError): number {
  return error.status ?? (PORTAL_ERROR_STATUS as Record<string, number>)[error.code] ?? 500;
}

/** The fault's failure response (status faults). */
function createFaultError(rule: FaultRule): { status: number; error: CspSeatsError; headers: Record<string, string> } {
  const status = rule.status ?? 503;
  if (status === 429) {
    const seconds = rule.retryAfterSeconds ?? 1;
    return {
      status,
      error: new CspSeatsError("PORTAL_THROTTLED", "too many requests (injected fault)", `Retry after ${seconds} s.`),
      headers: { "retry-after": String(seconds) },
    };
  }
  if (status === 503) return { status, error: new CspSeatsError("PORTAL_UNAVAILABLE", "the portal is temporarily unavailable (injected fault)", "Retry later."), headers: rule.retryAfterSeconds !== undefined ? { "retry-after": String(rule.retryAfterSeconds) } : {} };
  if (status >= 500) return { status, error: new CspSeatsError("PORTAL_INTERNAL", "the portal failed (injected fault)", "Retry later; nothing was done."), headers: {} };
  return { status, error: new CspSeatsError("PORTAL_BAD_REQUEST", `the portal refused the request with ${status} (injected fault)`, "Clear the fault rules."), headers: {} };
}

/**
 * Builds the API server over `portal`. Call `listen()` on the result (default host 127.0.0.1 is the caller's
 * choice: `csp-seats portal serve` binds it unless told otherwise).
 */
export function createPortalServer(options: PortalServerOptions): http.Server {
  if (typeof options.token !== "string" || options.token.length === 0) throw new TypeError("Expected `token` to be a non-empty string");
  const { portal } = options;
  const clock = options.clock ?? systemClock;
  const digest = createHash("sha256").update(options.token).digest();
  const routes = createRoutes(portal);
  const schemas = loadPortalSchemas();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    const presented = req.headers["x-correlation-id"];
    const correlationId = typeof presented === "string" && CORRELATION_ID.test(presented) ? presented : randomUUID();
    const method = req.method ?? "GET";
    // Logged as received until it parses; control characters never reach the log line.
    let pathname = (req.url ?? "/").slice(0, 200).replace(/[\u0000-\u001f\u007f]/g, "?");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), "x-correlation-id": correlationId, ...headers });
      res.end(text);
      options.log?.(`${clock.now().toISOString()} ${method} ${pathname} ${status} ${Date.now() - started}ms ${correlationId}`);
    };
    const sendError = (error: CspSeatsError, status = statusOf(error), headers: Record<string, string> = {}): void =>
      send(status, { error: { code: error.code, summary: error.summary, fix: error.fix, ...(error.details ? { details: error.details } : {}) } }, headers);
    const drop = (): void => {
      options.log?.(`${clock.now().toISOString()} ${method} ${pathname} dropped ${correlationId}`);
      req.socket.destroy();
    };

    try {
      const url = parseRequestTarget(req.url ?? "");
      if (!url) {
        req.resume();
        throw badRequest(`the request target ${JSON.stringify(pathname)} is not a path`, "Send a path such as /v1/subscriptions (see schema/portal-openapi.yaml).");
      }
      pathname = url.pathname;
      const candidates = routes.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((c) => c.match !== null);
      if (candidates.length === 0) {
        sendError(new CspSeatsError("PORTAL_NOT_FOUND", `no route ${url.pathname}`, "See schema/portal-openapi.yaml for the routes this API serves."), 404);
        return;
      }
      const found = candidates.find((c) => c.route.method === method);
      if (!found) {
        const allow = candidates.map((c) => c.route.method).sort().join(", ");
        sendError(new CspSeatsError("PORTAL_METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}`, `Use ${allow}.`), 405, { allow });
        return;
      }
      const { route } = found;
      if (!route.public && !isAuthorized(req.headers.authorization, digest)) {
        req.resume();
        sendError(new CspSeatsError("PORTAL_UNAUTHORIZED", "missing or wrong bearer token", "Send Authorization: Bearer <token> with the token `csp-seats portal serve` printed (CSP_SEATS_TOKEN)."), 401, { "www-authenticate": 'Bearer realm="csp-seats"' });
        return;
      }
      const raw = await readBody(req, maxBodyBytes);
      const fault = route.faultable ? await portal.takeFault(method, url.pathname) : undefined;
      if (fault?.kind === "reset") {
        drop();
        return;
      }
      if (fault?.kind === "latency") await sleep(fault.latencyMs ?? 0);
      if (fault?.kind === "status") {
        const injected = createFaultError(fault);
        sendError(injected.error, injected.status, injected.headers);
        return;
      }
      let body: unknown;
      if (route.bodySchema) {
        if (raw.trim() === "") throw badRequest(`${method} ${url.pathname} needs a JSON body`, "Send a JSON body as described in schema/portal-openapi.yaml.");
        try {
          body = JSON.parse(raw);
        } catch {
          throw badRequest("the request body is not valid JSON", "Send a JSON document with Content-Type: application/json.");
        }
        const validate = schemas.validator(route.bodySchema);
        if (!validate(body)) {
          throw badRequest(`invalid ${route.bodySchema}: ${describeSchemaErrors(validate.errors)}`, `Fix the body to match ${route.bodySchema} in schema/portal-openapi.yaml.`);
        }
      }
      const match = found.match!;
      // Plans are priced at the portal's time, so the reads a plan is made from carry it (X-Portal-Time).
      const portalTime = method === "GET" && (url.pathname.startsWith("/v1/subscriptions") || url.pathname === "/healthz") ? (await portal.now()).toISOString() : undefined;
      const result = await route.handle({ params: match.slice(1).map(decodePathSegment), query: url.searchParams, body, headers: req.headers });
      if (fault?.kind === "commit-then-drop") {
        drop();
        return;
      }
      send(result.status, result.body, portalTime ? { ...result.headers, "x-portal-time": portalTime } : result.headers);
    } catch (error) {
      if (res.headersSent || req.socket.destroyed || !res.writable) return;
      if (isCspSeatsError(error)) {
        sendError(error);
        return;
      }
      options.log?.(`${clock.now().toISOString()} ${method} ${pathname} internal error: ${error instanceof Error ? error.message : String(error)}`);
      sendError(new CspSeatsError("PORTAL_INTERNAL", "the portal failed unexpectedly", "Retry; if it persists, report it with the correlation id."), 500);
    }
  };

  // The response in progress per socket: a parser error after its headers went out can only close the socket.
  const responses = new WeakMap<object, http.ServerResponse>();
  const server = http.createServer((req, res) => {
    responses.set(req.socket, res);
    // handle() answers every failure itself; this catches only a failure to answer, which must not end the server.
    handle(req, res).catch(() => req.socket.destroy());
  });
  // Node's own parser refusals (a malformed request line or header, headers over the size limit, a broken chunk)
  // never reach a route: answer them in the API's JSON error shape too.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = responses.get(socket);
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    options.log?.(`${clock.now().toISOString()} - - ${getClientErrorStatus(error)} refused by the HTTP parser (${error.code ?? "no code"})`);
    socket.end(formatClientError(error), () => socket.destroy());
  });
  server.keepAliveTimeout = 15_000;
  // A client that half-closes after its request still wants the reply (RFC 9112, 9.6): without this Node ends the
  // socket on the client's FIN before an asynchronous handler answers. An idle half-closed socket is still ended.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}
