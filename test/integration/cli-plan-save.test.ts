/**
 * `csp-seats plan --save FILE`: the plan with its approval digest, the file `pulumi up` reads as
 * csp-seats:approvedPlan. Spawns the compiled CLI against the demo portal at its own fixed time.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readApproval } from "../../provider/app/runtime-config";
import { compareWithApproval, type ApprovedPlanFile } from "../../provider/core/plan/approval";
import { createDemoWorkspace, runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { ensureBuilt } from "../helpers/build";

const NOW = "2026-05-12T09:00:00Z";
let dir: string;

function runPlan(args: string[]): Promise<CliRun> {
  return runCompiledCli(["--state", path.join(dir, "portal-state.json"), "--now", NOW, "plan", ...args], { cwd: dir });
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir } = await createDemoWorkspace("csp-seats-plan-save-"));
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("csp-seats plan --save", () => {
  it("writes the plan with a stable digest of every order, which the Markdown comment shows and an up accepts", async () => {
    const result = await runPlan(["--save", "plan.json", "--format", "markdown"]);
    expect(result.code).toBe(0);
    const saved = JSON.parse(await fs.readFile(path.join(dir, "plan.json"), "utf8")) as ApprovedPlanFile;
    expect(saved.kind).toBe("csp-seats/approved-plan");
    expect(saved.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.stderr).toContain(`wrote the plan to plan.json: approval digest ${saved.digest} (2 order(s))`);
    expect(Object.keys(saved.subscriptions)).toHaveLength(2);
    expect(result.stdout).toContain(`Approval digest: \`${saved.digest}\``);
    for (const [id, s] of Object.entries(saved.subscriptions)) expect(result.stdout).toContain(`Approval: \`${id}=${s.digest}\``);

    // The same portal and file a second time: the same digest.
    await runPlan(["--save", "again.json"]);
    const again = JSON.parse(await fs.readFile(path.join(dir, "again.json"), "utf8")) as ApprovedPlanFile;
    expect(again.digest).toBe(saved.digest);

    // The saved plan is the approved one.
    const approval = readApproval({ path: path.join(dir, "plan.json"), tolerance: "0.00" });
    for (const subscription of saved.plan!.subscriptions) expect(compareWithApproval(approval, subscription)).toEqual([]);
  });
});
