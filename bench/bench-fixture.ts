/**
 * The portal fixtures the benchmarks seed: `count` monthly EUR subscriptions spread over `customers` customers,
 * with the license lines each benchmark needs. One builder, so every benchmark's portal has the same shape.
 */
import type { FixtureLine, FixtureSubscription, PortalFixture } from "../provider/simulator/fixture";

/** Options of buildBenchFixture. */
export interface BenchFixtureOptions {
  readonly count: number;
  /** The license lines of subscription `index` (0-based). */
  readonly lines: (index: number) => FixtureLine[];
  readonly customers?: number;
  readonly processingDelayMs?: number;
  readonly pageSize?: number;
  /** Digits of the zero-padded subscription number in `sub-00001`. */
  readonly idDigits?: number;
  readonly namePrefix?: string;
}

/** A fixture of `count` subscriptions (`sub-00001`...), frozen at 2026-05-12T09:00:00Z, no faults. */
export function buildBenchFixture(options: BenchFixtureOptions): PortalFixture {
  const customers = Math.max(1, Math.min(options.customers ?? 50, options.count));
  const subscriptions: FixtureSubscription[] = Array.from({ length: options.count }, (_, i) => ({
    id: `sub-${String(i + 1).padStart(options.idDigits ?? 5, "0")}`,
    name: `${options.namePrefix ?? "Bench subscription"} ${i + 1}`,
    customerId: `cust-${(i % customers) + 1}`,
    status: "active",
    currency: "EUR",
    billingCycle: "monthly",
    billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
    termEnd: "2026-11-30",
    autoRenew: true,
    paymentMethods: [{ id: "pm-invoice", label: "Invoice", isDefault: true }],
    lines: options.lines(i),
  }));
  return {
    now: "2026-05-12T09:00:00Z",
    processingDelayMs: options.processingDelayMs ?? 0,
    pageSize: options.pageSize ?? 100,
    faults: [],
    customers: Array.from({ length: customers }, (_, i) => ({ id: `cust-${i + 1}`, name: `Customer ${i + 1}`, contactEmail: `it@cust-${i + 1}.example` })),
    subscriptions,
  };
}
