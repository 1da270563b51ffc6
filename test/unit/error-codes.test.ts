import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, FINDING_CODES, LOCATED_ERROR_CODES, isErrorCode } from "../../provider/core/error-codes";
import { CspSeatsError, withContext } from "../../provider/core/errors";

const catalogs = { ERROR_CODES, FINDING_CODES, LOCATED_ERROR_CODES };
const formats = fs.readFileSync(path.resolve(__dirname, "../../docs/formats.md"), "utf8");

describe("the error-code catalog", () => {
  it.each(Object.entries(catalogs))("%s: every code is UPPER_SNAKE and has a one-line meaning", (_name, catalog) => {
    for (const [code, meaning] of Object.entries(catalog)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(meaning.trim()).not.toBe("");
      expect(meaning).not.toContain("\n");
    }
  });

  it.each(Object.entries(catalogs))("%s is in alphabetical order, so concurrent additions merge cleanly", (_name, catalog) => {
    const codes = Object.keys(catalog);
    expect(codes).toEqual([...codes].sort());
  });

  it.each([
    { name: "finding", codes: Object.keys(FINDING_CODES) },
    { name: "located error", codes: Object.keys(LOCATED_ERROR_CODES) },
  ])("docs/formats.md documents every $name code", ({ codes }) => {
    expect(codes.filter((code) => !formats.includes(`\`${code}\``))).toEqual([]);
  });

  it("tells catalogued codes from others", () => {
    expect(isErrorCode("PLAN_STALE")).toBe(true);
    expect(isErrorCode("NOT_A_CODE")).toBe(false);
    expect(isErrorCode("toString")).toBe(false);
  });
});

describe("withContext", () => {
  const original = new CspSeatsError("PORTAL_UNAVAILABLE", "the portal is not available", "Retry later.", {
    status: 503,
    correlationId: "corr-1",
    details: { subscriptionId: "s-1" },
  });

  it("prefixes the summary and keeps code, fix, status, correlation id and details", () => {
    const wrapped = withContext("cannot read subscription s-1", original);
    expect(wrapped).toBeInstanceOf(CspSeatsError);
    expect(wrapped.toJSON()).toEqual({
      code: "PORTAL_UNAVAILABLE",
      summary: "cannot read subscription s-1: the portal is not available",
      fix: "Retry later.",
      status: 503,
      correlationId: "corr-1",
      details: { subscriptionId: "s-1" },
    });
    expect(wrapped.message).toBe("cannot read subscription s-1: the portal is not available. Retry later.");
  });

  it("adds nothing that was not there", () => {
    expect(withContext("x", new CspSeatsError("PLAN_MISSING", "no plan", "Run again.")).toJSON()).toEqual({ code: "PLAN_MISSING", summary: "x: no plan", fix: "Run again." });
  });

  it("turns any other error into a plain Error with the same prefix", () => {
    const wrapped = withContext("cannot place the order", new TypeError("boom"));
    expect(wrapped).not.toBeInstanceOf(CspSeatsError);
    expect(wrapped.message).toBe("cannot place the order: boom");
    expect(withContext("x", "text").message).toBe("x: text");
  });
});
