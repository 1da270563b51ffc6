/**
 * The plan's charges and refunds equal the embedded portal's own quote (estimateOrder) for the same order lines,
 * to the cent, across increases, refunded decreases, mixed batches, renewal-only decreases, late-period days and
 * the moment a refund window closes.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredState } from "../../provider/desired/desired-state";
import { planSeats } from "../../provider/core/plan/planner";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";

let dir: string;
let statePath: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-agreement-"));
  statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()), clock: createFixedClock("2026-05-12T09:00:00Z") });
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const cases: { reason: string; at: string; licenses: Record<string, Record<string, number>>; allowBelowUsage?: boolean; expectCharge?: string; expectRefund?: string }[] = [
  {
    reason: "the quickstart: a refunded decrease, an increase and a renewal decrease in one order",
    at: "2026-05-12T09:00:00Z",
    licenses: { "sub-contoso-basic": { "m365-business-basic": 18 }, "sub-contoso-standard": { "m365-business-standard": 14, "exchange-online-plan-1": 5 } },
    expectCharge: "15.10",
    expectRefund: "7.23",
  },
  { reason: "every refundable seat removed a day later (19 days left)", at: "2026-05-13T10:00:00Z", licenses: { "sub-contoso-basic": { "m365-business-basic": 17 } }, expectRefund: "10.30" },
  {
    reason: "mixed batches below usage (allowed): 3 seats now, 2 more at renewal",
    at: "2026-05-12T09:00:00Z",
    licenses: { "sub-contoso-basic": { "m365-business-basic": 15 } },
    allowBelowUsage: true,
    expectRefund: "10.84",
  },
  { reason: "an increase at 33.75 a seat (odd cents)", at: "2026-05-12T09:00:00Z", licenses: { "sub-contoso-e3": { "m365-e3": 11 } }, expectCharge: "65.32" },
  { reason: "an increase on the last day of the period (1 day of 31)", at: "2026-05-31T23:00:00Z", licenses: { "sub-fabrikam-exchange": { "exchange-online-plan-1": 40 } }, expectCharge: "1.79" },
  { reason: "one second after the window closed: the decrease waits for renewal, no refund", at: "2026-05-17T14:30:01Z", licenses: { "sub-contoso-basic": { "m365-business-basic": 18 } }, expectRefund: "0.00" },
  { reason: "one second before the window closes: still refunded (15 days left)", at: "2026-05-17T14:29:59Z", licenses: { "sub-contoso-basic": { "m365-business-basic": 18 } }, expectRefund: "5.42" },
  { reason: "a line with no batches goes to zero at renewal", at: "2026-05-20T12:00:00Z", licenses: { "sub-contoso-standard": { "teams-essentials": 0, "m365-business-standard": 13 } }, expectCharge: "4.53" },
];

describe("planner vs the embedded portal's estimateOrder", () => {
  it.each(cases)("$reason", async ({ at, licenses, allowBelowUsage, expectCharge, expectRefund }) => {
    const clock = createFixedClock(at);
    const portal = await openEmbeddedPortal({ statePath, clock });
    try {
      const desired: DesiredState = { defaults: { guardrails: { allowBelowUsage: allowBelowUsage ?? false } }, subscriptions: Object.entries(licenses).map(([id, l]) => ({ id, licenses: l })) };
      const observed = await portal.listSubscriptions({ ids: Object.keys(licenses) });
      const plan = planSeats(desired, observed, clock);
      expect(plan.hasViolations).toBe(false);
      expect(plan.hasChanges).toBe(true);
      for (const sub of plan.subscriptions.filter((s) => s.orderLines.length > 0)) {
        const estimate = await portal.estimateOrder({
          subscriptionId: sub.subscriptionId,
          expectedRevision: sub.revision,
          lines: sub.orderLines,
          ...(sub.paymentMethodId ? { paymentMethodId: sub.paymentMethodId } : {}),
          allowBelowUsage: sub.allowBelowUsage,
        });
        expect(estimate.charge).toEqual(sub.charge);
        expect(estimate.refund).toEqual(sub.refund);
        expect(estimate.total).toEqual(sub.net);
        // Line by line too: the portal's signed amount is the plan's charge minus its refund.
        const changed = sub.lines.filter((l) => l.action !== "none" && !l.alreadyScheduled);
        expect(estimate.lines.map((l) => [l.sku, l.effective, l.from, l.to, l.effectiveDate, l.amount.amount])).toEqual(
          changed.map((l) => [l.sku, l.effective, l.currentLimit, l.desired, l.effectiveDate, l.refund.amount !== "0.00" ? `-${l.refund.amount}` : l.charge.amount]),
        );
      }
      const totals = plan.totals[0];
      if (expectCharge !== undefined) expect(totals.charge.amount).toBe(expectCharge);
      if (expectRefund !== undefined) expect(totals.refund.amount).toBe(expectRefund);
    } finally {
      await portal.close();
    }
  });
});
