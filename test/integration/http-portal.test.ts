/**
 * The embedded portal's rules and the client's resilience, proven over real HTTP: server on 127.0.0.1:0, the
 * `http` backend (createHttpPortal) as the client, retry delays injected so nothing sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CspSeatsError } from "../../provider/core/errors";
import type { PlaceOrderRequest } from "../../provider/core/model";
import type { FaultRule } from "../../provider/simulator/faults";
import { createHttpPortal, type HttpPortal } from "../../provider/backends/http/http-portal";
import { loadPortalSchemas } from "../../provider/simulator/server/openapi";
import { captureError } from "../helpers/coded-error";
import { buildTestFixture, startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";

let api: TestPortalServer;
let client: HttpPortal;
let delays: number[];

async function openClient(overrides: Parameters<typeof createHttpPortal>[0] extends infer O ? Partial<O> : never = {}): Promise<HttpPortal> {
  return createHttpPortal({ endpoint: api.url, token: api.token, minRetryDelayMs: 1, maxRetryDelayMs: 5, sleep: async (ms) => void delays.push(ms), ...overrides });
}

function order(subscriptionId: string, quantity: number, key: string, extra: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest {
  return { subscriptionId, lines: [{ sku: "m365-basic", quantity, effective: "now" }], idempotencyKey: key, ...extra };
}

async function setFaults(rules: FaultRule[]): Promise<void> {
  await client.client.request({ method: "PUT", path: "/v1/admin/faults", body: { rules } });
}

/** Raw request with the token (for bodies the typed client would never send). */
async function rawRequest(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: { code: string; summary: string; fix: string } }; headers: Headers }> {
  const response = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json", ...headers }, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

beforeEach(async () => {
  delays = [];
  api = await startTestPortalServer();
  client = await openClient();
});

afterEach(async () => {
  await client.close();
  await api.dispose();
});

describe("portal rules over HTTP", () => {
  it.each([
    { reason: "a channel-partner subscription refuses every order", request: order("sub-partner", 6, "k-inel"), code: "PORTAL_INELIGIBLE", status: 403 },
    { reason: "a limit below the assigned seats takes licenses from users", request: order("sub-main", 9, "k-usage"), code: "PORTAL_BELOW_USAGE", status: 422 },
    { reason: "only 3 of the seats are still inside their 168-hour window", request: order("sub-main", 15, "k-window"), code: "PORTAL_DECREASE_OUTSIDE_WINDOW", status: 422 },
    { reason: "the subscription changed since the plan read it", request: order("sub-main", 25, "k-stale", { expectedRevision: "not-the-revision" }), code: "PORTAL_STALE_REVISION", status: 412 },
    { reason: "the subscription has no such license", request: { ...order("sub-main", 25, "k-sku"), lines: [{ sku: "nope", quantity: 1, effective: "now" as const }] }, code: "PORTAL_SKU_NOT_FOUND", status: 422 },
    { reason: "the subscription does not exist", request: order("sub-missing", 1, "k-missing"), code: "PORTAL_SUBSCRIPTION_NOT_FOUND", status: 404 },
  ])("refuses an order: $reason", async ({ request, code, status }) => {
    const error = await captureError(client.placeOrder(request));
    expect([error.code, error.status]).toEqual([code, status]);
    expect(error.fix.length).toBeGreaterThan(0);
    expect(error.correlationId).toBeTruthy();
    expect(await api.portal.listOrders()).toHaveLength(0);
  });

  it("refuses a second order while one is in progress (409), and accepts it after completion", async () => {
    await client.placeOrder(order("sub-main", 22, "k-first"));
    const error = await captureError(client.placeOrder(order("sub-main", 24, "k-second")));
    expect([error.code, error.status]).toEqual(["PORTAL_ORDER_IN_PROGRESS", 409]);
    api.clock.advance(60_000);
    const second = await client.placeOrder(order("sub-main", 24, "k-second"));
    expect(second.lines[0]).toMatchObject({ from: 22, to: 24 });
  });

  it("replays an idempotency key: same order, never a second one", async () => {
    const first = await client.placeOrder(order("sub-main", 22, "k-replay"));
    const again = await client.placeOrder(order("sub-main", 22, "k-replay"));
    expect(again.id).toBe(first.id);
    expect(await api.portal.listOrders()).toHaveLength(1);
  });

  it("completes an order asynchronously, applies it and sends the e-mails to the outbox", async () => {
    const placed = await client.placeOrder(order("sub-main", 22, "k-async"));
    expect(placed.status).toBe("submitted");
    expect(placed.charge.currency).toBe("EUR");
    api.clock.advance(30_000);
    expect((await client.getOrder(placed.id)).status).toBe("processing");
    api.clock.advance(30_000);
    const done = await client.getOrder(placed.id);
    expect(done.status).toBe("completed");
    expect((await client.getSubscription("sub-main")).lines[0].limit).toBe(22);
    const outbox = (await client.client.request<{ items: { kind: string; orderId?: string; to: string }[] }>({ method: "GET", path: "/v1/outbox" })).body.items;
    expect(outbox.filter((m) => m.orderId === placed.id).map((m) => m.kind).sort()).toEqual(["charges-notice", "order-confirmation"]);
    expect(outbox.every((m) => m.to === "it-admin@contoso.example")).toBe(true);
  });

  it("prices an estimate exactly as the order, and the estimate changes nothing", async () => {
    const estimate = await client.estimateOrder(order("sub-main", 17, "unused"));
    expect(estimate.refund.amount).not.toBe("0.00");
    expect(estimate.lines[0]).toMatchObject({ from: 20, to: 17 });
    expect(await api.portal.listOrders()).toHaveLength(0);
    const placed = await client.placeOrder(order("sub-main", 17, "k-estimate"));
    expect([placed.charge, placed.refund, placed.total]).toEqual([estimate.charge, estimate.refund, estimate.total]);
  });

  it("lists subscriptions page by page, with their lines, filtered by id", async () => {
    const all = await client.listSubscriptions();
    expect(all).toHaveLength(22);
    expect(new Set(all.map((s) => s.id)).size).toBe(22);
    expect(all.every((s) => s.lines.length > 0)).toBe(true);
    expect(api.count("GET /v1/subscriptions")).toBe(Math.ceil(22 / 7));
    const some = await client.listSubscriptions({ ids: ["sub-p03", "sub-main"] });
    expect(some.map((s) => s.id).sort()).toEqual(["sub-main", "sub-p03"]);
  });

  it("answers with bodies that match the published OpenAPI schemas", async () => {
    const schemas = loadPortalSchemas();
    const placed = await client.placeOrder(order("sub-main", 22, "k-schema"));
    const checks: [string, unknown][] = [
      ["Subscription", await client.getSubscription("sub-main")],
      ["Order", placed],
      ["OrderEstimate", await client.estimateOrder(order("sub-p01", 6, "x"))],
      ["OrderList", { items: await client.listOrders({ subscriptionId: "sub-main" }) }],
    ];
    for (const [name, body] of checks) {
      const validate = schemas.validator(name);
      expect(validate(body), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("keeps its state across a server restart", async () => {
    const placed = await client.placeOrder(order("sub-main", 22, "k-restart"));
    await client.close();
    api = await api.restart();
    client = await openClient();
    expect((await client.getOrder(placed.id)).idempotencyKey).toBe("k-restart");
    const replay = await client.placeOrder(order("sub-main", 22, "k-restart"));
    expect(replay.id).toBe(placed.id);
    expect(await client.listOrders()).toHaveLength(1);
  });
});

describe("faults never produce a second order", () => {
  const post = "POST /v1/orders";
  const lookup = "GET /v1/orders";
  it.each([
    { reason: "latency only slows the reply", rule: { route: post, kind: "latency", latencyMs: 30, times: 1 }, posts: 1, lookups: 0 },
    { reason: "429 is a refusal: wait Retry-After, post again", rule: { route: post, kind: "status", status: 429, retryAfterSeconds: 2, times: 2 }, posts: 3, lookups: 0, waits: [2_000, 2_000] },
    { reason: "503 is a refusal: post again", rule: { route: post, kind: "status", status: 503, times: 1 }, posts: 2, lookups: 0 },
    { reason: "500 may hide a commit: look up by key, then post again", rule: { route: post, kind: "status", status: 500, times: 1 }, posts: 2, lookups: 1 },
    { reason: "a reset connection may hide a commit: look up, then post again", rule: { route: post, kind: "reset", times: 1 }, posts: 2, lookups: 1 },
    { reason: "commit-then-drop: the lookup finds the order, no second post", rule: { route: post, kind: "commit-then-drop", times: 1 }, posts: 1, lookups: 1 },
    { reason: "every reply lost twice: the lookup finds it", rule: { route: post, kind: "commit-then-drop", times: 2 }, posts: 1, lookups: 1 },
  ] as { reason: string; rule: FaultRule; posts: number; lookups: number; waits?: number[] }[])("$reason", async ({ rule, posts, lookups, waits }) => {
    await setFaults([rule]);
    const placed = await client.placeOrder(order("sub-main", 22, "k-fault"));
    expect(placed.idempotencyKey).toBe("k-fault");
    expect(api.count(post)).toBe(posts);
    expect(api.count(lookup)).toBe(lookups);
    if (waits) expect(delays).toEqual(waits);
    const orders = await api.portal.listOrders();
    expect(orders).toHaveLength(1);
    expect(orders[0].id).toBe(placed.id);
    expect((await api.portal.getSubscription("sub-main")).lines[0].limit).toBe(20);
  });

  it("a reply slower than the client's timeout: HTTP_TIMEOUT, then one order only", async () => {
    await client.close();
    client = await openClient({ timeoutMs: 200 });
    await setFaults([{ route: "POST /v1/orders", kind: "latency", latencyMs: 1_500, times: 1 }]);
    const placed = await client.placeOrder(order("sub-main", 22, "k-timeout"));
    expect(placed.idempotencyKey).toBe("k-timeout");
    expect(api.count("POST /v1/orders")).toBe(2);
    // The timed-out request is still being handled (it will place its order late); wait for it, bounded, then count.
    for (let i = 0; i < 100 && api.inFlight() > 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(api.inFlight()).toBe(0);
    const orders = await api.portal.listOrders();
    expect(orders.map((o) => o.id)).toEqual([placed.id]);
  });

  it("gives up on a persistent 429 after its retries, placing nothing, and counts every attempt", async () => {
    await client.close();
    client = await openClient({ retries: 2 });
    await setFaults([{ route: "POST /v1/orders", kind: "status", status: 429, retryAfterSeconds: 1 }]);
    const error = await captureError(client.placeOrder(order("sub-main", 22, "k-429")));
    expect([error.code, error.status]).toEqual(["PORTAL_THROTTLED", 429]);
    expect(api.count("POST /v1/orders")).toBe(3);
    expect(delays).toEqual([1_000, 1_000]);
    expect(await api.portal.listOrders()).toHaveLength(0);
  });

  it.each([
    { reason: "reads are retried after a reset", rule: { route: "GET /v1/subscriptions/*", kind: "reset", times: 2 } },
    { reason: "reads are retried after a 500", rule: { route: "GET /v1/subscriptions/*", kind: "status", status: 500, times: 2 } },
    { reason: "reads survive a dropped reply", rule: { route: "GET /v1/subscriptions/*", kind: "commit-then-drop", times: 1 } },
  ] as { reason: string; rule: FaultRule }[])("$reason", async ({ rule }) => {
    await setFaults([rule]);
    expect((await client.getSubscription("sub-main")).id).toBe("sub-main");
    expect(api.count("GET /v1/subscriptions/sub-main")).toBe((rule.times ?? 0) + 1);
  });

  it("retries an estimate (it changes nothing)", async () => {
    await setFaults([{ route: "POST /v1/orders/estimate", kind: "status", status: 500, times: 1 }]);
    expect((await client.estimateOrder(order("sub-main", 22, "x"))).lines).toHaveLength(1);
    expect(api.count("POST /v1/orders/estimate")).toBe(2);
  });
});

describe("concurrency", () => {
  it("20 parallel orders on 20 subscriptions all succeed", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `sub-p${String(i + 1).padStart(2, "0")}`);
    const placed = await Promise.all(ids.map((id) => client.placeOrder(order(id, 6, `k-${id}`))));
    expect(new Set(placed.map((o) => o.id)).size).toBe(20);
    expect(await api.portal.listOrders()).toHaveLength(20);
  });

  it("two parallel orders on one subscription: one success, one 409", async () => {
    const outcomes = await Promise.allSettled([client.placeOrder(order("sub-main", 22, "k-a")), client.placeOrder(order("sub-main", 23, "k-b"))]);
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(failures.map((f) => [(f.reason as CspSeatsError).code, (f.reason as CspSeatsError).status])).toEqual([["PORTAL_ORDER_IN_PROGRESS", 409]]);
    expect(await api.portal.listOrders()).toHaveLength(1);
  });
});

describe("refused requests change nothing", () => {
  const validOrder = JSON.stringify({ subscriptionId: "sub-main", lines: [{ sku: "m365-basic", quantity: 22, effective: "now" }] });
  it.each([
    { reason: "malformed JSON", method: "POST", path: "/v1/orders", body: "{not json", headers: { "idempotency-key": "k" }, status: 400, message: /not valid JSON/ },
    { reason: "no body", method: "POST", path: "/v1/orders", body: "", headers: { "idempotency-key": "k" }, status: 400, message: /needs a JSON body/ },
    { reason: "no lines", method: "POST", path: "/v1/orders", body: '{"subscriptionId":"sub-main"}', headers: { "idempotency-key": "k" }, status: 400, message: /must have required property 'lines'/ },
    { reason: "a negative quantity", method: "POST", path: "/v1/orders", body: '{"subscriptionId":"sub-main","lines":[{"sku":"m365-basic","quantity":-1,"effective":"now"}]}', headers: { "idempotency-key": "k" }, status: 400, message: /\/lines\/0\/quantity must be >= 0/ },
    { reason: "a fractional quantity", method: "POST", path: "/v1/orders/estimate", body: '{"subscriptionId":"sub-main","lines":[{"sku":"m365-basic","quantity":1.5,"effective":"now"}]}', headers: {}, status: 400, message: /quantity must be integer/ },
    { reason: "an unknown effective", method: "POST", path: "/v1/orders", body: '{"subscriptionId":"sub-main","lines":[{"sku":"m365-basic","quantity":2,"effective":"later"}]}', headers: { "idempotency-key": "k" }, status: 400, message: /must be one of now, renewal/ },
    { reason: "an unknown field", method: "POST", path: "/v1/orders", body: '{"subscriptionId":"sub-main","lines":[],"extra":1}', headers: { "idempotency-key": "k" }, status: 400, message: /unknown field "extra"/ },
    { reason: "no Idempotency-Key", method: "POST", path: "/v1/orders", body: validOrder, headers: {}, status: 400, message: /Idempotency-Key/ },
    { reason: "a bad fault rule", method: "PUT", path: "/v1/admin/faults", body: '{"rules":[{"route":"*","kind":"explode"}]}', headers: {}, status: 400, message: /kind must be one of/ },
    { reason: "a bad page size", method: "GET", path: "/v1/subscriptions?pageSize=0", body: undefined, headers: {}, status: 400, message: /pageSize/ },
    { reason: "a bad page token", method: "GET", path: "/v1/subscriptions?pageToken=zzz", body: undefined, headers: {}, status: 400, message: /page token/ },
    { reason: "an unknown route", method: "GET", path: "/v1/nothing", body: undefined, headers: {}, status: 404, message: /no route/ },
    { reason: "a wrong method", method: "DELETE", path: "/v1/orders", body: undefined, headers: {}, status: 405, message: /not allowed/ },
  ])("$reason -> $status", async ({ method, path, body, headers, status, message }) => {
    const before = await api.portal.getSubscription("sub-main");
    const response = await rawRequest(method, path, body, headers);
    expect(response.status).toBe(status);
    expect(response.body.error?.summary).toMatch(message);
    expect(response.body.error?.fix).toBeTruthy();
    expect(response.headers.get("x-correlation-id")).toBeTruthy();
    if (status === 405) expect(response.headers.get("allow")).toBe("GET, POST");
    expect(await api.portal.listOrders()).toHaveLength(0);
    expect(await api.portal.getFaults()).toEqual([]);
    expect((await api.portal.getSubscription("sub-main")).revision).toBe(before.revision);
  });

  it("echoes a caller's correlation id", async () => {
    const response = await fetch(`${api.url}/v1/orders`, { headers: { authorization: `Bearer ${api.token}`, "x-correlation-id": "trace-123" } });
    expect(response.headers.get("x-correlation-id")).toBe("trace-123");
  });
});

describe("authentication", () => {
  it.each([
    { reason: "no token", headers: {} as Record<string, string> },
    { reason: "a wrong token", headers: { authorization: "Bearer wrong" } },
    { reason: "not a bearer token", headers: { authorization: "Basic dXNlcjpwYXNz" } },
  ])("401 with $reason, and nothing changes", async ({ headers }) => {
    const placed = await fetch(`${api.url}/v1/orders`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": "k", ...headers }, body: JSON.stringify(order("sub-main", 22, "k")) });
    const faults = await fetch(`${api.url}/v1/admin/faults`, { method: "PUT", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ rules: [{ route: "*", kind: "reset" }] }) });
    expect([placed.status, faults.status]).toEqual([401, 401]);
    expect(((await placed.json()) as { error: { code: string } }).error.code).toBe("PORTAL_UNAUTHORIZED");
    expect(await api.portal.listOrders()).toHaveLength(0);
    expect(await api.portal.getFaults()).toEqual([]);
  });

  it("serves /healthz without a token", async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect([response.status, await response.json()]).toEqual([200, { status: "ok" }]);
  });

  it("never shows the token in an error, its stack or its JSON", async () => {
    const wrong = await createHttpPortal({ endpoint: api.url, token: "wrong-but-secret-token-123", retries: 0 });
    const rightButRefused = await openClient();
    try {
      const errors = [await captureError(wrong.listSubscriptions()), await captureError(rightButRefused.placeOrder(order("sub-partner", 9, "k-x")))];
      expect(errors.map((e) => e.code)).toEqual(["PORTAL_UNAUTHORIZED", "PORTAL_INELIGIBLE"]);
      for (const error of errors) {
        for (const text of [error.message, error.stack ?? "", JSON.stringify(error.toJSON()), String(error)]) {
          expect(text).not.toContain("wrong-but-secret-token-123");
          expect(text).not.toContain(api.token);
        }
      }
    } finally {
      await wrong.close();
      await rightButRefused.close();
    }
  });

  it("accepts the other fixture sizes it is given (sanity of the helper)", () => {
    expect(buildTestFixture({ parallelSubscriptions: 2 }).subscriptions).toHaveLength(4);
  });
});
