/**
 * One stack against Pax8 with the REAL Pulumi CLI (local file backend): the client id and secret are stack
 * secrets, the Pax8 and Graph test servers hold every request and response to the vendors' documents. The preview
 * shows the estimated money, `pulumi up` converges with one PUT, a second preview has no changes while the NCE
 * decrease is deferred; with the stack's time moved into the renewal window, the next `up` places the decrease with
 * its refund and the stack converges. No secret reaches the output or the state.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { PAX8_RENEWAL_WINDOW_NOW, PRODUCT, startPax8Fixture, SUB, type Pax8Fixture } from "../helpers/pax8-fixture";
import { createVendorPulumiProject, getSeatsSteps, getStepPlans, type PulumiProject } from "../helpers/pulumi-project";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

let f: Pax8Fixture;
let project: PulumiProject;

beforeAll(async () => {
  f = await startPax8Fixture();
  const seats = ["subscriptions:", `  - id: "${SUB.basic}"`, "    licenses:", `      "${PRODUCT.basic}": 22`, `  - id: "${SUB.exchange}"`, "    licenses:", `      "${PRODUCT.exchange}": 4`, ""].join("\n");
  project = await createVendorPulumiProject(seats, f.pulumiConfig());
}, 300_000);

afterEach(() => {
  expect(f.violations()).toEqual([]);
});

afterAll(async () => {
  await project?.dispose();
  await f?.close();
});

function expectNoSecret(text: string): void {
  for (const value of f.secrets) expect(text).not.toContain(value);
}

async function previewPlans(): Promise<Record<string, SubscriptionPlan>> {
  const json = await project.pulumi(["preview", "--json"]);
  expect(json.code, json.output).toBe(0);
  expectNoSecret(json.output);
  const steps = getSeatsSteps(json.stdout);
  return getStepPlans(steps);
}

describe.sequential("a Pax8 stack with the real pulumi CLI", { timeout: 300_000 }, () => {
  it("preview shows the estimated charge and the deferred decrease, and changes nothing", async () => {
    const plans = await previewPlans();
    expect(plans[SUB.basic].lines[0]).toMatchObject({ charge: { amount: "7.23", currency: "EUR" }, estimate: true });
    expect(plans[SUB.exchange].orderLines).toEqual([]);
    expect(plans[SUB.exchange].lines[0].deferred).toEqual({ windowOpens: "2026-12-01", windowCloses: "2026-12-08" });
    expect(f.pax8.changes).toEqual([]);
  });

  it("up converges with one PUT; a second preview has no changes while the decrease waits", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expectNoSecret(up.output);
    expect(f.pax8.changes).toEqual([expect.objectContaining({ subscriptionId: SUB.basic, from: 20, to: 22 })]);
    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
    const state = await project.pulumi(["stack", "export"]);
    expectNoSecret(state.stdout);
    // The deferred decrease is in the stored plan (JSON text in the resource's inputs).
    const resources = (JSON.parse(state.stdout) as { deployment: { resources: Array<{ urn: string; inputs?: { plan?: string } }> } }).deployment.resources;
    const exchange = resources.find((resource) => resource.urn.endsWith(`::${SUB.exchange}`));
    expect(decodeStoredPlan(exchange?.inputs?.plan)?.lines[0].deferred).toEqual({ windowOpens: "2026-12-01", windowCloses: "2026-12-08" });
  });

  it("inside the renewal window the next up places the decrease with its refund", async () => {
    f.pax8.setNow(PAX8_RENEWAL_WINDOW_NOW);
    const set = await project.pulumi(["config", "set", "csp-seats:now", PAX8_RENEWAL_WINDOW_NOW]);
    expect(set.code, set.output).toBe(0);
    const plans = await previewPlans();
    expect(plans[SUB.exchange].orderLines).toEqual([{ sku: PRODUCT.exchange, quantity: 4, effective: "now" }]);
    expect(plans[SUB.exchange].refund).toEqual({ currency: "EUR", amount: "7.16" });
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expect(f.pax8.changes.filter((c) => c.subscriptionId === SUB.exchange)).toEqual([expect.objectContaining({ from: 6, to: 4 })]);
    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
  });
});
