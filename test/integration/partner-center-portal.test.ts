/**
 * The Partner Center backend against the Partner Center test server (real HTTP on 127.0.0.1, every request and
 * response body held to subscription.schema.json, every header to NOTES.md §2): reads and mapping, the plan's
 * money, and convergence through app/converge.ts for every NCE case: an increase, a refunded decrease, a decrease
 * scheduled for renewal or refused, a split decrease and a change now that wipes (and re-creates) a scheduled
 * change, a 202, a dropped reply, a stale etag, a 429 storm, an expired token, and the vendor's error codes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { convergeSubscription } from "../../provider/app/converge";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredState, DesiredSubscription } from "../../provider/core/desired-types";
import { isCspSeatsError, type CspSeatsError } from "../../provider/core/errors";
import { planSubscription } from "../../provider/core/plan/planner";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { resolvePartnerCenterConfig } from "../../provider/backends/partner-center/config";
import { PartnerCenterPortal } from "../../provider/backends/partner-center/partner-center-portal";
import { TokenBucket } from "../../provider/backends/partner-center/rate-limiter";
import { getPcId, getPcSettings, PC_CUSTOMER, PC_NOW, PC_OFFER, PC_SECRETS, PC_USAGE, startPartnerCenterTenant, type PartnerCenterTestServer, type PcScenario } from "../helpers/partner-center-test-server";

let server: PartnerCenterTestServer;
const logs: string[] = [];
const clock = createFixedClock(PC_NOW);

beforeAll(async () => {
  server = await startPartnerCenterTenant();
});

afterEach(() => {
  // Every request csp-seats sent, and every answer it relied on, matched the contract.
  expect(server.violations).toEqual([]);
  for (const secret of PC_SECRETS) expect(logs.join("\n")).not.toContain(secret);
});

afterAll(async () => {
  await server?.close();
});

function openPortal(overrides: Record<string, string | undefined> = {}): PartnerCenterPortal {
  const settings: Record<string, string | undefined> = { ...getPcSettings(server), ...overrides };
  const config = resolvePartnerCenterConfig((key) => settings[key]);
  return new PartnerCenterPortal(config, { clock, log: (line) => logs.push(line), bucket: new TokenBucket({ perMinute: 500 }), orderTimeoutMs: 20_000 });
}

async function withPortal<T>(fn: (portal: PartnerCenterPortal) => Promise<T>, overrides: Record<string, string | undefined> = {}): Promise<T> {
  const portal = openPortal(overrides);
  try {
    return await fn(portal);
  } finally {
    await portal.close();
  }
}

function desiredOf(scenario: PcScenario, seats: number, settings: Partial<DesiredSubscription> = {}): DesiredSubscription {
  return { id: getPcId(scenario), licenses: { [PC_OFFER]: seats }, ...settings };
}

/** Plans `seats` on `scenario` as the provider's check does: one read, the backend's quote, the planner. */
async function plan(portal: PartnerCenterPortal, scenario: PcScenario, seats: number, settings: Partial<DesiredSubscription> = {}): Promise<SubscriptionPlan> {
  const desired = desiredOf(scenario, seats, settings);
  const defaults: DesiredState["defaults"] = {};
  const observed = await portal.getSubscription(desired.id);
  const first = planSubscription(desired, defaults, observed, clock.now());
  const nowLines = first.orderLines.filter((l) => l.effective === "now");
  const quote = nowLines.length > 0 && !first.blocked ? await portal.estimateOrder({ subscriptionId: desired.id, expectedRevision: observed.revision, lines: nowLines }) : undefined;
  // The planner adds SCHEDULE_RECREATED itself: the mapped subscription says a change now wipes its schedule.
  return planSubscription(desired, defaults, observed, clock.now(), quote);
}

async function converge(portal: PartnerCenterPortal, scenario: PcScenario, planned: SubscriptionPlan) {
  const reports: string[] = [];
  const outcome = await convergeSubscription(portal, getPcId(scenario), planned, { timeoutMs: 20_000, report: (_s, message) => void reports.push(message) });
  return { outcome, reports };
}

