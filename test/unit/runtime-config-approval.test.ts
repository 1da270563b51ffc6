/** The approvedPlan setting: a path or a digest list, its tolerance, and reading the file once. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readApproval, resolveRuntimeConfig } from "../../provider/app/runtime-config";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("csp-seats:approvedPlan", () => {
  it("is unset by default", () => {
    expect(resolveRuntimeConfig({ env: {}, cwd: "/project" }).approvedPlan).toBeUndefined();
  });

  it("takes a path relative to the project (stack config over the environment), tolerance 0.00 by default", () => {
    const config = resolveRuntimeConfig({ config: (key) => (key === "approvedPlan" ? "plan.json" : undefined), env: { CSP_SEATS_APPROVED_PLAN: "other.json" }, cwd: "/project" });
    expect(config.approvedPlan).toEqual({ path: "/project/plan.json", tolerance: "0.00" });
  });

  it("takes a digest list and a tolerance from the environment", () => {
    const config = resolveRuntimeConfig({ env: { CSP_SEATS_APPROVED_PLAN: `SUB-1=${DIGEST}`, CSP_SEATS_APPROVED_PLAN_TOLERANCE: "0.05" }, cwd: "/project" });
    expect(config.approvedPlan).toEqual({ digests: `SUB-1=${DIGEST}`, tolerance: "0.05" });
    expect(readApproval(config.approvedPlan!)).toEqual({ source: "the digest list", digests: { "SUB-1": DIGEST }, tolerance: "0.05" });
  });

  it("refuses a bad tolerance and a missing file with APPROVAL_UNREADABLE", () => {
    expect(() => resolveRuntimeConfig({ env: { CSP_SEATS_APPROVED_PLAN: "plan.json", CSP_SEATS_APPROVED_PLAN_TOLERANCE: "a lot" }, cwd: "/p" })).toThrow(/APPROVAL_UNREADABLE|tolerance/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "approval-"));
    const config = resolveRuntimeConfig({ env: { CSP_SEATS_APPROVED_PLAN: "missing.json" }, cwd: dir });
    expect(() => readApproval(config.approvedPlan!)).toThrow(expect.objectContaining({ code: "APPROVAL_UNREADABLE" }));
    fs.writeFileSync(path.join(dir, "bad.json"), "not json");
    expect(() => readApproval({ path: path.join(dir, "bad.json"), tolerance: "0.00" })).toThrow(expect.objectContaining({ code: "APPROVAL_UNREADABLE" }));
  });
});
