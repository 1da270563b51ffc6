/**
 * Never trust a server: the CloudBlue backend against a SimpleAPI test server and a Graph test server that send
 * impossible values and endless or looping lists. Each ends in a coded error naming the vendor and the field,
 * nothing is estimated or ordered, and every request the client sent is still valid against the vendor's spec
 * (the servers record zero violations; tampered replies are hostile on purpose and not held to the spec).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "../../provider/core/clock";
import { getRejection } from "../helpers/coded-error";
import { CloudBluePortal, type CloudBluePortalOptions } from "../../provider/backends/cloudblue/cloudblue-portal";
import type { CbSubscriptionDetailed } from "../../provider/backends/cloudblue/simpleapi-types";
import { buildCbSubscription, OpenApiContract, startCloudBlueTestServer, type CloudBlueTestServer } from "../helpers/cloudblue-test-server";
import { buildSubscribedSku, startGraphTestServer, type GraphTestServer } from "../helpers/graph-test-server";

const NOW = "2026-05-12T09:00:00.000Z";
const BASIC = "CFQ7TTC0LH18-P1Y-M";
const CREDENTIALS = { username: "api-user@reseller.example", password: "pw-Sup3r-s3cret!", subscriptionKey: "sk-0123456789abcdef", marketplace: "us" };
const GRAPH = { tenantId: "5b3c8f3e-1c1f-4e7a-9d0e-3f1a2b3c4d5e", clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "graph-s3cret-value~xyz" };

function subscription(id: string): CbSubscriptionDetailed {
  return buildCbSubscription(id, { products: [{ mpn: BASIC, vendor: "Microsoft", name: "Microsoft 365 Business Basic", quantity: 20, unitPrice: { amount: "5.6000", currency: "EUR" } }] });
}

let contract: OpenApiContract;
let cloudblue: CloudBlueTestServer;
let graph: GraphTestServer;
let portal: CloudBluePortal;

async function openPortal(options: CloudBluePortalOptions = {}): Promise<CloudBluePortal> {
  const clock = createManualClock(NOW);
  return new CloudBluePortal(
    { endpoint: cloudblue.url, ...CREDENTIALS, customerId: "1000001", graph: { ...GRAPH, endpoint: graph.url, tokenEndpoint: graph.url }, skuMap: { [BASIC]: "O365_BUSINESS_ESSENTIALS" } },
    { clock, sleep: async () => {}, orderTimeoutMs: 60_000, ...options },
  );
}

beforeEach(async () => {
  contract ??= new OpenApiContract();
  const clock = createManualClock(NOW);
  cloudblue = await startCloudBlueTestServer(
    { credentials: CREDENTIALS, subscriptions: [subscription("1000017"), subscription("1000018"), subscription("1000019")], products: [{ mpn: BASIC, minimumQuantity: "1", maximumQuantity: "300" }], now: () => clock.now() },
    contract,
  );
  graph = await startGraphTestServer({ ...GRAPH, skus: [buildSubscribedSku({ skuPartNumber: "O365_BUSINESS_ESSENTIALS", skuId: "3b555118-da6a-4418-894f-7df1e2096870", consumedUnits: 18, enabled: 23, subscriptionIds: ["a1d5b7c2-0000-4000-8000-000000000017"] })] });
  portal = await openPortal();
});

afterEach(async () => {
  await portal.close();
  await cloudblue.close();
  await graph.close();
  expect(cloudblue.violations).toEqual([]);
  expect(graph.violations).toEqual([]);
  // Nothing hostile was ever ordered.
  expect(cloudblue.count("POST /orders")).toBe(0);
});

describe("impossible CloudBlue values", () => {
  it.each([
    { name: "a negative quantity", change: (s: any) => (s.products[0].quantity = -3), field: "products[0].quantity", summary: "CloudBlue subscription 1000017 products[0].quantity is -3: a quantity cannot be negative" },
    { name: "a fractional quantity", change: (s: any) => (s.products[0].quantity = 20.5), field: "products[0].quantity", summary: "products[0].quantity is 20.5: a quantity is a whole number of seats" },
    { name: "the currency EURO", change: (s: any) => (s.products[0].unitPrice.currency = "EURO"), field: "products[0].unitPrice.currency", summary: 'products[0].unitPrice.currency is "EURO": not an ISO-4217 currency' },
    { name: "the currency XXX (no currency)", change: (s: any) => (s.products[0].unitPrice.currency = "XXX"), field: "products[0].unitPrice.currency", summary: '"XXX": not an ISO-4217 currency a price can be in' },
    { name: "the amount 12.3.4", change: (s: any) => (s.products[0].unitPrice.amount = "12.3.4"), field: "products[0].unitPrice.amount", summary: '"12.3.4": not a decimal amount' },
    { name: "the amount 1e5", change: (s: any) => (s.products[0].unitPrice.amount = "1e5"), field: "products[0].unitPrice.amount", summary: '"1e5": not a decimal amount' },
    { name: "an amount as a JSON number", change: (s: any) => (s.products[0].unitPrice.amount = 12.34), field: "products[0].unitPrice.amount", summary: "is 12.34: an amount must be a decimal string" },
    { name: "a date in year 10000", change: (s: any) => (s.expirationDate = "10000-01-01"), field: "expirationDate", summary: 'expirationDate is "10000-01-01": a date must lie in the years 2000..9998' },
  ])("$name: VENDOR_VALUE_INVALID on read, and no estimate or order", async ({ change, field, summary }) => {
    cloudblue.tamper("GET /subscriptions/{id}", (body) => {
      change(body);
      return body;
    });
    for (const attempt of [
      () => portal.getSubscription("1000017"),
      () => portal.listSubscriptions(),
      () => portal.estimateOrder({ subscriptionId: "1000017", lines: [{ sku: BASIC, quantity: 25, effective: "now" }] }),
      () => portal.placeOrder({ subscriptionId: "1000017", idempotencyKey: "plan-hostile", lines: [{ sku: BASIC, quantity: 25, effective: "now" }] }),
    ]) {
      const error = await getRejection(attempt());
      expect(error.code).toBe("VENDOR_VALUE_INVALID");
      expect(error.summary).toContain(summary);
      expect(error.details).toMatchObject({ vendor: "CloudBlue", object: "subscription 1000017", field });
      expect(error.fix).toContain("nothing was planned or ordered");
    }
    expect(cloudblue.count("POST /orders/estimate")).toBe(0);
  });

  it("an estimate detail with a malformed amount: refused, naming the detail", async () => {
    cloudblue.tamper("POST /orders/estimate", (body: any) => {
      body.details[0].extendedPrice.amount = "10.45.40";
      return body;
    });
    const error = await getRejection(portal.estimateOrder({ subscriptionId: "1000017", lines: [{ sku: BASIC, quantity: 24, effective: "now" }] }));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toBe('CloudBlue estimate for 1000017 details[0].extendedPrice.amount is "10.45.40": not a decimal amount');
  });

  it("a catalog minimum below zero", async () => {
    cloudblue.tamper("GET /products", (body: any) => {
      body.data[0].minimumQuantity = "-3";
      return body;
    });
    const error = await getRejection(portal.getSubscription("1000017"));
    expect(error.summary).toBe(`CloudBlue product ${BASIC} minimumQuantity is -3: a quantity cannot be negative`);
  });
});

describe("CloudBlue lists that do not end properly", () => {
  it("a server that ignores the offset: VENDOR_PAGINATION_LOOP on the second page", async () => {
    await portal.close();
    portal = await openPortal({ pageSize: 2 });
    cloudblue.tamper("GET /subscriptions", (body: any) => ({ ...body, data: body.data.length ? body.data : [{ id: "1000017" }], pagination: { ...body.pagination, offset: 0 } }));
    const error = await getRejection(portal.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toBe("CloudBlue GET /subscriptions answered offset 0 to a request for offset 2: the list does not advance");
    expect(cloudblue.count("GET /subscriptions")).toBe(2);
    expect(cloudblue.count("GET /subscriptions/{id}")).toBe(0);
  });

  it("the same items on every page: VENDOR_PAGINATION_LOOP naming the item", async () => {
    await portal.close();
    portal = await openPortal({ pageSize: 2 });
    cloudblue.tamper("GET /subscriptions", (body: any, query) => ({ data: [{ id: "1000017" }, { id: "1000018" }], pagination: { offset: Number(query.offset), limit: 2, total: 1_000_000 } }));
    const error = await getRejection(portal.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.summary).toContain("sent item 1000017 again on page 2");
  });

  it("an endless run of non-empty pages stops at the page bound, before any subscription is read", async () => {
    await portal.close();
    portal = await openPortal({ pageSize: 2, pagination: { maxPages: 30 } });
    cloudblue.tamper("GET /subscriptions", (_body, query) => {
      const offset = Number(query.offset);
      return { data: [{ id: String(2_000_000 + offset) }, { id: String(2_000_001 + offset) }], pagination: { offset, limit: 2, total: 1_000_000_000 } };
    });
    const error = await getRejection(portal.listSubscriptions());
    expect(error.code).toBe("VENDOR_PAGINATION_LIMIT");
    expect(error.summary).toContain("CloudBlue GET /subscriptions kept sending pages: 30 pages read");
    expect(cloudblue.count("GET /subscriptions")).toBe(30);
    expect(cloudblue.count("GET /subscriptions/{id}")).toBe(0);
  });
});

describe("Microsoft Graph", () => {
  it("a next link to another host is refused before anything is sent there", async () => {
    graph.tamper = (body) => ({ ...body, "@odata.nextLink": "https://graph.evil.example/v1.0/subscribedSkus?$skiptoken=2" });
    const error = await getRejection(portal.getSubscription("1000017"));
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain('Microsoft Graph GET /v1.0/subscribedSkus @odata.nextLink is "https://graph.evil.example/');
    expect(error.summary).toContain(`a next page outside the configured endpoint ${graph.url}`);
    expect(error.details).toMatchObject({ vendor: "Microsoft Graph", field: "@odata.nextLink" });
    expect(graph.count("GET subscribedSkus")).toBe(1);
  });

  it("a next link that repeats: VENDOR_PAGINATION_LOOP after the second page", async () => {
    graph.tamper = (body) => ({ ...body, "@odata.nextLink": `${graph.url}/v1.0/subscribedSkus?$skiptoken=same` });
    const error = await getRejection(portal.getSubscription("1000017"));
    expect(error.code).toBe("VENDOR_PAGINATION_LOOP");
    expect(error.details).toMatchObject({ vendor: "Microsoft Graph", field: "@odata.nextLink" });
    expect(graph.count("GET subscribedSkus")).toBe(2);
    expect(graph.requests.filter((r) => r.route === "GET subscribedSkus")[1].query).toEqual({ $skiptoken: "same" });
  });

  it.each([
    { name: "negative consumedUnits", change: (sku: any) => (sku.consumedUnits = -1), summary: "Microsoft Graph subscribedSku O365_BUSINESS_ESSENTIALS consumedUnits is -1: a quantity cannot be negative" },
    { name: "fractional prepaidUnits", change: (sku: any) => (sku.prepaidUnits.enabled = 22.5), summary: "prepaidUnits.enabled is 22.5: a quantity is a whole number of seats" },
  ])("$name: VENDOR_VALUE_INVALID, no usage guessed", async ({ change, summary }) => {
    graph.tamper = (body) => {
      change(body.value[0]);
      return body;
    };
    const error = await getRejection(portal.listSubscriptions());
    expect(error.code).toBe("VENDOR_VALUE_INVALID");
    expect(error.summary).toContain(summary);
  });
});