function patchesOf(scenario: PcScenario) {
  return server.requests.filter((r) => r.route === "PATCH /subscriptions/{id}" && r.path.endsWith(getPcId(scenario)));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<CspSeatsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCspSeatsError(error), String(error)).toBe(true);
  expect((error as CspSeatsError).code).toBe(code);
  for (const secret of PC_SECRETS) expect(JSON.stringify((error as CspSeatsError).toJSON()) + (error as Error).stack).not.toContain(secret);
  return error as CspSeatsError;
}

describe("reads", () => {
  it("maps one Partner Center subscription to one subscription with one line: term, renewal, billing period, tenant-wide usage", async () => {
    const sub = await withPortal((p) => p.getSubscription(getPcId("refund")));
    expect(sub).toMatchObject({
      id: getPcId("refund"),
      name: "Business Basic (refund)",
      customerId: PC_CUSTOMER,
      status: "active",
      eligibility: { eligible: true },
      currency: "USD",
      termEnd: "2026-11-30",
      renewalDate: "2026-12-01",
      billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
      autoRenew: true,
      scheduledChanges: [],
    });
    expect(sub.revision).toBe(server.view(getPcId("refund")).attributes!.etag);
    expect(sub.lines).toEqual([
      {
        sku: PC_OFFER,
        displayName: "Microsoft 365 Business Basic",
        usage: PC_USAGE,
        usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS",
        limit: 20,
        unitPrice: { currency: "USD", amount: "6.00" },
        minQuantity: 1,
        maxQuantity: 1_000_000,
        refundableBatches: [{ quantity: 5, addedAt: "2026-05-08T09:00:00.000Z", refundableUntil: "2026-05-15T09:00:00.000Z" }],
      },
    ]);
  });

  it("lists a customer's subscriptions in one call and reads subscribedskus once", async () => {
    const before = server.requests.length;
    const subs = await withPortal((p) => p.listSubscriptions({ ids: [getPcId("up"), getPcId("keep")] }));
    expect(subs.map((s) => s.id)).toEqual([getPcId("up"), getPcId("keep")]);
    expect(subs[1]!.scheduledChanges).toEqual([{ sku: PC_OFFER, quantity: 16, effectiveDate: "2026-12-01" }]);
    expect(server.requests.slice(before).map((r) => r.route).filter((r) => r !== "POST /token")).toEqual(["GET /subscriptions", "GET /subscribedskus"]);
  });

  it("sends Partner Center's headers on every call: a new MS-CorrelationId each time, MS-Contract-Version v1, the bearer", async () => {
    await withPortal((p) => p.getSubscription(getPcId("check")));
    const api = server.requests.filter((r) => r.route !== "POST /token");
    expect(new Set(api.map((r) => r.headers["ms-correlationid"])).size).toBe(api.length);
    for (const r of api) expect(r.headers).toMatchObject({ "ms-contract-version": "v1", accept: "application/json", authorization: expect.stringMatching(/^Bearer pc-at-/) });
  });
});

