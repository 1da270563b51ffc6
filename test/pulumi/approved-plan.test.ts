/**
 * Issue #12 §4 through Pulumi's REAL dynamic-provider plugin: a preview's plans are approved (the file
 * `csp-seats plan --save` writes), then `pulumi up` runs in a fresh plugin process with csp-seats:approvedPlan
 * and orders only what was approved. Each `up` is its own plugin process, as it is in CI.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVED_PLAN_KIND, computeStackDigest, describeApprovedSubscription, type ApprovedSubscription } from "../../provider/core/plan/approval";
import { createSeatsUrn, startDynamicPlugin, type DynamicPlugin, toSeatsView } from "../helpers/dynamic-plugin";
import { CLI, ensureBuilt } from "../helpers/build";
import { buildStackConfig, getCleanEnv, NOW, PROCESSING_DELAY_MS, startSeatsHarness, TOKEN, type SeatsHarness } from "./seats-fixture";
import { decodeStoredPlan } from "../../provider/core/plan/stored-plan";

let h: SeatsHarness;
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  h = await startSeatsHarness();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-approval-"));
}, 180_000);

afterAll(async () => {
  await h?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const ORDERS = "POST /v1/orders";

function declared(subscriptionId: string, licenses: Record<string, number>): Record<string, unknown> {
  return { __provider: h.providerText, subscriptionId, licenses, settings: {} };
}

/** `pulumi preview` of `seats` and the approval file of its plans (what `plan --save` writes), at `name`. */
async function previewAndApprove(name: string, seats: Record<string, Record<string, number>>): Promise<string> {
  const subscriptions: Record<string, ApprovedSubscription> = {};
  for (const [id, licenses] of Object.entries(seats)) {
    const checked = await h.plugin.check(createSeatsUrn(id), {}, declared(id, licenses));
    expect(checked.failures).toEqual([]);
    subscriptions[id] = describeApprovedSubscription(decodeStoredPlan(checked.inputs.plan)!);
  }
  const digest = computeStackDigest(Object.fromEntries(Object.entries(subscriptions).map(([id, s]) => [id, s.digest])));
  const file = path.join(dir, name);
  await fs.writeFile(file, JSON.stringify({ kind: APPROVED_PLAN_KIND, digest, subscriptions }));
  return file;
}

/** A fresh plugin process for `pulumi up` with the approval set. */
async function startUp(approvedPlan: string, extra: Record<string, unknown> = {}): Promise<DynamicPlugin> {
  const plugin = await startDynamicPlugin({ engineAddress: h.engine.address, env: getCleanEnv() });
  await plugin.configure({ ...buildStackConfig(h.portal.url), "csp-seats:approvedPlan": approvedPlan, ...extra });
  return plugin;
}

/** `pulumi up` of one subscription: check, then update. */
async function up(plugin: DynamicPlugin, id: string, licenses: Record<string, number>) {
  const urn = createSeatsUrn(id);
  const checked = await plugin.check(urn, {}, declared(id, licenses));
  expect(checked.failures).toEqual([]);
  return plugin.update(urn, id, { subscriptionId: id }, checked.inputs);
}

