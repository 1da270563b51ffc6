/**
 * The compiled CLI (`node bin/csp-seats.js`) against the Partner Center test server, configured only through
 * CSP_SEATS_BACKEND=partner-center and CSP_SEATS_PARTNER_CENTER_*: `plan --format json` carries the configured
 * prices prorated as Microsoft does, assigned seats are tenant-wide, `drift` exits 0/2, a refresh token the token
 * endpoint refuses is PARTNER_CENTER_TOKEN, and no secret is ever printed. Zero contract violations.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../provider/core/plan/types";
import { getPartnerCenterEnvName, type PartnerCenterConfigKey } from "../../provider/backends/partner-center/config";
import { CLI, ensureBuilt } from "../helpers/build";
import { getPcId, getPcSettings, PC_NOW, PC_OFFER, PC_SECRETS, PC_USAGE, startPartnerCenterTenant, type PartnerCenterTestServer } from "../helpers/partner-center-test-server";

let server: PartnerCenterTestServer;
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  server = await startPartnerCenterTenant();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-cli-pc-"));
}, 300_000);

afterEach(() => {
  expect(server.violations).toEqual([]);
});

afterAll(async () => {
  await server?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function runCli(args: string[], override: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_")));
  const settings = Object.fromEntries(Object.entries(getPcSettings(server)).map(([key, value]) => [getPartnerCenterEnvName(key as PartnerCenterConfigKey), value]));
  const child = spawn(process.execPath, [CLI, "--now", PC_NOW, ...args], { cwd: dir, env: { ...clean, CSP_SEATS_BACKEND: "partner-center", ...settings, ...override } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  for (const secret of PC_SECRETS) expect(`${stdout}\n${stderr}`).not.toContain(secret);
  return { code, stdout, stderr };
}

async function writeSeats(name: string, seats: number): Promise<string> {
  await fs.writeFile(path.join(dir, name), ["subscriptions:", `  - id: "${getPcId("cli")}"`, "    licenses:", `      "${PC_OFFER}": ${seats}`, ""].join("\n"));
  return name;
}

describe("csp-seats against the partner-center backend", () => {
  it("plan --format json prices the change with the configured price and Microsoft's daily proration", async () => {
    const result = await runCli(["plan", "--desired", await writeSeats("plan.yaml", 23), "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan).toMatchObject({ plannedAt: PC_NOW, hasChanges: true, hasViolations: false });
    const sub = plan.subscriptions[0]!;
    expect(sub.orderLines).toEqual([{ sku: PC_OFFER, quantity: 23, effective: "now" }]);
    expect(sub.lines[0]).toMatchObject({ usage: PC_USAGE, usageScope: "tenant-wide: O365_BUSINESS_ESSENTIALS", charge: { currency: "USD", amount: "11.61" } });
    expect(plan.totals).toEqual([{ currency: "USD", charge: { currency: "USD", amount: "11.61" }, refund: { currency: "USD", amount: "0.00" }, net: { currency: "USD", amount: "11.61" } }]);
    expect(server.count("PATCH /subscriptions/{id}")).toBe(0);
  });

  it("drift exits 0 when the file matches and 2 when it does not", async () => {
    expect((await runCli(["drift", "--desired", await writeSeats("match.yaml", 20)])).code).toBe(0);
    const drifted = await runCli(["drift", "--desired", await writeSeats("drift.yaml", 22), "--format", "json"]);
    expect(drifted.code).toBe(2);
    expect((JSON.parse(drifted.stdout) as { hasDrift: boolean }).hasDrift).toBe(true);
  });

  it("exits 1 with PARTNER_CENTER_TOKEN for a refresh token the token endpoint refuses, never echoing it", async () => {
    const wrong = "0.AXkA-wrong-refresh-token-3c2b1a";
    const result = await runCli(["plan", "--desired", await writeSeats("refused.yaml", 21)], { CSP_SEATS_PARTNER_CENTER_REFRESH_TOKEN: wrong });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[PARTNER_CENTER_TOKEN\]/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
  });
});
