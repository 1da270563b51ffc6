/**
 * The Partner Center backend's pure parts: settings, the mapping of Microsoft's documented bodies
 * (schema/vendor/partner-center/examples), the error table, the token bucket (injected clock), the MS-RequestId
 * derivation, pricing, and the SCHEDULE_RECREATED finding.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { getPartnerCenterEnvName, readPartnerCenterEnv, resolvePartnerCenterConfig } from "../../provider/backends/partner-center/config";
import { derivePcTerm, getOfferKeys, getPcRevision, lookupOffer, mapPcStatus, mapPcSubscription } from "../../provider/backends/partner-center/map-subscription";
import { buildScheduledInstructions, checkPcLines, deriveRequestId, pricePcLines } from "../../provider/backends/partner-center/pc-orders";
import { mapPartnerCenterError, mapTokenError } from "../../provider/backends/partner-center/pc-session";
import type { PcSubscription } from "../../provider/backends/partner-center/pc-types";
import { TokenBucket } from "../../provider/backends/partner-center/rate-limiter";
import type { HttpResponse } from "../../provider/backends/shared/http-client";
import { createScheduleWipeFindings } from "../../provider/core/plan/findings";
import { planSubscription } from "../../provider/core/plan/planner";
import { getRefusal } from "../helpers/coded-error";

const EXAMPLES = path.resolve(__dirname, "../../schema/vendor/partner-center/examples");
const readExample = (name: string): PcSubscription => JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), "utf8")) as PcSubscription;
const SETTINGS: Record<string, string> = { tenantId: "t-1", clientId: "c-1", clientSecret: "s3cret-value", refreshToken: "rt-value", customerId: "cust-1" };
const context = { customerId: "cust-1", now: new Date("2021-01-20T12:00:00Z"), price: { currency: "USD", amount: "6.00" }, currency: "USD", usage: { usage: 9, usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS" } };

describe("Partner Center settings", () => {
  it("resolves defaults: the global endpoint, the partner tenant's v2.0 token endpoint, USD, 500 a minute", () => {
    expect(resolvePartnerCenterConfig((k) => SETTINGS[k])).toEqual({
      endpoint: "https://api.partnercenter.microsoft.com",
      tokenEndpoint: "https://login.microsoftonline.com/t-1/oauth2/v2.0/token",
      tenantId: "t-1",
      clientId: "c-1",
      clientSecret: "s3cret-value",
      refreshToken: "rt-value",
      customerId: "cust-1",
      currency: "USD",
      requestsPerMinute: 500,
    });
  });

  it("reads CSP_SEATS_PARTNER_CENTER_* and parses prices and skuMap as JSON or pairs", () => {
    expect(getPartnerCenterEnvName("refreshToken")).toBe("CSP_SEATS_PARTNER_CENTER_REFRESH_TOKEN");
    const env = { ...Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [getPartnerCenterEnvName(k as never), v])), CSP_SEATS_PARTNER_CENTER_PRICES: "CFQ7TTC0LH18:0001=6 EUR", CSP_SEATS_PARTNER_CENTER_SKU_MAP: '{"CFQ7TTC0LH18": "O365_BUSINESS_ESSENTIALS"}' };
    const config = resolvePartnerCenterConfig(readPartnerCenterEnv(env));
    expect(config.prices).toEqual({ "CFQ7TTC0LH18:0001": { currency: "EUR", amount: "6.00" } });
    expect(config.skuMap).toEqual({ CFQ7TTC0LH18: "O365_BUSINESS_ESSENTIALS" });
  });

  it.each([
    { reason: "missing keys are named with where to set them", settings: { clientId: "c" }, text: "missing tenantId, clientSecret, customerId" },
    { reason: "a price with too many decimals", settings: { ...SETTINGS, prices: '{"X": "6.001 USD"}' }, text: "more decimals than USD allows" },
    { reason: "a price without a currency", settings: { ...SETTINGS, prices: "X=6.00" }, text: "not \"<amount> <currency>\"" },
    { reason: "more than Partner Center's 500 a minute", settings: { ...SETTINGS, requestsPerMinute: "600" }, text: "not a whole number in 1..500" },
  ])("refuses $reason with CONFIG_PARTNER_CENTER, never echoing a secret", ({ settings, text }) => {
    const error = getRefusal(() => resolvePartnerCenterConfig((k) => (settings as Record<string, string>)[k]));
    expect(error.code).toBe("CONFIG_PARTNER_CENTER");
    expect(error.summary).toContain(text);
    expect(JSON.stringify(error)).not.toContain("s3cret-value");
  });
});

describe("mapping Microsoft's documented bodies", () => {
  it("the new-commerce get-by-id example: one line, offerId as the SKU, refundable batches from details[]", () => {
    const sub = mapPcSubscription(readExample("get-a-subscription-by-id.response-200-new-commerce.json"), context);
    expect(sub).toMatchObject({ id: "a4c1340d-6911-4758-bba3-0c4c6007d161", name: "Microsoft 365 Business Basic", status: "terminated", eligibility: { eligible: false, reasonCode: "expired" }, termEnd: "2022-01-13", renewalDate: "2022-01-14", billingPeriod: { start: "2021-01-14", end: "2021-02-14" }, autoRenew: false });
    expect(sub.lines).toHaveLength(1);
    expect(sub.lines[0]).toMatchObject({ sku: "CFQ7TTC0LH18:0001:CFQ7TTC0K971", limit: 15, usage: 9, unitPrice: { currency: "USD", amount: "6.00" }, refundableBatches: [{ quantity: 10, addedAt: "2021-01-17T20:39:17.182Z", refundableUntil: "2021-01-24T20:39:17.182Z" }] });
    expect(sub.revision).toMatch(/^pc-[0-9a-f]{16}$/);
  });

  it("the create-scheduled-changes example: its scheduled product and quantity at renewal (lenient dates)", () => {
    const sub = mapPcSubscription(readExample("create-scheduled-changes.request.json"), { ...context, now: new Date("2019-01-20T00:00:00Z") });
    expect(sub.renewalDate).toBe("2019-02-09");
    expect(sub.scheduledChanges).toEqual([{ sku: "DG7GMGF0DVSV:000P:DG7GMGF0F3Q9", quantity: 1, effectiveDate: "2019-02-09" }]);
    expect(sub.billingPeriod).toEqual({ start: "2019-01-09", end: "2019-02-09" });
  });

  it("the etag is the revision when there is one; without one any change to quantity or schedule changes it", () => {
    const raw = readExample("get-a-subscription-by-id.response-200-new-commerce.json");
    expect(getPcRevision({ ...raw, attributes: { etag: "abc" } })).toBe("abc");
    expect(getPcRevision({ ...raw, quantity: 16 })).not.toBe(getPcRevision(raw));
  });

  it("an impossible quantity is VENDOR_VALUE_INVALID naming the subscription and the field", () => {
    const error = getRefusal(() => mapPcSubscription({ ...readExample("get-a-subscription-by-id.response-200-new-commerce.json"), quantity: -1 }, context));
    expect(error).toMatchObject({ code: "VENDOR_VALUE_INVALID", details: { vendor: "Partner Center", field: "quantity" } });
  });

  it("statuses, offer keys and terms", () => {
    expect(mapPcStatus("active", true).eligibility.reasonCode).toBe("trial");
    expect(mapPcStatus("suspended", false)).toMatchObject({ status: "suspended", eligibility: { eligible: false } });
    expect(getOfferKeys("P:S:A")).toEqual(["P:S:A", "P:S", "P"]);
    expect(lookupOffer({ P: 1, "P:S": 2 }, "P:S:A")).toBe(2);
    const at = { vendor: "Partner Center", object: "subscription x" };
    expect(derivePcTerm({ commitmentEndDate: "2026-11-30T00:00:00Z", effectiveStartDate: "2025-12-01T00:00:00Z", billingCycle: "annual" }, at, new Date("2026-05-12T00:00:00Z"))).toEqual({ termEnd: "2026-11-30", renewalDate: "2026-12-01", billingPeriod: { start: "2025-12-01", end: "2026-12-01" } });
  });
});

describe("the error table", () => {
  const response = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse<unknown> => ({ status, headers, body, correlationId: "corr-1" });
  it.each([
    [400, 800090, "PORTAL_DECREASE_OUTSIDE_WINDOW"],
    [400, "2055", "PORTAL_STALE_REVISION"],
    [400, "2002", "PORTAL_QUANTITY_OUT_OF_RANGE"],
    [400, "2001", "PORTAL_INELIGIBLE"],
    [400, "800091", "PORTAL_INELIGIBLE"],
    [409, "900278", "PORTAL_ORDER_IN_PROGRESS"],
    [400, "900311", "PARTNER_CENTER_UPDATE_LIMIT"],
    [400, "900279", "PARTNER_CENTER_UPDATE_LIMIT"],
    [401, "900421", "PARTNER_CENTER_MFA_REQUIRED"],
    [404, "20003", "PORTAL_SUBSCRIPTION_NOT_FOUND"],
    [412, "999", "PORTAL_STALE_REVISION"],
    [500, "999", "PORTAL_INTERNAL"],
  ])("HTTP %s code %s -> %s, keeping the vendor's code, message and the correlation id", (status, code, expected) => {
    const error = mapPartnerCenterError(response(status, { code, description: "what Partner Center said", data: [], source: "PartnerFD" }));
    expect(error).toMatchObject({ code: expected, status, correlationId: "corr-1", details: { vendorCode: String(code), vendorMessage: "what Partner Center said", vendorSource: "PartnerFD" } });
    expect(error.summary).toContain(`(Partner Center ${code}): what Partner Center said`);
  });

  it("429 keeps Retry-After for the retry policy", () => {
    const error = mapPartnerCenterError(response(429, { statusCode: 429, message: "Rate limit is exceeded. Try again in 57 seconds." }, { "retry-after": "57" }));
    expect(error).toMatchObject({ code: "PORTAL_THROTTLED", details: { retryAfterMs: 57_000, vendorMessage: "Rate limit is exceeded. Try again in 57 seconds." } });
  });

  it("the token endpoint: MFA required, and a refresh token that expired", () => {
    expect(mapTokenError(response(400, { error: "invalid_grant", error_description: "AADSTS50076: Due to a configuration change ... you must use multi-factor authentication" }), false).code).toBe("PARTNER_CENTER_MFA_REQUIRED");
    const expired = mapTokenError(response(400, { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired" }), false);
    expect(expired).toMatchObject({ code: "PARTNER_CENTER_TOKEN", details: { vendorCode: "invalid_grant" } });
    expect(expired.fix).toContain("90 days");
  });
});

describe("the client-side rate limit", () => {
  it("lets 500 through at once, then holds each request for its slot (120 ms at 500 a minute)", async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket({ perMinute: 500, now: () => now, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 500; i += 1) await bucket.take();
    expect(waits).toEqual([]);
    await bucket.take();
    await bucket.take();
    expect(waits).toEqual([120, 240]);
    // A minute later the bucket is full again, less the two slots lent ahead of time.
    now += 60_000;
    expect(bucket.available()).toBe(498);
  });

  it("refuses a wait past its bound with PARTNER_CENTER_RATE_LIMIT instead of waiting", async () => {
    const bucket = new TokenBucket({ perMinute: 2, maxWaitMs: 40_000, now: () => 0, sleep: async () => undefined });
    await bucket.take();
    await bucket.take();
    await bucket.take();
    await expect(bucket.take("Partner Center customer c")).rejects.toMatchObject({ code: "PARTNER_CENTER_RATE_LIMIT" });
  });
});

describe("changes", () => {
  const raw: PcSubscription = { ...readExample("get-a-subscription-by-id.response-200-new-commerce.json"), status: "active", autoRenewEnabled: true };
  const now = new Date("2021-01-20T12:00:00Z");
  const sub = mapPcSubscription(raw, { ...context, now });

  it("derives one MS-RequestId per plan step: a well-formed GUID, the same for the same key", () => {
    const id = deriveRequestId("key-1", "now");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveRequestId("key-1", "now")).toBe(id);
    expect(deriveRequestId("key-1", "renewal")).not.toBe(id);
  });

  it("prices with the configured price and refuses to price an unpriced change", () => {
    const lines = pricePcLines(sub, [{ sku: sub.lines[0]!.sku, quantity: 18, effective: "now" }], { currency: "USD", amount: "6.00" }, now, true);
    // 3 seats x 6.00 x 25 of 31 days (2021-01-20 .. 2021-02-14).
    expect(lines[0]!.amount).toEqual({ currency: "USD", amount: "14.52" });
    expect(getRefusal(() => pricePcLines(sub, [{ sku: sub.lines[0]!.sku, quantity: 18, effective: "now" }], undefined, now, true)).code).toBe("PARTNER_CENTER_PRICE_UNKNOWN");
  });

  it("accepts only the subscription's own offer, once per effective time", () => {
    expect(getRefusal(() => checkPcLines(sub, { subscriptionId: sub.id, lines: [{ sku: "OTHER", quantity: 1, effective: "now" }] })).code).toBe("PORTAL_SKU_NOT_FOUND");
    expect(checkPcLines(sub, { subscriptionId: sub.id, lines: [{ sku: sub.lines[0]!.sku, quantity: 1, effective: "renewal" }] }).renewal?.quantity).toBe(1);
  });

  it("builds the scheduled instructions from the subscription's product, or keeps the one it re-creates", () => {
    expect(buildScheduledInstructions(raw, 10)).toEqual({ product: { productId: "CFQ7TTC0LH18", skuId: "0001", availabilityId: "CFQ7TTC0K971", billingCycle: "monthly", termDuration: "P1Y" }, quantity: 10 });
    expect(buildScheduledInstructions(raw, 10, { product: { productId: "X" }, quantity: 10 })).toEqual({ product: { productId: "X" }, quantity: 10 });
  });

  it("SCHEDULE_RECREATED: a plan that changes seats now and has or wants a change at renewal says what happens", () => {
    const scheduled = { ...sub, scheduledChanges: [{ sku: sub.lines[0]!.sku, quantity: 12, effectiveDate: sub.renewalDate }] };
    const desired = { id: sub.id, licenses: { [sub.lines[0]!.sku]: 16 } };
    const plan = planSubscription(desired, {}, scheduled, now);
    expect(createScheduleWipeFindings(desired, scheduled, plan)).toMatchObject([{ code: "SCHEDULE_RECREATED", severity: "warning", message: expect.stringContaining("deletes the change to 12 seats") }]);
    const split = planSubscription({ ...desired, licenses: { [sub.lines[0]!.sku]: 2 } }, {}, { ...sub, lines: [{ ...sub.lines[0]!, usage: 0 }] }, now);
    expect(split.orderLines.map((l) => l.effective)).toEqual(["now", "renewal"]);
    expect(createScheduleWipeFindings(desired, sub, split).map((f) => f.code)).toEqual(["SCHEDULE_RECREATED"]);
    expect(createScheduleWipeFindings(desired, sub, planSubscription(desired, {}, sub, now))).toEqual([]);
  });
});

describe("the partner-center backend kind in the one resolver", () => {
  it("reads its settings from the stack config over CSP_SEATS_PARTNER_CENTER_*, with the order timeout", async () => {
    const { resolveRuntimeConfig } = await import("../../provider/app/runtime-config");
    const config = resolveRuntimeConfig({
      config: (key) => ({ backend: "partner-center", clientSecret: "from-stack", orderTimeoutSeconds: "60" })[key],
      env: { CSP_SEATS_PARTNER_CENTER_TENANT_ID: "t-1", CSP_SEATS_PARTNER_CENTER_CLIENT_ID: "c-1", CSP_SEATS_PARTNER_CENTER_CLIENT_SECRET: "from-env", CSP_SEATS_PARTNER_CENTER_CUSTOMER_ID: "cust-1" },
      cwd: "/project",
    });
    expect(config.backend.backend).toBe("partner-center");
    expect(config.backend.partnerCenter).toMatchObject({ clientSecret: "from-stack", tenantId: "t-1", customerId: "cust-1", orderTimeoutMs: 60_000 });
    expect(config.backend.partnerCenter?.refreshToken).toBeUndefined();
  });

  it("refuses the partner-center backend without its settings as CONFIG_PARTNER_CENTER", async () => {
    const { resolveRuntimeConfig } = await import("../../provider/app/runtime-config");
    const error = getRefusal(() => resolveRuntimeConfig({ explicit: { backend: "partner-center" }, env: {}, cwd: "/p" }));
    expect(error).toMatchObject({ code: "CONFIG_PARTNER_CENTER", summary: "the partner-center backend is missing tenantId, clientId, clientSecret, customerId" });
    expect(error.fix).toContain("csp-seats:clientSecret (or CSP_SEATS_PARTNER_CENTER_CLIENT_SECRET)");
  });
});
