/**
 * The fault campaign's pure parts (bench/fault-schedule.ts, bench/fault-verdict.ts): the seeded schedule of
 * faults laid out as portal fault rules, how the rules the portal has left tell what it injected, and a verdict
 * that reports duplicates and lost orders rather than hiding them. The campaign itself runs in
 * test/integration/fault-campaign.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Order, Subscription } from "../../provider/core/model";
import { takeFaultFromState } from "../../provider/simulator/faults";
import type { PortalState } from "../../provider/simulator/portal-state";
import { buildFaultRules, countScheduleUse, createRandom, drawFaultSlots, FAULT_KINDS, type Slot } from "../../bench/fault-schedule";
import { judgeCampaign } from "../../bench/fault-verdict";

describe("fault schedule", () => {
  it("draws each kind at about the given rate, the same for the same seed", () => {
    const slots = drawFaultSlots(createRandom(42), 0.1, 20_000);
    for (const kind of FAULT_KINDS) {
      const share = slots.filter((slot) => slot === kind).length / slots.length;
      expect(share).toBeGreaterThan(0.09);
      expect(share).toBeLessThan(0.11);
    }
    expect(drawFaultSlots(createRandom(42), 0.1, 500)).toEqual(slots.slice(0, 500));
    expect(drawFaultSlots(createRandom(43), 0.1, 500)).not.toEqual(slots.slice(0, 500));
  });

  it("refuses a rate that would need more than every request", () => {
    expect(() => drawFaultSlots(createRandom(1), 0.3, 10)).toThrow(RangeError);
    expect(drawFaultSlots(createRandom(1), 0, 10)).toEqual(Array(10).fill("none"));
  });

  it("folds runs into rules with times, clean runs as 0 ms latency", () => {
    const slots: Slot[] = ["none", "none", "reset", "throttled-429", "throttled-429", "none", "commit-then-drop", "unavailable-503"];
    expect(buildFaultRules(slots)).toEqual([
      { route: "*", kind: "latency", latencyMs: 0, times: 2 },
      { route: "*", kind: "reset", times: 1 },
      { route: "*", kind: "status", status: 429, retryAfterSeconds: 1, times: 2 },
      { route: "*", kind: "latency", latencyMs: 0, times: 1 },
      { route: "*", kind: "commit-then-drop", times: 1 },
      { route: "*", kind: "status", status: 503, times: 1 },
    ]);
  });

  it("counts what the portal injected from the rules it has left, request by request", () => {
    const slots = drawFaultSlots(createRandom(7), 0.1, 300);
    const state = { faults: buildFaultRules(slots) } as unknown as PortalState;
    const seen: Slot[] = [];
    for (let i = 0; i < 137; i += 1) {
      const rule = takeFaultFromState(state, i % 3 === 0 ? "POST" : "GET", i % 3 === 0 ? "/v1/orders" : `/v1/orders/ord-${i}`)!;
      seen.push(rule.kind === "latency" ? "none" : rule.kind === "status" ? (rule.status === 429 ? "throttled-429" : "unavailable-503") : rule.kind);
    }
    expect(seen).toEqual(slots.slice(0, 137));
    const use = countScheduleUse(slots, state.faults);
    expect(use.used).toBe(137);
    expect(use.exhausted).toBe(false);
    for (const kind of FAULT_KINDS) expect(use.injected[kind]).toBe(seen.filter((slot) => slot === kind).length);
    expect(countScheduleUse(slots, []).exhausted).toBe(true);
  });

  it("refuses rules that are not what is left of the schedule", () => {
    const slots: Slot[] = ["none", "reset", "none"];
    expect(() => countScheduleUse(slots, [{ route: "*", kind: "reset", times: 1 }, { route: "*", kind: "reset", times: 1 }])).toThrow(/not the tail/);
    expect(() => countScheduleUse(slots, [{ route: "*", kind: "reset" }])).toThrow(/not the campaign's/);
  });
});

describe("fault campaign verdict", () => {
  const sub = (id: string, limit: number): Subscription => ({ id, lines: [{ sku: "m365-basic", limit }] }) as unknown as Subscription;
  const order = (id: string, subscriptionId: string, status: Order["status"] = "completed"): Order => ({ id, subscriptionId, status }) as unknown as Order;
  const isConverged = (s: Subscription): boolean => s.lines[0].limit === 11;

  it("passes when every subscription has its one order and its seat", () => {
    const verdict = judgeCampaign({
      jobs: [{ subscriptionId: "a", acceptedOrderId: "o1" }, { subscriptionId: "b" }],
      orders: [order("o1", "a"), order("o2", "b")],
      subscriptions: [sub("a", 11), sub("b", 11)],
      isConverged,
    });
    expect(verdict).toEqual({ duplicates: 0, lost: 0, converged: 2, ordersInError: 0, findings: [] });
  });

  it("reports a duplicate, a lost order, an unconverged subscription and an order in error", () => {
    const verdict = judgeCampaign({
      jobs: [{ subscriptionId: "a", acceptedOrderId: "o1" }, { subscriptionId: "b", acceptedOrderId: "o9" }, { subscriptionId: "c" }, { subscriptionId: "d" }],
      orders: [order("o1", "a"), order("o2", "a"), order("o3", "d", "error")],
      subscriptions: [sub("a", 11), sub("b", 11), sub("c", 10), sub("d", 10)],
      isConverged,
    });
    expect(verdict.duplicates).toBe(1);
    expect(verdict.lost).toBe(3); // o9 missing (b), c and d not converged
    expect(verdict.converged).toBe(2);
    expect(verdict.ordersInError).toBe(1);
    expect(verdict.findings).toEqual([
      "1 duplicate order(s): a has o1, o2",
      "1 accepted order(s) the portal does not have: o9 (b)",
      "2 subscription(s) not converged: c, d",
      "1 order(s) ended in error: o3",
    ]);
  });
});
