/**
 * Malformed HTTP requests to the real `csp-seats portal serve` process, written byte by byte on a raw socket (so
 * request targets Node's client would refuse, broken headers and bodies all reach the server). Invariants: the
 * server stays up and every reply the API writes is a JSON error with a code; refused requests and reads leave
 * the state file byte-identical.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { CLI, ensureBuilt } from "../helpers/build";
import { createRandom, getFuzzCases, getFuzzSeed, type Random } from "./mutate";

const SEED = getFuzzSeed();
const TOKEN = "fuzz-token-3e1c";
let dir: string;
let statePath: string;
let server: ChildProcess;
let port: number;

beforeAll(async () => {
  await ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-fuzz-http-"));
  statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
  server = spawn(process.execPath, [CLI, "--state", statePath, "portal", "serve", "--port", "0"], { env: { ...process.env, CSP_SEATS_TOKEN: TOKEN } });
  port = await new Promise<number>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    server.once("exit", (code) => reject(new Error(`portal serve exited ${code}: ${out}`)));
  });
}, 120_000);

afterAll(() => {
  server?.kill("SIGKILL");
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW", "get", ""];
const TARGETS = [
  "/", "//", "///v1", "/v1", "/v1/", "/healthz", "/v1/subscriptions", "/v1/subscriptions?pageSize=-1", "/v1/subscriptions?pageSize=abc",
  "/v1/subscriptions?pageToken=%%%", "/v1/subscriptions?pageToken=AAAA", "/v1/subscriptions/%ZZ", "/v1/subscriptions/%", "/v1/subscriptions/%00",
  "/v1/subscriptions/sub-contoso-basic", "/v1/subscriptions/..%2F..%2Fetc", "/v1/subscriptions/" + "x".repeat(5000), "/v1/orders", "/v1/orders/estimate",
  "/v1/orders/ord-nope", "/v1/orders?subscriptionId=%ZZ", "/v1/outbox", "/v1/faults", "/v1/time", "http://[/v1/outbox", "http://", "http://x:99999/v1/orders",
  "http://127.0.0.1/v1/subscriptions", "*", "v1/subscriptions", "/v1/subscriptions#frag", "/\u00e9", "/v1/subscriptions?ids=" + ",".repeat(3000),
];
const BODIES = [
  "", "{", "[]", "null", "42", '"text"', "{}", '{"subscriptionId":"sub-contoso-basic"}', '{"subscriptionId":"sub-contoso-basic","lines":[]}',
  '{"subscriptionId":"sub-contoso-basic","lines":[{"sku":"m365-business-basic","quantity":-1,"effective":"now"}]}',
  '{"subscriptionId":"sub-contoso-basic","lines":[{"sku":"m365-business-basic","quantity":1e400,"effective":"now"}]}',
  '{"subscriptionId":"nope","lines":[{"sku":"x","quantity":1,"effective":"now"}]}', '{"__proto__":{"x":1}}', "[".repeat(5000) + "]".repeat(5000),
  JSON.stringify({ subscriptionId: "sub-contoso-basic", lines: [{ sku: "m365-business-basic", quantity: 9_007_199_254_740_993, effective: "now" }] }),
];

function buildRequest(random: Random): { raw: Buffer; method: string; target: string } {
  const method = random.pick(METHODS);
  const target = random.pick(TARGETS);
  const body = random.pick(BODIES);
  const headers: string[] = [`Host: 127.0.0.1:${port}`];
  const auth = random.int(4);
  if (auth === 0) headers.push(`Authorization: Bearer ${TOKEN}`);
  else if (auth === 1) headers.push("Authorization: Bearer wrong");
  else if (auth === 2) headers.push("Authorization: Basic " + "A".repeat(random.int(100)));
  if (random.int(2) === 0) headers.push("Content-Type: application/json");
  if (random.int(3) === 0) headers.push(`Idempotency-Key: ${random.pick(["k-1", "", "x".repeat(500), "\u00ff"])}`);
  const lengthMode = random.int(5);
  if (lengthMode === 0) headers.push(`Content-Length: ${Buffer.byteLength(body) + 5}`);
  else if (lengthMode === 1) headers.push("Content-Length: abc");
  else if (lengthMode === 2) headers.push("Transfer-Encoding: chunked");
  else headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
  if (random.int(10) === 0) headers.push(`X-Big: ${"b".repeat(20_000 + random.int(60_000))}`);
  if (random.int(15) === 0) headers.push("Bad Header: x");
  const version = random.pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/x"]);
  const text = `${method} ${target} ${version}\r\n${headers.join("\r\n")}\r\nConnection: close\r\n\r\n${lengthMode === 2 ? "zz\r\n" : body}`;
  return { raw: Buffer.from(text, "utf8"), method, target };
}

/** Writes `raw`, reads until the server closes (or 10 s pass), and splits the reply. */
function sendRaw(raw: Buffer): Promise<{ status: number | undefined; headers: string; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      resolve({ status: status ? Number(status) : undefined, headers: head, body: rest.join("\r\n\r\n") });
    };
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", finish);
    socket.write(raw, () => socket.end());
  });
}

async function isHealthy(): Promise<boolean> {
  const reply = await sendRaw(Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  return reply.status === 200;
}

describe(`portal serve under malformed requests (seed ${SEED})`, () => {
  it("stays up, answers JSON errors, and refused requests and reads change no state", async () => {
    const random = createRandom(SEED ^ 0x477);
    const cases = getFuzzCases(300);
    for (let i = 0; i < cases; i += 1) {
      const request = buildRequest(random);
      const before = fs.readFileSync(statePath);
      const reply = await sendRaw(request.raw);
      const context = `seed ${SEED} case ${i}: ${JSON.stringify(request.raw.toString("utf8").slice(0, 300))} -> ${reply.headers.split("\r\n")[0]} ${reply.body.slice(0, 300)}`;
      expect(server.exitCode, context).toBeNull();
      if (reply.status !== undefined && reply.status >= 400) {
        if (request.method !== "HEAD") {
          expect(reply.headers.toLowerCase(), context).toContain("content-type: application/json");
          const decoded = /transfer-encoding: chunked/i.test(reply.headers) ? decodeChunked(reply.body) : reply.body;
          // The documented Error body (schema/portal-openapi.yaml): { error: { code, summary, fix } }.
          expect(JSON.parse(decoded).error.code, context).toMatch(/^[A-Z][A-Z0-9_]+$/);
        }
        expect(reply.status, context).not.toBe(500);
      }
      if (reply.status === undefined || reply.status >= 400 || request.method.toUpperCase() === "GET") {
        expect(fs.readFileSync(statePath).equals(before), `${context}: the state file changed`).toBe(true);
      }
      if (i % 25 === 0) expect(await isHealthy(), context).toBe(true);
    }
    expect(await isHealthy()).toBe(true);
  }, 600_000);
});

function decodeChunked(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const end = rest.indexOf("\r\n");
    if (end < 0) return out;
    const size = parseInt(rest.slice(0, end), 16);
    if (!size) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}
