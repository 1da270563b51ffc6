/**
 * Issue #9, the portal server's part, over real HTTP on 127.0.0.1: request targets Node's client would never send
 * (written on raw sockets) get JSON errors and never end the server; malformed percent-encoding is a 400; Node's
 * own parser refusals carry the API's JSON error body; concurrent orders with one idempotency key get exactly one
 * 201; GETs leave the state file byte-identical.
 */
import * as fs from "node:fs/promises";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";

let api: TestPortalServer;
let port: number;

beforeAll(async () => {
  api = await startTestPortalServer();
  port = Number(new URL(api.url).port);
});

afterAll(async () => {
  await api?.dispose();
});

interface RawReply {
  readonly status: number | undefined;
  readonly head: string;
  readonly body: string;
}

/** Writes `text` on a fresh socket and reads until the server closes it (at most 5 s). */
function sendRaw(text: string, options: { halfClose?: boolean } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      const reply = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = reply.split("\r\n\r\n");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), head, body: rest.join("\r\n\r\n") });
    });
    socket.write(text, () => {
      if (options.halfClose) socket.end();
    });
  });
}

function request(target: string, headers: string[] = []): string {
  return [`GET ${target} HTTP/1.1`, "Host: 127.0.0.1", `Authorization: Bearer ${api.token}`, ...headers, "Connection: close", "", ""].join("\r\n");
}

function readError(reply: RawReply): { code: string; summary: string; fix: string } {
  expect(reply.head.toLowerCase()).toContain("content-type: application/json");
  return (JSON.parse(reply.body) as { error: { code: string; summary: string; fix: string } }).error;
}

async function expectHealthy(): Promise<void> {
  const reply = await sendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual({ status: "ok" });
}

describe("request targets that used to end the server", () => {
  it.each([
    { target: "//", status: 404, code: "PORTAL_NOT_FOUND" },
    { target: "///v1", status: 404, code: "PORTAL_NOT_FOUND" },
    { target: "http://[/v1/outbox", status: 400, code: "PORTAL_BAD_REQUEST" },
    { target: "http://", status: 400, code: "PORTAL_BAD_REQUEST" },
    { target: "http://x:99999/v1/orders", status: 400, code: "PORTAL_BAD_REQUEST" },
    { target: "*", status: 400, code: "PORTAL_BAD_REQUEST" },
    { target: "v1/subscriptions", status: 400, code: "PORTAL_BAD_REQUEST" },
  ])("GET $target answers $status $code, and the server stays up", async ({ target, status, code }) => {
    const reply = await sendRaw(request(target));
    expect(reply.status).toBe(status);
    expect(readError(reply).code).toBe(code);
    await expectHealthy();
  });

  it("reads an absolute-form target as its path", async () => {
    const reply = await sendRaw(request("http://127.0.0.1/v1/subscriptions/sub-main"));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ id: "sub-main" });
  });

  it.each(["/v1/subscriptions/%ZZ", "/v1/subscriptions/%", "/v1/orders/%E0%A4%A"])("GET %s (malformed percent-encoding) is 400 PORTAL_BAD_REQUEST, not 500", async (target) => {
    const reply = await sendRaw(request(target));
    expect(reply.status).toBe(400);
    expect(readError(reply)).toMatchObject({ code: "PORTAL_BAD_REQUEST", summary: expect.stringContaining("percent-encoding") });
  });
});

describe("Node's own parser refusals carry the JSON error body", () => {
  it.each([
    { reason: "an unknown method", text: "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", status: 400 },
    { reason: "a header name with a space", text: "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", status: 400 },
    { reason: "a content length that is no number", text: "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", status: 400 },
    { reason: "an HTTP version that does not exist", text: "GET /healthz HTTP/x\r\nHost: x\r\n\r\n", status: 400 },
    { reason: "headers over 16 KiB", text: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(40_000)}\r\n\r\n`, status: 431 },
    { reason: "a broken chunk", text: `POST /v1/orders/estimate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`, status: 400 },
  ])("$reason: $status with code PORTAL_BAD_REQUEST", async ({ text, status }) => {
    const reply = await sendRaw(text.replace("TOKEN", api.token));
    expect(reply.status).toBe(status);
    expect(readError(reply)).toMatchObject({ code: "PORTAL_BAD_REQUEST", fix: expect.any(String) });
    await expectHealthy();
  });

  it("answers a client that half-closes after its request", async () => {
    const reply = await sendRaw(request("/v1/subscriptions/sub-main"), { halfClose: true });
    expect(reply.status).toBe(200);
  });
});

describe("GETs never write", () => {
  it("leaves the state file byte-identical across every GET, with the portal's time moved on", async () => {
    api.clock.set("2026-05-12T09:00:00.000Z");
    const placed = await fetch(`${api.url}/v1/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json", "idempotency-key": "gets-never-write" },
      body: JSON.stringify({ subscriptionId: "sub-p20", lines: [{ sku: "m365-basic", quantity: 6, effective: "now" }] }),
    });
    expect(placed.status).toBe(201);
    const before = await fs.readFile(api.statePath);
    try {
      for (const at of ["2026-05-12T09:05:00.000Z", "2026-07-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"]) {
        api.clock.set(at);
        for (const target of ["/v1/subscriptions", "/v1/subscriptions/sub-p20", "/v1/orders", "/v1/orders?subscriptionId=sub-p20", "/v1/outbox", "/v1/admin/faults", "/healthz"]) {
          const reply = await fetch(`${api.url}${target}`, { headers: { authorization: `Bearer ${api.token}` } });
          expect(reply.status, target).toBe(200);
        }
        expect((await fs.readFile(api.statePath)).equals(before), at).toBe(true);
      }
    } finally {
      api.clock.set("2026-05-12T09:00:00.000Z");
    }
  });
});

describe("one idempotency key, many concurrent requests", () => {
  it.each([1, 2, 3, 4, 5])("round %i: 20 concurrent POST /v1/orders get exactly one 201 and nineteen replays of that order", async (round) => {
    const key = `concurrent-${round}`;
    const subscriptionId = `sub-p${String(round).padStart(2, "0")}`;
    const body = JSON.stringify({ subscriptionId, lines: [{ sku: "m365-basic", quantity: 6 + round, effective: "now" }] });
    const replies = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const reply = await fetch(`${api.url}/v1/orders`, {
          method: "POST",
          headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json", "idempotency-key": key },
          body,
        });
        return { status: reply.status, replayed: reply.headers.get("idempotent-replayed"), order: (await reply.json()) as { id: string } };
      }),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 201)[0].replayed).toBeNull();
    const replays = replies.filter((r) => r.status === 200);
    expect(replays).toHaveLength(19);
    expect(replays.every((r) => r.replayed === "true")).toBe(true);
    expect(new Set(replies.map((r) => r.order.id)).size).toBe(1);
    expect(await api.portal.listOrders({ idempotencyKey: key })).toHaveLength(1);
  });
});
