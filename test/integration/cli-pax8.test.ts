/**
 * The compiled CLI against the Pax8 backend, configured only through CSP_SEATS_BACKEND=pax8 and CSP_SEATS_PAX8_*
 * (Pax8 and Graph test servers that record any breach of the vendors' contracts): the plan's money is an
 * estimate, a decrease outside the NCE window is deferred (drift exit 0), and inside the renewal window drift
 * says it is ready (exit 2). No secret is ever printed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../provider/core/plan/types";
import { CLI, ensureBuilt } from "../helpers/build";
import { PAX8_NOW, PAX8_RENEWAL_WINDOW_NOW, PRODUCT, startPax8Fixture, SUB, type Pax8Fixture } from "../helpers/pax8-fixture";

describe("csp-seats against the pax8 backend", () => {
  let f: Pax8Fixture;
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    f = await startPax8Fixture();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-pax8-"));
    await fs.writeFile(
      path.join(dir, "seats.yaml"),
      ["subscriptions:", `  - id: "${SUB.basic}"`, "    licenses:", `      "${PRODUCT.basic}": 22`, `  - id: "${SUB.exchange}"`, "    licenses:", `      "${PRODUCT.exchange}": 4`, ""].join("\n"),
    );
  }, 300_000);

  afterEach(() => {
    expect(f.violations()).toEqual([]);
  });

  afterAll(async () => {
    await f?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function runCli(args: string[], now: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_")));
    const child = spawn(process.execPath, [CLI, "--now", now, ...args], { cwd: dir, env: { ...env, ...f.cliEnv() } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    for (const secret of f.secrets) expect(`${stdout}\n${stderr}`).not.toContain(secret);
    return { code, stdout, stderr };
  }

  it("plan: the increase is priced as an estimate, the NCE decrease is deferred to its window", async () => {
    const result = await runCli(["plan", "--desired", "seats.yaml", "--format", "json"], PAX8_NOW);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    const basic = plan.subscriptions.find((s) => s.subscriptionId === SUB.basic)!;
    const exchange = plan.subscriptions.find((s) => s.subscriptionId === SUB.exchange)!;
    expect(basic.orderLines).toEqual([{ sku: PRODUCT.basic, quantity: 22, effective: "now" }]);
    expect(basic.lines[0]).toMatchObject({ charge: { amount: "7.23", currency: "EUR" }, estimate: true });
    expect(exchange.orderLines).toEqual([]);
    expect(exchange.lines[0]).toMatchObject({ deferred: { windowOpens: "2026-12-01", windowCloses: "2026-12-08" } });
    expect(plan.findings.map((x) => x.code)).toEqual(expect.arrayContaining(["ESTIMATE_NOT_VALIDATED", "DEFERRED_DECREASE", "USAGE_SHARED"]));
    const text = await runCli(["plan", "--desired", "seats.yaml"], PAX8_NOW);
    expect(text.stdout).toContain("charge 7.23 EUR (estimate)");
    expect(text.stdout).toContain("window 2026-12-01..2026-12-08");
  });

  it("drift: the deferred decrease is scheduled (exit 0 for it) before its window and drift (exit 2) inside it", async () => {
    await fs.writeFile(path.join(dir, "exchange.yaml"), ["subscriptions:", `  - id: "${SUB.exchange}"`, "    licenses:", `      "${PRODUCT.exchange}": 4`, ""].join("\n"));
    const before = await runCli(["drift", "--desired", "exchange.yaml"], PAX8_NOW);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain("scheduled: deferred decrease: 2 seats, window opens 2026-12-01, closes 2026-12-08");
    f.pax8.setNow(PAX8_RENEWAL_WINDOW_NOW);
    const inside = await runCli(["drift", "--desired", "exchange.yaml"], PAX8_RENEWAL_WINDOW_NOW);
    expect(inside.code).toBe(2);
    expect(inside.stdout).toContain("deferred decrease ready: 2 seats, window closes 2026-12-08");
    const json = await runCli(["drift", "--desired", "exchange.yaml", "--format", "json"], PAX8_RENEWAL_WINDOW_NOW);
    expect(JSON.parse(json.stdout).subscriptions[0].lines[0].deferred).toMatchObject({ ready: true, quantity: 2 });
  });
});
