/**
 * The portal the end-to-end tests run `pulumi` against, and ways to watch it from the test: a small fixture whose
 * money is easy to check by hand, and bounded polling on the portal's state.
 */
import type { Order, Subscription } from "../../provider/core/model";
import { openEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import type { PortalFixture } from "../../provider/simulator/fixture";
import type { Portal } from "../../provider/backends/portal";
import { FIXTURE_SUBSCRIPTION_BASE } from "./fixture-base";

/** The fixture's `now`: 20 of May's 31 days are left in the billing period. */
export const E2E_NOW = "2026-05-12T09:00:00.000Z";
/** The renewal date of every subscription (term end 2026-11-30). */
export const E2E_RENEWAL = "2026-12-01";

const base = FIXTURE_SUBSCRIPTION_BASE;

/**
 * `sub-a`: m365-basic 20 seats (10 assigned; 3 added two days ago, still refundable) and exchange-p1 6 seats
 * (4 assigned; none refundable). `sub-b`: m365-basic 10 seats (5 assigned). Orders take `processingDelayMs`
 * of portal time (the embedded portal's clock runs on from `now` with the wall clock).
 */
export function buildE2eFixture(options: { processingDelayMs?: number } = {}): PortalFixture {
  return {
    now: E2E_NOW,
    processingDelayMs: options.processingDelayMs ?? 300,
    pageSize: 50,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: [
      {
        ...base,
        id: "sub-a",
        name: "Contoso A",
        lines: [
          { sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 10, limit: 20, unitPrice: "5.60", minQuantity: 1, maxQuantity: 300, batches: [{ quantity: 3, addedAt: "2026-05-10T14:30:00Z" }] },
          { sku: "exchange-p1", displayName: "Exchange Online (Plan 1)", usage: 4, limit: 6, unitPrice: "3.70", minQuantity: 1, maxQuantity: 300, batches: [{ quantity: 6, addedAt: "2026-02-01T00:00:00Z" }] },
        ],
      },
      {
        ...base,
        id: "sub-b",
        name: "Contoso B",
        lines: [{ sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 5, limit: 10, unitPrice: "5.60", minQuantity: 1, maxQuantity: 300 }],
      },
    ],
  };
}

/** Opens the embedded portal on `statePath` for one look, then closes it. */
export async function withEmbeddedPortal<T>(statePath: string, fn: (portal: Portal) => Promise<T>): Promise<T> {
  const portal = await openEmbeddedPortal({ statePath });
  try {
    return await fn(portal);
  } finally {
    await portal.close();
  }
}

/** Seats purchased per SKU of one subscription. */
export function getLimits(subscription: Subscription): Record<string, number> {
  return Object.fromEntries(subscription.lines.map((line) => [line.sku, line.limit]));
}

/** Polls (bounded) until every order of the portal is finished; returns them. */
export async function waitForOrdersSettled(portal: Portal, timeoutMs = 30_000): Promise<Order[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const orders = await portal.listOrders();
    if (orders.every((order) => order.status !== "submitted" && order.status !== "processing")) return orders;
    if (Date.now() > deadline) throw new Error(`orders still running after ${timeoutMs} ms: ${orders.map((o) => `${o.id} ${o.status}`).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
