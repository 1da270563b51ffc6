/**
 * The compiled CLI (`node bin/csp-seats.js`, built once by test/helpers/build.ts) against each backend: the
 * embedded portal over HTTP, and CloudBlue Commerce configured only through CSP_SEATS_BACKEND and
 * CSP_SEATS_CLOUDBLUE_* (SimpleAPI + Graph test servers that record any breach of the vendors' contracts).
 * `plan --format json` carries each backend's own prices, `drift` exits 0/2, a SKU shared by two subscriptions
 * is reported tenant-wide on both and never split, and no secret is ever printed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { subtractMoney } from "../../provider/core/money";
import type { Plan } from "../../provider/core/plan/types";
import { BACKEND_KINDS, NOW, SHARED_USAGE, startSeatsBackend, type SeatsBackend } from "../helpers/backends";
import { CLI, ensureBuilt } from "../helpers/build";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.each(BACKEND_KINDS)("csp-seats against the %s backend", (kind) => {
  let b: SeatsBackend;
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    b = await startSeatsBackend(kind);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), `csp-seats-cli-${kind}-`));
  }, 300_000);

  afterEach(() => {
    expect(b.violations()).toEqual([]);
  });

  afterAll(async () => {
    await b?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI with the backend's global arguments and environment (nothing from the developer's shell). */
  async function runCli(args: string[], envOverride: Record<string, string> = {}): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_")));
    const child = spawn(process.execPath, [CLI, ...b.cliArgs, ...args], { cwd: dir, env: { ...env, ...b.cliEnv, ...envOverride } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    for (const secret of b.secrets) expect(`${stdout}\n${stderr}`).not.toContain(secret);
    return { code, stdout, stderr };
  }

  /** Writes a seats file; `seats` maps a scenario to seats of Business Basic (and Exchange, when given). */
  async function writeSeats(name: string, seats: Record<"cli" | "shared-a" | "shared-b", { basic: number; exchange?: number } | undefined>): Promise<string> {
    const entries = Object.entries(seats).filter(([, s]) => s !== undefined) as [keyof typeof seats, { basic: number; exchange?: number }][];
    const yaml = [
      "subscriptions:",
      ...entries.flatMap(([scenario, s]) => [
        `  - id: "${b.id(scenario)}"`,
        "    licenses:",
        `      "${b.sku.basic}": ${s.basic}`,
        ...(s.exchange !== undefined ? [`      "${b.sku.exchange}": ${s.exchange}`] : []),
      ]),
      "",
    ].join("\n");
    await fs.writeFile(path.join(dir, name), yaml);
    return name;
  }

  it("plan --format json prices every line as the backend quotes it and exits 0", async () => {
    const file = await writeSeats("plan.yaml", { cli: { basic: 23, exchange: 9 }, "shared-a": undefined, "shared-b": undefined });
    const result = await runCli(["plan", "--desired", file, "--format", "json"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan).toMatchObject({ kind: "csp-seats/plan", plannedAt: NOW, hasChanges: true, hasViolations: false });
    const sub = plan.subscriptions[0];
    expect(sub.orderLines).toEqual([
      { sku: b.sku.basic, quantity: 23, effective: "now" },
      { sku: b.sku.exchange, quantity: 9, effective: "now" },
    ]);
    const quote = await b.estimate({ subscriptionId: b.id("cli"), expectedRevision: sub.revision, lines: sub.orderLines });
    expect(sub.lines.map((l) => [l.sku, subtractMoney(l.charge, l.refund)])).toEqual(quote.lines.map((l) => [l.sku, l.amount]));
    expect(plan.totals).toEqual([{ currency: "EUR", charge: quote.charge, refund: quote.refund, net: quote.total }]);
    expect(await b.countOrders()).toBe(0);
  });

  it("plan reports the shared SKU's assigned seats tenant-wide on both subscriptions, never split", async () => {
    // One more seat on each: the text plan lists changed subscriptions line by line.
    const file = await writeSeats("shared.yaml", { cli: undefined, "shared-a": { basic: 21, exchange: 6 }, "shared-b": { basic: 4 } });
    const json = await runCli(["plan", "--desired", file, "--format", "json"]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as Plan;
    const basicLines = plan.subscriptions.map((s) => s.lines.find((l) => l.sku === b.sku.basic)!);
    // The tenant's 18 assigned seats, whole, on each subscription that carries the SKU (not 18 split as 15 + 3).
    expect(basicLines.map((l) => [l.usage, l.usageScope])).toEqual([
      [SHARED_USAGE, expect.stringMatching(/^tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions$/)],
      [SHARED_USAGE, expect.stringMatching(/^tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions$/)],
    ]);
    expect(plan.findings.filter((f) => f.code === "USAGE_SHARED" && f.sku === b.sku.basic).map((f) => f.subscriptionId)).toEqual([b.id("shared-a"), b.id("shared-b")]);
    // Idle seats cannot be told per subscription from a tenant-wide count: no IDLE_SEATS finding invents them.
    expect(plan.findings.filter((f) => f.code === "IDLE_SEATS" && f.sku === b.sku.basic)).toEqual([]);

    const text = await runCli(["plan", "--desired", file]);
    expect(text.code).toBe(0);
    expect(text.stdout.match(new RegExp(`${b.sku.basic}.*assigned ${SHARED_USAGE}\\*`, "g"))).toHaveLength(2);
    expect(text.stdout).toContain("* assigned seats counted across subscriptions (tenant-wide)");
  });

  it("drift exits 0 when the file matches, reporting the shared SKU tenant-wide and no per-subscription idle seats", async () => {
    const file = await writeSeats("match.yaml", { cli: undefined, "shared-a": { basic: 20, exchange: 6 }, "shared-b": { basic: 3 } });
    const json = await runCli(["drift", "--desired", file, "--format", "json"]);
    expect(json.code).toBe(0);
    const drift = JSON.parse(json.stdout) as { hasDrift: boolean; subscriptions: { subscriptionId: string; lines: { sku: string; assigned: number | null; usageScope?: string; idleSeats: number | null; drifted: boolean }[] }[] };
    expect(drift.hasDrift).toBe(false);
    const basicLines = drift.subscriptions.map((s) => s.lines.find((l) => l.sku === b.sku.basic)!);
    expect(basicLines.map((l) => [l.assigned, l.usageScope?.startsWith("tenant-wide"), l.idleSeats, l.drifted])).toEqual([
      [SHARED_USAGE, true, null, false],
      [SHARED_USAGE, true, null, false],
    ]);

    const text = await runCli(["drift", "--desired", file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("No drift");
    expect(text.stdout).toContain(`* ${b.sku.basic}: assigned seats counted tenant-wide: O365_BUSINESS_ESSENTIALS, shared by 2 subscriptions`);
  });

  it("drift exits 2 when the purchased seats differ from the file", async () => {
    const file = await writeSeats("drift.yaml", { cli: { basic: 23, exchange: 6 }, "shared-a": undefined, "shared-b": undefined });
    const json = await runCli(["drift", "--desired", file, "--format", "json"]);
    expect(json.code).toBe(2);
    const drift = JSON.parse(json.stdout) as { hasDrift: boolean; subscriptions: { lines: { sku: string; desired: number; purchased: number; difference: number; drifted: boolean }[] }[] };
    expect(drift.hasDrift).toBe(true);
    expect(drift.subscriptions[0].lines.map((l) => [l.sku, l.desired, l.purchased, l.difference, l.drifted])).toEqual([
      [b.sku.basic, 23, 20, -3, true],
      [b.sku.exchange, 6, 6, 0, false],
    ]);
    expect((await runCli(["drift", "--desired", file])).code).toBe(2);
  });

  it("exits 1 with the backend's refusal and never echoes a wrong secret", async () => {
    const file = await writeSeats("refused.yaml", { cli: { basic: 21 }, "shared-a": undefined, "shared-b": undefined });
    const wrong = `wrong-secret-${kind}-9d8c7b`;
    const result = await runCli(["plan", "--desired", file], kind === "http" ? { CSP_SEATS_TOKEN: wrong } : { CSP_SEATS_CLOUDBLUE_PASSWORD: wrong });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[PORTAL_UNAUTHORIZED\]/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
  });
});
