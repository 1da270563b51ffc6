/**
 * Issue #9, the embedded portal's part: a read never writes, whatever time the portal is asked at; what a read
 * shows at a time is what a write at that time saves; the calendar is bounded (no NaN, no endless loop, coded
 * errors at 9999-12-31); fixture times and numbers are bounded with located errors. The last block runs the
 * compiled CLI: `plan --now 2030-...` against the shared state leaves it byte-identical.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { getDemoFixturePath, parsePortalFixture } from "../../provider/simulator/fixture";
import { advancePortalState, MAX_EVENTS_PER_ADVANCE } from "../../provider/simulator/order-engine";
import { getNextCalendarEvent, type PortalState, type StoredSubscription } from "../../provider/simulator/portal-state";
import { openEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { ensureBuilt, ROOT } from "../helpers/build";
import { runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { buildFixture, catchError, setUpPortal, type PortalSetup } from "./embedded-portal-helpers";

let setup: PortalSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

const order = (key: string, subscriptionId = "sub-basic", quantity = 22) => ({ idempotencyKey: key, subscriptionId, lines: [{ sku: "m365-business-basic", quantity, effective: "now" as const }] });

/** Every read the portal offers, at the portal's current time. */
async function readEverything(s: PortalSetup): Promise<unknown> {
  const { portal } = s;
  return {
    subscriptions: await portal.listSubscriptions(),
    page: await portal.listSubscriptionsPage({ pageSize: 3 }),
    one: await portal.getSubscription("sub-basic"),
    orders: await portal.listOrders(),
    outbox: await portal.listOutbox(),
    faults: await portal.getFaults(),
    now: (await portal.now()).toISOString(),
    estimate: await portal.estimateOrder(order("e", "sub-basic", 25)).catch((error: { code?: string }) => ({ refused: error.code })),
    fault: await portal.takeFault("GET", "/v1/subscriptions"),
  };
}

