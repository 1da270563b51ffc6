/**
 * The CloudBlue backend against a SimpleAPI 1.15 test server that validates every request and response against
 * the vendor's OpenAPI document, and a Microsoft Graph test server validated against our subscribedSku schema.
 * Every test ends by asserting that neither server recorded a contract violation.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "../../provider/core/clock";
import type { CspSeatsError } from "../../provider/core/errors";
import { getRejection } from "../helpers/coded-error";
import type { CloudBlueConfig } from "../../provider/backends/cloudblue/config";
import { CloudBluePortal } from "../../provider/backends/cloudblue/cloudblue-portal";
import { waitForOrder } from "../../provider/backends/shared/order-wait";
import type { Order } from "../../provider/core/model";
import { getMarkerPoNumber } from "../../provider/backends/cloudblue/cloudblue-mapping";
import type { CbSubscriptionDetailed } from "../../provider/backends/cloudblue/simpleapi-types";
import { buildCbSubscription, OpenApiContract, startCloudBlueTestServer, type CloudBlueTestServer } from "../helpers/cloudblue-test-server";
import { buildSubscribedSku, startGraphTestServer, type GraphTestServer } from "../helpers/graph-test-server";

const NOW = "2026-05-12T09:00:00.000Z";
const BASIC = "CFQ7TTC0LH18-P1Y-M";
const EXCHANGE = "CFQ7TTC0LDPB-P1Y-M";
const CREDENTIALS = { username: "api-user@reseller.example", password: "pw-Sup3r-s3cret!", subscriptionKey: "sk-0123456789abcdef", marketplace: "us" };
const GRAPH = { tenantId: "5b3c8f3e-1c1f-4e7a-9d0e-3f1a2b3c4d5e", clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "graph-s3cret-value~xyz" };

function subscription(id: string, overrides: Partial<CbSubscriptionDetailed> = {}): CbSubscriptionDetailed {
  return buildCbSubscription(id, {
    totalPrice: { currency: "EUR", amount: "132.0000" },
    products: [
      { mpn: BASIC, vendor: "Microsoft", id: "PRD-BASIC", name: "Microsoft 365 Business Basic", quantity: 20, unitPrice: { amount: "5.6000", currency: "EUR" } },
      { mpn: EXCHANGE, vendor: "Microsoft", id: "PRD-EXO", name: "Exchange Online (Plan 1)", quantity: 5, unitPrice: { amount: "4.0000", currency: "EUR" } },
    ],
    ...overrides,
  });
}

const SUBSCRIPTIONS: CbSubscriptionDetailed[] = [
  subscription("1000017"),
  subscription("1000018", { products: [{ mpn: BASIC, vendor: "Microsoft", name: "Microsoft 365 Business Basic", quantity: 3, unitPrice: { amount: "5.6000", currency: "EUR" } }] }),
  subscription("1000019", { status: "hold" }),
  subscription("1000020", { customerId: "1000002" }),
];

interface Harness {
  cloudblue: CloudBlueTestServer;
  graph: GraphTestServer;
  portal: CloudBluePortal;
  clock: ReturnType<typeof createManualClock>;
  sleeps: number[];
  /** The statuses the shared order wait reported. */
  progress: string[];
  logs: string[];
  config: CloudBlueConfig;
}

let contract: OpenApiContract;
let h: Harness;

