import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseLocatedYaml, YAML_LIMITS } from "../../provider/core/located-yaml";
import { loadDesiredState, parseDesiredState } from "../../provider/desired/desired-state";
import { parsePortalFixture } from "../../provider/simulator/fixture";
import { isCspSeatsError } from "../../provider/core/errors";

const codes = (text: string) => {
  const result = parseDesiredState(text, "seats.yaml");
  return result.ok ? [] : result.errors.map((e) => `${e.code} ${e.line}:${e.col}`);
};

describe("aliases", () => {
  it("accepts a real file that uses one anchor 1,001 times (more than yaml's default of 1,000)", () => {
    const text = "x-seats: &n 5\nsubscriptions:\n" + Array.from({ length: 1001 }, (_, i) => `  - id: s${i}\n    licenses: { basic: *n }\n`).join("");
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.subscriptions.map((s) => s.licenses.basic)).toEqual(Array(1001).fill(5));
  });

  it("merges an anchored mapping, with the subscription's own keys winning", () => {
    const text = "x-base: &base\n  downgradePolicy: refuse\n  licenses: { basic: 1 }\nsubscriptions:\n  - id: s1\n    <<: *base\n    licenses: { basic: 3 }\n";
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok && result.value.subscriptions[0]).toMatchObject({ downgradePolicy: "refuse", licenses: { basic: 3 } });
  });

  it("reports a value that contains an alias of itself, also when that anchor is used again later", () => {
    expect(codes("subscriptions:\n  - id: &a [*a]\n    licenses:\n      basic: *a\n")).toEqual(["YAML_ALIAS_CYCLE 2:13"]);
  });

  it("counts what aliases expand to against the limit, not the aliases alone", () => {
    const result = parseLocatedYaml("a: &a [1, 2, 3, 4]\nb: [*a, *a, *a]\n", "x.yaml", { ...YAML_LIMITS, maxExpandedNodes: 10 });
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(["YAML_ALIAS_LIMIT"]);
  });
});

describe("limits", () => {
  it("refuses a file over the size limit before reading it, with a coded error", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-large-"));
    const file = path.join(dir, "seats.yaml");
    await fs.writeFile(file, "# padding\n".repeat(Math.ceil((YAML_LIMITS.maxBytes + 1) / 10)));
    try {
      const result = await loadDesiredState(file, { displayName: "seats.yaml" });
      expect(result.ok ? [] : result.errors.map((e) => `${e.code} ${e.file}:${e.line}:${e.col}`)).toEqual(["FILE_TOO_LARGE seats.yaml:1:1"]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("reports at most 100 errors and counts the rest", () => {
    const text = "subscriptions:\n  - id: s1\n    licenses:\n" + Array.from({ length: 250 }, (_, i) => `      sku-${i}: -1\n`).join("");
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(101);
    expect(result.errors[100]).toMatchObject({ code: "TOO_MANY_ERRORS", message: expect.stringContaining("150 more errors") });
  });

  it("locates a duplicate key in a mapping of 20,000 keys (unique keys are checked with a set, not pair by pair)", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `      sku-${i}: 1\n`);
    lines.push("      sku-7: 2\n");
    expect(codes("subscriptions:\n  - id: s1\n    licenses:\n" + lines.join(""))).toEqual(["DUPLICATE_KEY 20004:7"]);
  });
});

describe("the portal fixture uses the same reader", () => {
  it.each(["", "# only a comment\n", "---\n", "~\n"])("reports an empty fixture %j at file:1:1", (text) => {
    try {
      parsePortalFixture(text, "fixture.yaml");
      expect.unreachable();
    } catch (error) {
      expect(isCspSeatsError(error) && error.code).toBe("PORTAL_FIXTURE_INVALID");
      expect((error as Error).message).toContain("fixture.yaml:1:1: the fixture is empty");
    }
  });

  it("reports an unresolved alias in a fixture with its location", () => {
    expect(() => parsePortalFixture("customers: *nobody\n", "fixture.yaml")).toThrow(/fixture\.yaml:1:12: alias \*nobody refers to no anchor/);
  });

  it("refuses a batch quantity that cannot be exact", () => {
    expect(() => parsePortalFixture("now: 2026-05-12T09:00:00Z\nx: 18014398509481984\n", "fixture.yaml")).toThrow(/fixture\.yaml:2:4: 18014398509481984 is too large to be exact/);
  });
});