describe("pulumi up with csp-seats:approvedPlan", () => {
  it("places the approved order", async () => {
    const file = await previewAndApprove("approved.json", { "sub-apply": { "m365-basic": 22 } });
    const plugin = await startUp(file);
    try {
      const before = h.count(ORDERS);
      const updated = await up(plugin, "sub-apply", { "m365-basic": 22 });
      expect(h.count(ORDERS) - before).toBe(1);
      expect(toSeatsView(updated.properties)).toMatchObject({ orderStatus: "completed", limits: { "m365-basic": 22 } });
    } finally {
      await plugin.close();
    }
  });

  it("places the order `csp-seats plan --save` approved (the CLI's digest is the provider's)", async () => {
    await fs.writeFile(path.join(dir, "seats.yaml"), "subscriptions:\n  - id: sub-delete\n    licenses:\n      m365-basic: 23\n");
    const env = { ...getCleanEnv(), CSP_SEATS_TOKEN: TOKEN };
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [CLI, "--backend", "http", "--endpoint", h.portal.url, "--now", NOW, "plan", "--save", "cli-plan.json"], { cwd: dir, env }, (error) => (error ? reject(error) : resolve())),
    );
    const plugin = await startUp(path.join(dir, "cli-plan.json"));
    try {
      const before = h.count(ORDERS);
      await expect(up(plugin, "sub-delete", { "m365-basic": 23 }).then((r) => ({ properties: toSeatsView(r.properties) }))).resolves.toMatchObject({ properties: { orderStatus: "completed", limits: { "m365-basic": 23 } } });
      expect(h.count(ORDERS) - before).toBe(1);
    } finally {
      await plugin.close();
    }
  });

  it("refuses when the portal changed between preview and up, naming the difference", async () => {
    const file = await previewAndApprove("portal-changed.json", { "sub-stale": { "m365-basic": 25 } });
    // Someone adds 2 seats in the portal UI after the review.
    const oob = await h.portal.portal.placeOrder({ subscriptionId: "sub-stale", lines: [{ sku: "m365-basic", quantity: 22, effective: "now" }], idempotencyKey: "oob-approval" });
    h.portal.clock.advance(PROCESSING_DELAY_MS + 1);
    expect((await h.portal.portal.getOrder(oob.id)).status).toBe("completed");
    const plugin = await startUp(file);
    try {
      const before = h.count(ORDERS);
      await expect(up(plugin, "sub-stale", { "m365-basic": 25 })).rejects.toThrow(
        /APPROVAL_MISMATCH: the order for subscription sub-stale is not the approved one \(portal-changed\.json\): sub-stale: revision changed .*m365-basic 22 -> 25 now, 20 -> 25 approved.*nothing was ordered/s,
      );
      expect(h.count(ORDERS) - before).toBe(0);
    } finally {
      await plugin.close();
    }
  });

  it("refuses when seats.yaml changed after approval, and a subscription not in the approved plan", async () => {
    const file = await previewAndApprove("file-changed.json", { "sub-guard": { "m365-basic": 21 } });
    const plugin = await startUp(file);
    try {
      const before = h.count(ORDERS);
      await expect(up(plugin, "sub-guard", { "m365-basic": 23 })).rejects.toThrow(/APPROVAL_MISMATCH: .*sub-guard: m365-basic 20 -> 23 now, 20 -> 21 approved; sub-guard: m365-basic charge \S+ EUR approved, \S+ EUR now, tolerance 0\.00/);
      await expect(up(plugin, "sub-drift", { "m365-basic": 21 })).rejects.toThrow(/APPROVAL_MISMATCH: .*sub-drift: not in the approved plan/);
      expect(h.count(ORDERS) - before).toBe(0);
    } finally {
      await plugin.close();
    }
  });

  it("checks a digest list from the PR comment, and refuses an unreadable approval with APPROVAL_UNREADABLE", async () => {
    const checked = await h.plugin.check(createSeatsUrn("sub-program-a"), {}, declared("sub-program-a", { "m365-basic": 21 }));
    const digest = describeApprovedSubscription(decodeStoredPlan(checked.inputs.plan)!).digest;
    const plugin = await startUp(`sub-program-a=${digest}`);
    try {
      await expect(up(plugin, "sub-program-a", { "m365-basic": 21 }).then((r) => ({ properties: toSeatsView(r.properties) }))).resolves.toMatchObject({ properties: { orderStatus: "completed" } });
    } finally {
      await plugin.close();
    }
    const broken = await startUp(path.join(dir, "missing.json"));
    try {
      await expect(up(broken, "sub-program-b", { "m365-basic": 21 })).rejects.toThrow(/APPROVAL_UNREADABLE: the approved plan .*missing\.json cannot be read/);
    } finally {
      await broken.close();
    }
  });
});