async function open(options: { graph?: boolean; pageSize?: number } = {}): Promise<Harness> {
  contract ??= new OpenApiContract();
  const clock = createManualClock(NOW);
  const cloudblue = await startCloudBlueTestServer(
    {
      credentials: CREDENTIALS,
      subscriptions: SUBSCRIPTIONS,
      products: [
        { mpn: BASIC, vendor: "Microsoft", name: "Microsoft 365 Business Basic", minimumQuantity: "1", maximumQuantity: "300" },
        { mpn: EXCHANGE, vendor: "Microsoft", name: "Exchange Online (Plan 1)", minimumQuantity: "1", maximumQuantity: "5000" },
      ],
      now: () => clock.now(),
    },
    contract,
  );
  const graph = await startGraphTestServer({
    ...GRAPH,
    skus: [
      buildSubscribedSku({ skuPartNumber: "O365_BUSINESS_ESSENTIALS", skuId: "3b555118-da6a-4418-894f-7df1e2096870", consumedUnits: 18, enabled: 23, subscriptionIds: ["a1d5b7c2-0000-4000-8000-000000000017", "a1d5b7c2-0000-4000-8000-000000000018"] }),
      buildSubscribedSku({ skuPartNumber: "EXCHANGESTANDARD", skuId: "4b9405b0-7788-4568-add1-99614e613b69", consumedUnits: 4, enabled: 5, subscriptionIds: ["b2e6c8d3-0000-4000-8000-000000000017"] }),
    ],
  });
  const config: CloudBlueConfig = {
    endpoint: cloudblue.url,
    ...CREDENTIALS,
    customerId: "1000001",
    ...(options.graph === false ? {} : { graph: { ...GRAPH, endpoint: graph.url, tokenEndpoint: graph.url } }),
    skuMap: { [BASIC]: "O365_BUSINESS_ESSENTIALS", [EXCHANGE]: "EXCHANGESTANDARD" },
  };
  const sleeps: number[] = [];
  const progress: string[] = [];
  const logs: string[] = [];
  const portal = new CloudBluePortal(config, {
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    orderTimeoutMs: 60_000,
    log: (line) => logs.push(line),
    pageSize: options.pageSize ?? 100,
  });
  return { cloudblue, graph, portal, clock, sleeps, progress, logs, config };
}

/** Replaces the harness with one opened with `options` (closing the old one's servers). */
async function reopen(options: Parameters<typeof open>[0]): Promise<void> {
  await h.portal.close();
  await h.cloudblue.close();
  await h.graph.close();
  h = await open(options);
}

/**
 * Waits for a placed order with the shared order wait, as the provider does: on a virtual clock that the
 * injected sleep moves on, so `timeoutMs` is reached without anyone sleeping.
 */
async function wait(placed: Promise<Order>, timeoutMs = 60_000): Promise<Order> {
  let now = 0;
  return waitForOrder(h.portal, await placed, {
    timeoutMs,
    now: () => now,
    sleep: async (ms) => {
      h.sleeps.push(ms);
      now += ms;
    },
    onProgress: ({ order }) => void h.progress.push(order.status),
  });
}

beforeEach(async () => {
  h = await open();
});

afterEach(async () => {
  await h.portal.close();
  await h.cloudblue.close();
  await h.graph.close();
  expect(h.cloudblue.violations).toEqual([]);
  expect(h.graph.violations).toEqual([]);
});