describe("a read never writes", () => {
  it.each(["2026-05-12T09:00:10.000Z", "2026-06-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z", "2100-02-28T12:00:00.000Z"])(
    "leaves the state file byte-identical when read at %s, and answers as the portal is then",
    async (at) => {
      setup = await setUpPortal(buildFixture({ processingDelayMs: 10_000 }));
      await setup.portal.placeOrder(order("slow"));
      const before = await fs.readFile(setup.statePath);
      const stat = await fs.stat(setup.statePath);
      setup.clock.set(at);
      await readEverything(setup);
      await readEverything(setup);
      expect((await fs.readFile(setup.statePath)).equals(before)).toBe(true);
      expect((await fs.stat(setup.statePath)).mtimeMs).toBe(stat.mtimeMs);
      const [order0] = await setup.portal.listOrders();
      expect(order0.status).toBe("completed");
      const renewed = await setup.portal.getSubscription("sub-e3");
      expect(renewed.billingPeriod.start <= at.slice(0, 10)).toBe(true);
    },
  );

  it("answers a read at t with exactly what a write at t saves (advanced on a copy, deterministically)", async () => {
    setup = await setUpPortal(buildFixture({ processingDelayMs: 10_000 }));
    await setup.portal.placeOrder(order("a"));
    setup.clock.set("2026-05-12T09:00:03.000Z");
    await setup.portal.placeOrder({ idempotencyKey: "b", subscriptionId: "sub-flaky", lines: [{ sku: "m365-business-standard", quantity: 6, effective: "now" }] });
    setup.clock.set("2026-08-15T00:00:00.000Z");
    const read = await readEverything(setup);
    // A write at the same time (fault rules replaced by themselves) advances and saves the state.
    await setup.portal.setFaults(await setup.portal.getFaults());
    expect(await readEverything(setup)).toEqual(read);
    const saved = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    expect(saved.outbox).toEqual((read as { outbox: unknown }).outbox);
    expect(saved.orders.map((o) => o.order)).toEqual((read as { orders: unknown }).orders);
  });

  it("advances the same however the time is reached (t1 then t2 equals t2), orders and e-mails in time order", async () => {
    setup = await setUpPortal(buildFixture({ processingDelayMs: 60_000 }));
    // sub-flaky's order completes before sub-basic's although sub-basic comes first in the list.
    setup.clock.set("2026-05-12T09:00:30.000Z");
    await setup.portal.placeOrder({ idempotencyKey: "late", subscriptionId: "sub-basic", lines: [{ sku: "m365-business-basic", quantity: 21, effective: "now" }] });
    const state = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    state.orders[0].completeAt = "2026-05-12T09:02:00.000Z";
    state.orders[0].processingAt = "2026-05-12T09:01:00.000Z";
    await fs.writeFile(setup.statePath, JSON.stringify(state));
    setup.clock.set("2026-05-12T09:00:31.000Z");
    await setup.portal.placeOrder({ idempotencyKey: "early", subscriptionId: "sub-flaky", lines: [{ sku: "m365-business-standard", quantity: 6, effective: "now" }] });
    const stored = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    const steps = ["2026-05-12T09:01:00.000Z", "2026-05-12T09:01:31.000Z", "2026-05-31T23:59:59.999Z", "2026-06-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"];
    const stepwise = structuredClone(stored);
    for (const at of steps) advancePortalState(stepwise, new Date(at));
    const direct = structuredClone(stored);
    advancePortalState(direct, new Date(steps[steps.length - 1]));
    expect(direct).toEqual(stepwise);
    expect(direct.outbox.map((m) => m.orderId)).toEqual([stored.orders[1].order.id, stored.orders[1].order.id, stored.orders[0].order.id, stored.orders[0].order.id]);
  });

  it("takes a fault without locking or writing when no rule matches, and counts a matching one", async () => {
    setup = await setUpPortal(buildFixture({ faults: [{ route: "POST /v1/orders", kind: "status", status: 503, times: 2 }] }));
    setup.clock.set("2031-01-01T00:00:00.000Z");
    const before = await fs.readFile(setup.statePath);
    expect(await setup.portal.takeFault("GET", "/v1/subscriptions")).toBeUndefined();
    expect((await fs.readFile(setup.statePath)).equals(before)).toBe(true);
    expect(await setup.portal.takeFault("POST", "/v1/orders")).toMatchObject({ status: 503 });
    const after = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    expect(after.faults).toEqual([{ route: "POST /v1/orders", kind: "status", status: 503, times: 1 }]);
    // Taking a fault is not a reason to move the calendar: the subscriptions are as they were stored.
    expect(after.subscriptions).toEqual((JSON.parse(before.toString("utf8")) as PortalState).subscriptions);
  });
});