describe("plans and convergence", () => {
  it("prices an increase with the configured price and Microsoft's daily proration, and up converges with one PATCH", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "up", 23);
      // 6.00 USD x 3 seats x 20 of 31 days = 11.61.
      expect({ charge: planned.charge, refund: planned.refund }).toEqual({ charge: { currency: "USD", amount: "11.61" }, refund: { currency: "USD", amount: "0.00" } });
      const { outcome } = await converge(p, "up", planned);
      expect(outcome.unverified).toEqual([]);
      expect(outcome.lineResults).toMatchObject([{ sku: PC_OFFER, from: 20, to: 23, status: "applied", amount: { amount: "11.61" } }]);
    });
    expect(server.view(getPcId("up")).quantity).toBe(23);
    expect(server.view(getPcId("up")).refundableQuantity).toEqual({ totalQuantity: 3, details: [{ quantity: 3, allowedUntilDateTime: "2026-05-19T09:00:00.000Z" }] });
    expect(patchesOf("up")).toHaveLength(1);
    expect(patchesOf("up")[0]!.headers["if-match"]).toMatch(/^"etag-/);
  });

  it("refunds a decrease inside the 168-hour window", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "refund", 17);
      expect(planned.orderLines).toEqual([{ sku: PC_OFFER, quantity: 17, effective: "now" }]);
      expect(planned.refund).toEqual({ currency: "USD", amount: "11.61" });
      const { outcome } = await converge(p, "refund", planned);
      expect(outcome.unverified).toEqual([]);
    });
    expect(server.view(getPcId("refund"))).toMatchObject({ quantity: 17, refundableQuantity: { totalQuantity: 2 } });
  });

  it("schedules a decrease outside the window for renewal (at-renewal), with no change now", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "schedule", 15);
      expect(planned.orderLines).toEqual([{ sku: PC_OFFER, quantity: 15, effective: "renewal" }]);
      expect(planned.findings.map((f) => f.code)).toContain("SCHEDULED_AT_RENEWAL");
      expect(planned.findings.map((f) => f.code)).not.toContain("SCHEDULE_RECREATED");
      const { outcome } = await converge(p, "schedule", planned);
      expect(outcome.lineResults).toMatchObject([{ effective: "renewal", status: "scheduled" }]);
      expect(outcome.after.scheduledChanges).toEqual([{ sku: PC_OFFER, quantity: 15, effectiveDate: "2026-12-01" }]);
    });
    const after = server.view(getPcId("schedule"));
    expect(after.quantity).toBe(20);
    expect(after.scheduledNextTermInstructions).toEqual({ product: { productId: "CFQ7TTC0LH18", skuId: "0001", availabilityId: "CFQ7TTC0K971", billingCycle: "monthly", termDuration: "P1Y" }, quantity: 15 });
  });

  it("refuses a decrease outside the window under downgradePolicy refuse, and sends nothing", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "refuse", 15, { downgradePolicy: "refuse" });
      expect(planned.findings.find((f) => f.severity === "violation")?.code).toBe("OUTSIDE_WINDOW");
      await expectCode(converge(p, "refuse", planned), "PLAN_BLOCKED");
    });
    expect(patchesOf("refuse")).toEqual([]);
  });

  it("a split decrease: the refundable seats now, then the schedule, both verified by a re-read", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "split", 14);
      expect(planned.orderLines).toEqual([
        { sku: PC_OFFER, quantity: 17, effective: "now" },
        { sku: PC_OFFER, quantity: 14, effective: "renewal" },
      ]);
      expect(planned.findings.filter((f) => f.code === "SCHEDULE_RECREATED")).toHaveLength(1);
      const { outcome } = await converge(p, "split", planned);
      expect(outcome.unverified).toEqual([]);
      expect(outcome.lineResults.map((l) => [l.effective, l.to, l.status])).toEqual([
        ["now", 17, "applied"],
        ["renewal", 14, "scheduled"],
      ]);
    });
    expect(patchesOf("split").map((r) => [(r.body as { quantity: number }).quantity, (r.body as { scheduledNextTermInstructions?: { quantity: number } }).scheduledNextTermInstructions?.quantity])).toEqual([
      [17, undefined],
      [17, 14],
    ]);
    expect(server.view(getPcId("split"))).toMatchObject({ quantity: 17, scheduledNextTermInstructions: { quantity: 14 } });
  });

  it("a change now wipes the scheduled decrease; the plan says so and the apply re-creates it", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "keep", 22);
      expect(planned.findings.find((f) => f.code === "SCHEDULE_RECREATED")?.message).toContain("deletes the change to 16 seats scheduled for 2026-12-01");
      const { outcome } = await converge(p, "keep", planned);
      expect(outcome.unverified).toEqual([]);
      expect(outcome.order?.lines[0]?.result).toEqual({ status: "applied", message: "the change now deletes the scheduled change to 16 seats at renewal; csp-seats re-creates it" });
      expect(outcome.after.scheduledChanges).toEqual([{ sku: PC_OFFER, quantity: 16, effectiveDate: "2026-12-01" }]);
    });
    expect(server.wipes.get(getPcId("keep"))).toBe(1);
    expect(server.view(getPcId("keep"))).toMatchObject({ quantity: 22, scheduledNextTermInstructions: { quantity: 16 } });
  });

  it("a 202: polls the Location until the quantity shows, within the order timeout", async () => {
    server.slow(getPcId("slow"), 2);
    await withPortal(async (p) => {
      const planned = await plan(p, "slow", 24);
      const { outcome, reports } = await converge(p, "slow", planned);
      expect(reports.some((r) => / processing$/.test(r))).toBe(true);
      expect(outcome.order?.status).toBe("completed");
      expect(outcome.unverified).toEqual([]);
    });
    expect(patchesOf("slow").map((r) => r.status)).toEqual([202]);
    expect(server.view(getPcId("slow")).quantity).toBe(24);
  });

  it("after a dropped reply retries with the SAME MS-RequestId and changes the seats once", async () => {
    server.inject({ route: "PATCH /subscriptions/{id}", kind: "drop-after-commit" });
    await withPortal(async (p) => {
      const planned = await plan(p, "drop", 25);
      const { outcome } = await converge(p, "drop", planned);
      expect(outcome.unverified).toEqual([]);
    });
    const patches = patchesOf("drop");
    expect(patches).toHaveLength(2);
    expect(patches[1]!.headers["ms-requestid"]).toBe(patches[0]!.headers["ms-requestid"]);
    expect(patches[1]!.headers["ms-correlationid"]).not.toBe(patches[0]!.headers["ms-correlationid"]);
    expect(patches[1]!.replayed).toBe(true);
    expect(server.changes.get(getPcId("drop"))).toBe(1);
    expect(server.view(getPcId("drop")).quantity).toBe(25);
  });

  it("an etag that moved on is PLAN_STALE: changed before the apply, or between its read and its PATCH (2055)", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "stale", 21);
      server.touch(getPcId("stale"));
      await expectCode(converge(p, "stale", planned), "PLAN_STALE");
      const again = await plan(p, "stale", 21);
      server.raceNextPatch(getPcId("stale"));
      const error = await expectCode(converge(p, "stale", again), "PLAN_STALE");
      expect(error.summary).toContain("nothing was ordered");
    });
    expect(patchesOf("stale").map((r) => r.status)).toEqual([400]);
    expect(server.view(getPcId("stale")).quantity).toBe(20);
  });

  it("waits out a storm of 429s, honouring Retry-After, then converges with one PATCH", async () => {
    server.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 429, retryAfterSeconds: 1, times: 3 });
    await withPortal(async (p) => {
      const planned = await plan(p, "storm", 22);
      const { outcome } = await converge(p, "storm", planned);
      expect(outcome.unverified).toEqual([]);
    });
    const reads = server.requests.filter((r) => r.route === "GET /subscriptions/{id}" && r.path.endsWith(getPcId("storm")));
    expect(reads.slice(0, 4).map((r) => r.status)).toEqual([429, 429, 429, 200]);
    for (let i = 1; i < 4; i += 1) expect(reads[i]!.at - reads[i - 1]!.at).toBeGreaterThanOrEqual(950);
    expect(patchesOf("storm")).toHaveLength(1);
  }, 30_000);

  it("refreshes an expired access token once and carries on", async () => {
    await withPortal(async (p) => {
      const planned = await plan(p, "token", 21);
      server.expireTokens();
      const tokens = server.count("POST /token");
      const refused = server.requests.filter((r) => r.status === 401).length;
      const { outcome } = await converge(p, "token", planned);
      expect(outcome.unverified).toEqual([]);
      expect(server.count("POST /token") - tokens).toBe(1);
      expect(server.requests.filter((r) => r.status === 401).length - refused).toBe(1);
    });
    expect(server.view(getPcId("token")).quantity).toBe(21);
  });
});

