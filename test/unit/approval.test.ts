/** Approved plans (issue #12 §4): the digest is stable, and every difference from the approved order is named. */
import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredState } from "../../provider/core/desired-types";
import { isCspSeatsError } from "../../provider/core/errors";
import type { Subscription } from "../../provider/core/model";
import {
  buildApprovedPlan,
  checkTolerance,
  compareWithApproval,
  formatDigestList,
  parseApprovedPlanFile,
  parseDigestList,
  type Approval,
} from "../../provider/core/plan/approval";
import { planSeats } from "../../provider/core/plan/planner";
import type { Plan } from "../../provider/core/plan/types";
import { assertApprovedOrder } from "../../provider/app/converge";
import { renderPlanMarkdown } from "../../provider/report";
import { buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";

function desired(seats: Record<string, number>): DesiredState {
  return { defaults: {}, subscriptions: Object.entries(seats).map(([id, n]) => ({ id, licenses: { "M365-BP": n } })) } as DesiredState;
}

function observed(id: string, overrides: Partial<Subscription> = {}): Subscription {
  return buildSubscription({ id, lines: [buildLine({ usage: 8 })], ...overrides });
}

function plan(seats: Record<string, number>, subs: Subscription[], now = NOW): Plan {
  return planSeats(desired(seats), subs, createFixedClock(now));
}

function fromFile(p: Plan, tolerance = "0.00"): Approval {
  return parseApprovedPlanFile(JSON.stringify(buildApprovedPlan(p)), "plan.json", tolerance);
}

describe("the approval digest", () => {
  it("is stable for the same plan and lists only subscriptions that order", () => {
    const subs = [observed("SUB-2"), observed("SUB-1"), observed("SUB-3")];
    const a = buildApprovedPlan(plan({ "SUB-1": 12, "SUB-2": 10, "SUB-3": 11 }, subs));
    const b = buildApprovedPlan(plan({ "SUB-3": 11, "SUB-1": 12, "SUB-2": 10 }, [...subs].reverse()));
    expect(a.kind).toBe("csp-seats/approved-plan");
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.digest).toBe(b.digest);
    expect(Object.keys(a.subscriptions)).toEqual(["SUB-1", "SUB-3"]);
    expect(a.subscriptions["SUB-1"]).toMatchObject({ revision: subs[1].revision, orderLines: [{ sku: "M365-BP", quantity: 12, effective: "now" }] });
    expect(a.subscriptions["SUB-1"].lines[0]).toMatchObject({ from: 10, to: 12, effectiveDate: "2026-11-26", charge: { amount: "6.67", currency: "EUR" } });
    expect(formatDigestList(a)).toBe(`SUB-1=${a.subscriptions["SUB-1"].digest},SUB-3=${a.subscriptions["SUB-3"].digest}`);
  });

  it("changes with the seats, the revision and the money", () => {
    const base = buildApprovedPlan(plan({ "SUB-1": 12 }, [observed("SUB-1")])).digest;
    expect(buildApprovedPlan(plan({ "SUB-1": 13 }, [observed("SUB-1")])).digest).not.toBe(base);
    expect(buildApprovedPlan(plan({ "SUB-1": 12 }, [observed("SUB-1", { revision: "r-other" })])).digest).not.toBe(base);
    expect(buildApprovedPlan(plan({ "SUB-1": 12 }, [observed("SUB-1")], "2026-11-27T06:00:00.000Z")).digest).not.toBe(base);
  });

  it("is shown in the plan comment: the stack digest and each order's id=digest", () => {
    const p = plan({ "SUB-1": 12 }, [observed("SUB-1")]);
    const approved = buildApprovedPlan(p);
    const markdown = renderPlanMarkdown(p);
    expect(markdown).toContain(`Approval digest: \`${approved.digest}\``);
    expect(markdown).toContain(`Approval: \`SUB-1=${approved.subscriptions["SUB-1"].digest}\``);
  });
});

