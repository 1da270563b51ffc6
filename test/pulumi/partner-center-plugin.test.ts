/**
 * SubscriptionSeats on Microsoft Partner Center through Pulumi's REAL dynamic-provider plugin (gRPC, as the
 * engine drives it), against the Partner Center test server (every request and response body held to
 * subscription.schema.json). The settings are stack config (client secret and refresh token as secrets). check
 * shows the configured price's money and orders nothing; create/update converge for an increase, a change now
 * that wipes a scheduled decrease (re-created), a 202, a dropped reply (one change, the same MS-RequestId), an
 * etag conflict (PLAN_STALE), a 429 storm and an expired token. No secret reaches an output or a log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { PARTNER_CENTER_SECRET_KEYS } from "../../provider/backends/partner-center/config";
import { createSeatsUrn, prepareProviderPackage, secret, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { getPcId, getPcSettings, PC_NOW, PC_OFFER, PC_SECRETS, startPartnerCenterTenant, type PartnerCenterTestServer, type PcScenario } from "../helpers/partner-center-test-server";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

let server: PartnerCenterTestServer;
let engine: EngineStub;
let plugin: DynamicPlugin;
let providerText: string;

beforeAll(async () => {
  await prepareProviderPackage();
  server = await startPartnerCenterTenant();
  engine = await startEngineStub();
  plugin = await startDynamicPlugin({ engineAddress: engine.address, env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_"))) });
  const secrets = new Set<string>(PARTNER_CENTER_SECRET_KEYS);
  await plugin.configure({
    "csp-seats:backend": "partner-center",
    ...Object.fromEntries(Object.entries(getPcSettings(server)).map(([key, value]) => [`csp-seats:${key}`, secrets.has(key) ? secret(value) : value])),
    "csp-seats:now": PC_NOW,
    "csp-seats:orderTimeoutSeconds": "30",
  });
  providerText = await serializeSeatsProvider();
}, 180_000);

afterEach(() => {
  expect(server.violations).toEqual([]);
});

afterAll(async () => {
  await plugin?.close();
  await engine?.close();
  await server?.close();
});

function expectNoSecret(...texts: string[]): void {
  const all = [...texts, plugin.stderr(), JSON.stringify(engine.logs)].join("\n");
  for (const value of PC_SECRETS) expect(all).not.toContain(value);
}

async function checkPlan(scenario: PcScenario, seats: number): Promise<{ inputs: Record<string, unknown>; plan: SubscriptionPlan }> {
  const checked = await plugin.check(createSeatsUrn(scenario), {}, { __provider: providerText, subscriptionId: getPcId(scenario), licenses: { [PC_OFFER]: seats }, settings: {} });
  expect(checked.failures).toEqual([]);
  return { inputs: checked.inputs, plan: decodeStoredPlan(checked.inputs.plan)! };
}

async function update(scenario: PcScenario, seats: number, arm?: () => void): Promise<Record<string, unknown>> {
  const { inputs } = await checkPlan(scenario, seats);
  arm?.();
  const updated = await plugin.update(createSeatsUrn(scenario), getPcId(scenario), { subscriptionId: getPcId(scenario) }, inputs);
  expectNoSecret(JSON.stringify(updated));
  return toSeatsView(updated.properties);
}

const patches = (scenario: PcScenario) => server.requests.filter((r) => r.route === "PATCH /subscriptions/{id}" && r.path.endsWith(getPcId(scenario)));

describe("the partner-center backend through the real plugin", () => {
  it("check prices the change with the configured price and orders nothing", async () => {
    const { plan } = await checkPlan("check", 23);
    expect(plan.orderLines).toEqual([{ sku: PC_OFFER, quantity: 23, effective: "now" }]);
    expect(plan.charge).toEqual({ currency: "USD", amount: "11.61" });
    expect(server.count("PATCH /subscriptions/{id}")).toBe(0);
  });

  it("create adopts the subscription and converges with one PATCH", async () => {
    const { inputs, plan } = await checkPlan("up", 22);
    const created = await plugin.create(createSeatsUrn("up"), inputs);
    expect(created.id).toBe(getPcId("up"));
    expect(toSeatsView(created.properties)).toMatchObject({ orderStatus: "completed", limits: { [PC_OFFER]: 22 }, charge: plan.charge });
    expect(patches("up")).toHaveLength(1);
    expect(server.view(getPcId("up")).quantity).toBe(22);
    expectNoSecret(JSON.stringify(created));
  });

  it("a change now wipes the scheduled decrease; the update re-creates it and both show", async () => {
    const outputs = await update("keep", 23);
    expect(outputs).toMatchObject({ orderStatus: "completed", limits: { [PC_OFFER]: 23 }, scheduled: { [PC_OFFER]: 16 } });
    expect(server.wipes.get(getPcId("keep"))).toBe(1);
    expect(server.view(getPcId("keep"))).toMatchObject({ quantity: 23, scheduledNextTermInstructions: { quantity: 16 } });
  });

  it("a 202 is polled until the quantity shows", async () => {
    server.slow(getPcId("slow"), 2);
    expect(await update("slow", 24)).toMatchObject({ orderStatus: "completed", limits: { [PC_OFFER]: 24 } });
    expect(patches("slow").map((r) => r.status)).toEqual([202]);
  });

  it("a dropped reply is retried with the same MS-RequestId and the seats change once", async () => {
    expect(await update("drop", 25, () => server.inject({ route: "PATCH /subscriptions/{id}", kind: "drop-after-commit" }))).toMatchObject({ orderStatus: "completed" });
    const [first, second] = patches("drop");
    expect(second!.headers["ms-requestid"]).toBe(first!.headers["ms-requestid"]);
    expect(server.changes.get(getPcId("drop"))).toBe(1);
  });

  it("an etag that moved on fails the update with PLAN_STALE and changes nothing", async () => {
    const failure = await update("stale", 21, () => server.raceNextPatch(getPcId("stale"))).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/PLAN_STALE/);
    expect(server.view(getPcId("stale")).quantity).toBe(20);
    expectNoSecret(failure?.message ?? "");
  });

  it("waits out a 429 storm, then converges", async () => {
    expect(await update("storm", 22, () => server.inject({ route: "GET /subscriptions/{id}", kind: "status", status: 429, retryAfterSeconds: 1, times: 3 }))).toMatchObject({ orderStatus: "completed" });
    expect(patches("storm")).toHaveLength(1);
  });

  it("refreshes an expired access token once", async () => {
    const tokensBefore = server.count("POST /token");
    expect(await update("token", 21, () => server.expireTokens())).toMatchObject({ orderStatus: "completed", limits: { [PC_OFFER]: 21 } });
    expect(server.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(server.count("POST /token") - tokensBefore).toBe(1);
  });
});