describe("reading subscriptions", () => {
  it("lists the configured customer's subscriptions page by page and maps them onto the model", async () => {
    await reopen({ pageSize: 2 });
    const subs = await h.portal.listSubscriptions();
    expect(subs.map((s) => s.id)).toEqual(["1000017", "1000018", "1000019"]);
    expect(h.cloudblue.count("GET /subscriptions")).toBe(2);
    expect(h.cloudblue.requests.filter((r) => r.route === "GET /subscriptions").map((r) => r.query)).toEqual([
      { customerId: "1000001", offset: "0", limit: "2" },
      { customerId: "1000001", offset: "2", limit: "2" },
    ]);
    const main = subs[0];
    expect(main).toMatchObject({
      name: "Microsoft 365 (1000017)",
      customerId: "1000001",
      status: "active",
      eligibility: { eligible: true },
      currency: "EUR",
      billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
      termEnd: "2026-11-30",
      renewalDate: "2026-12-01",
      autoRenew: true,
      paymentMethods: [],
      scheduledChanges: [],
    });
    expect(main.lines).toEqual([
      { sku: BASIC, displayName: "Microsoft 365 Business Basic", usage: 18, usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions", limit: 20, unitPrice: { currency: "EUR", amount: "5.60" }, minQuantity: 1, maxQuantity: 300, refundableBatches: [] },
      { sku: EXCHANGE, displayName: "Exchange Online (Plan 1)", usage: 4, usageScope: "tenant-wide: EXCHANGESTANDARD, one subscription", limit: 5, unitPrice: { currency: "EUR", amount: "4.00" }, minQuantity: 1, maxQuantity: 5000, refundableBatches: [] },
    ]);
    // The shared SKU's usage is reported whole on both subscriptions, never split between them.
    expect(subs[1].lines[0]).toMatchObject({ usage: 18, usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions", limit: 3 });
    expect(subs[2]).toMatchObject({ status: "hold", eligibility: { eligible: false, reasonCode: "on-hold" } });
    // Catalog limits are fetched once per mpn, Graph once per listing.
    expect(h.cloudblue.count("GET /products")).toBe(2);
    expect(h.graph.count("GET subscribedSkus")).toBe(1);
  });

  it("reports usage as unknown without Graph settings", async () => {
    await reopen({ graph: false });
    const sub = await h.portal.getSubscription("1000017");
    expect(sub.lines.map((l) => [l.usage, l.usageScope])).toEqual([
      [null, undefined],
      [null, undefined],
    ]);
    expect(h.graph.requests).toEqual([]);
  });

  it("maps an unknown subscription and another customer's to PORTAL_SUBSCRIPTION_NOT_FOUND", async () => {
    expect((await getRejection(h.portal.getSubscription("999"))).code).toBe("PORTAL_SUBSCRIPTION_NOT_FOUND");
    expect((await getRejection(h.portal.getSubscription("1000020"))).code).toBe("PORTAL_SUBSCRIPTION_NOT_FOUND");
  });
});

describe("quotes", () => {
  it("turns POST /orders/estimate into an OrderEstimate with refunds negative and amounts rounded to cents", async () => {
    const sub = await h.portal.getSubscription("1000017");
    const estimate = await h.portal.estimateOrder({
      subscriptionId: "1000017",
      expectedRevision: sub.revision,
      lines: [
        { sku: BASIC, quantity: 24, effective: "now" },
        { sku: EXCHANGE, quantity: 3, effective: "now" },
      ],
    });
    // recurring 5.60 x 4 x 0.4667 = "10.4540" -> 10.45 charged; downgrade 4.00 x 2 x 0.4667 = "3.7336" (sent POSITIVE) -> -3.73.
    expect(estimate.lines.map((l) => [l.sku, l.from, l.to, l.amount.amount, l.effectiveDate])).toEqual([
      [BASIC, 20, 24, "10.45", "2026-05-12"],
      [EXCHANGE, 5, 3, "-3.73", "2026-05-12"],
    ]);
    expect(estimate).toMatchObject({ currency: "EUR", charge: { amount: "10.45" }, refund: { amount: "3.73" }, total: { amount: "6.72" } });
    const sent = h.cloudblue.requests.find((r) => r.route === "POST /orders/estimate")!.body as { type: string; products: { mpn: string; quantity: number }[] };
    expect(sent.type).toBe("change");
    expect(sent.products.map((p) => [p.mpn, p.quantity])).toEqual([
      [BASIC, 24],
      [EXCHANGE, 3],
    ]);
    expect(h.cloudblue.count("POST /orders")).toBe(0);
  });

  it("prices a change at renewal at zero now, without asking CloudBlue", async () => {
    const estimate = await h.portal.estimateOrder({ subscriptionId: "1000017", lines: [{ sku: EXCHANGE, quantity: 2, effective: "renewal" }] });
    expect(estimate.lines).toEqual([{ sku: EXCHANGE, from: 5, to: 2, effective: "renewal", effectiveDate: "2026-12-01", amount: { currency: "EUR", amount: "0.00" } }]);
    expect(h.cloudblue.count("POST /orders/estimate")).toBe(0);
  });
});

describe("orders", () => {
  it("places ONE change order carrying every line, the shared wait polls it to completion and the limits change", async () => {
    const sub = await h.portal.getSubscription("1000017");
    const placed = h.portal.placeOrder({ subscriptionId: "1000017", expectedRevision: sub.revision, idempotencyKey: "plan-1000017-a", lines: [{ sku: BASIC, quantity: 24, effective: "now" }] });
    // placeOrder returns the order as placed; it is not polled until the caller waits for it.
    expect(await placed).toMatchObject({ status: "submitted", idempotencyKey: "plan-1000017-a" });
    expect(h.cloudblue.count("GET /orders/{id}")).toBe(0);
    const order = await wait(placed);
    expect(order).toMatchObject({ status: "completed", idempotencyKey: "plan-1000017-a", charge: { amount: "10.45" }, refund: { amount: "0.00" } });
    expect(order.lines).toEqual([{ sku: BASIC, from: 20, to: 24, effective: "now", effectiveDate: "2026-05-12", amount: { currency: "EUR", amount: "10.45" }, result: { status: "applied" } }]);
    const posted = h.cloudblue.requests.filter((r) => r.route === "POST /orders");
    expect(posted).toHaveLength(1);
    const body = posted[0].body as { products: { mpn: string; quantity: number }[]; poNumber: string };
    expect(body.products.map((p) => [p.mpn, p.quantity])).toEqual([
      [BASIC, 24],
      [EXCHANGE, 5],
    ]);
    expect(body.poNumber).toBe(getMarkerPoNumber("plan-1000017-a"));
    expect(h.progress).toEqual(["processing", "completed"]);
    // Backoff between polls: 200 ms, doubling.
    expect(h.sleeps).toEqual([200, 400]);
    const after = await h.portal.getSubscription("1000017");
    expect(after.lines[0].limit).toBe(24);
    // The 4 seats csp-seats just added are refundable for 168 hours (read back from the order's marker).
    expect(after.lines[0].refundableBatches).toEqual([{ quantity: 4, addedAt: NOW, refundableUntil: "2026-05-19T09:00:00.000Z" }]);
    expect(after.revision).not.toBe(sub.revision);
    expect((await h.portal.getOrder(order.id)).status).toBe("completed");
    expect((await h.portal.listOrders({ subscriptionId: "1000017", idempotencyKey: "plan-1000017-a" })).map((o) => o.id)).toEqual([order.id]);
  });

  it("schedules a renewal change as a second order after the immediate one", async () => {
    const order = await wait(h.portal.placeOrder({
      subscriptionId: "1000017",
      idempotencyKey: "plan-mixed",
      lines: [
        { sku: BASIC, quantity: 22, effective: "now" },
        { sku: EXCHANGE, quantity: 4, effective: "renewal" },
      ],
    }));
    expect(order.status).toBe("completed");
    expect(order.id.split("+")).toHaveLength(2);
    expect(order.lines.map((l) => [l.sku, l.to, l.effective, l.effectiveDate, l.result?.status])).toEqual([
      [BASIC, 22, "now", "2026-05-12", "applied"],
      [EXCHANGE, 4, "renewal", "2026-12-01", "scheduled"],
    ]);
    const bodies = h.cloudblue.requests.filter((r) => r.route === "POST /orders").map((r) => r.body as { scheduledOn?: string; products: { quantity: number }[] });
    expect(bodies.map((b) => [b.scheduledOn, b.products.map((p) => p.quantity)])).toEqual([
      [undefined, [22, 5]],
      ["renewal", [22, 4]],
    ]);
    expect((await h.portal.getSubscription("1000017")).lines.map((l) => l.limit)).toEqual([22, 5]);
  });

  it("turns an order that ends in error into CLOUDBLUE_ORDER_FAILED with the vendor's message", async () => {
    h.cloudblue.failNextOrder({ statusCode: "ER", message: "Microsoft rejected the change: the seat maximum for this offer is exceeded" });
    const order = await wait(h.portal.placeOrder({ subscriptionId: "1000017", idempotencyKey: "plan-err", lines: [{ sku: BASIC, quantity: 30, effective: "now" }] }));
    expect(order.status).toBe("error");
    expect(order.error?.code).toBe("CLOUDBLUE_ORDER_FAILED");
    expect(order.error?.message).toContain("the seat maximum for this offer is exceeded");
    expect(order.error?.message).toContain("status code ER");
    expect(order.lines[0].result).toMatchObject({ status: "failed" });
    expect((await h.portal.getSubscription("1000017")).lines[0].limit).toBe(20);
  });

  it("places no renewal order when the immediate one ends in error, and throws CLOUDBLUE_ORDER_FAILED with the vendor's words", async () => {
    h.cloudblue.failNextOrder({ statusCode: "ER", message: "Microsoft rejected the change: the seat maximum for this offer is exceeded" });
    const error = await getRejection(
      h.portal.placeOrder({
        subscriptionId: "1000017",
        idempotencyKey: "plan-err-mixed",
        lines: [
          { sku: BASIC, quantity: 30, effective: "now" },
          { sku: EXCHANGE, quantity: 4, effective: "renewal" },
        ],
      }),
    );
    expect(error.code).toBe("CLOUDBLUE_ORDER_FAILED");
    expect(error.summary).toContain("the seat maximum for this offer is exceeded");
    expect(error.summary).toContain("status code ER");
    expect(error.details).toMatchObject({ statusCode: "ER", vendorCode: "CLOUDBLUE_ER" });
    expect(h.cloudblue.count("POST /orders")).toBe(1);
    expect((await h.portal.getSubscription("1000017")).lines.map((l) => l.limit)).toEqual([20, 5]);
  });

  it("refuses an order for a subscription on hold before sending anything", async () => {
    const error = await getRejection(h.portal.placeOrder({ subscriptionId: "1000019", idempotencyKey: "plan-hold", lines: [{ sku: BASIC, quantity: 21, effective: "now" }] }));
    expect(error.code).toBe("PORTAL_INELIGIBLE");
    expect(h.cloudblue.count("POST /orders")).toBe(0);
  });

  it("refuses a limit below the assigned seats unless allowed", async () => {
    const error = await getRejection(h.portal.placeOrder({ subscriptionId: "1000017", idempotencyKey: "plan-below", lines: [{ sku: BASIC, quantity: 10, effective: "renewal" }] }));
    expect(error.code).toBe("PORTAL_BELOW_USAGE");
    expect(h.cloudblue.count("POST /orders")).toBe(0);
  });

  it("refuses a stale plan with PORTAL_STALE_REVISION", async () => {
    const error = await getRejection(h.portal.placeOrder({ subscriptionId: "1000017", expectedRevision: "0000000000000000", idempotencyKey: "plan-stale", lines: [{ sku: BASIC, quantity: 21, effective: "now" }] }));
    expect(error.code).toBe("PORTAL_STALE_REVISION");
  });

  it("gives up waiting after the timeout with ORDER_TIMEOUT, and a re-run finds the same order", async () => {
    const request = { subscriptionId: "1000017", idempotencyKey: "plan-slow", lines: [{ sku: BASIC, quantity: 21, effective: "now" as const }] };
    const timeout = await getRejection(wait(h.portal.placeOrder(request), 100));
    expect(timeout.code).toBe("ORDER_TIMEOUT");
    expect(timeout.summary).toContain("is still processing after 0 s");
    const order = await wait(h.portal.placeOrder(request));
    expect(order.status).toBe("completed");
    expect(h.cloudblue.count("POST /orders")).toBe(1);
  });
});

describe("resilience", () => {
  it("does not place a second order when the reply to POST /orders is lost", async () => {
    h.cloudblue.inject({ route: "POST /orders", kind: "drop-after-commit" });
    const request = { subscriptionId: "1000017", idempotencyKey: "plan-lost", lines: [{ sku: BASIC, quantity: 25, effective: "now" as const }] };
    const order = await wait(h.portal.placeOrder(request));
    expect(order.status).toBe("completed");
    expect(h.cloudblue.orders.size).toBe(1);
    expect(h.cloudblue.count("POST /orders")).toBe(1);
    expect(h.logs.some((line) => line.includes("found order") && line.includes("by its marker"))).toBe(true);
    // A replay of the same key (the whole run retried) returns that order and sends nothing new.
    const replay = await h.portal.placeOrder(request);
    expect(replay.id).toBe(order.id);
    expect(h.cloudblue.count("POST /orders")).toBe(1);
    expect((await h.portal.getSubscription("1000017")).lines[0].limit).toBe(25);
  });

  it("does not repeat POST /orders on a 5xx; reports it unconfirmed when no order exists", async () => {
    h.cloudblue.inject({ route: "POST /orders", kind: "status", status: 500, message: "Internal error" });
    const error = await getRejection(h.portal.placeOrder({ subscriptionId: "1000017", idempotencyKey: "plan-500", lines: [{ sku: BASIC, quantity: 21, effective: "now" }] }));
    expect(error.code).toBe("CLOUDBLUE_ORDER_UNCONFIRMED");
    expect(h.cloudblue.count("POST /orders")).toBe(1);
    expect(h.cloudblue.orders.size).toBe(0);
  });

  it("honours Retry-After on 429, for reads and for POST /orders (refused, so safe to resend)", async () => {
    h.cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 429, retryAfterSeconds: 7, message: "Rate limit is exceeded. Try again in 7 seconds." });
    await h.portal.getSubscription("1000017");
    expect(h.cloudblue.count("GET /subscriptions/{id}")).toBe(2);
    expect(h.sleeps.some((ms) => ms >= 7000)).toBe(true);
    h.sleeps.length = 0;
    h.cloudblue.inject({ route: "POST /orders", kind: "status", status: 429, retryAfterSeconds: 3, message: "Rate limit is exceeded. Try again in 3 seconds." });
    const order = await wait(h.portal.placeOrder({ subscriptionId: "1000017", idempotencyKey: "plan-429", lines: [{ sku: BASIC, quantity: 21, effective: "now" }] }));
    expect(order.status).toBe("completed");
    expect(h.cloudblue.count("POST /orders")).toBe(2);
    expect(h.cloudblue.orders.size).toBe(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(3000);
  });

  it("retries a GET on 5xx until it succeeds", async () => {
    h.cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 503, times: 2 });
    const sub = await h.portal.getSubscription("1000017");
    expect(sub.id).toBe("1000017");
    expect(h.cloudblue.requests.filter((r) => r.route === "GET /subscriptions/{id}").map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("refreshes the token once on a 401 and when it expires", async () => {
    await h.portal.getSubscription("1000017");
    expect(h.cloudblue.count("POST /token")).toBe(1);
    h.cloudblue.expireTokens();
    // One request: refused with 401, a new token, the same request again (which then reaches the order lookup).
    expect((await getRejection(h.portal.getOrder("4999999"))).code).toBe("PORTAL_ORDER_NOT_FOUND");
    expect(h.cloudblue.count("POST /token")).toBe(2);
    expect(h.cloudblue.requests.filter((r) => r.route === "GET /orders/{id}").map((r) => r.status)).toEqual([401, 404]);
    h.clock.advance(1500 * 1000);
    await h.portal.getSubscription("1000017");
    // Refreshed ahead of expiry: no further 401.
    expect(h.cloudblue.count("POST /token")).toBe(3);
    expect(h.cloudblue.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(h.cloudblue.requests.filter((r) => r.route === "POST /token").every((r) => (r.body as { marketplace: string }).marketplace === "us")).toBe(true);
  });

  it("refreshes the Graph token on a 401 and honours Graph's Retry-After", async () => {
    await h.portal.getSubscription("1000017");
    h.graph.revokeTokens();
    h.graph.inject({ route: "GET subscribedSkus", status: 429, retryAfterSeconds: 5 });
    const sub = await h.portal.getSubscription("1000017");
    expect(sub.lines[0].usage).toBe(18);
    expect(h.graph.count("POST token")).toBe(2);
    expect(h.sleeps.some((ms) => ms >= 5000)).toBe(true);
  });
});

describe("secrets", () => {
  const SECRETS = [CREDENTIALS.password, CREDENTIALS.subscriptionKey, Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64"), GRAPH.clientSecret];

  function everythingIn(error: CspSeatsError): string {
    return [error.message, error.summary, error.fix, error.stack ?? "", JSON.stringify(error.toJSON()), JSON.stringify(error.details ?? {})].join("\n");
  }

  it("never puts the password, subscription key or Graph secret in errors, even when the vendor echoes them", async () => {
    h.cloudblue.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 400, message: `Invalid request for key ${CREDENTIALS.subscriptionKey} and password ${CREDENTIALS.password}` });
    const echoed = await getRejection(h.portal.getSubscription("1000017"));
    expect(echoed.code).toBe("PORTAL_BAD_REQUEST");
    expect(echoed.summary).toContain("[redacted]");
    for (const secret of SECRETS) expect(everythingIn(echoed)).not.toContain(secret);

    await h.portal.close();
    const wrong = new CloudBluePortal({ ...h.config, password: "wrong-Pa55word" }, { sleep: async () => {} });
    const refused = await getRejection(wrong.getSubscription("1000017"));
    await wrong.close();
    expect(refused.code).toBe("PORTAL_UNAUTHORIZED");
    expect(everythingIn(refused)).not.toContain("wrong-Pa55word");

    const badGraph = new CloudBluePortal({ ...h.config, graph: { ...h.config.graph!, clientSecret: "not-the-graph-secret" } }, { sleep: async () => {} });
    const graphRefused = await getRejection(badGraph.getSubscription("1000017"));
    await badGraph.close();
    expect(graphRefused.code).toBe("GRAPH_UNAUTHORIZED");
    expect(everythingIn(graphRefused)).not.toContain("not-the-graph-secret");
    expect(h.logs.join("\n")).not.toContain(CREDENTIALS.password);
  });
});

describe("the contract checker itself", () => {
  it("records a request that breaks the vendor's schema (read-only fields, missing headers, unknown query)", async () => {
    const response = await fetch(`${h.cloudblue.url}/orders/estimate?bogus=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "change", customerId: "1000001", status: "completed", details: [] }),
    });
    expect(response.status).toBe(401);
    const found = [...h.cloudblue.violations];
    h.cloudblue.violations.length = 0;
    expect(found.some((v) => v.includes("X-Subscription-Key is missing"))).toBe(true);
    expect(found.some((v) => v.includes("query parameter bogus"))).toBe(true);
    expect(found.some((v) => v.includes("/status") || v.includes("/details"))).toBe(true);
    expect(found.some((v) => v.includes("Bearer authorization is missing"))).toBe(true);
  });

  it("refuses write-only properties in responses and accepts them in requests, as the spec marks them", () => {
    const create = h.cloudblue.contract.find("POST", "/orders")!.op;
    expect(create.response!({ type: "change", customerId: "1000001", scheduledOn: "renewal" })).toBe(false);
    expect(create.requestBody!({ type: "change", customerId: "1000001", scheduledOn: "renewal" })).toBe(true);
    expect(create.response!({ type: "change", customerId: "1000001", status: "completed", details: [{ type: "recurring", extendedPrice: { currency: "EUR", amount: "1.00" } }] })).toBe(true);
    expect(create.response!({ type: "change", customerId: "1000001", status: "done" })).toBe(false);
  });
});
