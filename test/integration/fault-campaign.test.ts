/**
 * The fault campaign of `npm run bench:faults` (bench/fault-campaign.ts), small: 20 orders through the `http`
 * backend against the compiled `csp-seats portal serve` with 10 % of requests per fault kind and one SIGKILL of
 * the server, then the re-run. Proves the campaign's whole code path and its invariants: no duplicate, nothing
 * lost, every subscription converged.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runFaultCampaign } from "../../bench/fault-campaign";
import { FAULT_KINDS } from "../../bench/fault-schedule";
import { CLI, ensureBuilt } from "../helpers/build";

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe("fault campaign (20 orders, 1 SIGKILL)", () => {
  it("places every order exactly once through faults and a killed server", async () => {
    const result = await runFaultCampaign({ orders: 20, kills: 1, faultRate: 0.1, seed: 20261126, cli: CLI });

    expect(result.failures).toEqual([]);
    expect(result.duplicates).toBe(0);
    expect(result.lost).toBe(0);
    expect(result.converged).toBe(20);
    expect(result.ordersInError).toBe(0);
    expect(result.leftovers).toEqual([]);
    expect(result.kills).toHaveLength(1);
    expect(result.idempotencyReplays).toEqual({ sent: 20, sameOrder: 20 });
    // Faults were really injected and retried: at least 20 POSTs reached the portal, so some of every kind is
    // drawn for this seed's first slots; the client sent at least as many requests as the portal saw.
    expect(result.faults.used).toBeGreaterThanOrEqual(20);
    expect(FAULT_KINDS.reduce((sum, kind) => sum + result.faults.injected[kind], 0)).toBeGreaterThan(0);
    expect(result.first.retries).toBeGreaterThan(0);
    expect(result.first.requests).toBeGreaterThanOrEqual(result.faults.used);
    expect(result.keyLookups.found).toBeLessThanOrEqual(result.keyLookups.sent);
    // The re-run placed or replayed exactly the subscriptions that had not converged.
    expect(result.placedInRerun + result.replayedInRerun).toBe(result.notConvergedBeforeRerun);
  }, 180_000);
});