describe("Partner Center's refusals as csp-seats codes, the vendor's code and message kept", () => {
  async function placeNow(scenario: PcScenario, quantity: number, portal: PartnerCenterPortal) {
    const sub = await portal.getSubscription(getPcId(scenario));
    return portal.placeOrder({ subscriptionId: sub.id, expectedRevision: sub.revision, lines: [{ sku: PC_OFFER, quantity, effective: "now" }], idempotencyKey: `k-${Math.random()}` });
  }

  it.each([
    { code: 800090, status: 400, expected: "PORTAL_DECREASE_OUTSIDE_WINDOW" },
    { code: "2002", status: 400, expected: "PORTAL_QUANTITY_OUT_OF_RANGE" },
    { code: "2001", status: 400, expected: "PORTAL_INELIGIBLE" },
    { code: "800091", status: 400, expected: "PORTAL_INELIGIBLE" },
    { code: "900278", status: 409, expected: "PORTAL_ORDER_IN_PROGRESS" },
    { code: "900311", status: 400, expected: "PARTNER_CENTER_UPDATE_LIMIT" },
    { code: "900279", status: 400, expected: "PARTNER_CENTER_UPDATE_LIMIT" },
  ])("$code -> $expected", async ({ code, status, expected }) => {
    server.inject({ route: "PATCH /subscriptions/{id}", kind: "status", status, code, description: `vendor says ${code}` });
    const error = await withPortal((p) => expectCode(placeNow("check", 21, p), expected));
    expect(error.details).toMatchObject({ vendorCode: String(code), vendorMessage: `vendor says ${code}`, vendorSource: "PartnerFD" });
    expect(server.view(getPcId("check")).quantity).toBe(20);
  });

  it("the server's own 800090 for a decrease with no refundable seats", async () => {
    const error = await withPortal((p) => expectCode(placeNow("check", 18, p), "PORTAL_DECREASE_OUTSIDE_WINDOW"));
    expect(error.summary).toContain("Subscription quantity cannot be decreased.");
  });

  it("MFA missing (900421), GDAP role missing, app-only for subscribedskus, an unpriced offer", async () => {
    server.mfaMissing = true;
    try {
      await withPortal((p) => expectCode(p.getSubscription(getPcId("check")), "PARTNER_CENTER_MFA_REQUIRED"));
    } finally {
      server.mfaMissing = false;
    }
    server.gdapRoleMissing = true;
    try {
      await withPortal((p) => expectCode(p.getSubscription(getPcId("check")), "PARTNER_CENTER_GDAP_ROLE"));
    } finally {
      server.gdapRoleMissing = false;
    }
    await withPortal((p) => expectCode(p.getSubscription(getPcId("check")), "PARTNER_CENTER_APP_ONLY"), { refreshToken: undefined });
    // App-only still reads subscriptions when usage is not asked for.
    expect((await withPortal((p) => p.getSubscription(getPcId("check")), { refreshToken: undefined, skuMap: undefined })).lines[0]!.usage).toBeNull();
    await withPortal(async (p) => {
      const sub = await p.getSubscription(getPcId("check"));
      await expectCode(p.estimateOrder({ subscriptionId: sub.id, lines: [{ sku: PC_OFFER, quantity: 21, effective: "now" }] }), "PARTNER_CENTER_PRICE_UNKNOWN");
    }, { prices: undefined });
  });

  it("a refresh token the token endpoint refuses", async () => {
    await withPortal((p) => expectCode(p.getSubscription(getPcId("check")), "PARTNER_CENTER_TOKEN"), { refreshToken: "0.AXkA-revoked-token" });
  });
});
