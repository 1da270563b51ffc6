/**
 * A stack of many subscriptions with the REAL Pulumi CLI (embedded portal): what each resource stores stays
 * under 4 KiB after `up` while its checked inputs still carry every changing line with its money, and the planning
 * snapshot of one command never hides a change made in the portal before the next command.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { FIXTURE_SUBSCRIPTION_BASE } from "../helpers/fixture-base";
import { E2E_NOW, waitForOrdersSettled, withEmbeddedPortal } from "../helpers/pulumi-fixture";
import { createPulumiProject, getPreviewChanges, type PulumiProject } from "../helpers/pulumi-project";

const COUNT = 30;
const ids = Array.from({ length: COUNT }, (_, i) => `sub-${String(i + 1).padStart(2, "0")}`);
const SEATS_TYPE = "pulumi-nodejs:dynamic:SubscriptionSeats";
/** Issue #10's bound on what one SubscriptionSeats resource stores (release 0.1.0: about 10 KiB). */
const MAX_RESOURCE_BYTES = 4 * 1024;

function buildFixture(): PortalFixture {
  return {
    now: E2E_NOW,
    processingDelayMs: 0,
    pageSize: 7,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: ids.map((id, i) => ({
      ...FIXTURE_SUBSCRIPTION_BASE,
      id,
      name: `Contoso ${i + 1}`,
      lines: [
        { sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 10, limit: 20, unitPrice: "5.60", minQuantity: 1, maxQuantity: 300 },
        { sku: "exchange-p1", displayName: "Exchange Online (Plan 1)", usage: 4, limit: 6, unitPrice: "3.70", minQuantity: 1, maxQuantity: 300 },
      ],
    })),
  };
}

function buildSeats(m365: (id: string) => number): string {
  return ["subscriptions:", ...ids.flatMap((id) => [`  - id: ${id}`, "    licenses:", `      m365-basic: ${m365(id)}`, "      exchange-p1: 6"])].join("\n") + "\n";
}

interface ExportedResource {
  type: string;
  urn: string;
  inputs: { plan?: string };
}

let project: PulumiProject;

beforeAll(async () => {
  project = await createPulumiProject({ seats: buildSeats(() => 22), fixture: buildFixture() });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

describe.sequential(`${COUNT} subscriptions in one stack with the real pulumi CLI`, { timeout: 300_000 }, () => {
  it("after up, each SubscriptionSeats resource stores under 4 KiB, and its inputs keep the changing line with its money", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    await withEmbeddedPortal(project.statePath, (portal) => waitForOrdersSettled(portal));
    const exported = await project.pulumi(["stack", "export"]);
    expect(exported.code, exported.output).toBe(0);
    const resources = (JSON.parse(exported.stdout) as { deployment: { resources: ExportedResource[] } }).deployment.resources.filter((r) => r.type === SEATS_TYPE);
    expect(resources).toHaveLength(COUNT);
    for (const resource of resources) {
      const bytes = Buffer.byteLength(JSON.stringify(resource));
      expect(bytes, resource.urn).toBeLessThan(MAX_RESOURCE_BYTES);
      // 2 seats x 5.60 EUR x 20 of 31 days = 7.23, readable per line from the checked inputs (a policy pack's view):
      // the stored JSON text as it is, in the plan's currency, and decoded to the full plan.
      const stored = JSON.parse(resource.inputs.plan!) as { currency: string; lines: Array<{ sku: string; charge: string }> };
      expect([stored.currency, stored.lines.map((l) => [l.sku, l.charge])]).toEqual(["EUR", [["m365-basic", "7.23"]]]);
      const plan = decodeStoredPlan(resource.inputs.plan)!;
      expect(plan.lines.map((l) => [l.sku, l.currentLimit, l.desired, l.charge])).toEqual([["m365-basic", 20, 22, { currency: "EUR", amount: "7.23" }]]);
    }
  });

  it("a change made in the portal between two previews shows in the second (the snapshot is per command)", async () => {
    const same = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(same.code, same.output).toBe(0);
    await withEmbeddedPortal(project.statePath, async (portal) => {
      const current = await portal.getSubscription("sub-17");
      await portal.placeOrder({ subscriptionId: "sub-17", expectedRevision: current.revision, lines: [{ sku: "m365-basic", quantity: 25, effective: "now" }], idempotencyKey: "scale-e2e-oob" });
      await waitForOrdersSettled(portal);
    });
    const json = await project.pulumi(["preview", "--json"]);
    expect(json.code, json.output).toBe(0);
    expect(getPreviewChanges(json.stdout)).toEqual([["update", "sub-17"]]);
    const text = await project.pulumi(["preview"]);
    expect(text.stdout).toContain("m365-basic 25 -> 22 now");
  });
});
