/**
 * Decreases outside the 168-hour refund window and invalid input, with the REAL Pulumi CLI: `refuse` fails the
 * update with a clear message and orders nothing; `at-renewal` schedules the decrease and the plan says when it
 * takes effect; an invalid seats.yaml fails the preview at file:line:col and nothing is ordered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";
import { buildE2eFixture, E2E_RENEWAL, getLimits, waitForOrdersSettled, withEmbeddedPortal } from "../helpers/pulumi-fixture";
import { createPulumiProject, type PulumiProject } from "../helpers/pulumi-project";

/** exchange-p1 on sub-a: 6 seats, none refundable any more; 6 -> 4 is a decrease outside the window. */
function seatsWithPolicy(policy: "refuse" | "at-renewal"): string {
  return `subscriptions:
  - id: sub-a
    downgradePolicy: ${policy}
    licenses:
      exchange-p1: 4
`;
}

let project: PulumiProject;

beforeAll(async () => {
  project = await createPulumiProject({ seats: seatsWithPolicy("refuse"), fixture: buildE2eFixture() });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

async function listOrders() {
  return withEmbeddedPortal(project.statePath, (portal) => portal.listOrders());
}

describe.sequential("decreases outside the refund window, and invalid input", { timeout: 300_000 }, () => {
  it("downgradePolicy refuse: pulumi up fails with the reason and the fix, and orders nothing", async () => {
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code).not.toBe(0);
    expect(up.output).toContain("OUTSIDE_WINDOW: exchange-p1: 2 of the 2 seats to remove are outside their 168-hour refund window and downgradePolicy is refuse");
    expect(up.output).toContain("set downgradePolicy: at-renewal to schedule the rest for 2026-12-01");
    // The finding says where the subscription is declared, as the CLI's plan does.
    expect(up.output).toContain("seats.yaml:2:5: OUTSIDE_WINDOW");
    expect(await listOrders()).toEqual([]);
  });

  it("downgradePolicy at-renewal: the plan says when the decrease takes effect, and up schedules it without a refund", async () => {
    await project.writeSeats(seatsWithPolicy("at-renewal"));
    const preview = await project.pulumi(["preview", "--json"]);
    expect(preview.code, preview.output).toBe(0);
    const steps = (JSON.parse(preview.stdout) as { steps: Array<{ op: string; newState?: { type: string; inputs?: { plan?: string } } }> }).steps;
    const step = steps.find((s) => s.newState?.inputs?.plan);
    expect(step?.op).toBe("create");
    expect(decodeStoredPlan(step?.newState?.inputs?.plan)?.lines).toMatchObject([{ sku: "exchange-p1", currentLimit: 6, desired: 4, effective: "renewal", effectiveDate: E2E_RENEWAL, refund: { amount: "0.00" } }]);
    const text = await project.pulumi(["preview"]);
    expect(text.stdout).toContain(`exchange-p1 6 -> 4 at renewal ${E2E_RENEWAL}`);

    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code, up.output).toBe(0);
    const { orders, a } = await withEmbeddedPortal(project.statePath, async (portal) => ({ orders: await waitForOrdersSettled(portal), a: await portal.getSubscription("sub-a") }));
    expect(orders.map((o) => [o.status, o.lines.map((l) => [l.sku, l.to, l.effective, l.effectiveDate])])).toEqual([["completed", [["exchange-p1", 4, "renewal", E2E_RENEWAL]]]]);
    // Seats stay until the renewal; the change is scheduled in the portal.
    expect(getLimits(a)["exchange-p1"]).toBe(6);
    expect(a.scheduledChanges).toMatchObject([{ sku: "exchange-p1", quantity: 4 }]);
    const again = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(again.code, again.output).toBe(0);
  });

  it("an invalid seats.yaml fails the preview (and up) at file:line:col and orders nothing", async () => {
    const ordersBefore = await listOrders();
    await project.writeSeats(`subscriptions:
  - id: sub-b
    licenses:
      m365-basic: eleven
`);
    const preview = await project.pulumi(["preview"]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toMatch(/seats\.yaml:4:19\b/);
    expect(preview.output).toContain("nothing is declared until they are fixed");
    const up = await project.pulumi(["up", "--yes"]);
    expect(up.code).not.toBe(0);
    expect(await listOrders()).toEqual(ordersBefore);
  });
});
