/**
 * The fault campaign (issue #9): N orders through the `http` backend against `csp-seats portal serve` while the
 * portal injects 429 (with Retry-After), 503, connection resets and commit-then-drop on ~10 % of requests each
 * (fault-schedule.ts) and the server is SIGKILLed and restarted K times; then a re-run without faults places the
 * SAME order (same idempotency key) for every subscription that has not converged, and every order once more to
 * prove the portal answers a known key with the order it has. The verdict: no subscription with two orders, no
 * order the client saw accepted that the portal lacks, every subscription at its target.
 *
 * bench/faults.ts runs it (`npm run bench:faults`); test/integration/fault-campaign.test.ts runs a small one.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isCspSeatsError } from "../provider/core/errors";
import type { PlaceOrderRequest, Subscription } from "../provider/core/model";
import { createIdempotencyKey } from "../provider/core/plan/idempotency";
import { createHttpPortal, type HttpPortal } from "../provider/backends/http/http-portal";
import { waitForOrder } from "../provider/backends/shared/order-wait";
import { seedEmbeddedPortal } from "../provider/simulator/embedded-portal";
import type { FaultRule } from "../provider/simulator/faults";
import type { PortalFixture } from "../provider/simulator/fixture";
import { buildBenchFixture } from "./bench-fixture";
import { buildFaultRules, countScheduleUse, createRandom, drawFaultSlots, type ScheduleUse } from "./fault-schedule";
import { judgeCampaign } from "./fault-verdict";
import { findCli, startPortalProcess, type PortalProcess } from "./portal-process";

/** What to run. */
export interface FaultCampaignOptions {
  /** Subscriptions, one order each. */
  readonly orders: number;
  /** SIGKILLs of the server during the first pass. */
  readonly kills: number;
  /** Share of requests hit by each fault kind (0.10 = 10 % each, 40 % in all). */
  readonly faultRate: number;
  readonly seed: number;
  /** Orders in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Portal time an order takes. Default 400 ms (so the wait polls). */
  readonly processingDelayMs?: number;
  /** The order wait's timeout. Default 60 s. */
  readonly orderTimeoutMs?: number;
  /** The compiled CLI. Default: bin/csp-seats.js of this repository. */
  readonly cli?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Client-side counts of one phase. */
export interface PhaseFigures {
  /** HTTP requests sent (every attempt). */
  requests: number;
  /** Retries the client made (HTTP retries and the order's look-up-then-resend loop). */
  retries: number;
  wallMs: number;
}

/** One SIGKILL. */
export interface KillRecord {
  /** Orders in flight (placed or being waited for) when the server died. */
  readonly ordersInFlight: number;
  /** From the kill to the restarted server listening. */
  readonly downMs: number;
}

/** The campaign's figures and verdict. */
export interface FaultCampaignResult {
  readonly options: Required<Omit<FaultCampaignOptions, "log" | "cli">>;
  readonly first: PhaseFigures;
  readonly rerun: PhaseFigures;
  /** The schedule as the portal used it in the first pass (requests it saw, faults per kind). */
  readonly faults: ScheduleUse & { readonly slots: number };
  readonly kills: readonly KillRecord[];
  /** Look-ups by idempotency key the client made after a lost order reply, and how many found the order. */
  readonly keyLookups: { readonly sent: number; readonly found: number };
  /** Orders the client saw accepted in the first pass (placeOrder returned). */
  readonly acceptedFirstPass: number;
  /** Orders that did not end completed in the first pass, by the client's error code. */
  readonly failedFirstPass: Record<string, number>;
  /** Subscriptions not converged before the re-run. */
  readonly notConvergedBeforeRerun: number;
  /** Re-run orders that created a new order (the first pass never got one into the portal). */
  readonly placedInRerun: number;
  /** Re-run orders the portal answered with an order it already had (same key). */
  readonly replayedInRerun: number;
  /** Every order sent once more by key at the end: how many came back as the same order. */
  readonly idempotencyReplays: { readonly sent: number; readonly sameOrder: number };
  /** Subscriptions with more than one order (orders beyond the first). */
  readonly duplicates: number;
  /** Accepted orders the portal does not have, plus subscriptions not converged after the re-run. */
  readonly lost: number;
  readonly converged: number;
  /** Orders that ended in error. */
  readonly ordersInError: number;
  readonly totalWallMs: number;
  /** Files next to the state file after the server stopped (locks, temp files of killed writers). */
  readonly leftovers: readonly string[];
  /** Why the campaign failed; empty when it passed. */
  readonly failures: readonly string[];
}

const TOKEN = "fault-campaign-token";
const SKU = "m365-basic";
const START_LIMIT = 10;

/** One subscription per order, 10 seats with 5 assigned, each to get one more. */
export function buildCampaignFixture(count: number, processingDelayMs: number): PortalFixture {
  return buildBenchFixture({
    count,
    customers: 20,
    processingDelayMs,
    namePrefix: "Campaign subscription",
    lines: () => [{ sku: SKU, displayName: "Microsoft 365 Business Basic", usage: 5, limit: START_LIMIT, unitPrice: "5.60" }],
  });
}

/** The order the planner would make for `sub`: one more seat now, its key from the revision and lines. */
function planOrder(sub: Subscription): PlaceOrderRequest {
  const lines = [{ sku: SKU, quantity: START_LIMIT + 1, effective: "now" as const }];
  return { subscriptionId: sub.id, expectedRevision: sub.revision, lines, idempotencyKey: createIdempotencyKey(sub.id, sub.revision, lines) };
}

/** Whether `sub` has its one seat more. */
export function isConverged(sub: Subscription | undefined): boolean {
  return sub?.lines.find((line) => line.sku === SKU)?.limit === START_LIMIT + 1;
}

function errorCode(error: unknown): string {
  return isCspSeatsError(error) ? error.code : error instanceof Error ? error.name : "unknown";
}

/** Runs `work` over `items` with at most `concurrency` at once. */
async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Which order starts trigger a kill: one at a random point of each of `kills` equal stretches of the run. */
function drawKillPoints(random: () => number, orders: number, kills: number): number[] {
  return Array.from({ length: kills }, (_, k) => Math.min(orders - 1, Math.floor(((k + random()) * orders) / kills)));
}

interface Job {
  readonly request: PlaceOrderRequest;
  /** The order id placeOrder returned in the first pass. */
  accepted?: string;
  firstPass?: "completed" | string;
}

/** Runs the campaign; never throws for a failed verdict (see `failures`), only when it cannot run at all. */
export async function runFaultCampaign(options: FaultCampaignOptions): Promise<FaultCampaignResult> {
  const settings = { concurrency: 4, processingDelayMs: 400, orderTimeoutMs: 60_000, ...options };
  const { orders, kills, faultRate, seed, concurrency, processingDelayMs, orderTimeoutMs } = settings;
  const log = options.log ?? (() => undefined);
  const random = createRandom(seed);
  const began = performance.now();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-faults-"));
  const statePath = path.join(dir, "portal-state.json");
  const server: PortalProcess = await (async () => {
    try {
      await seedEmbeddedPortal({ statePath, fixture: buildCampaignFixture(orders, processingDelayMs) });
      return await startPortalProcess({ cli: options.cli ?? findCli(), statePath, token: TOKEN });
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
  })();

  // Requests are counted per phase; "setup" (the plan's read, the admin calls) is not part of the figures.
  const phase = { name: "setup" as "setup" | "first" | "rerun" };
  const counts = { setup: { requests: 0, retries: 0, wallMs: 0 }, first: { requests: 0, retries: 0, wallMs: 0 }, rerun: { requests: 0, retries: 0, wallMs: 0 } };
  const { first, rerun } = counts;
  const figures = (): PhaseFigures => counts[phase.name];
  const portal: HttpPortal = await createHttpPortal({
    endpoint: server.endpoint,
    token: TOKEN,
    headers: () => {
      figures().requests += 1;
      return {};
    },
    onRetry: () => void (figures().retries += 1),
  });
  // The client's look-ups by key after a lost order reply (http-portal.ts placeOrder), seen at its one HttpClient.
  const keyLookups = { sent: 0, found: 0 };
  const request = portal.client.request.bind(portal.client);
  portal.client.request = (async (req: Parameters<typeof request>[0]) => {
    const lookup = req.method === "GET" && req.path === "/v1/orders" && req.query?.idempotencyKey !== undefined;
    if (lookup) keyLookups.sent += 1;
    const response = await request<{ items?: unknown[] }>(req);
    if (lookup && (response.body.items?.length ?? 0) > 0) keyLookups.found += 1;
    return response;
  }) as typeof portal.client.request;
  const admin = async (rules: FaultRule[] | undefined): Promise<FaultRule[]> => {
    const was = phase.name;
    phase.name = "setup";
    try {
      return (await portal.client.request<{ rules: FaultRule[] }>(rules ? { method: "PUT", path: "/v1/admin/faults", body: { rules } } : { method: "GET", path: "/v1/admin/faults" })).body.rules;
    } finally {
      phase.name = was;
    }
  };

  try {
    // Plan from a clean read, as `pulumi up` would, then turn the faults on.
    const jobs: Job[] = (await portal.listSubscriptions()).map((sub) => ({ request: planOrder(sub) }));
    const slots = drawFaultSlots(random, faultRate, Math.max(200, orders * 15));
    await admin(buildFaultRules(slots));
    phase.name = "first";
    log(`first pass: ${orders} orders, ${concurrency} at a time, ${kills} kills, ${Math.round(faultRate * 100)} % of requests per fault kind`);

    const killPoints = drawKillPoints(random, orders, kills);
    const killRecords: KillRecord[] = [];
    let inFlight = 0;
    let killChain = Promise.resolve();
    const killSoon = (): void => {
      const delayMs = Math.floor(random() * 300);
      killChain = killChain.then(async () => {
        await sleep(delayMs);
        const ordersInFlight = inFlight;
        const downMs = await server.killAndRestart();
        killRecords.push({ ordersInFlight, downMs });
        log(`  SIGKILL ${killRecords.length}/${kills}: ${ordersInFlight} orders in flight, server back after ${downMs.toFixed(0)} ms`);
      });
    };
    const firstStarted = performance.now();
    await runPool(jobs, concurrency, async (job, index) => {
      for (const point of killPoints) if (point === index) killSoon();
      inFlight += 1;
      try {
        const placed = await portal.placeOrder(job.request);
        job.accepted = placed.id;
        const done = await waitForOrder(portal, placed, { timeoutMs: orderTimeoutMs });
        job.firstPass = done.status === "completed" ? "completed" : `ORDER_${done.status.toUpperCase()}`;
      } catch (error) {
        job.firstPass = errorCode(error);
      } finally {
        inFlight -= 1;
      }
    });
    await killChain;
    first.wallMs = performance.now() - firstStarted;
    const use = countScheduleUse(slots, await admin(undefined));
    const failedFirstPass: Record<string, number> = {};
    for (const job of jobs) if (job.firstPass !== "completed") failedFirstPass[job.firstPass!] = (failedFirstPass[job.firstPass!] ?? 0) + 1;
    log(`first pass done in ${(first.wallMs / 1000).toFixed(1)} s: ${jobs.length - Object.values(failedFirstPass).reduce((a, b) => a + b, 0)} orders completed`);

    // The re-run: no faults; the same order (same key) for every subscription not at its target.
    phase.name = "rerun";
    await admin([]);
    const rerunStarted = performance.now();
    const known = new Set((await portal.listOrders()).map((order) => order.id));
    const before = new Map((await portal.listSubscriptions()).map((sub) => [sub.id, sub]));
    const pending = jobs.filter((job) => !isConverged(before.get(job.request.subscriptionId)));
    let placedInRerun = 0;
    let replayedInRerun = 0;
    const rerunErrors: string[] = [];
    await runPool(pending, concurrency, async (job) => {
      try {
        const order = await portal.placeOrder(job.request);
        if (known.has(order.id)) replayedInRerun += 1;
        else placedInRerun += 1;
        await waitForOrder(portal, order, { timeoutMs: orderTimeoutMs });
      } catch (error) {
        rerunErrors.push(`${job.request.subscriptionId}: ${errorCode(error)}`);
      }
    });
    // Every key once more: a portal that has the key must answer with that order and place nothing.
    const byKey = new Map((await portal.listOrders()).map((order) => [order.idempotencyKey, order.id]));
    let sameOrder = 0;
    await runPool(jobs, concurrency, async (job) => {
      try {
        const order = await portal.placeOrder(job.request);
        if (order.id === byKey.get(job.request.idempotencyKey)) sameOrder += 1;
      } catch (error) {
        rerunErrors.push(`${job.request.subscriptionId} (replay): ${errorCode(error)}`);
      }
    });
    rerun.wallMs = performance.now() - rerunStarted;

    // The verdict, from the portal's own lists.
    const verdict = judgeCampaign({
      jobs: jobs.map((job) => ({ subscriptionId: job.request.subscriptionId, ...(job.accepted ? { acceptedOrderId: job.accepted } : {}) })),
      orders: await portal.listOrders(),
      subscriptions: await portal.listSubscriptions(),
      isConverged,
    });
    // A killed server must leave nothing behind once the portal has been used again: no lock, no temp files.
    await server.stop();
    const leftovers = (await fs.readdir(dir)).filter((name) => name !== path.basename(statePath));
    const failures = [
      ...verdict.findings,
      ...(leftovers.length > 0 ? [`files left next to the state file: ${leftovers.slice(0, 5).join(", ")}`] : []),
      ...(sameOrder !== jobs.length ? [`${jobs.length - sameOrder} of ${jobs.length} replays by key did not return the order the portal has`] : []),
      ...(rerunErrors.length > 0 ? [`re-run errors: ${rerunErrors.slice(0, 5).join("; ")}`] : []),
      ...(killRecords.length !== kills ? [`${killRecords.length} of ${kills} kills happened`] : []),
    ];
    return {
      options: { orders, kills, faultRate, seed, concurrency, processingDelayMs, orderTimeoutMs },
      first,
      rerun,
      faults: { ...use, slots: slots.length },
      kills: killRecords,
      keyLookups,
      acceptedFirstPass: jobs.filter((job) => job.accepted !== undefined).length,
      failedFirstPass,
      notConvergedBeforeRerun: pending.length,
      placedInRerun,
      replayedInRerun,
      idempotencyReplays: { sent: jobs.length, sameOrder },
      duplicates: verdict.duplicates,
      lost: verdict.lost,
      converged: verdict.converged,
      ordersInError: verdict.ordersInError,
      leftovers,
      totalWallMs: performance.now() - began,
      failures,
    };
  } finally {
    await portal.close();
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
