/**
 * One stack against Microsoft Partner Center with the REAL Pulumi CLI (local file backend): the Partner Center
 * settings are stack config (client secret and refresh token set with --secret), the Partner Center test server
 * holds every request and response body to subscription.schema.json. The preview shows the money of the
 * configured prices, `pulumi up` converges every subscription (an increase, a refunded decrease, a decrease
 * scheduled for renewal, and a change now that wipes a scheduled decrease, which is re-created), and a second
 * preview with --expect-no-changes passes. No secret reaches the output or the state.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PARTNER_CENTER_SECRET_KEYS } from "../../provider/backends/partner-center/config";
import { getPcId, getPcSettings, PC_NOW, PC_OFFER, PC_SECRETS, startPartnerCenterTenant, type PartnerCenterTestServer, type PcScenario } from "../helpers/partner-center-test-server";
import { createPulumiProject, getSeatsSteps, getStepPlans, type PulumiProject } from "../helpers/pulumi-project";
import { SEATS_TYPE } from "../helpers/dynamic-plugin";

let server: PartnerCenterTestServer;
let project: PulumiProject;
const desired: Partial<Record<PcScenario, number>> = { up: 23, refund: 17, schedule: 15, keep: 22, cli: 20 };

beforeAll(async () => {
  server = await startPartnerCenterTenant();
  const seats = ["subscriptions:", ...Object.entries(desired).flatMap(([scenario, n]) => [`  - id: "${getPcId(scenario as PcScenario)}"`, "    licenses:", `      "${PC_OFFER}": ${n}`]), ""].join("\n");
  const settings = getPcSettings(server);
  const secretKeys = new Set<string>(PARTNER_CENTER_SECRET_KEYS);
  const { tokenEndpoint, ...rest } = settings;
  const config = {
    "csp-seats:backend": "partner-center",
    "csp-seats:now": PC_NOW,
    "csp-seats:orderTimeoutSeconds": "30",
    ...Object.fromEntries(Object.entries(rest).filter(([key]) => !secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value])),
  };
  const secrets = Object.fromEntries(Object.entries(rest).filter(([key]) => secretKeys.has(key)).map(([key, value]) => [`csp-seats:${key}`, value]));
  project = await createPulumiProject({ seats, config, secrets });
  // Pulumi takes a key named like "...Token..." for a secret and wants --plaintext to store it in clear.
  const set = await project.pulumi(["config", "set", "csp-seats:tokenEndpoint", tokenEndpoint!, "--plaintext"]);
  expect(set.code, set.output).toBe(0);
}, 300_000);

afterEach(() => {
  expect(server.violations).toEqual([]);
});

afterAll(async () => {
  await project?.dispose();
  await server?.close();
});

function expectNoSecret(text: string): void {
  for (const value of PC_SECRETS) expect(text).not.toContain(value);
}

describe.sequential("a Partner Center stack with the real pulumi CLI", { timeout: 300_000 }, () => {
  it("pulumi preview shows the money of every change and changes nothing", async () => {
    const json = await project.pulumi(["preview", "--json"]);
    expect(json.code, json.output).toBe(0);
    expectNoSecret(json.output);
    const steps = getSeatsSteps(json.stdout);
    const plans = getStepPlans(steps);
    expect(plans[getPcId("up")]!.charge).toEqual({ currency: "USD", amount: "11.61" });
    expect(plans[getPcId("refund")]!.refund).toEqual({ currency: "USD", amount: "11.61" });
    expect(plans[getPcId("schedule")]!.orderLines).toEqual([{ sku: PC_OFFER, quantity: 15, effective: "renewal" }]);
    expect(plans[getPcId("cli")]!.orderLines).toEqual([]);

    const text = await project.pulumi(["preview"]);
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain(`${PC_OFFER} 20 -> 23 now: charge 11.61 USD`);
    expectNoSecret(text.output);
    expect(server.count("PATCH /subscriptions/{id}")).toBe(0);
  });

  it("pulumi up converges every subscription, keeps the scheduled decrease, and a second preview has nothing to do", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expectNoSecret(up.output);
    expect(server.view(getPcId("up")).quantity).toBe(23);
    expect(server.view(getPcId("refund")).quantity).toBe(17);
    expect(server.view(getPcId("schedule"))).toMatchObject({ quantity: 20, scheduledNextTermInstructions: { quantity: 15 } });
    expect(server.view(getPcId("keep"))).toMatchObject({ quantity: 22, scheduledNextTermInstructions: { quantity: 16 } });
    expect(server.wipes.get(getPcId("keep"))).toBe(1);
    expect(server.view(getPcId("cli")).quantity).toBe(20);

    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);

    const state = await project.pulumi(["stack", "export"]);
    expect(state.code, state.output).toBe(0);
    expectNoSecret(state.stdout);
    const exported = JSON.parse(state.stdout) as { deployment: { resources: { type: string }[] } };
    const seats = exported.deployment.resources.filter((r) => r.type === SEATS_TYPE);
    expect(seats).toHaveLength(5);
    expect(JSON.stringify(seats)).not.toContain("ciphertext");
  });
});
