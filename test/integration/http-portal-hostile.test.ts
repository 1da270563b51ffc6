/**
 * Never trust a server, over real HTTP: the embedded portal's API on 127.0.0.1:0 made hostile (its replies
 * rewritten: a negative limit, an unknown currency, a malformed amount, a year-10000 date, a page token that
 * repeats, pages without end), the `http` backend as the client. Each is a coded error naming the vendor and the
 * field; no plan is made and no order placed.
 */
import * as fs from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Subscription } from "../../provider/core/model";
import { createHttpPortal, type HttpPortal } from "../../provider/backends/http/http-portal";
import { ensureBuilt } from "../helpers/build";
import { captureError } from "../helpers/coded-error";
import { runCompiledCli } from "../helpers/demo-workspace";
import { FIXTURE_NOW, startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";

let api: TestPortalServer;
let client: HttpPortal;

/** Rewrites sub-main wherever the API sends it (alone or in a page). */
function tamperMain(change: (sub: Record<string, any>) => void): void {
  const rewrite = (sub: Record<string, any>) => {
    if (sub.id === "sub-main") change(sub);
    return sub;
  };
  api.tamper("GET /v1/subscriptions/sub-main", ({ status, body }) => ({ status, body: rewrite(body as Record<string, any>) }));
  api.tamper("GET /v1/subscriptions", ({ status, body }) => ({ status, body: { ...(body as object), items: (body as { items: Record<string, any>[] }).items.map(rewrite) } }));
}

beforeEach(async () => {
  api = await startTestPortalServer();
  client = await createHttpPortal({ endpoint: api.url, token: api.token, minRetryDelayMs: 1, maxRetryDelayMs: 5, sleep: async () => {} });
});

afterEach(async () => {
  await client.close();
  // Whatever the server sent, the client placed nothing.
  expect(api.count("POST /v1/orders")).toBe(0);
  expect(await api.portal.listOrders()).toHaveLength(0);
  await api.dispose();
});

describe("impossible values from the portal API are coded errors naming the object and field", () => {
  it.each([
    { name: "a negative limit", change: (s: Record<string, any>) => (s.lines[0].limit = -3), field: "lines[0].limit", summary: "the csp-seats portal API subscription sub-main lines[0].limit is -3: a quantity cannot be negative" },
    { name: "a fractional usage", change: (s: Record<string, any>) => (s.lines[0].usage = 2.5), field: "lines[0].usage", summary: "lines[0].usage is 2.5: a quantity is a whole number of seats" },
    { name: "an unknown currency", change: (s: Record<string, any>) => ((s.currency = "EURO"), (s.lines[0].unitPrice.currency = "EURO")), field: "currency", summary: 'currency is "EURO": not an ISO-4217 currency' },
    { name: "no currency (XXX)", change: (s: Record<string, any>) => (s.currency = "XXX"), field: "currency", summary: 'currency is "XXX"' },
    { name: "a malformed amount", change: (s: Record<string, any>) => (s.lines[0].unitPrice.amount = "12.3.4"), field: "lines[0].unitPrice.amount", summary: 'lines[0].unitPrice.amount is "12.3.4": not a decimal amount' },
    { name: "an amount in exponent form", change: (s: Record<string, any>) => (s.lines[0].unitPrice.amount = "1e5"), field: "lines[0].unitPrice.amount", summary: '"1e5": not a decimal amount' },
    { name: "an amount as a JSON number", change: (s: Record<string, any>) => (s.lines[0].unitPrice.amount = 12.34), field: "lines[0].unitPrice.amount", summary: "is 12.34: an amount must be a decimal string, not a JSON number" },
    { name: "more digits than the currency has", change: (s: Record<string, any>) => (s.lines[0].unitPrice.amount = "5.605"), field: "lines[0].unitPrice.amount", summary: "has 2 decimal digits" },
    { name: "a date in year 10000", change: (s: Record<string, any>) => (s.renewalDate = "10000-01-01"), field: "renewalDate", summary: 'renewalDate is "10000-01-01": a date must lie in the years 2000..9998' },
    { name: "more refundable seats than the limit", change: (s: Record<string, any>) => (s.lines[0].refundableBatches[0].quantity = 21), field: "lines[0].refundableBatches", summary: "more refundable seats than the limit 20" },
    { name: "a minimum above the maximum", change: (s: Record<string, any>) => (s.lines[0].minQuantity = 500), field: "lines[0].minQuantity", summary: "the minimum is above the maximum 300" },
  ])("$name", async ({ change, field, summary }) => {
    tamperMain(change);
    for (const read of [() => client.getSubscription("sub-main"), () => client.listSubscriptions()]) {
      const error = await captureError(read());
      expect(error.code).toBe("VENDOR_VALUE_INVALID");
      expect(error.summary).toContain(summary);
      expect(error.details).toMatchObject({ vendor: "the csp-seats portal API", object: "subscription sub-main", field });
      expect(error.fix).toBe("This is the portal's data: report it to the portal's operator; nothing was planned or ordered.");
      expect(error.correlationId).toBeTruthy();
    }
  });

  it("an estimate with a malformed line amount", async () => {
    api.tamper("POST /v1/orders/estimate", ({ status, body }) => {
      (body as { lines: { amount: { amount: unknown } }[] }).lines[0].amount.amount = "1,234.00";
      return { status, body };
    });
    const error = await captureError(client.estimateOrder({ subscriptionId: "sub-main", lines: [{ sku: "m365-basic", quantity: 25, effective: "now" }] }));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain("estimate for sub-main lines[0].amount.amount");
  });
});

describe("the portal's clock is a vendor value too", () => {
  it.each(["10000-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "yesterday"])("X-Portal-Time %j is refused with the header named, not planned with", async (header) => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-portal-time": header });
      res.end(JSON.stringify({ status: "ok" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const odd = await createHttpPortal({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: "t" });
    try {
      const error = await captureError(odd.now());
      expect(error.code).toBe("VENDOR_VALUE_INVALID");
      expect(error.summary).toContain("X-Portal-Time");
    } finally {
      await odd.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("a list that does not end properly is refused", () => {
  /** A sub-main copy under another id, as page content. */
  async function pageItem(id: string): Promise<Subscription> {
    return { ...(await api.portal.getSubscription("sub-main")), id };
  }

  it("a page token that repeats: VENDOR_PAGINATION_LOOP after the second page", async () => {
    const items = [await pageItem("sub-x1"), await pageItem("sub-x2")];
    let n = 0;
    api.tamper("GET /v1/subscriptions", () => ({ status: 200, body: { items: [items[n++ % 2]], nextPageToken: "same-token" } }));
    const error = await captureError(client.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toBe('the csp-seats portal API GET /v1/subscriptions sent nextPageToken "same-token" after "same-token": the list does not advance');
    expect(error.details).toMatchObject({ vendor: "the csp-seats portal API", field: "nextPageToken", value: "same-token" });
    expect(api.count("GET /v1/subscriptions")).toBe(2);
  });

  it("new tokens over the same subscription: VENDOR_PAGINATION_LOOP naming it", async () => {
    const item = await pageItem("sub-again");
    let n = 0;
    api.tamper("GET /v1/subscriptions", () => ({ status: 200, body: { items: [item], nextPageToken: `t${++n}` } }));
    const error = await captureError(client.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toContain("sent item sub-again again on page 2");
  });

  it("an endless run of non-empty pages stops at the page bound", async () => {
    const base = await pageItem("sub-0");
    let n = 0;
    api.tamper("GET /v1/subscriptions", () => ((n += 1), { status: 200, body: { items: [{ ...base, id: `sub-${n}` }], nextPageToken: `t${n}` } }));
    await client.close();
    client = await createHttpPortal({ endpoint: api.url, token: api.token, pagination: { maxPages: 40 } });
    const error = await captureError(client.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LIMIT");
    expect(error.summary).toContain("40 pages read and the list has not ended");
    expect(api.count("GET /v1/subscriptions")).toBe(40);
  });

  it("an empty page ends the list even with a next token", async () => {
    const item = await pageItem("sub-only");
    let n = 0;
    api.tamper("GET /v1/subscriptions", () => ({ status: 200, body: { items: n++ === 0 ? [item] : [], nextPageToken: `t${n}` } }));
    expect((await client.listSubscriptions()).map((s) => s.id)).toEqual(["sub-only"]);
    expect(api.count("GET /v1/subscriptions")).toBe(2);
  });
});

describe("the compiled CLI makes no plan from a hostile portal", () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 300_000);

  it("plan exits non-zero with VENDOR_VALUE_INVALID and the field, and prints no plan", async () => {
    tamperMain((s) => (s.lines[0].limit = -3));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-hostile-"));
    try {
      await fs.writeFile(path.join(dir, "seats.yaml"), 'subscriptions:\n  - id: "sub-main"\n    licenses:\n      "m365-basic": 25\n');
      const { code, stdout, stderr } = await runCompiledCli(["--backend", "http", "--endpoint", api.url, "--now", FIXTURE_NOW, "plan", "--desired", "seats.yaml", "--format", "json"], { cwd: dir, env: { CSP_SEATS_TOKEN: api.token } });
      expect(code).not.toBe(0);
      expect(`${stdout}\n${stderr}`).toContain("VENDOR_VALUE_INVALID");
      expect(`${stdout}\n${stderr}`).toContain("lines[0].limit is -3");
      expect(stdout).not.toContain('"kind": "csp-seats/plan"');
      expect(stdout).not.toContain('"kind":"csp-seats/plan"');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
