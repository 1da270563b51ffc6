/**
 * Shared set-up for the embedded portal's tests: a small fixture covering every rule, and a seeded portal in a
 * temp directory with a manual clock.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { createFixedClock, createManualClock } from "../../provider/core/clock";
import { openEmbeddedPortal, seedEmbeddedPortal, type EmbeddedPortal } from "../../provider/simulator/embedded-portal";
import type { FixtureSubscription, PortalFixture } from "../../provider/simulator/fixture";

/** The fixture's frozen time: Tuesday 12 May 2026, 09:00 UTC. */
export const T0 = "2026-05-12T09:00:00.000Z";

const monthly = { billingCycle: "monthly" as const, billingPeriod: { start: "2026-05-01", end: "2026-06-01" } };

/**
 * - sub-basic: 20 seats (12 assigned), 3 added two days ago (refundable until 2026-05-17T09:00Z); Exchange 6 seats,
 *   none refundable; Teams Essentials (min 0, max 5).
 * - sub-partner: ineligible (channel partner). sub-suspended: suspended.
 * - sub-noauto: monthly term ending 2026-05-31 without auto-renew. sub-e3: monthly term with auto-renew.
 * - sub-flaky: its Exchange line fails when provisioned (a partial failure).
 */
export function buildFixture(overrides: Partial<PortalFixture> = {}): PortalFixture {
  const sub = (s: Omit<FixtureSubscription, "currency" | "status" | "autoRenew" | "billingPeriod" | "termEnd"> & Partial<FixtureSubscription>): FixtureSubscription => ({
    status: "active",
    currency: "EUR",
    autoRenew: true,
    termEnd: "2026-11-30",
    termDuration: "P1Y",
    ...monthly,
    paymentMethods: [
      { id: "pm-invoice", label: "Invoice", isDefault: true },
      { id: "pm-visa", label: "Visa ending 4242" },
    ],
    ...s,
  });
  return {
    now: T0,
    processingDelayMs: 0,
    pageSize: 2,
    customers: [
      { id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" },
      { id: "fabrikam", name: "Fabrikam GmbH", contactEmail: "licenses@fabrikam.example" },
    ],
    subscriptions: [
      sub({
        id: "sub-basic",
        name: "Contoso Basic",
        customerId: "contoso",
        lines: [
          {
            sku: "m365-business-basic",
            displayName: "Microsoft 365 Business Basic",
            usage: 12,
            limit: 20,
            unitPrice: "5.60",
            batches: [{ quantity: 3, addedAt: "2026-05-10T09:00:00Z" }],
          },
          { sku: "exchange-online-plan-1", displayName: "Exchange Online (Plan 1)", usage: 4, limit: 6, unitPrice: "3.70" },
          { sku: "teams-essentials", displayName: "Teams Essentials", usage: 0, limit: 2, unitPrice: "3.40", minQuantity: 0, maxQuantity: 5 },
        ],
      }),
      sub({
        id: "sub-partner",
        name: "Fabrikam via partner",
        customerId: "fabrikam",
        eligibility: { eligible: false, reasonCode: "channel-partner", reason: "Bought through a channel partner." },
        lines: [{ sku: "m365-business-basic", displayName: "Microsoft 365 Business Basic", usage: 1, limit: 10, unitPrice: "5.60" }],
      }),
      sub({
        id: "sub-suspended",
        name: "Fabrikam suspended",
        customerId: "fabrikam",
        status: "suspended",
        lines: [{ sku: "m365-e3", displayName: "Microsoft 365 E3", usage: 1, limit: 3, unitPrice: "33.75" }],
      }),
      sub({
        id: "sub-noauto",
        name: "Contoso no auto-renew",
        customerId: "contoso",
        autoRenew: false,
        termEnd: "2026-05-31",
        termDuration: "P1M",
        lines: [{ sku: "m365-e3", displayName: "Microsoft 365 E3", usage: 1, limit: 3, unitPrice: "33.75" }],
      }),
      sub({
        id: "sub-e3",
        name: "Contoso E3 monthly",
        customerId: "contoso",
        termEnd: "2026-05-31",
        termDuration: "P1M",
        lines: [{ sku: "m365-e3", displayName: "Microsoft 365 E3", usage: 7, limit: 8, unitPrice: "33.75" }],
      }),
      sub({
        id: "sub-flaky",
        name: "Contoso flaky provisioning",
        customerId: "contoso",
        lines: [
          { sku: "m365-business-standard", displayName: "Microsoft 365 Business Standard", usage: 2, limit: 5, unitPrice: "11.70" },
          {
            sku: "exchange-online-plan-1",
            displayName: "Exchange Online (Plan 1)",
            usage: 1,
            limit: 2,
            unitPrice: "3.70",
            provisioningError: "Microsoft returned 800095: cannot update the seat quantity",
          },
        ],
      }),
    ],
    ...overrides,
  };
}

export interface PortalSetup {
  readonly dir: string;
  readonly statePath: string;
  readonly clock: ReturnType<typeof createManualClock>;
  readonly portal: EmbeddedPortal;
  /** Another portal instance on the same state file (as another process would open it). */
  open(): Promise<EmbeddedPortal>;
  cleanup(): Promise<void>;
}

/** Seeds `fixture` into a fresh temp directory and opens it with a manual clock at `at` (default T0). */
export async function setUpPortal(fixture: PortalFixture = buildFixture(), at = T0): Promise<PortalSetup> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-embedded-"));
  const statePath = path.join(dir, "state", "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture, clock: createFixedClock(at) });
  const clock = createManualClock(at);
  const portal = await openEmbeddedPortal({ statePath, clock });
  const opened: EmbeddedPortal[] = [portal];
  return {
    dir,
    statePath,
    clock,
    portal,
    open: async () => {
      const another = await openEmbeddedPortal({ statePath, clock });
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      await Promise.all(opened.map((p) => p.close()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function catchError(promise: Promise<unknown>): Promise<{ code?: string; status?: number; summary?: string; fix?: string; details?: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; status?: number; summary?: string; fix?: string; details?: Record<string, unknown>; message: string };
  }
  throw new Error("expected the promise to reject, but it resolved");
}
