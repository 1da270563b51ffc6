import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import {
  createDesiredStateError,
  formatLocatedError,
  loadDesiredState,
  parseDesiredState,
  parseDesiredStateOrThrow,
  resolveSettings,
} from "../../provider/desired/desired-state";
import schema from "../../schema/seats.schema.json";

const VALID = `# yaml-language-server: $schema=../schema/seats.schema.json
x-common: &common
  downgradePolicy: refuse
defaults:
  paymentMethod: Invoice
  notifyEmail: it@contoso.example
  guardrails:
    maxIncrease: 20
    maxCharge: "500.00"
subscriptions:
  - id: SUB-1
    name: Contoso HQ
    licenses:
      M365-BP: 25
      TEAMS-ESS: 0
  - id: 1000123
    <<: *common
    licenses: { EXO-P1: 3 }
    guardrails:
      allowBelowUsage: true
`;

describe("parseDesiredState", () => {
  it("reads a valid file into plain data, keeping SKU order and reading numeric ids as text", () => {
    const result = parseDesiredState(VALID, "seats.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const state = result.value;
    expect(state.defaults).toEqual({ paymentMethod: "Invoice", notifyEmail: "it@contoso.example", guardrails: { maxIncrease: 20, maxCharge: "500.00" } });
    expect(state.subscriptions.map((s) => s.id)).toEqual(["SUB-1", "1000123"]);
    expect(Object.keys(state.subscriptions[0].licenses)).toEqual(["M365-BP", "TEAMS-ESS"]);
    expect(state.subscriptions[0]).toMatchObject({ name: "Contoso HQ", source: { file: "seats.yaml", line: 11, col: 5 } });
    expect(state.subscriptions[1]).toMatchObject({ downgradePolicy: "refuse", guardrails: { allowBelowUsage: true } });
  });

  it("reports errors as file:line:col: message (path)", () => {
    const result = parseDesiredState("subscriptions:\n  - id: A\n    licenses: { X: -1 }\n", "dir/seats.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatLocatedError)).toEqual([
      "dir/seats.yaml:3:20: seat count for X must be a whole number of seats, 0 or more; got -1 (subscriptions[0].licenses.X)",
    ]);
  });

  it("suggests the property that was probably meant", () => {
    const result = parseDesiredState("subscriptions:\n  - id: A\n    licenses: { X: 1 }\n    downgradePolcy: refuse\n", "s.yaml");
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual(['unknown property "downgradePolcy" (did you mean "downgradePolicy"?)']);
  });

  it("quotes SKU names that are not identifiers in paths", () => {
    const result = parseDesiredState('subscriptions:\n  - id: A\n    licenses: { "Office 365 E3": 1.5 }\n', "s.yaml");
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['subscriptions[0].licenses["Office 365 E3"]']);
  });

  it("does not run the schema on a file that is not YAML (no misleading follow-on errors)", () => {
    const result = parseDesiredState("subscriptions: [\n", "s.yaml");
    expect(result.ok ? [] : [...new Set(result.errors.map((e) => e.code))]).toEqual(["YAML_SYNTAX"]);
  });

  it("parseDesiredStateOrThrow throws DESIRED_STATE_INVALID carrying every located error", () => {
    let thrown: unknown;
    try {
      parseDesiredStateOrThrow("subscriptions:\n  - id: A\n    licenses: { X: -1, Y: 0.5 }\n", "s.yaml");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "DESIRED_STATE_INVALID" });
    expect((thrown as { details: { errors: unknown[] } }).details.errors).toHaveLength(2);
    expect(createDesiredStateError("s.yaml", []).fix).toContain("csp-seats validate s.yaml");
  });
});

describe("loadDesiredState", () => {
  it("reads a file and reports a missing one as DESIRED_STATE_UNREADABLE", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-desired-"));
    try {
      const file = path.join(dir, "seats.yaml");
      await fs.writeFile(file, VALID);
      expect((await loadDesiredState(file)).ok).toBe(true);
      await expect(loadDesiredState(path.join(dir, "missing.yaml"))).rejects.toMatchObject({ code: "DESIRED_STATE_UNREADABLE" });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe("resolveSettings", () => {
  it.each([
    { reason: "nothing set: at-renewal, below usage refused", sub: {}, defaults: {}, want: { downgradePolicy: "at-renewal", allowBelowUsage: false } },
    {
      reason: "defaults apply",
      sub: {},
      defaults: { downgradePolicy: "refuse" as const, paymentMethod: "Invoice", guardrails: { maxCharge: "10.00" } },
      want: { downgradePolicy: "refuse", allowBelowUsage: false, paymentMethod: "Invoice", maxCharge: "10.00" },
    },
    {
      reason: "the subscription's own settings win, guardrails merge key by key",
      sub: { downgradePolicy: "at-renewal" as const, guardrails: { maxIncrease: 1 } },
      defaults: { downgradePolicy: "refuse" as const, guardrails: { maxIncrease: 9, maxDecrease: 2, allowBelowUsage: true } },
      want: { downgradePolicy: "at-renewal", allowBelowUsage: true, maxIncrease: 1, maxDecrease: 2 },
    },
  ])("$reason", ({ sub, defaults, want }) => {
    expect(resolveSettings(sub, defaults)).toEqual(want);
  });
});

describe("schema/seats.schema.json", () => {
  it("is a valid draft 2020-12 schema that editors and other tools can compile on their own", () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    expect(validate({ subscriptions: [{ id: "A", licenses: { X: 1 } }] })).toBe(true);
    expect(validate({ subscriptions: [{ id: "A", licenses: { X: -1 } }] })).toBe(false);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });
});
