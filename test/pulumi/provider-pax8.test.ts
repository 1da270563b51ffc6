/**
 * SubscriptionSeats on the Pax8 backend through Pulumi's REAL dynamic-provider plugin (gRPC, as the engine drives
 * it), against the Pax8 and Graph test servers (every request and response held to the vendors' documents):
 * preview money as an estimate, create converges with one PUT and a second check has no changes, a dropped PUT
 * reply, and the deferred NCE decrease: no change before its window, placed and refunded inside it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { createSeatsUrn, prepareProviderPackage, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { PAX8_RENEWAL_WINDOW_NOW, PRODUCT, startPax8Fixture, SUB, type Pax8Fixture } from "../helpers/pax8-fixture";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

describe("the pax8 backend through the real plugin", () => {
  let f: Pax8Fixture;
  let engine: EngineStub;
  let plugin: DynamicPlugin;
  let providerText: string;

  beforeAll(async () => {
    await prepareProviderPackage();
    f = await startPax8Fixture();
    engine = await startEngineStub();
    plugin = await startDynamicPlugin({ engineAddress: engine.address, env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_"))) });
    await plugin.configure(f.stackConfig());
    providerText = await serializeSeatsProvider();
  }, 180_000);

  afterEach(() => {
    expect(f.violations()).toEqual([]);
  });

  afterAll(async () => {
    await plugin?.close();
    await engine?.close();
    await f?.close();
  });

  function declared(id: string, licenses: Record<string, number>): Record<string, unknown> {
    return { __provider: providerText, subscriptionId: id, licenses, settings: {} };
  }

  async function checkPlan(id: string, licenses: Record<string, number>): Promise<{ inputs: Record<string, unknown>; plan: SubscriptionPlan }> {
    const checked = await plugin.check(createSeatsUrn(id), {}, declared(id, licenses));
    expect(checked.failures).toEqual([]);
    return { inputs: checked.inputs, plan: decodeStoredPlan(checked.inputs.plan)! };
  }

  function expectNoSecret(...texts: string[]): void {
    const all = [...texts, plugin.stderr(), JSON.stringify(engine.logs)].join("\n");
    for (const value of f.secrets) expect(all).not.toContain(value);
  }

  it("check prices the increase as an estimate; create converges with one PUT; the next check has no changes", async () => {
    const urn = createSeatsUrn(SUB.basic);
    const first = await checkPlan(SUB.basic, { [PRODUCT.basic]: 22 });
    expect(first.plan.lines[0]).toMatchObject({ charge: { amount: "7.23", currency: "EUR" }, estimate: true });
    expect(f.pax8.changes).toEqual([]);
    f.pax8.inject({ route: "PUT /subscriptions/{subscriptionId}", kind: "drop-after-commit" });
    const created = await plugin.create(urn, first.inputs);
    expect(toSeatsView(created.properties)).toMatchObject({ orderStatus: "completed", limits: { [PRODUCT.basic]: 22 }, charge: { amount: "7.23" } });
    // The lost reply was recovered by re-reading: one change at Pax8.
    expect(f.pax8.changes).toEqual([expect.objectContaining({ subscriptionId: SUB.basic, from: 20, to: 22 })]);
    const again = await checkPlan(SUB.basic, { [PRODUCT.basic]: 22 });
    expect((await plugin.diff(urn, SUB.basic, created.properties, again.inputs)).changes).toBe("none");
    expectNoSecret(JSON.stringify(created));
  });

  it("holds an NCE decrease until its window, then places it with its refund", async () => {
    const urn = createSeatsUrn(SUB.exchange);
    const early = await checkPlan(SUB.exchange, { [PRODUCT.exchange]: 4 });
    expect(early.plan.orderLines).toEqual([]);
    expect(early.plan.lines[0].deferred).toEqual({ windowOpens: "2026-12-01", windowCloses: "2026-12-08" });
    const created = await plugin.create(urn, early.inputs);
    // The deferred change lives in the plan the resource keeps in state.
    expect(decodeStoredPlan(created.properties.plan)!.lines[0].deferred).toBeDefined();
    expect(f.pax8.changes.filter((c) => c.subscriptionId === SUB.exchange)).toEqual([]);
    expect((await plugin.diff(urn, SUB.exchange, created.properties, (await checkPlan(SUB.exchange, { [PRODUCT.exchange]: 4 })).inputs)).changes).toBe("none");

    f.pax8.setNow(PAX8_RENEWAL_WINDOW_NOW);
    // A new `pulumi up` months later: a new plugin process with the stack's (pinned) time moved on.
    await plugin.close();
    plugin = await startDynamicPlugin({ engineAddress: engine.address, env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_"))) });
    await plugin.configure(f.stackConfig(PAX8_RENEWAL_WINDOW_NOW));
    const inside = await checkPlan(SUB.exchange, { [PRODUCT.exchange]: 4 });
    expect(inside.plan.orderLines).toEqual([{ sku: PRODUCT.exchange, quantity: 4, effective: "now" }]);
    expect(inside.plan.refund).toEqual({ currency: "EUR", amount: "7.16" });
    expect((await plugin.diff(urn, SUB.exchange, created.properties, inside.inputs)).changes).toBe("some");
    const updated = await plugin.update(urn, SUB.exchange, created.properties, inside.inputs);
    expect(toSeatsView(updated.properties)).toMatchObject({ limits: { [PRODUCT.exchange]: 4 }, orderStatus: "completed" });
    expect(f.pax8.changes.filter((c) => c.subscriptionId === SUB.exchange)).toEqual([expect.objectContaining({ from: 6, to: 4 })]);
  });
});
