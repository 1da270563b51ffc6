/**
 * One seeded portal per backend kind, with the same subscriptions, so a test can run unchanged against each:
 *
 * - `http`: the embedded portal served by provider/simulator/server/server.ts (test/helpers/portal-server.ts), whose
 *   clock moves on whenever an order is polled, so orders complete without anyone sleeping;
 * - `cloudblue`: the SimpleAPI 1.15 test server (every request and response held to the vendor's OpenAPI
 *   document) plus the Microsoft Graph test server for assigned seats.
 *
 * Every subscription `name` in SCENARIOS exists in both as `backend.id(name)`: Microsoft 365 Business Basic (20
 * seats, 5.60 EUR) and Exchange Online Plan 1 (6 seats, 3.70 EUR), billed monthly, renewing 2026-12-01. The two
 * `shared-*` subscriptions carry the same SKU, whose assigned seats (18) the tenant counts once for both.
 * Each backend hands out what each entry point needs: the plugin's Configure config (secrets marked secret), the
 * CLI's global arguments and environment, a count of orders placed, the backend's own quote, faults, close().
 */
import type * as http from "node:http";
import { createFixedClock } from "../../provider/core/clock";
import type { OrderEstimate, OrderRequest } from "../../provider/core/model";
import { CloudBluePortal } from "../../provider/backends/cloudblue/cloudblue-portal";
import type { CbSubscriptionDetailed } from "../../provider/backends/cloudblue/simpleapi-types";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { createHttpPortal } from "../../provider/backends/http/http-portal";
import { buildCbSubscription, OpenApiContract, startCloudBlueTestServer, type CloudBlueTestServer } from "./cloudblue-test-server";
import { secret } from "./dynamic-plugin";
import { buildSubscribedSku, startGraphTestServer, type GraphTestServer } from "./graph-test-server";
import { startTestPortalServer, type TestPortalServer } from "./portal-server";
import { FIXTURE_SUBSCRIPTION_BASE } from "./fixture-base";

export type SeatsBackendKind = "http" | "cloudblue";

export const BACKEND_KINDS: readonly SeatsBackendKind[] = ["http", "cloudblue"];

/** The time every backend and entry point runs at: 20 of May's 31 days left. */
export const NOW = "2026-05-12T09:00:00.000Z";