describe("the calendar is bounded", () => {
  const stored = (overrides: Partial<StoredSubscription>): StoredSubscription =>
    ({ id: "s", status: "active", termEnd: "2026-11-30", billingPeriod: { start: "2026-05-01", end: "2026-06-01" }, ...overrides }) as StoredSubscription;

  it.each([
    { termEnd: "9999-12-31", end: "9999-12-31" },
    { termEnd: "9999-12-31", end: "x" },
    { termEnd: "not a date", end: "+010000-01" },
    { termEnd: "9999-12-30", end: "10000-01-01" },
  ])("never yields a NaN event (termEnd $termEnd, billing end $end)", ({ termEnd, end }) => {
    const event = getNextCalendarEvent(stored({ termEnd, billingPeriod: { start: "2026-05-01", end } }));
    if (event) expect(Number.isFinite(event.at)).toBe(true);
  });

  async function expectCalendarLimit(s: PortalSetup): Promise<void> {
    const started = Date.now();
    expect(await catchError(s.portal.listSubscriptions())).toMatchObject({ code: "PORTAL_CALENDAR_LIMIT" });
    expect(await catchError(s.portal.placeOrder(order("x")))).toMatchObject({ code: "PORTAL_CALENDAR_LIMIT", status: 422 });
    expect(Date.now() - started).toBeLessThan(10_000);
    // What does not depend on the calendar still answers (the HTTP API's /healthz asks for the time).
    expect(Number.isFinite((await s.portal.now()).getTime())).toBe(true);
    expect(Array.isArray(await s.portal.getFaults())).toBe(true);
    // The failed write released the lock: the next command does not wait for it.
    await expect(fs.access(`${s.statePath}.lock`)).rejects.toThrow();
  }

  it("refuses a renewal past 9999-12-31 with PORTAL_CALENDAR_LIMIT instead of hanging", async () => {
    setup = await setUpPortal();
    const state = JSON.parse(await fs.readFile(setup.statePath, "utf8")) as PortalState;
    // A state that reaches the year-9999 boundary (as one seeded before fixtures were bounded could).
    for (const sub of state.subscriptions) Object.assign(sub, { termEnd: "9999-11-30", termDuration: "P3Y", billingPeriod: { start: "9999-11-01", end: "9999-12-01" } });
    await fs.writeFile(setup.statePath, JSON.stringify(state));
    setup.clock.set("9999-12-15T00:00:00.000Z");
    await expectCalendarLimit(setup);
  });

  it(`gives up after ${MAX_EVENTS_PER_ADVANCE} events with PORTAL_CALENDAR_LIMIT, saying what to do`, async () => {
    const base = buildFixture();
    const far = base.subscriptions.slice(0, 2).map((sub) => ({ ...sub, billingPeriod: { start: "2000-01-01", end: "2000-02-01" }, termEnd: "9998-06-30", lines: sub.lines.map((l) => ({ ...l, batches: [] })) }));
    setup = await setUpPortal(buildFixture({ now: "2000-01-10T00:00:00Z", subscriptions: far }), "2000-01-10T00:00:00.000Z");
    setup.clock.set("9998-01-01T00:00:00.000Z");
    const error = await catchError(setup.portal.listSubscriptions());
    expect(error).toMatchObject({ code: "PORTAL_CALENDAR_LIMIT" });
    expect(error.fix).toMatch(/--now|portal seed/);
    await expectCalendarLimit(setup);
  });

  it("refuses a clock that is no time at all", async () => {
    setup = await setUpPortal();
    const portal = await openEmbeddedPortal({ statePath: setup.statePath, clock: { now: () => new Date(Number.NaN) } });
    expect(await catchError(portal.listSubscriptions())).toMatchObject({ code: "PORTAL_CALENDAR_LIMIT" });
    await portal.close();
  });
});

