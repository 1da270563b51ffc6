import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CspSeatsError } from "../../provider/core/errors";
import { HttpClient, type HttpClientOptions } from "../../provider/backends/shared/http-client";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, hit: number) => void;

const opened: { server: http.Server; client?: HttpClient }[] = [];

/** Starts a server on 127.0.0.1:0 whose handler sees the request number (from 1). */
async function startServer(handler: Handler): Promise<{ url: string; hits: () => number; server: http.Server }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      hits += 1;
      handler(req, res, body, hits);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  opened.push({ server });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, server };
}

function createClient(options: HttpClientOptions & { delays?: number[] }): HttpClient {
  const delays = options.delays;
  const client = new HttpClient({ minRetryDelayMs: 1, maxRetryDelayMs: 5, ...options, sleep: async (ms) => void delays?.push(ms) });
  opened[opened.length - 1]!.client = client;
  return client;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function captureError(promise: Promise<unknown>): Promise<CspSeatsError> {
  try {
    await promise;
  } catch (error) {
    return error as CspSeatsError;
  }
  throw new Error("expected the request to fail");
}

afterEach(async () => {
  for (const { server, client } of opened.splice(0)) {
    await client?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe("HttpClient retries", () => {
  it.each([
    { reason: "a 503 is transient", fail: (res: http.ServerResponse) => sendJson(res, 503, {}), code: "HTTP_SERVER_ERROR" },
    { reason: "a 500 is transient for a safe request", fail: (res: http.ServerResponse) => sendJson(res, 500, {}), code: "HTTP_SERVER_ERROR" },
    { reason: "a reset connection is transient", fail: (_res: http.ServerResponse, req: http.IncomingMessage) => req.socket.destroy(), code: "HTTP_CONNECTION" },
  ])("retries a GET until it succeeds: $reason", async ({ fail }) => {
    const { url, hits } = await startServer((req, res, _body, hit) => (hit < 3 ? fail(res, req) : sendJson(res, 200, { ok: true })));
    const delays: number[] = [];
    const client = createClient({ baseUrl: url, delays });
    const response = await client.request<{ ok: boolean }>({ method: "GET", path: "/thing" });
    expect(response.body).toEqual({ ok: true });
    expect(hits()).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("gives up after `retries` and says how many attempts it made", async () => {
    const { url, hits } = await startServer((_req, res) => sendJson(res, 503, {}));
    const client = createClient({ baseUrl: url, retries: 2 });
    const error = await captureError(client.request({ method: "GET", path: "/thing" }));
    expect(error.code).toBe("HTTP_SERVER_ERROR");
    expect(error.status).toBe(503);
    expect(error.message).toContain("after 3 attempts");
    expect(hits()).toBe(3);
  });

  it("honours Retry-After on 429 and caps it at maxRetryAfterMs", async () => {
    const { url, hits } = await startServer((_req, res, _body, hit) =>
      hit === 1 ? sendJson(res, 429, {}, { "retry-after": "2" }) : hit === 2 ? sendJson(res, 429, {}, { "retry-after": "3600" }) : sendJson(res, 200, {}),
    );
    const delays: number[] = [];
    const retries: number[] = [];
    const client = createClient({ baseUrl: url, delays, maxRetryAfterMs: 5_000, onRetry: (info) => retries.push(info.attempt) });
    await client.request({ method: "GET", path: "/thing" });
    expect(hits()).toBe(3);
    expect(delays).toEqual([2_000, 5_000]);
    expect(retries).toEqual([1, 2]);
  });

  it("tells the caller the server's Retry-After when it does not retry (so its own loop can pace itself)", async () => {
    const { url } = await startServer((_req, res) => sendJson(res, 429, {}, { "retry-after": "7" }));
    const client = createClient({ baseUrl: url, maxRetryAfterMs: 3_000 });
    const error = await captureError(client.request({ method: "POST", path: "/orders", retrySafe: false }));
    expect([error.code, error.status, error.details?.retryAfterMs]).toEqual(["HTTP_THROTTLED", 429, 7_000]);
    expect(client.getRetryDelay(1, 7_000)).toBe(3_000);
    expect(client.getRetryDelay(10)).toBeLessThanOrEqual(5);
  });

  it.each([
    { reason: "a POST without an idempotency key may have been applied", headers: {}, retrySafe: undefined, expectedHits: 1 },
    { reason: "a POST with an idempotency key is safe to repeat", headers: { "Idempotency-Key": "k1" }, retrySafe: undefined, expectedHits: 2 },
    { reason: "the caller may mark a POST safe (it changes nothing)", headers: {}, retrySafe: true, expectedHits: 2 },
  ])("POST retry policy: $reason", async ({ headers, retrySafe, expectedHits }) => {
    const { url, hits } = await startServer((_req, res, _body, hit) => (hit === 1 ? sendJson(res, 500, {}) : sendJson(res, 201, { id: "o1" })));
    const client = createClient({ baseUrl: url });
    const outcome = client.request({ method: "POST", path: "/orders", body: { a: 1 }, headers, ...(retrySafe !== undefined ? { retrySafe } : {}) });
    if (expectedHits === 1) expect((await captureError(outcome)).code).toBe("HTTP_SERVER_ERROR");
    else expect((await outcome).status).toBe(201);
    expect(hits()).toBe(expectedHits);
  });

  it("does not retry a 4xx that would fail the same way again", async () => {
    const { url, hits } = await startServer((_req, res) => sendJson(res, 422, {}));
    const client = createClient({ baseUrl: url });
    const error = await captureError(client.request({ method: "GET", path: "/thing" }));
    expect(error.code).toBe("HTTP_UNPROCESSABLE");
    expect(hits()).toBe(1);
  });

  it("reports a server that does not answer in time as HTTP_TIMEOUT", async () => {
    const { url } = await startServer(() => undefined);
    const client = createClient({ baseUrl: url, timeoutMs: 100, retries: 0 });
    const error = await captureError(client.request({ method: "GET", path: "/slow" }));
    expect(error.code).toBe("HTTP_TIMEOUT");
    expect(error.correlationId).toBeTruthy();
  });

  it("reports a refused connection as HTTP_CONNECTION with what to do", async () => {
    const { url, server } = await startServer(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createClient({ baseUrl: url, retries: 1 });
    const error = await captureError(client.request({ method: "GET", path: "/thing" }));
    expect(error.code).toBe("HTTP_CONNECTION");
    expect(error.fix).toMatch(/endpoint/);
  });
});

describe("HttpClient requests and errors", () => {
  it("sends JSON, query, prefix and headers, and reads the correlation id from the response", async () => {
    const seen: { url?: string; body?: string; auth?: string; type?: string } = {};
    const { url } = await startServer((req, res, body) => {
      Object.assign(seen, { url: req.url, body, auth: req.headers.authorization, type: req.headers["content-type"] });
      sendJson(res, 200, { ok: 1 }, { "x-correlation-id": "corr-42" });
    });
    const client = createClient({ baseUrl: `${url}/api/1.0/`, headers: () => ({ authorization: "Bearer abc" }) });
    const response = await client.request({ method: "POST", path: "/things", query: { a: "1 2", b: undefined }, body: { x: "y" } });
    expect(seen).toEqual({ url: "/api/1.0/things?a=1+2", body: '{"x":"y"}', auth: "Bearer abc", type: "application/json" });
    expect(response.correlationId).toBe("corr-42");
  });

  it("sends a form body for token endpoints", async () => {
    let seen = "";
    const { url } = await startServer((req, res, body) => {
      seen = `${req.headers["content-type"]} ${body}`;
      sendJson(res, 200, {});
    });
    const client = createClient({ baseUrl: url });
    await client.request({ method: "POST", path: "/token", form: { grant_type: "password", username: "u" } });
    expect(seen).toBe("application/x-www-form-urlencoded grant_type=password&username=u");
  });

  it("uses the vendor mapping for error responses", async () => {
    const { url } = await startServer((_req, res) => sendJson(res, 409, { error: { code: "VENDOR_BUSY", summary: "busy", fix: "wait" } }, { "x-correlation-id": "c9" }));
    const client = createClient({
      baseUrl: url,
      mapError: (response) => {
        const body = response.body as { error: { code: string; summary: string; fix: string } };
        return new CspSeatsError(body.error.code, body.error.summary, body.error.fix, { status: response.status, ...(response.correlationId ? { correlationId: response.correlationId } : {}) });
      },
    });
    const error = await captureError(client.request({ method: "GET", path: "/x" }));
    expect([error.code, error.status, error.correlationId]).toEqual(["VENDOR_BUSY", 409, "c9"]);
  });

  it("refreshes credentials once on 401 and retries", async () => {
    let token = "old";
    const { url, hits } = await startServer((req, res) => (req.headers.authorization === "Bearer new" ? sendJson(res, 200, {}) : sendJson(res, 401, {})));
    const client = createClient({
      baseUrl: url,
      headers: () => ({ authorization: `Bearer ${token}` }),
      onUnauthorized: async () => {
        token = "new";
        return true;
      },
    });
    await client.request({ method: "POST", path: "/x" });
    expect(hits()).toBe(2);
  });

  it("never lets a secret reach an error message, summary, details or stack", async () => {
    const secret = "s3cr3t-token-value";
    const { url } = await startServer((req, res) => sendJson(res, 401, { echo: req.headers.authorization }));
    const client = createClient({
      baseUrl: url,
      headers: () => ({ authorization: `Bearer ${secret}` }),
      secrets: () => [secret],
      mapError: (response) => new CspSeatsError("VENDOR_AUTH", `refused ${JSON.stringify(response.body)}`, "check the token", { status: response.status, details: { body: response.body } }),
    });
    const error = await captureError(client.request({ method: "GET", path: "/x" }));
    expect(error.code).toBe("VENDOR_AUTH");
    expect(error.message).toContain("[redacted]");
    for (const text of [error.message, error.summary, error.stack ?? "", JSON.stringify(error.toJSON()), String(error)]) expect(text).not.toContain(secret);
  });

  it("keeps at most `connections` requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const { url } = await startServer((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setImmediate(() => {
        inFlight -= 1;
        sendJson(res, 200, {});
      });
    });
    const client = createClient({ baseUrl: url, connections: 2 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.request({ method: "GET", path: `/x/${i}` })));
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThan(0);
  });

  it("rejects invalid options with a TypeError", () => {
    expect(() => new HttpClient({ baseUrl: "ftp://x" })).toThrow(TypeError);
    expect(() => new HttpClient({ baseUrl: "http://x", retries: -1 })).toThrow(/retries/);
  });
});
