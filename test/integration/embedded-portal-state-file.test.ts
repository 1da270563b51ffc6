/**
 * The embedded portal's state file format and what each process keeps of it (issue #10, the simulator's share):
 * every write has a new writeId; the file is the committed snapshot; older indented files still read and are
 * not rewritten by a transaction that changes nothing; a write shares what it did not change with the previous
 * snapshot (frozen), and what a transaction answers is the caller's own copy.
 */
import * as fs from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { PortalState } from "../../provider/simulator/portal-state";
import { readStateSnapshot } from "../../provider/simulator/state-store";
import { setUpPortal, type PortalSetup } from "./embedded-portal-helpers";

let setup: PortalSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

const order = (key: string, quantity = 22, subscriptionId = "sub-basic") => ({ idempotencyKey: key, subscriptionId, lines: [{ sku: "m365-business-basic", quantity, effective: "now" as const }] });

function readWriteId(text: string): string {
  const match = /^\{"writeId":"([0-9a-f]{32})",\n/.exec(text);
  if (!match) throw new Error(`no writeId at the start of ${text.slice(0, 60)}`);
  return match[1];
}

describe("the state file", () => {
  it("gets a new writeId on every write and holds exactly the committed snapshot, one order and e-mail per line", async () => {
    setup = await setUpPortal();
    const seeded = readWriteId(await fs.readFile(setup.statePath, "utf8"));
    await setup.portal.placeOrder(order("a"));
    const first = await fs.readFile(setup.statePath, "utf8");
    await setup.portal.placeOrder(order("b", 23));
    const second = await fs.readFile(setup.statePath, "utf8");
    expect(new Set([seeded, readWriteId(first), readWriteId(second)]).size).toBe(3);
    const { writeId, ...stored } = JSON.parse(second) as PortalState & { writeId: string };
    expect(writeId).toBe(readWriteId(second));
    const snapshot = await readStateSnapshot<PortalState>(setup.statePath);
    expect(stored).toEqual(snapshot);
    expect(Object.keys(stored)).toEqual(Object.keys(snapshot));
    const lines = second.split("\n");
    expect(lines.filter((line) => line.startsWith('{"order":'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('{"id":"msg-'))).toHaveLength(snapshot.outbox.length);
    expect(second.endsWith("}\n")).toBe(true);
  });

  it("reads a file in the older indented format, leaves it as it is when nothing changes, and rewrites it on a change", async () => {
    setup = await setUpPortal();
    await setup.portal.placeOrder(order("before"));
    const state = await readStateSnapshot<PortalState>(setup.statePath);
    const legacy = `${JSON.stringify(state, null, 2)}\n`;
    await fs.writeFile(setup.statePath, legacy);
    const portal = await setup.open();
    expect((await portal.getSubscription("sub-basic")).lines[0].limit).toBe(22);
    // A replay and an unchanged fault list change nothing: no write.
    expect((await portal.placeOrderOrReplay(order("before"))).replayed).toBe(true);
    await portal.setFaults([]);
    expect(await fs.readFile(setup.statePath, "utf8")).toBe(legacy);
    // The cached older file is compared by its text: a change by hand is seen.
    await fs.writeFile(setup.statePath, legacy.replace('"limit": 22', '"limit": 21'));
    expect((await portal.getSubscription("sub-basic")).lines[0].limit).toBe(21);
    await portal.placeOrder(order("after", 24));
    const text = await fs.readFile(setup.statePath, "utf8");
    readWriteId(text);
    expect((await portal.listOrders()).map((o) => o.idempotencyKey)).toEqual(["before", "after"]);
    expect((await portal.getSubscription("sub-basic")).lines[0].limit).toBe(24);
  });
});

describe("what a write keeps", () => {
  it("shares the subscriptions, finished orders and e-mails it did not change with the previous snapshot, frozen", async () => {
    setup = await setUpPortal();
    await setup.portal.placeOrder(order("first"));
    const before = await readStateSnapshot<PortalState>(setup.statePath);
    await setup.portal.placeOrder(order("second", 23));
    const after = await readStateSnapshot<PortalState>(setup.statePath);
    expect(after).not.toBe(before);
    const changed = after.subscriptions.findIndex((s) => s.id === "sub-basic");
    after.subscriptions.forEach((sub, i) => {
      if (i === changed) expect(sub).not.toBe(before.subscriptions[i]);
      else expect(sub).toBe(before.subscriptions[i]);
    });
    expect(after.subscriptions[changed].lines[0].limit).toBe(23);
    expect(after.orders[0]).toBe(before.orders[0]);
    expect(after.outbox.slice(0, before.outbox.length)).toEqual(before.outbox);
    before.outbox.forEach((message, i) => expect(after.outbox[i]).toBe(message));
    expect(Object.isFrozen(after.orders[1].order.lines[0])).toBe(true);
    expect(Object.isFrozen(after.subscriptions[changed].lines[0].batches)).toBe(true);
  });

  it("answers a write with the caller's own copy, also for a replay of a stored order", async () => {
    setup = await setUpPortal();
    const placed = await setup.portal.placeOrder(order("own"));
    const replay = await setup.portal.placeOrderOrReplay(order("own"));
    expect(replay.replayed).toBe(true);
    for (const answer of [placed, replay.order]) {
      expect(Object.isFrozen(answer)).toBe(false);
      expect(Object.isFrozen(answer.lines[0])).toBe(false);
      (answer.lines[0] as { to: number }).to = 99;
    }
    expect((await setup.portal.getOrder(placed.id)).lines[0].to).toBe(22);
    const snapshot = await readStateSnapshot<PortalState>(setup.statePath);
    expect(snapshot.orders[0].order.lines[0].to).toBe(22);
  });

  it("leaves the snapshot untouched when a transaction fails half-way", async () => {
    setup = await setUpPortal();
    const before = await fs.readFile(setup.statePath, "utf8");
    const snapshot = await readStateSnapshot<PortalState>(setup.statePath);
    await expect(setup.portal.placeOrder(order("too-many", 100_000))).rejects.toMatchObject({ code: expect.any(String) });
    expect(await readStateSnapshot<PortalState>(setup.statePath)).toBe(snapshot);
    expect(await fs.readFile(setup.statePath, "utf8")).toBe(before);
    expect(await setup.portal.listOrders()).toEqual([]);
  });
});
