/**
 * One stack through its life with the REAL Pulumi CLI (local file backend, embedded portal): the preview shows
 * the money, `up` converges and a second preview has nothing to do, an out-of-band change is caught by
 * `pulumi refresh` and `csp-seats drift` and undone by `up`, and a subscription taken out of seats.yaml stops
 * being managed without any order. The steps run in order on one stack, as a user would run them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildE2eFixture, getLimits, waitForOrdersSettled, withEmbeddedPortal } from "../helpers/pulumi-fixture";
import { createPulumiProject, getSeatsSteps, getStepPlans, getUpChanges, type PulumiProject } from "../helpers/pulumi-project";

const SEATS = `subscriptions:
  - id: sub-a
    name: Contoso A
    licenses:
      m365-basic: 18
      exchange-p1: 8
  - id: sub-b
    licenses:
      m365-basic: 12
`;

let project: PulumiProject;

beforeAll(async () => {
  project = await createPulumiProject({ seats: SEATS, fixture: buildE2eFixture() });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

describe.sequential("a stack's life with the real pulumi CLI", { timeout: 300_000 }, () => {
  it("pulumi preview shows every change with its charge or refund (JSON and text) and orders nothing", async () => {
    const json = await project.pulumi(["preview", "--json"]);
    expect(json.code, json.output).toBe(0);
    const steps = getSeatsSteps(json.stdout);
    expect(steps.map((step) => step.op)).toEqual(["create", "create"]);
    const plans = getStepPlans(steps);
    // 20 of 31 days left: 2 x 5.60 x 20/31 = 7.23; 2 x 3.70 x 20/31 = 4.77.
    const lines = plans["sub-a"].lines.map((l) => [l.sku, l.currentLimit, l.desired, l.effective, l.charge.amount, l.refund.amount]);
    expect(lines.sort()).toEqual([
      ["exchange-p1", 6, 8, "now", "4.77", "0.00"],
      ["m365-basic", 20, 18, "now", "0.00", "7.23"],
    ]);
    expect(plans["sub-a"]).toMatchObject({ charge: { amount: "4.77", currency: "EUR" }, refund: { amount: "7.23" }, net: { amount: "-2.46" } });
    expect(plans["sub-b"]).toMatchObject({ charge: { amount: "7.23" }, refund: { amount: "0.00" } });

    const text = await project.pulumi(["preview"]);
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain("m365-basic 20 -> 18 now: refund 7.23 EUR");
    expect(text.stdout).toContain("exchange-p1 6 -> 8 now: charge 4.77 EUR");
    expect(text.stdout).toContain("m365-basic 10 -> 12 now: charge 7.23 EUR");
    expect(text.stdout).toMatch(/charge\s*:\s*"12\.00 EUR"/);
    expect(text.stdout).toMatch(/refund\s*:\s*"7\.23 EUR"/);
    expect(await withEmbeddedPortal(project.statePath, (portal) => portal.listOrders())).toEqual([]);
  });

  it("pulumi up places one order per subscription and converges; a second preview with --expect-no-changes passes", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    const { orders, a, b } = await withEmbeddedPortal(project.statePath, async (portal) => ({
      orders: await waitForOrdersSettled(portal),
      a: await portal.getSubscription("sub-a"),
      b: await portal.getSubscription("sub-b"),
    }));
    expect(orders.map((o) => [o.subscriptionId, o.status, o.lines.length]).sort()).toEqual([
      ["sub-a", "completed", 2],
      ["sub-b", "completed", 1],
    ]);
    expect(getLimits(a)).toEqual({ "m365-basic": 18, "exchange-p1": 8 });
    expect(getLimits(b)).toEqual({ "m365-basic": 12 });

    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
    // Nothing changed behind Pulumi's back yet: the drift check of the next test must start clean.
    const refresh = await project.pulumi(["refresh", "--preview-only", "--expect-no-changes"]);
    expect(refresh.code, refresh.output).toBe(0);
  });

  it("an out-of-band change fails refresh --expect-no-changes and makes drift exit 2; refresh + up restore the declared count", async () => {
    // Someone adds 3 seats to sub-b in the portal.
    await withEmbeddedPortal(project.statePath, async (portal) => {
      const current = await portal.getSubscription("sub-b");
      await portal.placeOrder({ subscriptionId: "sub-b", expectedRevision: current.revision, lines: [{ sku: "m365-basic", quantity: 15, effective: "now" }], idempotencyKey: "out-of-band-1" });
      await waitForOrdersSettled(portal);
    });
    const refreshCheck = await project.pulumi(["refresh", "--preview-only", "--expect-no-changes"]);
    expect(refreshCheck.code, refreshCheck.output).not.toBe(0);
    expect(refreshCheck.output).toMatch(/no changes were expected for refresh but changes were proposed/);
    expect(refreshCheck.output).toMatch(/~ .*SubscriptionSeats sub-b update/);
    const drift = await project.cli(["drift"]);
    expect(drift.code, drift.output).toBe(2);
    expect(drift.stdout).toMatch(/m365-basic\s+12\s+15/);

    const refresh = await project.pulumi(["refresh", "--yes"]);
    expect(refresh.code, refresh.output).toBe(0);
    const up = await project.pulumi(["up", "--yes", "--json"]);
    expect(up.code, up.output).toBe(0);
    expect(getUpChanges(up.stdout)).toEqual([["update", "sub-b"]]);
    const b = await withEmbeddedPortal(project.statePath, async (portal) => {
      await waitForOrdersSettled(portal);
      return portal.getSubscription("sub-b");
    });
    expect(getLimits(b)).toEqual({ "m365-basic": 12 });
    expect((await project.cli(["drift"])).code).toBe(0);
  });

  it("a subscription removed from seats.yaml is no longer managed: up changes no seats and places no order", async () => {
    const before = await withEmbeddedPortal(project.statePath, async (portal) => ({ orders: await portal.listOrders(), b: await portal.getSubscription("sub-b") }));
    await project.writeSeats(SEATS.replace(/  - id: sub-b[\s\S]*$/, ""));
    const up = await project.pulumi(["up", "--yes", "--json"]);
    expect(up.code, up.output).toBe(0);
    expect(getUpChanges(up.stdout)).toEqual([["delete", "sub-b"]]);
    const after = await withEmbeddedPortal(project.statePath, async (portal) => ({ orders: await portal.listOrders(), b: await portal.getSubscription("sub-b") }));
    expect(after.orders.length).toBe(before.orders.length);
    expect(after.b).toEqual(before.b);
    const stack = await project.pulumi(["stack", "--show-urns"]);
    expect(stack.stdout).not.toContain("SubscriptionSeats::sub-b");
    expect(stack.stdout).toContain("SubscriptionSeats::sub-a");
  });
});
