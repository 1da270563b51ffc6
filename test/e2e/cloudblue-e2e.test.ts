/**
 * One stack against CloudBlue Commerce with the REAL Pulumi CLI (local file backend): the CloudBlue settings are
 * stack config (password, gateway key and Graph secret set with --secret), the SimpleAPI and Graph test servers
 * hold every request and response to the vendors' contracts. The preview shows the money CloudBlue quotes,
 * `pulumi up` places one order per changed subscription and converges, and a second preview with
 * --expect-no-changes passes. No secret reaches the output or the state.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSeatsBackend, type Scenario, type SeatsBackend } from "../helpers/backends";
import { createVendorPulumiProject, getSeatsSteps, getStepPlans, type PulumiProject } from "../helpers/pulumi-project";
import { SEATS_TYPE } from "../helpers/dynamic-plugin";

let b: SeatsBackend;
let project: PulumiProject;
/** Seats per scenario: two subscriptions change, one is already right. */
let desired: Record<string, { basic: number; exchange: number }>;

beforeAll(async () => {
  b = await startSeatsBackend("cloudblue");
  desired = {
    [b.id("apply")]: { basic: 22, exchange: 8 },
    [b.id("check")]: { basic: 21, exchange: 6 },
    [b.id("cli")]: { basic: 20, exchange: 6 },
  };
  const seats = [
    "subscriptions:",
    ...Object.entries(desired).flatMap(([id, s]) => [`  - id: "${id}"`, "    licenses:", `      "${b.sku.basic}": ${s.basic}`, `      "${b.sku.exchange}": ${s.exchange}`]),
    "",
  ].join("\n");
  project = await createVendorPulumiProject(seats, b.pulumiConfig());
}, 300_000);

afterEach(() => {
  expect(b.violations()).toEqual([]);
});

afterAll(async () => {
  await project?.dispose();
  await b?.close();
});

function expectNoSecret(text: string): void {
  for (const value of b.secrets) expect(text).not.toContain(value);
}

describe.sequential("a CloudBlue stack with the real pulumi CLI", { timeout: 300_000 }, () => {
  it("pulumi preview shows CloudBlue's own price for every change and orders nothing", async () => {
    const json = await project.pulumi(["preview", "--json"]);
    expect(json.code, json.output).toBe(0);
    expectNoSecret(json.output);
    const steps = getSeatsSteps(json.stdout);
    expect(steps.map((step) => step.op)).toEqual(["create", "create", "create"]);
    const plans = getStepPlans(steps);
    expect(plans[b.id("cli")].orderLines).toEqual([]);
    for (const scenario of ["apply", "check"] as Scenario[]) {
      const plan = plans[b.id(scenario)];
      expect(plan.orderLines.length).toBeGreaterThan(0);
      const quote = await b.estimate({ subscriptionId: b.id(scenario), expectedRevision: plan.revision, lines: plan.orderLines });
      expect({ charge: plan.charge, refund: plan.refund }).toEqual({ charge: quote.charge, refund: quote.refund });
      expect(Number(plan.charge.amount)).toBeGreaterThan(0);
    }

    const text = await project.pulumi(["preview"]);
    expect(text.code, text.output).toBe(0);
    const apply = plans[b.id("apply")];
    expect(text.stdout).toContain(`${b.sku.basic} 20 -> 22 now: charge ${apply.lines.find((l) => l.sku === b.sku.basic)!.charge.amount} EUR`);
    expectNoSecret(text.output);
    expect(await b.countOrders()).toBe(0);
  });

  it("pulumi up places one order per changed subscription and converges; a second preview has nothing to do", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expectNoSecret(up.output);
    for (const [id, seats] of Object.entries(desired)) {
      const orders = await b.listOrders(id);
      const changed = id !== b.id("cli");
      expect({ id, orders: orders.length }).toEqual({ id, orders: changed ? 1 : 0 });
      if (changed) expect(orders[0]).toMatchObject({ status: "completed", lines: { [b.sku.basic]: seats.basic, [b.sku.exchange]: seats.exchange } });
      expect(await b.readLimits(id)).toEqual({ [b.sku.basic]: seats.basic, [b.sku.exchange]: seats.exchange });
    }

    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
    expect(await b.countOrders()).toBe(2);

    // The state holds the secrets only as the default provider's encrypted config; the resources hold none.
    const state = await project.pulumi(["stack", "export"]);
    expect(state.code, state.output).toBe(0);
    expectNoSecret(state.stdout);
    const exported = JSON.parse(state.stdout) as { deployment: { resources: { type: string; inputs?: unknown; outputs?: unknown }[] } };
    const seats = exported.deployment.resources.filter((r) => r.type === SEATS_TYPE);
    expect(seats).toHaveLength(3);
    expectNoSecret(JSON.stringify(seats));
    expect(JSON.stringify(seats)).not.toContain("ciphertext");
  });
});