describe("fixture times and numbers are bounded, with located errors", () => {
  const yaml = (fixture: PortalFixture): string => stringify(fixture);
  const base = (): PortalFixture => buildFixture();

  it.each([
    { reason: "now in 9999", edit: (f: any) => (f.now = "9999-12-31T23:59:59Z"), message: /now 9999-12-31T23:59:59Z is outside the years 2000 to 9998/ },
    { reason: "now on a leap second", edit: (f: any) => (f.now = "2026-06-30T23:59:60Z"), message: /leap second/ },
    { reason: "now before 2000", edit: (f: any) => (f.now = "1999-12-31T23:59:59Z"), message: /outside the years/ },
    { reason: "termEnd in 9999", edit: (f: any) => (f.subscriptions[0].termEnd = "9999-12-31"), message: /termEnd 9999-12-31 is outside/ },
    { reason: "a billing period in 9999", edit: (f: any) => (f.subscriptions[0].billingPeriod = { start: "9999-01-01", end: "9999-02-01" }), message: /start 9999-01-01 is outside/ },
    { reason: "a batch added on a leap second", edit: (f: any) => (f.subscriptions[0].lines[0].batches[0].addedAt = "2026-05-10T23:59:60Z"), message: /addedAt .* leap second/ },
    { reason: "a limit over a million", edit: (f: any) => (f.subscriptions[0].lines[0].limit = 1_000_001), message: /limit must be <= 1000000/ },
    { reason: "usage over a million", edit: (f: any) => (f.subscriptions[0].lines[0].usage = 2 ** 53 - 1), message: /usage must be <= 1000000/ },
    { reason: "a batch over a million", edit: (f: any) => (f.subscriptions[0].lines[0].batches[0].quantity = 5_000_000), message: /quantity must be <= 1000000/ },
    { reason: "maxQuantity over a million", edit: (f: any) => (f.subscriptions[0].lines[0].maxQuantity = 1e7), message: /maxQuantity must be <= 1000000/ },
    { reason: "an hour-long latency fault", edit: (f: any) => (f.faults = [{ route: "*", kind: "latency", latencyMs: 3_600_000 }]), message: /latencyMs must be <= 300000/ },
  ])("refuses $reason at file:line:col", ({ edit, message }) => {
    const fixture = structuredClone(base());
    edit(fixture);
    let error: { code?: string; summary?: string } | undefined;
    try {
      parsePortalFixture(yaml(fixture), "fixture.yaml");
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error?.code).toBe("PORTAL_FIXTURE_INVALID");
    expect(error?.summary).toMatch(/^fixture\.yaml:\d+:\d+: /);
    expect(error?.summary).toMatch(message);
  });

  it("reports an empty or comment-only fixture at 1:1, not as '/ must be object'", () => {
    for (const text of ["", "# only a comment\n"]) {
      expect(() => parsePortalFixture(text, "empty.yaml")).toThrow(/^empty\.yaml:1:1: the fixture is empty/);
    }
  });

  it("still accepts the calendar's edges: 2000-01-01 and 9998-12-31", () => {
    const fixture = structuredClone(base()) as any;
    fixture.now = "9998-12-31T23:59:59Z";
    fixture.subscriptions[0].termEnd = "9998-12-31";
    fixture.subscriptions[0].billingPeriod = { start: "2000-01-01", end: "9998-12-31" };
    expect(() => parsePortalFixture(yaml(fixture), "edges.yaml")).not.toThrow();
  });
});

describe("the compiled CLI: reads at a pinned time leave the shared state as it was", () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  function run(args: string[]): Promise<CliRun> {
    return runCompiledCli(["--state", path.join(dir, "portal-state.json"), ...args], { cwd: dir, hangMs: 60_000 });
  }

  it("plan, drift and validate at --now 2030-01-01 change no byte; a normal plan still refunds 7.23 EUR", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-reads-"));
    try {
      const statePath = path.join(dir, "portal-state.json");
      const seeded = await run(["portal", "seed", "--fixture", getDemoFixturePath()]);
      expect(seeded.code, seeded.stderr).toBe(0);
      const before = await fs.readFile(statePath);
      const seats = path.join(ROOT, "examples", "quickstart", "seats.yaml");
      for (const args of [["plan", "--desired", seats], ["drift", "--desired", seats], ["validate", seats], ["plan", "--desired", seats, "--format", "json"]]) {
        const result = await run(["--now", "2030-01-01T00:00:00Z", ...args]);
        expect([0, 2], `${args.join(" ")}: ${result.stderr}`).toContain(result.code);
        expect((await fs.readFile(statePath)).equals(before), `${args.join(" ")} changed the state file`).toBe(true);
      }
      const pinned = await run(["--now", "2030-01-01T00:00:00Z", "plan", "--desired", seats]);
      expect(pinned.stdout).toContain("at renewal 2030-12-01");
      const far = await run(["--now", "9998-12-31T23:59:59Z", "plan", "--desired", seats]);
      expect(far.code).toBe(1);
      expect(far.stderr).toContain("PORTAL_CALENDAR_LIMIT");
      expect((await fs.readFile(statePath)).equals(before)).toBe(true);
      const normal = await run(["plan", "--desired", seats]);
      expect(normal.code, normal.stderr).toBe(0);
      expect(normal.stdout).toMatch(/m365-business-basic\s+20 -> 18\s+\(-2\)\s+refund 7\.23 EUR/);
      expect(normal.stdout).toContain("revision ");
      expect(normal.stdout).not.toMatch(/revision \w+-45/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
