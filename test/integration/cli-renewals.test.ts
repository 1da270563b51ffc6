/**
 * `csp-seats renewals` and `--format html` of plan, drift and fleet as users run them: the compiled CLI against the
 * embedded demo portal at its own time (2026-05-12T09:00Z; sub-contoso-e3 renews 2026-06-01 with 1 idle seat).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFleetReport, renderFleetJson } from "../../provider/report/fleet-report";
import { ensureBuilt } from "../helpers/build";
import { createDemoWorkspace, runCompiledCli, type CliRun } from "../helpers/demo-workspace";

const NOW = "2026-05-12T09:00:00Z";
let dir: string;

function runCli(args: string[]): Promise<CliRun> {
  return runCompiledCli(["--state", path.join(dir, "portal-state.json"), "--now", NOW, ...args], { cwd: dir });
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir } = await createDemoWorkspace("csp-seats-renewals-"));
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("csp-seats renewals", () => {
  it("lists the next 90 days' renewals and the refund window closing, exit 0", async () => {
    const result = await runCli(["renewals"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("the next 90 days (to 2026-08-10)");
    expect(result.stdout).toMatch(/2026-06-01\s+20d\s+sub-contoso-e3\s+on\s+8\s+270\.00 EUR\s+1 \(33\.75 EUR\/mo\)\s+-\s+renew as is/);
    expect(result.stdout).toMatch(/2026-05-17\s+sub-contoso-basic\s+last day to remove 3 seats of m365-business-basic with a refund/);
  });

  it("--within widens the window; --format json is sorted by date, with the change the next apply schedules", async () => {
    const result = await runCli(["renewals", "--within", "300d", "--format", "json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ kind: "csp-seats/renewals", formatVersion: 1, withinDays: 300, until: "2027-03-08" });
    expect(report.subscriptions.map((r: { subscriptionId: string; renewalDate: string }) => `${r.renewalDate} ${r.subscriptionId}`)).toEqual([
      "2026-06-01 sub-contoso-e3",
      "2026-10-01 sub-fabrikam-exchange",
      "2026-12-01 sub-contoso-basic",
      "2027-02-01 sub-contoso-standard",
    ]);
    expect(report.subscriptions[3]).toMatchObject({ changes: [{ kind: "planned", sku: "exchange-online-plan-1", from: 6, to: 5, effectiveDate: "2027-02-01" }] });
    expect(report.subscriptions[3]).not.toHaveProperty("lastRefundableDay");
    expect(report.subscriptions[2]).toMatchObject({ refundableQuantity: 3, lastRefundableDay: "2026-05-17" });
  });

  it("--fail-within exits 2 when a renewal inside those days renews idle seats, and 0 otherwise", async () => {
    const failing = await runCli(["renewals", "--fail-within", "30d"]);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toBe("1 subscription renews within 30d with idle seats: sub-contoso-e3 on 2026-06-01 (1 idle seat)\n");
    expect((await runCli(["renewals", "--fail-within", "7"])).code).toBe(0);
  });

  it("refuses a bad window with a usage error (exit 1)", async () => {
    for (const args of [["--within", "soon"], ["--within", "10d", "--fail-within", "30d"]]) {
      const result = await runCli(["renewals", ...args]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(/^error: --(fail-)?within/);
    }
  });

  it("exits 1 when the file names a subscription the portal does not have", async () => {
    await fs.writeFile(path.join(dir, "unknown.yaml"), "subscriptions:\n  - id: sub-nope\n    licenses: { x: 1 }\n");
    const result = await runCli(["renewals", "--desired", "unknown.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("VIOLATION UNKNOWN_SUBSCRIPTION  sub-nope");
  });

  it("--format markdown and html", async () => {
    expect((await runCli(["renewals", "--format", "markdown"])).stdout).toMatch(/^### csp-seats renewals\n/);
    const html = await runCli(["renewals", "--format", "html"]);
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html.stdout).toContain('id="calendar-chart"');
  });

  it("is in the help", async () => {
    expect((await runCli(["--help"])).stdout).toContain("renewals [--within 90d]");
    expect((await runCli(["renewals", "--help"])).stdout).toContain("--fail-within DAYS");
  });
});

describe("--format html", () => {
  it("plan: one page with the charts and the calendar, exit 0", async () => {
    const result = await runCli(["plan", "--format", "html"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    for (const id of ["seats-chart", "monthly-chart-eur", "one-off-chart-eur", "calendar-chart"]) expect(result.stdout).toContain(`id="${id}"`);
  });

  it("drift: one page, exit 2 on drift as with the other formats", async () => {
    const result = await runCli(["drift", "--format", "html"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("<title>csp-seats drift");
  });

  it("fleet report --merge: one page with the tenants and the totals per currency", async () => {
    const totals = [{ currency: "EUR", charge: { currency: "EUR", amount: "15.10" }, refund: { currency: "EUR", amount: "7.23" }, net: { currency: "EUR", amount: "7.87" } }];
    const report = buildFleetReport("preview", [{ tenant: "contoso", status: "changes", stack: "t-contoso", changes: [], totals, findings: [], drift: [], steps: {}, errors: [], durationMs: 1 }]);
    await fs.writeFile(path.join(dir, "fleet.json"), renderFleetJson(report));
    const result = await runCli(["fleet", "report", "--merge", "fleet.json", "--format", "html"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("<title>csp-seats fleet preview</title>");
    expect(result.stdout).toContain('data-amount="7.87" data-currency="EUR" data-total="net"');
  });
});
