/**
 * `csp-seats validate|plan|drift` as users run them: the compiled CLI (dist/, built once by test/helpers/build.ts)
 * spawned in a temp directory against an embedded portal seeded with the demo fixture, at a fixed `--now`.
 * Every exit code and every format is exercised.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoWorkspace, runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { ROOT, ensureBuilt } from "../helpers/build";

// The demo fixture's own `now`: 20 of May's 31 days left, 3 Business Basic seats refundable until 2026-05-17T14:30Z.
const NOW = "2026-05-12T09:00:00Z";
let dir: string;
let statePath: string;

function runCli(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return runCompiledCli(["--state", statePath, "--now", NOW, ...args], { cwd: options.cwd ?? dir });
}

async function writeSeats(name: string, text: string): Promise<string> {
  await fs.writeFile(path.join(dir, name), text);
  return name;
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir, statePath } = await createDemoWorkspace("csp-seats-cli-"));
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("csp-seats validate", () => {
  it("exits 0 for the quickstart file", async () => {
    const result = await runCli(["validate", "seats.yaml"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("seats.yaml: valid (4 subscriptions, 5 license lines)");
  });

  it("exits 1 and prints every located error as file:line:col: message (path)", async () => {
    const bad = path.join(ROOT, "test", "fixtures", "bad-seats", "many-errors.yaml");
    const result = await runCli(["validate", bad]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines.slice(0, 4).map((l) => l.replace(`${bad}:`, "FILE:").replace(/: .*\((.*)\)$/, " $1"))).toEqual([
      "FILE:7:3 defaults.guardrail",
      "FILE:12:16 subscriptions[0].licenses.M365-BP",
      "FILE:13:22 subscriptions[0].downgradePolicy",
      "FILE:15:7 subscriptions[0].guardrails.maxIncreese",
    ]);
    expect(lines[4]).toContain("4 errors");
  });

  it("--format json lists the errors for tools", async () => {
    const name = await writeSeats("neg.yaml", "subscriptions:\n  - id: a\n    licenses: { X: -1 }\n");
    const result = await runCli(["validate", name, "--format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: "csp-seats/validation", valid: false, errors: [{ code: "INVALID_SEAT_COUNT", file: "neg.yaml", line: 3, col: 20 }] });
  });

  it("exits 1 with a usage message without a file", async () => {
    const result = await runCli(["validate"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("validate needs exactly one FILE");
  });
});

describe("csp-seats plan", () => {
  it("prints the text plan for ./seats.yaml by default and exits 0", async () => {
    const result = await runCli(["plan"]);
    expect(result.code).toBe(0);
    // 2 x 5.60 x 20/31 = 7.2258 -> 7.23 refunded; 2 x 11.70 x 20/31 = 15.0968 -> 15.10 charged.
    expect(result.stdout).toMatch(/m365-business-basic\s+20 -> 18\s+\(-2\)\s+refund 7\.23 EUR\s+effective 2026-05-12/);
    expect(result.stdout).toMatch(/m365-business-standard\s+12 -> 14\s+\(\+2\)\s+charge 15\.10 EUR\s+effective 2026-05-12/);
    expect(result.stdout).toMatch(/exchange-online-plan-1\s+6 -> 5\s+\(-1\)\s+no refund\s+at renewal 2027-02-01/);
    expect(result.stdout).toMatch(/EUR\s+charge 15\.10\s+refund 7\.23\s+net 7\.87/);
    expect(result.stdout).toContain("at: seats.yaml:");
  });

  it("--format json is the documented plan document", async () => {
    const result = await runCli(["plan", "--desired", "seats.yaml", "--format", "json"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({ kind: "csp-seats/plan", formatVersion: 1, plannedAt: "2026-05-12T09:00:00.000Z", hasChanges: true, hasViolations: false });
    expect(plan.totals).toEqual([
      { currency: "EUR", charge: { currency: "EUR", amount: "15.10" }, refund: { currency: "EUR", amount: "7.23" }, net: { currency: "EUR", amount: "7.87" } },
    ]);
    const standard = plan.subscriptions.find((s: { subscriptionId: string }) => s.subscriptionId === "sub-contoso-standard");
    expect(standard.orderLines).toEqual([
      { sku: "m365-business-standard", quantity: 14, effective: "now" },
      { sku: "exchange-online-plan-1", quantity: 5, effective: "renewal" },
    ]);
    expect(standard.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("plans the same twice: same idempotency keys (nothing changed in between)", async () => {
    const first = JSON.parse((await runCli(["plan", "--format", "json"])).stdout);
    const second = JSON.parse((await runCli(["plan", "--format", "json"])).stdout);
    expect(second.subscriptions.map((s: { idempotencyKey: string }) => s.idempotencyKey)).toEqual(first.subscriptions.map((s: { idempotencyKey: string }) => s.idempotencyKey));
  });

  it("--format markdown is ready for a pull-request comment", async () => {
    const result = await runCli(["plan", "--format", "markdown"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^<!-- csp-seats-plan -->\n### csp-seats plan\n/);
    expect(result.stdout).toContain("| `m365-business-standard` | 12 | 12 | 12 → 14 (+2) | charge 15.10 EUR | 2026-05-12 |");
  });

  it("exits 1 and prints the violation when the plan has one (an ineligible subscription, with the portal's reason)", async () => {
    const name = await writeSeats("partner.yaml", "subscriptions:\n  - id: sub-fabrikam-basic\n    licenses: { m365-business-basic: 12 }\n");
    const result = await runCli(["plan", "--desired", name]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/VIOLATION INELIGIBLE\s+sub-fabrikam-basic: .*channel partner/);
    expect(result.stdout).toContain("BLOCKED");
  });

  it("exits 1 for a subscription the portal does not have, and for a guardrail", async () => {
    const name = await writeSeats(
      "unknown.yaml",
      "subscriptions:\n  - id: sub-nope\n    licenses: { x: 1 }\n  - id: sub-contoso-e3\n    guardrails: { maxIncrease: 1 }\n    licenses: { m365-e3: 20 }\n",
    );
    const result = await runCli(["plan", "--desired", name, "--format", "json"]);
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    expect(plan.findings.filter((f: { severity: string }) => f.severity === "violation").map((f: { code: string }) => f.code)).toEqual([
      "UNKNOWN_SUBSCRIPTION",
      "GUARDRAIL_MAX_INCREASE",
    ]);
  });

  it("exits 1 with located errors for an invalid file, before touching the portal", async () => {
    const name = await writeSeats("invalid.yaml", "subscriptions:\n  - id: a\n    licenses: { X: 1.5 }\n");
    const result = await runCli(["plan", "--desired", name]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("invalid.yaml:3:20: seat count for X must be a whole number");
  });

  it("exits 1 with a fix when the file does not exist", async () => {
    const result = await runCli(["plan", "--desired", "missing.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error[DESIRED_STATE_UNREADABLE]");
    expect(result.stderr).toContain("fix:");
  });

  it("exits 1 with the portal's error when the portal is not seeded", async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-empty-"));
    try {
      await fs.copyFile(path.join(dir, "seats.yaml"), path.join(empty, "seats.yaml"));
      const { code, stderr } = await runCompiledCli(["--now", NOW, "plan"], { cwd: empty });
      expect(code).toBe(1);
      expect(stderr).toMatch(/error\[PORTAL_NOT_SEEDED\]/);
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });

  it("exits 1 on an unknown format", async () => {
    const result = await runCli(["plan", "--format", "yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--format must be one of text, json, markdown");
  });
});

describe("csp-seats drift", () => {
  it("exits 2 when purchased seats differ from the file, showing idle seats and refund windows", async () => {
    const result = await runCli(["drift"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/m365-business-basic\s+18\s+20\s+17\s+3\s+16\.80 EUR\s+3 until 2026-05-17T14:30:00\.000Z\s+DRIFT \+2/);
    expect(result.stdout).toMatch(/Idle seats .*\n\s+EUR\s+6 seats\s+57\.95 EUR/);
  });

  it("exits 0 when the file matches the portal", async () => {
    const name = await writeSeats("match.yaml", "subscriptions:\n  - id: sub-contoso-e3\n    licenses: { m365-e3: 8 }\n  - id: sub-fabrikam-exchange\n    licenses: { exchange-online-plan-1: 25 }\n");
    const result = await runCli(["drift", "--desired", name]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No drift");
  });

  it.each([
    { format: "json", check: (out: string) => expect(JSON.parse(out)).toMatchObject({ kind: "csp-seats/drift", hasDrift: true, hasErrors: false }) },
    { format: "markdown", check: (out: string) => expect(out).toMatch(/^### csp-seats drift\n\n\*\*Drift found\*\*/) },
  ])("--format $format exits 2 on drift", async ({ format, check }) => {
    const result = await runCli(["drift", "--format", format]);
    expect(result.code).toBe(2);
    check(result.stdout);
  });

  it("exits 1 when the file names a subscription the portal does not have", async () => {
    const name = await writeSeats("drift-unknown.yaml", "subscriptions:\n  - id: sub-nope\n    licenses: { x: 1 }\n");
    const result = await runCli(["drift", "--desired", name]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/VIOLATION UNKNOWN_SUBSCRIPTION\s+sub-nope/);
  });

  it("exits 1 for an invalid file", async () => {
    const result = await runCli(["drift", "--desired", "neg.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("neg.yaml:3:20:");
  });
});