/** Subscriptions seeded in every backend (one per scenario, so scenarios never disturb each other). */
export const SCENARIOS = ["check", "apply", "throttle", "flaky", "token", "error", "cli", "shared-a", "shared-b"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Assigned seats of Business Basic across the tenant (the two `shared-*` subscriptions carry it). */
export const SHARED_USAGE = 18;
const SHARED_SCOPE = "tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions";

const HTTP_TOKEN = "seats-token-http-5b1d7e0c93";
const CB_CREDENTIALS = { username: "api-user@reseller.example", password: "pw-Sup3r-s3cret!cb", subscriptionKey: "sk-0123456789abcdef-cb", marketplace: "us" };
const CB_GRAPH = { tenantId: "5b3c8f3e-1c1f-4e7a-9d0e-3f1a2b3c4d5e", clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "graph-s3cret-value~xyz-cb" };
const CB_CUSTOMER = "1000001";
const BASIC_MPN = "CFQ7TTC0LH18-P1Y-M";
const EXCHANGE_MPN = "CFQ7TTC0LDPB-P1Y-M";
/** Portal time an http order takes; each poll moves the portal clock on by more than half of it. */
const PROCESSING_DELAY_MS = 2_000;

/** What an order the backend holds carries, in csp-seats' terms. */
export interface PlacedOrder {
  readonly id: string;
  readonly status: string;
  /** sku -> the seat count the order sets. */
  readonly lines: Record<string, number>;
}

export interface BackendFaults {
  /** The next `times` reads of a subscription are answered 429 with `Retry-After: seconds`. */
  throttleRead(seconds: number, times?: number): void;
  /** The next `times` reads of a subscription fail with `status` (5xx). */
  failRead(status: number, times?: number): void;
  /** Every token issued so far expires as soon as the backend has answered the next request for `route`. */
  expireTokensAfter(route: string): void;
  /** The next order placed ends in error with this vendor message. */
  failNextOrder(message: string): void;
}

/** A request the backend answered, when, and with which credentials. */
export interface LoggedRequest {
  readonly route: string;
  readonly status: number;
  /** Wall-clock milliseconds when the answer was ready. */
  readonly at: number;
  readonly authorization: string;
}

export interface SeatsBackend {
  readonly kind: SeatsBackendKind;
  /** The backend's id for a scenario's subscription. */
  id(scenario: Scenario): string;
  /** The backend's SKU for Business Basic and Exchange Online Plan 1. */
  readonly sku: { readonly basic: string; readonly exchange: string };
  /** What the engine passes to Configure: full `csp-seats:*` keys, secrets marked as secrets. */
  stackConfig(): Record<string, unknown>;
  /** The same settings for `pulumi config set`: plain values, and the ones to set with `--secret`. */
  pulumiConfig(): { config: Record<string, string>; secrets: Record<string, string> };
  /** Global CLI arguments (no secret: secrets go in `cliEnv`). */
  readonly cliArgs: readonly string[];
  /** The CLI's CSP_SEATS_* environment (secrets included). */
  readonly cliEnv: Readonly<Record<string, string>>;
  /** Every secret value this backend was configured with. */
  readonly secrets: readonly string[];
  /** Orders the backend holds for a subscription, oldest first. */
  listOrders(subscriptionId: string): Promise<PlacedOrder[]>;
  /** Orders the backend holds, all subscriptions. */
  countOrders(): Promise<number>;
  /** The limits (purchased seats) per SKU, read behind csp-seats' back. */
  readLimits(subscriptionId: string): Promise<Record<string, number>>;
  /** The backend's own quote for an order, from a client of its own. */
  estimate(request: OrderRequest): Promise<OrderEstimate>;
  /** Faults; the http backend has none of these (undefined). */
  readonly faults?: BackendFaults;
  /** Requests the backend received for a route (`GET /subscriptions/{id}`, `GET /v1/subscriptions/<id>`, ...). */
  count(route: string): number;
  /** The requests answered so far (cloudblue; empty for http). */
  requestLog(): LoggedRequest[];
  /** Contract violations the test servers recorded (always empty for http). */
  violations(): string[];
  close(): Promise<void>;
}

const base = FIXTURE_SUBSCRIPTION_BASE;

/** The http backend's fixture: the scenarios as embedded-portal subscriptions. */
export function buildHttpFixture(): PortalFixture {
  const basic = { sku: "m365-basic", displayName: "Microsoft 365 Business Basic", unitPrice: "5.60", minQuantity: 1, maxQuantity: 300 };
  const exchange = { sku: "exchange-p1", displayName: "Exchange Online (Plan 1)", unitPrice: "3.70", minQuantity: 1, maxQuantity: 300 };
  return {
    now: NOW,
    processingDelayMs: PROCESSING_DELAY_MS,
    pageSize: 50,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: SCENARIOS.map((scenario) => ({
      ...base,
      id: `sub-${scenario}`,
      name: `Contoso ${scenario}`,
      lines:
        scenario === "shared-b"
          ? [{ ...basic, usage: SHARED_USAGE, usageScope: SHARED_SCOPE, limit: 3 }]
          : scenario === "shared-a"
            ? [
                { ...basic, usage: SHARED_USAGE, usageScope: SHARED_SCOPE, limit: 20 },
                { ...exchange, usage: 4, limit: 6 },
              ]
            : [
                { ...basic, usage: 10, limit: 20 },
                { ...exchange, usage: 4, limit: 6 },
              ],
    })),
  };
}

function buildCloudBlueSubscription(id: string, scenario: Scenario): CbSubscriptionDetailed {
  const basic = { mpn: BASIC_MPN, vendor: "Microsoft", id: "PRD-BASIC", name: "Microsoft 365 Business Basic", quantity: scenario === "shared-b" ? 3 : 20, unitPrice: { amount: "5.6000", currency: "EUR" } };
  const exchange = { mpn: EXCHANGE_MPN, vendor: "Microsoft", id: "PRD-EXO", name: "Exchange Online (Plan 1)", quantity: 6, unitPrice: { amount: "3.7000", currency: "EUR" } };
  return buildCbSubscription(id, {
    name: `Contoso ${scenario}`,
    customerId: CB_CUSTOMER,
    totalPrice: { currency: "EUR", amount: "134.2000" },
    products: scenario === "shared-b" ? [basic] : [basic, exchange],
  });
}

async function startHttpBackend(): Promise<SeatsBackend> {
  const server: TestPortalServer = await startTestPortalServer(buildHttpFixture(), HTTP_TOKEN);
  // Each poll of an order moves the portal clock on, so orders progress without anyone sleeping.
  server.server.prependListener("request", (req: http.IncomingMessage) => {
    if (req.method === "GET" && /^\/v1\/orders\/[^/?]+/.test(req.url ?? "")) server.clock.advance(PROCESSING_DELAY_MS / 2 + 1);
  });
  const client = await createHttpPortal({ endpoint: server.url, token: HTTP_TOKEN });
  const toPlaced = (order: { id: string; status: string; lines: readonly { sku: string; to: number }[] }): PlacedOrder => ({
    id: order.id,
    status: order.status,
    lines: Object.fromEntries(order.lines.map((line) => [line.sku, line.to])),
  });
  return {
    kind: "http",
    id: (scenario) => `sub-${scenario}`,
    sku: { basic: "m365-basic", exchange: "exchange-p1" },
    stackConfig: () => ({
      "csp-seats:backend": "http",
      "csp-seats:endpoint": server.url,
      "csp-seats:token": secret(HTTP_TOKEN),
      "csp-seats:now": NOW,
      "csp-seats:orderTimeoutSeconds": "30",
    }),
    pulumiConfig: () => ({
      config: { "csp-seats:backend": "http", "csp-seats:endpoint": server.url, "csp-seats:now": NOW, "csp-seats:orderTimeoutSeconds": "30" },
      secrets: { "csp-seats:token": HTTP_TOKEN },
    }),
    cliArgs: ["--backend", "http", "--endpoint", server.url, "--now", NOW],
    cliEnv: { CSP_SEATS_TOKEN: HTTP_TOKEN },
    secrets: [HTTP_TOKEN],
    listOrders: async (subscriptionId) => (await server.portal.listOrders({ subscriptionId })).map(toPlaced).reverse().sort((a, b) => a.id.localeCompare(b.id)),
    countOrders: async () => (await server.portal.listOrders({})).length,
    readLimits: async (subscriptionId) => Object.fromEntries((await server.portal.getSubscription(subscriptionId)).lines.map((line) => [line.sku, line.limit])),
    estimate: (request) => client.estimateOrder(request),
    count: (route) => server.count(route),
    requestLog: () => [],
    violations: () => [],
    close: async () => {
      await client.close();
      await server.dispose();
    },
  };
}

/** Sequential CloudBlue ids per scenario, as CloudBlue numbers subscriptions. */
function getCloudBlueId(scenario: Scenario): string {
  return String(1_000_100 + SCENARIOS.indexOf(scenario));
}

async function startCloudBlueBackend(): Promise<SeatsBackend> {
  const at = new Date(NOW);
  const cloudblue: CloudBlueTestServer = await startCloudBlueTestServer(
    {
      credentials: CB_CREDENTIALS,
      subscriptions: SCENARIOS.map((scenario) => buildCloudBlueSubscription(getCloudBlueId(scenario), scenario)),
      products: [
        { mpn: BASIC_MPN, vendor: "Microsoft", name: "Microsoft 365 Business Basic", minimumQuantity: "1", maximumQuantity: "300" },
        { mpn: EXCHANGE_MPN, vendor: "Microsoft", name: "Exchange Online (Plan 1)", minimumQuantity: "1", maximumQuantity: "300" },
      ],
      // Completes on the first poll, which the shared order wait makes 200 ms after placing (its first backoff).
      pollsToComplete: 1,
      now: () => at,
    },
    new OpenApiContract(),
  );
  const graph: GraphTestServer = await startGraphTestServer({
    ...CB_GRAPH,
    skus: [
      buildSubscribedSku({ skuPartNumber: "O365_BUSINESS_ESSENTIALS", skuId: "3b555118-da6a-4418-894f-7df1e2096870", consumedUnits: SHARED_USAGE, enabled: 23, subscriptionIds: ["a1d5b7c2-0000-4000-8000-00000000000a", "a1d5b7c2-0000-4000-8000-00000000000b"] }),
      buildSubscribedSku({ skuPartNumber: "EXCHANGESTANDARD", skuId: "4b9405b0-7788-4568-add1-99614e613b69", consumedUnits: 4, enabled: 6, subscriptionIds: ["b2e6c8d3-0000-4000-8000-00000000000a"] }),
    ],
  });
  const skuMap = { [BASIC_MPN]: "O365_BUSINESS_ESSENTIALS", [EXCHANGE_MPN]: "EXCHANGESTANDARD" };
  const settings = {
    endpoint: cloudblue.url,
    marketplace: CB_CREDENTIALS.marketplace,
    subscriptionKey: CB_CREDENTIALS.subscriptionKey,
    username: CB_CREDENTIALS.username,
    password: CB_CREDENTIALS.password,
    customerId: CB_CUSTOMER,
    graphTenantId: CB_GRAPH.tenantId,
    graphClientId: CB_GRAPH.clientId,
    graphClientSecret: CB_GRAPH.clientSecret,
    graphEndpoint: graph.url,
    graphTokenEndpoint: graph.url,
  };
  const secretKeys = new Set(["subscriptionKey", "password", "graphClientSecret"]);
  const client = new CloudBluePortal(
    {
      endpoint: cloudblue.url,
      ...CB_CREDENTIALS,
      customerId: CB_CUSTOMER,
      graph: { ...CB_GRAPH, endpoint: graph.url, tokenEndpoint: graph.url },
      skuMap,
    },
    { clock: createFixedClock(NOW), sleep: async () => {} },
  );
  // The server records each request just before answering it: note when, and run the armed token expiries.
  const log: LoggedRequest[] = [];
  const expiries: string[] = [];
  const record = cloudblue.requests.push.bind(cloudblue.requests);
  cloudblue.requests.push = (...entries) => {
    for (const entry of entries) {
      log.push({ route: entry.route, status: entry.status, at: Date.now(), authorization: String(entry.headers.authorization ?? "") });
      const armed = expiries.indexOf(entry.route);
      if (armed !== -1 && entry.status < 300) {
        expiries.splice(armed, 1);
        cloudblue.expireTokens();
      }
    }
    return record(...entries);
  };
  const toPlaced = (id: string): PlacedOrder => {
    const order = cloudblue.orders.get(id)!.order;
    return { id, status: order.status ?? "", lines: Object.fromEntries((order.products ?? []).map((p) => [p.mpn!, p.quantity!])) };
  };
  const envName = (key: string): string => `CSP_SEATS_CLOUDBLUE_${key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
  return {
    kind: "cloudblue",
    id: getCloudBlueId,
    sku: { basic: BASIC_MPN, exchange: EXCHANGE_MPN },
    stackConfig: () => ({
      "csp-seats:backend": "cloudblue",
      ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [`csp-seats:${key}`, secretKeys.has(key) ? secret(value) : value])),
      // An object config value reaches Configure as its JSON text.
      "csp-seats:skuMap": JSON.stringify(skuMap),
      "csp-seats:now": NOW,
      "csp-seats:orderTimeoutSeconds": "30",
    }),
    pulumiConfig: () => ({
      config: {
        "csp-seats:backend": "cloudblue",
        ...Object.fromEntries(Object.entries(settings).filter(([key]) => !secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value])),
        "csp-seats:skuMap": JSON.stringify(skuMap),
        "csp-seats:now": NOW,
        "csp-seats:orderTimeoutSeconds": "30",
      },
      secrets: Object.fromEntries(Object.entries(settings).filter(([key]) => secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value])),
    }),
    cliArgs: ["--now", NOW],
    cliEnv: {
      CSP_SEATS_BACKEND: "cloudblue",
      ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [envName(key), value])),
      CSP_SEATS_CLOUDBLUE_SKU_MAP: Object.entries(skuMap).map(([mpn, sku]) => `${mpn}=${sku}`).join(","),
    },
    secrets: [CB_CREDENTIALS.password, CB_CREDENTIALS.subscriptionKey, CB_GRAPH.clientSecret, Buffer.from(`${CB_CREDENTIALS.username}:${CB_CREDENTIALS.password}`).toString("base64")],
    listOrders: async (subscriptionId) =>
      [...cloudblue.orders.values()].filter((s) => (s.order.subscriptionId ?? s.order.products?.[0]?.subscriptionId) === subscriptionId).map((s) => toPlaced(s.order.id!)),
    countOrders: async () => cloudblue.orders.size,
    readLimits: async (subscriptionId) => Object.fromEntries((cloudblue.subscriptions.get(subscriptionId)?.products ?? []).map((p) => [p.mpn!, p.quantity!])),
    estimate: (request) => client.estimateOrder(request),
    faults: {
      throttleRead: (seconds, times = 1) =>
        cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 429, retryAfterSeconds: seconds, times, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }),
      failRead: (status, times = 1) => cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status, times, message: "Service temporarily unavailable" }),
      expireTokensAfter: (route) => expiries.push(route),
      failNextOrder: (message) => cloudblue.failNextOrder({ statusCode: "ER", message }),
    },
    count: (route) => cloudblue.count(route),
    requestLog: () => [...log],
    violations: () => [...cloudblue.violations, ...graph.violations],
    close: async () => {
      await client.close();
      await cloudblue.close();
      await graph.close();
    },
  };
}

/** Starts a seeded backend of `kind` on 127.0.0.1. */
export async function startSeatsBackend(kind: SeatsBackendKind): Promise<SeatsBackend> {
  return kind === "http" ? startHttpBackend() : startCloudBlueBackend();
}

/** The CloudBlue test server behind a cloudblue backend, for tests that read its request log. */
export type { CloudBlueTestServer };
