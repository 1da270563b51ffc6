/**
 * Usage-following targets with the REAL Pulumi CLI and csp-seats CLI (embedded portal): seats.yaml gives targets,
 * not numbers; when assigned seats change in the portal, the next preview plans the buffer, max clamps it and
 * `decrease: never` keeps the seats when usage is far below them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionPlan } from "../../provider/core/plan/types";
import { transactState } from "../../provider/simulator/state-store";
import type { PortalState } from "../../provider/simulator/portal-state";
import { buildE2eFixture, getLimits, waitForOrdersSettled, withEmbeddedPortal } from "../helpers/pulumi-fixture";
import { createPulumiProject, getSeatsSteps, getStepPlans, type PulumiProject } from "../helpers/pulumi-project";

// sub-a: m365-basic usage 10 / limit 20, exchange-p1 usage 4 / limit 6; sub-b: m365-basic usage 5 / limit 10.
const SEATS = `subscriptions:
  - id: sub-a
    licenses:
      m365-basic: { usagePlus: 1, decrease: never }
      exchange-p1: { usagePlus: 2, max: 7 }
  - id: sub-b
    licenses:
      m365-basic: { usagePlus: 2, decrease: refundable-only }
`;

let project: PulumiProject;

beforeAll(async () => {
  project = await createPulumiProject({ seats: SEATS, fixture: buildE2eFixture() });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

async function setUsage(statePath: string, subscriptionId: string, sku: string, usage: number): Promise<void> {
  await transactState<PortalState, void>(statePath, (state) => {
    const line = state.subscriptions.find((s) => s.id === subscriptionId)?.lines.find((l) => l.sku === sku);
    if (!line) throw new Error(`no ${subscriptionId}/${sku} in the portal state`);
    line.usage = usage;
  });
}

describe.sequential("usage-following targets with the real pulumi CLI", { timeout: 300_000 }, () => {
  it("up with targets that ask for nothing new places no order", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    expect(await withEmbeddedPortal(project.statePath, (portal) => portal.listOrders())).toEqual([]);
    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
  });

  it("assigned seats change in the portal: the next preview plans the buffer, clamped to max; decrease never holds", async () => {
    await setUsage(project.statePath, "sub-a", "exchange-p1", 6);
    await setUsage(project.statePath, "sub-b", "m365-basic", 9);
    const json = await project.pulumi(["preview", "--json"]);
    expect(json.code, json.output).toBe(0);
    const steps = getSeatsSteps(json.stdout);
    const plans = getStepPlans(steps);
    const describe = (plan: SubscriptionPlan) => plan.lines.map((l) => [l.sku, l.currentLimit, l.desired, l.derivation?.text]).sort();
    // The resource's plan keeps only changed lines: m365-basic (decrease: never) is not among them.
    expect(describe(plans["sub-a"])).toEqual([["exchange-p1", 6, 7, "assigned 6 + 2 = 8, clamped to max 7"]]);
    expect(plans["sub-a"].orderLines).toEqual([{ sku: "exchange-p1", quantity: 7, effective: "now" }]);
    expect(describe(plans["sub-b"])).toEqual([["m365-basic", 10, 11, "assigned 9 + 2 = 11"]]);

    const plan = await project.cli(["plan"]);
    expect(plan.code, plan.output).toBe(0);
    expect(plan.stdout).toContain("target exchange-p1: assigned 6 + 2 = 8, clamped to max 7");
    expect(plan.stdout).toContain("target m365-basic: assigned 9 + 2 = 11");
    expect(plan.stdout).toContain("target m365-basic: assigned 10 + 1 = 11, decrease: never keeps 20");
  });

  it("up orders the derived counts; the next preview has nothing to do", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    const { a, b } = await withEmbeddedPortal(project.statePath, async (portal) => {
      await waitForOrdersSettled(portal);
      return { a: await portal.getSubscription("sub-a"), b: await portal.getSubscription("sub-b") };
    });
    expect(getLimits(a)).toEqual({ "m365-basic": 20, "exchange-p1": 7 });
    expect(getLimits(b)).toEqual({ "m365-basic": 11 });
    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
    // A refresh keeps the targets as declared (nothing to report), and csp-seats drift compares the derived counts.
    const refresh = await project.pulumi(["refresh", "--preview-only", "--expect-no-changes"]);
    expect(refresh.code, refresh.output).toBe(0);
    const drift = await project.cli(["drift"]);
    expect(drift.code, drift.output).toBe(0);
  });
});
