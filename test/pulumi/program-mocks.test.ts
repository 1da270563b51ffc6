/**
 * The root Pulumi program (dist/index.js, what Pulumi.yaml runs) under `pulumi.runtime.setMocks`, with every
 * SubscriptionSeats registration forwarded to Pulumi's REAL dynamic-provider plugin (Check, then Create unless
 * previewing), so the program's resources are really planned and created through the plugin against the
 * embedded portal over HTTP.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PlanSummary } from "../../provider/pulumi/resource";
import { createSeatsUrn, SEATS_TYPE } from "../helpers/dynamic-plugin";
import { ROOT } from "../helpers/build";
import { startSeatsHarness, TOKEN, type SeatsHarness } from "./seats-fixture";

let h: SeatsHarness;
let dir: string;

interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly created: boolean;
}
let registrations: Registration[] = [];

beforeAll(async () => {
  h = await startSeatsHarness();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-program-"));
}, 180_000);

afterAll(async () => {
  await h?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  registrations = [];
});

/** Mocks that send SubscriptionSeats through the plugin, the way the engine would for `preview` or `up`. */
async function useMocks(preview: boolean): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        if (args.type !== SEATS_TYPE) throw new Error(`unexpected resource type ${args.type}`);
        const urn = createSeatsUrn(args.name);
        const checked = await h.plugin.check(urn, {}, args.inputs);
        if (checked.failures.length > 0) throw new Error(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("\n"));
        if (preview) {
          // The engine previews a provider without preview support by returning the checked inputs as outputs.
          registrations.push({ type: args.type, name: args.name, inputs: args.inputs, created: false });
          return { id: undefined, state: checked.inputs };
        }
        const created = await h.plugin.create(urn, checked.inputs);
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs, created: true });
        return { id: created.id, state: created.properties };
      },
      call: () => {
        throw new Error("the program calls no functions");
      },
    },
    "csp-seats",
    "test",
    preview,
  );
}

function valueOf<T>(output: pulumi.Output<T> | T): Promise<T> {
  return new Promise((resolve) => (pulumi.Output.isInstance(output) ? (output as pulumi.Output<T>).apply(resolve) : resolve(output as T)));
}

async function runProgram(seatsYaml: string, preview: boolean): Promise<Record<string, unknown>> {
  const file = path.join(dir, `seats-${preview ? "preview" : "up"}-${Date.now()}.yaml`);
  await fs.writeFile(file, seatsYaml);
  await useMocks(preview);
  pulumi.runtime.setConfig("csp-seats:desired", file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: () => Promise<Record<string, unknown>> = require(path.join(ROOT, "dist", "index.js"));
  return program();
}

const SEATS = `
defaults:
  notifyEmail: it@contoso.example
  guardrails: { maxCharge: "100.00", maxIncrease: 10 }
subscriptions:
  - id: sub-program-a
    licenses:
      m365-basic: 22
  - id: sub-program-b
    guardrails: { maxIncrease: 5 }
    licenses:
      m365-basic: 21
      exchange-p1: 6
`;

describe("the root program", () => {
  it("previews: one SubscriptionSeats per subscription with merged settings, the money in the `plan` output, nothing ordered", async () => {
    const outputs = await runProgram(SEATS, true);
    const plan = await valueOf(outputs.plan as pulumi.Output<PlanSummary>);
    expect(registrations.map((r) => r.name).sort()).toEqual(["sub-program-a", "sub-program-b"]);
    expect(registrations.find((r) => r.name === "sub-program-b")?.inputs).toMatchObject({
      subscriptionId: "sub-program-b",
      licenses: { "m365-basic": 21, "exchange-p1": 6 },
      settings: { notifyEmail: "it@contoso.example", guardrails: { maxCharge: "100.00", maxIncrease: 5 } },
    });
    expect(plan.hasChanges).toBe(true);
    // a: +2 seats, b: +1 seat; 5.60 EUR a seat, 20 of 31 days left: 7.23 + 3.61 = 10.84 EUR.
    expect(plan.subscriptions.map((s) => [s.subscriptionId, s.changes, s.charge])).toEqual([
      ["sub-program-a", ["m365-basic 20 -> 22 now: charge 7.23 EUR"], "7.23 EUR"],
      ["sub-program-b", ["m365-basic 20 -> 21 now: charge 3.61 EUR"], "3.61 EUR"],
    ]);
    expect(plan.totals).toEqual([{ currency: "EUR", charge: "10.84 EUR", refund: "0.00 EUR", net: "10.84 EUR" }]);
    expect(await h.portal.portal.listOrders({ subscriptionId: "sub-program-a" })).toEqual([]);
    expect(await h.portal.portal.listOrders({ subscriptionId: "sub-program-b" })).toEqual([]);
  });

  it("updates: each subscription converged by exactly one order through the plugin; the plan output then shows nothing left", async () => {
    const outputs = await runProgram(SEATS, false);
    const plan = await valueOf(outputs.plan as pulumi.Output<PlanSummary>);
    expect(registrations.filter((r) => r.created).map((r) => r.name).sort()).toEqual(["sub-program-a", "sub-program-b"]);
    for (const [id, seats] of [
      ["sub-program-a", 22],
      ["sub-program-b", 21],
    ] as const) {
      const orders = await h.portal.portal.listOrders({ subscriptionId: id });
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: "completed", notifyEmail: "it@contoso.example" });
      expect((await h.portal.portal.getSubscription(id)).lines.find((l) => l.sku === "m365-basic")?.limit).toBe(seats);
    }
    expect(plan.hasChanges).toBe(false);
    expect(plan.subscriptions.every((s) => s.changes.length === 0)).toBe(true);
    expect(JSON.stringify(outputs)).not.toContain(TOKEN);
  });

  it("declares nothing for an invalid file and names every problem at file:line:col", async () => {
    const invalid = [
      "defaults:",
      "  notifyEmail: it@contoso.example",
      "subscriptions:",
      "  - id: sub-program-a",
      "    licenses:",
      "      m365-basic: -3",
      "  - id: sub-program-b",
      "    licenses: {}",
      "    colour: blue",
      "",
    ].join("\n");
    const error = await runProgram(invalid, true).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/3 error\(s\); nothing is declared/);
    expect(error!.message).toMatch(/seats-preview-\d+\.yaml:6:19: seat count for m365-basic/);
    expect(error!.message).toMatch(/seats-preview-\d+\.yaml:8:15: licenses must list at least one SKU/);
    expect(error!.message).toMatch(/seats-preview-\d+\.yaml:9:5: unknown property "colour"/);
    expect(registrations).toEqual([]);
  });
});
