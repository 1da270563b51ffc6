/**
 * SubscriptionSeats through Pulumi's REAL dynamic-provider plugin (gRPC, as the engine drives it), once per
 * backend: the embedded portal over HTTP, and CloudBlue Commerce (SimpleAPI 1.15 + Microsoft Graph test servers
 * that hold every request and response to the vendors' contracts). The same scenarios run against both; the
 * CloudBlue ones add the vendor's failure modes: throttling, 5xx, an expired token and an order ending in error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { subtractMoney } from "../../provider/core/money";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { BACKEND_KINDS, startSeatsBackend, type Scenario, type SeatsBackend } from "../helpers/backends";
import { createSeatsUrn, prepareProviderPackage, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

function getCleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_")));
}

describe.each(BACKEND_KINDS)("the %s backend through the real plugin", (kind) => {
  let b: SeatsBackend;
  let engine: EngineStub;
  let plugin: DynamicPlugin;
  let providerText: string;

  beforeAll(async () => {
    await prepareProviderPackage();
    b = await startSeatsBackend(kind);
    engine = await startEngineStub();
    plugin = await startDynamicPlugin({ engineAddress: engine.address, env: getCleanEnv() });
    await plugin.configure(b.stackConfig());
    providerText = await serializeSeatsProvider();
  }, 180_000);

  afterEach(() => {
    // Every request csp-seats sent, and every answer it relied on, matched the vendors' contracts.
    expect(b.violations()).toEqual([]);
  });

  afterAll(async () => {
    await plugin?.close();
    await engine?.close();
    await b?.close();
  });

  /** The inputs a program declares: seats per SKU role (basic, exchange). */
  function declared(scenario: Scenario, seats: { basic?: number; exchange?: number }): Record<string, unknown> {
    const licenses: Record<string, number> = {};
    if (seats.basic !== undefined) licenses[b.sku.basic] = seats.basic;
    if (seats.exchange !== undefined) licenses[b.sku.exchange] = seats.exchange;
    return { __provider: providerText, subscriptionId: b.id(scenario), licenses, settings: {} };
  }

  async function checkPlan(scenario: Scenario, seats: { basic?: number; exchange?: number }): Promise<{ inputs: Record<string, unknown>; plan: SubscriptionPlan }> {
    const checked = await plugin.check(createSeatsUrn(scenario), {}, declared(scenario, seats));
    expect(checked.failures).toEqual([]);
    return { inputs: checked.inputs, plan: decodeStoredPlan(checked.inputs.plan)! };
  }

  /** Everything the plugin handed back or printed: no secret may be in it. */
  function expectNoSecret(...texts: string[]): void {
    const all = [...texts, plugin.stderr(), JSON.stringify(engine.logs)].join("\n");
    for (const value of b.secrets) expect(all).not.toContain(value);
  }

  it.each([
    { reason: "seats added now are charged for the rest of the period", seats: { basic: 23, exchange: 6 }, nowLines: 1, renewalLines: 0 },
    { reason: "two increases in one order", seats: { basic: 21, exchange: 9 }, nowLines: 2, renewalLines: 0 },
    { reason: "an increase now next to a decrease that waits for renewal (no refund window left)", seats: { basic: 22, exchange: 4 }, nowLines: 1, renewalLines: 1 },
  ])("check shows the money of every line, equal to the backend's own quote, and orders nothing: $reason", async ({ seats, nowLines, renewalLines }) => {
    const ordersBefore = await b.countOrders();
    const { plan } = await checkPlan("check", seats);
    expect(plan.orderLines.filter((l) => l.effective === "now")).toHaveLength(nowLines);
    expect(plan.orderLines.filter((l) => l.effective === "renewal")).toHaveLength(renewalLines);
    expect(Number(plan.charge.amount)).toBeGreaterThan(0);

    const quote = await b.estimate({ subscriptionId: b.id("check"), expectedRevision: plan.revision, lines: plan.orderLines });
    const quoted = Object.fromEntries(quote.lines.map((l) => [`${l.sku}/${l.effective}`, l.amount]));
    for (const line of plan.lines.filter((l) => l.action !== "none")) {
      // A planned line's money is charge - refund; the quote signs its lines the same way.
      expect({ line: `${line.sku}/${line.effective}`, amount: subtractMoney(line.charge, line.refund) }).toEqual({ line: `${line.sku}/${line.effective}`, amount: quoted[`${line.sku}/${line.effective}`] });
    }
    expect({ charge: plan.charge, refund: plan.refund }).toEqual({ charge: quote.charge, refund: quote.refund });
    expect(await b.countOrders()).toBe(ordersBefore);
  });

  it("create adopts the subscription with ONE order carrying every line, the limits converge, and update does the same", async () => {
    const urn = createSeatsUrn("apply");
    const id = b.id("apply");
    const first = await checkPlan("apply", { basic: 22, exchange: 8 });
    const created = await plugin.create(urn, first.inputs);

    expect(created.id).toBe(id);
    const orders = await b.listOrders(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: "completed", lines: { [b.sku.basic]: 22, [b.sku.exchange]: 8 } });
    expect(await b.readLimits(id)).toEqual({ [b.sku.basic]: 22, [b.sku.exchange]: 8 });
    expect(toSeatsView(created.properties)).toMatchObject({ subscriptionId: id, orderStatus: "completed", limits: { [b.sku.basic]: 22, [b.sku.exchange]: 8 }, charge: first.plan.charge });
    expect(decodeStoredPlan(created.properties.plan)!.orderLines).toEqual([]);

    // Nothing left to do: the same file plans no order and diff says so.
    const again = await checkPlan("apply", { basic: 22, exchange: 8 });
    expect(again.plan.orderLines).toEqual([]);
    expect((await plugin.diff(urn, id, created.properties, again.inputs)).changes).toBe("none");

    const next = await checkPlan("apply", { basic: 24, exchange: 9 });
    expect((await plugin.diff(urn, id, created.properties, next.inputs)).changes).toBe("some");
    const updated = await plugin.update(urn, id, created.properties, next.inputs);
    const after = await b.listOrders(id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ status: "completed", lines: { [b.sku.basic]: 24, [b.sku.exchange]: 9 } });
    expect(await b.readLimits(id)).toEqual({ [b.sku.basic]: 24, [b.sku.exchange]: 9 });
    expect(toSeatsView(updated.properties)).toMatchObject({ limits: { [b.sku.basic]: 24, [b.sku.exchange]: 9 }, charge: next.plan.charge });
    expectNoSecret(JSON.stringify(created), JSON.stringify(updated));
  });

  // The failure modes below are CloudBlue's own (its token, its rating engine); the http backend's are proven in
  // test/integration/http-portal.test.ts. Declared only for cloudblue so nothing shows as skipped.
  if (kind === "cloudblue") describe("CloudBlue's failure modes", () => {
    /** Plans +2 Business Basic on `scenario`, arms `fault`, runs the update and returns the requests it caused. */
    async function updateWith(scenario: Scenario, fault: () => void): Promise<{ outputs: Record<string, unknown>; requests: ReturnType<SeatsBackend["requestLog"]> }> {
      const { inputs } = await checkPlan(scenario, { basic: 22, exchange: 6 });
      const logged = b.requestLog().length;
      fault();
      const updated = await plugin.update(createSeatsUrn(scenario), b.id(scenario), { subscriptionId: b.id(scenario) }, inputs);
      return { outputs: toSeatsView(updated.properties), requests: b.requestLog().slice(logged) };
    }

    async function expectOneOrderConverged(scenario: Scenario): Promise<void> {
      const orders = await b.listOrders(b.id(scenario));
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: "completed", lines: { [b.sku.basic]: 22, [b.sku.exchange]: 6 } });
      expect(await b.readLimits(b.id(scenario))).toEqual({ [b.sku.basic]: 22, [b.sku.exchange]: 6 });
    }

    it("waits out a 429's Retry-After on a read, then the update succeeds with one order", async () => {
      const { outputs, requests } = await updateWith("throttle", () => b.faults!.throttleRead(2));
      const reads = requests.filter((r) => r.route === "GET /subscriptions/{id}");
      expect(reads.slice(0, 2).map((r) => r.status)).toEqual([429, 200]);
      // The retry came no sooner than Retry-After (2 s); the client's own backoff alone is at most 200 ms here.
      expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(1_900);
      expect(outputs).toMatchObject({ orderStatus: "completed" });
      expect(requests.filter((r) => r.route === "POST /orders")).toHaveLength(1);
      await expectOneOrderConverged("throttle");
    });

    it("retries a read answered 503 twice, then the update succeeds with one order", async () => {
      const { outputs, requests } = await updateWith("flaky", () => b.faults!.failRead(503, 2));
      expect(requests.filter((r) => r.route === "GET /subscriptions/{id}").slice(0, 3).map((r) => r.status)).toEqual([503, 503, 200]);
      expect(outputs).toMatchObject({ orderStatus: "completed" });
      expect(requests.filter((r) => r.route === "POST /orders")).toHaveLength(1);
      await expectOneOrderConverged("flaky");
    });

    it("refreshes a token that expires mid-update once, and the call succeeds", async () => {
      // The tokens expire right after the order is placed: the first poll of the order meets a 401.
      const { outputs, requests } = await updateWith("token", () => b.faults!.expireTokensAfter("POST /orders"));
      const polls = requests.filter((r) => r.route === "GET /orders/{id}");
      expect(polls.map((r) => r.status)).toEqual([401, 200]);
      expect(polls[1].authorization).not.toBe(polls[0].authorization);
      // The command's token (shared by every check and update of the plugin process) was refused: one new one.
      expect(requests.filter((r) => r.route === "POST /token")).toHaveLength(1);
      expect(requests.filter((r) => r.status === 401)).toHaveLength(1);
      expect(outputs).toMatchObject({ orderStatus: "completed" });
      await expectOneOrderConverged("token");
    });

    it("fails the update with the vendor's message and a typed code when the order ends in error, leaking no secret", async () => {
      const message = "Microsoft rejected the change: the seat maximum for this offer is exceeded";
      const failure = await updateWith("error", () => b.faults!.failNextOrder(message)).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/CLOUDBLUE_ORDER_FAILED: .*the seat maximum for this offer is exceeded/);
      expect(failure?.message).toContain("status code ER");
      const orders = await b.listOrders(b.id("error"));
      expect(orders.map((o) => o.status)).toEqual(["error"]);
      expect(await b.readLimits(b.id("error"))).toEqual({ [b.sku.basic]: 20, [b.sku.exchange]: 6 });
      expectNoSecret(failure?.message ?? "", JSON.stringify(failure));
    });
  });
});
