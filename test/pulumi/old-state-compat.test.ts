/**
 * Existing stacks keep working: their state holds the `__provider` text and the outputs of an earlier release,
 * and the plugin rebuilds that text, which loads `csp-seats/provider-impl` by package name. The text and the
 * outputs here were captured from release 0.1.0 (commit ed92b2b, before provider/ was split into layers): the
 * outputs after an `up` that removed 2 refundable seats from sub-contoso-basic of the demo portal.
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { ROOT } from "../helpers/build";
import { createSeatsUrn, prepareProviderPackage, startDynamicPlugin, type DynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";
import { buildStackConfig, getCleanEnv, TOKEN } from "./seats-fixture";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

const FIXTURES = path.join(ROOT, "test", "fixtures", "old-state");
const OLD_PROVIDER_TEXT = fs.readFileSync(path.join(FIXTURES, "provider-0.1.0.js"), "utf8");
const OLD = JSON.parse(fs.readFileSync(path.join(FIXTURES, "outputs-0.1.0.json"), "utf8")) as {
  news: Record<string, unknown>;
  outs: Record<string, unknown>;
};
const ID = "sub-contoso-basic";
const DEMO_NOW = "2026-05-12T09:00:00.000Z";

let portal: TestPortalServer;
let engine: EngineStub;
let plugin: DynamicPlugin;

beforeAll(async () => {
  await prepareProviderPackage();
  const fixture = await loadPortalFixture(getDemoFixturePath());
  portal = await startTestPortalServer(fixture, TOKEN);
  // Each poll of an order moves the portal clock on, so the order completes without anyone sleeping.
  portal.server.prependListener("request", (req: http.IncomingMessage) => {
    if (req.method === "GET" && /^\/v1\/orders\/[^/?]+/.test(req.url ?? "")) portal.clock.advance(1_001);
  });
  engine = await startEngineStub();
  plugin = await startDynamicPlugin({ engineAddress: engine.address, env: getCleanEnv() });
  await plugin.configure({ ...buildStackConfig(portal.url), "csp-seats:now": DEMO_NOW });
}, 180_000);

afterAll(async () => {
  await plugin?.close();
  await engine?.close();
  await portal?.dispose();
});

describe("state written by release 0.1.0", () => {
  it("names the implementation by package name, as every existing stack's state does", () => {
    expect(OLD_PROVIDER_TEXT).toContain('require("csp-seats/provider-impl").check(olds, news)');
    expect(OLD.outs.orderId).toMatch(/^ord-/);
  });

  it("runs check, diff, read and update through the old __provider text", async () => {
    const urn = createSeatsUrn("contoso-basic");
    const news = { __provider: OLD_PROVIDER_TEXT, ...OLD.news };
    const olds = { __provider: OLD_PROVIDER_TEXT, ...OLD.outs };

    const checked = await plugin.check(urn, olds, news);
    expect(checked.failures).toEqual([]);
    const plan = decodeStoredPlan(checked.inputs.plan)!;
    // The fresh demo portal still has 20 seats: the old desired 18 is a refundable decrease of 2.
    expect(plan.orderLines).toEqual([{ sku: "m365-business-basic", quantity: 18, effective: "now" }]);
    expect(plan.refund).toEqual({ currency: "EUR", amount: "7.23" });

    const diff = await plugin.diff(urn, ID, olds, checked.inputs);
    expect(diff).toMatchObject({ changes: "some", replaces: [] });

    const read = await plugin.read(urn, ID, olds);
    expect(read.id).toBe(ID);
    expect(toSeatsView(read.properties).limits).toEqual({ "m365-business-basic": 20 });
    expect(read.inputs?.licenses).toEqual({ "m365-business-basic": 20 });

    const updated = await plugin.update(urn, ID, { ...olds, ...read.properties }, checked.inputs);
    expect(toSeatsView(updated.properties)).toMatchObject({ orderStatus: "completed", limits: { "m365-business-basic": 18 }, refund: { amount: "7.23" } });
    expect(portal.count("POST /v1/orders")).toBe(1);
  });
});
