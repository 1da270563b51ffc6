import { describe, expect, it } from "vitest";
import type { Order, OrderStatus } from "../../provider/core/model";
import { waitForOrder, type OrderProgress } from "../../provider/backends/shared/order-wait";

function order(status: OrderStatus, id = "ord-1"): Order {
  const zero = { currency: "EUR", amount: "0.00" };
  return { id, subscriptionId: "sub-1", status, idempotencyKey: "k", createdAt: "2026-05-12T09:00:00.000Z", lines: [], charge: zero, refund: zero, total: zero, currency: "EUR" };
}

/** A portal whose order goes through `statuses`, one per poll, on a virtual clock moved on by the sleeps. */
function harness(statuses: OrderStatus[]) {
  let now = 0;
  const sleeps: number[] = [];
  const progress: Array<[OrderStatus, number]> = [];
  let polls = 0;
  const portal = {
    getOrder: async (id: string) => order(statuses[Math.min(polls++, statuses.length - 1)], id),
  };
  const options = {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    onProgress: ({ order: o, elapsedMs }: OrderProgress) => void progress.push([o.status, elapsedMs]),
  };
  return { portal, options, sleeps, progress, polls: () => polls };
}

describe("waitForOrder (the one wait for every backend)", () => {
  it("returns a finished order at once, without polling", async () => {
    const h = harness([]);
    expect((await waitForOrder(h.portal, order("completed"), { timeoutMs: 1_000, ...h.options })).status).toBe("completed");
    expect(h.polls()).toBe(0);
  });

  it("polls with backoff from 200 ms doubling to 5 s, reporting each change of status", async () => {
    const h = harness(["submitted", "processing", "processing", "processing", "processing", "processing", "completed"]);
    const done = await waitForOrder(h.portal, order("submitted"), { timeoutMs: 900_000, ...h.options });
    expect(done.status).toBe("completed");
    expect(h.sleeps).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
    expect(h.progress).toEqual([
      ["processing", 600],
      ["completed", 16_200],
    ]);
  });

  it("reports a pending order every 30 s even when its status does not change", async () => {
    const h = harness([...Array<OrderStatus>(12).fill("processing"), "completed"]);
    await waitForOrder(h.portal, order("processing"), { timeoutMs: 900_000, ...h.options });
    const unchanged = h.progress.filter(([status]) => status === "processing").map(([, at]) => at);
    expect(unchanged).toEqual([31_200]);
  });

  it("returns an order that ends in error (the caller decides what that means)", async () => {
    const h = harness(["error"]);
    expect((await waitForOrder(h.portal, order("submitted"), { timeoutMs: 1_000, ...h.options })).status).toBe("error");
  });

  it("gives up with ORDER_TIMEOUT and the order's status after the timeout, leaving the order alone", async () => {
    const h = harness(["processing"]);
    const error = await waitForOrder(h.portal, order("submitted", "ord-9"), { timeoutMs: 10_000, ...h.options }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ORDER_TIMEOUT",
      summary: "order ord-9 for subscription sub-1 is still processing after 10 s",
      details: { orderId: "ord-9", status: "processing" },
    });
    expect((error as Error).message).toContain("Raise csp-seats:orderTimeoutSeconds");
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThan(10_000);
  });

  it("ends the wait when reading the order fails", async () => {
    const failing = { getOrder: async () => Promise.reject(new Error("portal down")) };
    await expect(waitForOrder(failing, order("submitted"), { timeoutMs: 1_000, sleep: async () => {} })).rejects.toThrow("portal down");
  });
});
