/** Portal fixtures: the demo fixture is valid and behaves as documented; broken fixtures are reported at file:line:col. */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../../provider/core/clock";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, getPortalFixtureSchemaPath, loadPortalFixture, type PortalFixture } from "../../provider/simulator/fixture";
import { catchError } from "./embedded-portal-helpers";

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-fixture-"));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("the demo fixture", () => {
  it("lives at an absolute path inside the package and validates against the JSON Schema on its own", async () => {
    const file = getDemoFixturePath();
    expect(path.isAbsolute(file)).toBe(true);
    const ajv = new Ajv2020({ allErrors: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(await fs.readFile(getPortalFixtureSchemaPath(), "utf8")) as object);
    const valid = validate(parse(await fs.readFile(file, "utf8")));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("is shaped like the seed article: EUR, two customers, one ineligible, one refundable batch, one multi-line subscription", async () => {
    const fixture: PortalFixture = await loadPortalFixture(getDemoFixturePath());
    expect(fixture.now).toBe("2026-05-12T09:00:00Z");
    expect(new Set(fixture.subscriptions.map((s) => s.currency))).toEqual(new Set(["EUR"]));
    expect(fixture.customers.map((c) => c.id)).toEqual(["contoso", "fabrikam"]);
    expect(fixture.subscriptions.filter((s) => s.eligibility?.eligible === false).map((s) => [s.id, s.eligibility?.reasonCode])).toEqual([["sub-fabrikam-basic", "channel-partner"]]);
    expect(fixture.subscriptions.some((s) => s.lines.length >= 3)).toBe(true);
    const prices = Object.fromEntries(fixture.subscriptions.flatMap((s) => s.lines.map((l) => [l.sku, l.unitPrice])));
    expect(prices).toMatchObject({ "m365-business-basic": "5.60", "m365-business-standard": "11.70", "m365-e3": "33.75", "exchange-online-plan-1": "3.70" });
  });

  it("seeds a portal where 3 Business Basic seats are refundable now and old Exchange seats must wait for renewal", async () => {
    const statePath = path.join(dir, "demo", "state.json");
    const fixture = await loadPortalFixture(getDemoFixturePath());
    await seedEmbeddedPortal({ statePath, fixture });
    const portal = await openEmbeddedPortal({ statePath, clock: createManualClock(fixture.now!) });
    const estimate = await portal.estimateOrder({ subscriptionId: "sub-contoso-basic", lines: [{ sku: "m365-business-basic", quantity: 17, effective: "now" }] });
    // 5.60 x 3 x 20/31 (12..31 May) = 10.8387 -> 10.84
    expect(estimate.refund).toEqual({ currency: "EUR", amount: "10.84" });
    expect(await catchError(portal.estimateOrder({ subscriptionId: "sub-contoso-basic", lines: [{ sku: "m365-business-basic", quantity: 16, effective: "now" }] }))).toMatchObject({
      code: "PORTAL_BELOW_USAGE",
    });
    const refused = await catchError(portal.estimateOrder({ subscriptionId: "sub-contoso-standard", lines: [{ sku: "exchange-online-plan-1", quantity: 5, effective: "now" }] }));
    expect(refused).toMatchObject({ code: "PORTAL_DECREASE_OUTSIDE_WINDOW" });
    expect(refused.fix).toContain("2027-02-01");
    expect(await catchError(portal.estimateOrder({ subscriptionId: "sub-fabrikam-basic", lines: [{ sku: "m365-business-basic", quantity: 11, effective: "now" }] }))).toMatchObject({
      code: "PORTAL_INELIGIBLE",
    });
    await portal.close();
  });
});

const VALID = `customers:
  - id: contoso
    name: Contoso
    contactEmail: it@contoso.example
subscriptions:
  - id: sub-1
    name: Basic
    customerId: contoso
    status: active
    currency: EUR
    billingPeriod: { start: "2026-05-01", end: "2026-06-01" }
    termEnd: "2026-11-30"
    autoRenew: true
    lines:
      - sku: m365-business-basic
        displayName: Business Basic
        usage: 3
        limit: 5
        unitPrice: "5.60"
`;

describe("fixture errors", () => {
  it("accepts the minimal valid fixture with defaults", async () => {
    const file = path.join(dir, "valid.yaml");
    await fs.writeFile(file, VALID);
    const fixture = await loadPortalFixture(file);
    expect(fixture.subscriptions[0].lines[0].unitPrice).toBe("5.60");
  });

  it.each([
    { reason: "a price written as a YAML number", from: 'unitPrice: "5.60"', to: "unitPrice: 5.60", at: "19:20", says: 'quoted decimal string such as "5.60"' },
    { reason: "an unknown field, reported at its key", from: "autoRenew: true", to: "autoRenew: true\n    colour: blue", at: "14:5", says: 'unknown field "colour"' },
    { reason: "a missing required field, reported at its parent", from: "        limit: 5\n", to: "", at: "15:9", says: 'missing required field "limit"' },
    { reason: "an unknown status", from: "status: active", to: "status: frozen", at: "9:13", says: '"active", "pending"' },
    { reason: "a customer that is not listed", from: "customerId: contoso", to: "customerId: northwind", at: "8:17", says: 'customer "northwind" is not listed' },
    { reason: "more decimals than the currency has", from: 'unitPrice: "5.60"', to: 'unitPrice: "5.601"', at: "19:20", says: "5.601 EUR has more than 2 decimal digits" },
    { reason: "batches larger than the limit", from: 'unitPrice: "5.60"', to: 'unitPrice: "5.60"\n        batches: [{ quantity: 6, addedAt: "2026-05-10T00:00:00Z" }]', at: "20:18", says: "more than the limit 5" },
    { reason: "an ineligible subscription without a reason", from: "status: active", to: "status: active\n    eligibility: { eligible: false }", at: "10:18", says: 'missing required field "reasonCode"' },
    { reason: "a billing period that ends before it starts", from: 'end: "2026-06-01"', to: 'end: "2026-04-01"', at: "11:48", says: "is not after its start" },
    { reason: "broken YAML", from: "    name: Basic", to: "    name: [Basic", at: "8:5", says: "Flow sequence in block collection" },
  ])("points at file:line:col for $reason", async ({ from, to, at, says }) => {
    expect(VALID).toContain(from);
    const file = path.join(dir, "broken.yaml");
    await fs.writeFile(file, VALID.replace(from, to));
    const error = await catchError(loadPortalFixture(file));
    expect(error.code).toBe("PORTAL_FIXTURE_INVALID");
    expect(error.summary).toContain(`${file}:${at}: `);
    expect(error.summary).toContain(says);
  });

  it("reports a duplicate sku at the second one", async () => {
    const file = path.join(dir, "dup.yaml");
    const line = VALID.slice(VALID.indexOf("      - sku:"));
    await fs.writeFile(file, VALID + line);
    const error = await catchError(loadPortalFixture(file));
    expect(error.summary).toContain(`${file}:20:14:`);
    expect(error.summary).toContain('sku "m365-business-basic" appears twice');
  });

  it("lists every problem, not just the first", async () => {
    const file = path.join(dir, "many.yaml");
    await fs.writeFile(file, VALID.replace("status: active", "status: frozen").replace("limit: 5", "limit: -1"));
    const error = await catchError(loadPortalFixture(file));
    expect(error.summary).toContain("and 1 more problem");
    expect((error.details?.messages as string[]).length).toBe(2);
  });

  it("reports a missing file", async () => {
    expect(await catchError(loadPortalFixture(path.join(dir, "missing.yaml")))).toMatchObject({ code: "PORTAL_FIXTURE_NOT_FOUND" });
  });
});