describe("comparing with the approved plan", () => {
  const approvedPlan = plan({ "SUB-1": 12 }, [observed("SUB-1")]);

  it("accepts the approved order, from a file and from its digest", () => {
    const now = plan({ "SUB-1": 12 }, [observed("SUB-1")]).subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), now)).toEqual([]);
    expect(compareWithApproval(parseDigestList(formatDigestList(buildApprovedPlan(approvedPlan)), "0.00"), now)).toEqual([]);
  });

  it("names a changed count (seats.yaml changed after approval)", () => {
    const now = plan({ "SUB-1": 13 }, [observed("SUB-1")]).subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), now)).toEqual(["SUB-1: M365-BP 10 -> 13 now, 10 -> 12 approved", "SUB-1: M365-BP charge 6.67 EUR approved, 10.00 EUR now, tolerance 0.00"]);
    expect(compareWithApproval(parseDigestList(formatDigestList(buildApprovedPlan(approvedPlan)), "0.00"), now)[0]).toMatch(/^SUB-1: the order differs from the approved one \(digest sha256:/);
  });

  it("names a changed portal (another revision, other observed limits)", () => {
    const now = plan({ "SUB-1": 12 }, [observed("SUB-1", { revision: "r-9", lines: [buildLine({ usage: 8, limit: 11 })] })]).subscriptions[0];
    const differences = compareWithApproval(fromFile(approvedPlan), now);
    expect(differences[0]).toMatch(/^SUB-1: revision changed \(.+ approved, r-9 now\)$/);
    expect(differences).toContain("SUB-1: M365-BP 11 -> 12 now, 10 -> 12 approved");
  });

  it("lets money move within the tolerance, in the subscription's currency", () => {
    const later = plan({ "SUB-1": 12 }, [observed("SUB-1")], "2026-11-26T23:00:00.000Z").subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), later)).toEqual([]);
    const nextDay = plan({ "SUB-1": 12 }, [observed("SUB-1")], "2026-11-27T06:00:00.000Z").subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), nextDay)).toContain("SUB-1: M365-BP charge 6.67 EUR approved, 5.33 EUR now, tolerance 0.00");
    expect(compareWithApproval(fromFile(approvedPlan, "2.00"), nextDay)).toEqual(["SUB-1: M365-BP effective 2026-11-26 approved, 2026-11-27 now"]);
  });

  it("refuses a subscription that is not in the approved plan; one that orders nothing never differs", () => {
    const other = plan({ "SUB-2": 12 }, [observed("SUB-2")]).subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), other)).toEqual(["SUB-2: not in the approved plan"]);
    expect(compareWithApproval(parseDigestList("none", "0.00"), other)).toEqual(["SUB-2: not in the approved plan"]);
    const unchanged = plan({ "SUB-2": 10 }, [observed("SUB-2")]).subscriptions[0];
    expect(compareWithApproval(fromFile(approvedPlan), unchanged)).toEqual([]);
  });

  it("converge's check throws APPROVAL_MISMATCH naming the difference", () => {
    const now = plan({ "SUB-1": 13 }, [observed("SUB-1")]).subscriptions[0];
    let caught: unknown;
    try {
      assertApprovedOrder("SUB-1", now, fromFile(approvedPlan));
    } catch (error) {
      caught = error;
    }
    expect(isCspSeatsError(caught) && caught.code).toBe("APPROVAL_MISMATCH");
    expect((caught as Error).message).toContain("10 -> 13 now, 10 -> 12 approved");
    expect((caught as Error).message).toContain("nothing was ordered");
    expect(() => assertApprovedOrder("SUB-1", now, undefined)).not.toThrow();
  });
});

describe("reading an approval", () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      return isCspSeatsError(error) ? error.code : "other";
    }
    return undefined;
  };

  it("refuses a bad file, a bad digest list and a bad tolerance with APPROVAL_UNREADABLE", () => {
    expect(code(() => parseApprovedPlanFile("{", "plan.json", "0.00"))).toBe("APPROVAL_UNREADABLE");
    expect(code(() => parseApprovedPlanFile('{"kind":"other"}', "plan.json", "0.00"))).toBe("APPROVAL_UNREADABLE");
    expect(code(() => parseApprovedPlanFile('{"kind":"csp-seats/approved-plan","subscriptions":{"S":{"digest":"x"}}}', "plan.json", "0.00"))).toBe("APPROVAL_UNREADABLE");
    expect(code(() => parseDigestList(`sha256:${"a".repeat(64)}`, "0.00"))).toBe("APPROVAL_UNREADABLE");
    expect(code(() => parseDigestList("SUB-1=sha256:abc", "0.00"))).toBe("APPROVAL_UNREADABLE");
    expect(code(() => checkTolerance("-1"))).toBe("APPROVAL_UNREADABLE");
    expect(checkTolerance("0.05")).toBe("0.05");
  });
});
