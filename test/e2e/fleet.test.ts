/**
 * A fleet of 12 tenants through the REAL csp-seats CLI and the real Pulumi CLI (Automation API, local file
 * backend), each tenant on its own embedded portal: one tenant's seats.yaml is invalid and one tenant's portal
 * answers 503 to everything; both are reported and the other ten run. Then shards 1/3..3/3 cover every tenant
 * once and merge into the unsharded report, `fleet up` converges, `fleet drift` exits 0, and an out-of-band
 * change in one tenant's portal makes `fleet drift` exit 2 naming only that tenant.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantOutcome } from "../../provider/core/fleet-types";
import type { FleetReport } from "../../provider/report/fleet-report";
import { seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { createLocalStackEnv } from "../../scripts/lib/pulumi-env";
import { CLI } from "../helpers/build";
import { prepareProviderPackage } from "../helpers/dynamic-plugin";
import { buildE2eFixture, waitForOrdersSettled, withEmbeddedPortal } from "../helpers/pulumi-fixture";
import { requirePulumiBinDir, runProcess, type CommandResult } from "../helpers/pulumi-project";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";

const TENANTS = Array.from({ length: 12 }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);
const INVALID = "t05";
const FAULTY = "t09";
const GOOD = TENANTS.filter((t) => t !== INVALID && t !== FAULTY);

const SEATS_TWO = "subscriptions:\n  - id: sub-a\n    licenses:\n      m365-basic: 18\n      exchange-p1: 8\n  - id: sub-b\n    licenses:\n      m365-basic: 12\n";
const SEATS_ONE = "subscriptions:\n  - id: sub-b\n    licenses:\n      m365-basic: 12\n";

let root: string;
let env: NodeJS.ProcessEnv;
let faulty: TestPortalServer;

function fleet(args: readonly string[]): Promise<CommandResult> {
  return runProcess(process.execPath, [CLI, "fleet", ...args], { cwd: root, env, timeoutMs: 280_000 });
}

async function readReport(file: string): Promise<FleetReport> {
  return JSON.parse(await fs.readFile(path.join(root, file), "utf8")) as FleetReport;
}

/**
 * A report without what differs between two runs of the same fleet: wall-clock times, and which resource's error
 * the engine reported first when a tenant's portal fails every read (its resources fail concurrently and the
 * preview stops at the first): such a tenant is compared by its error codes.
 */
function withoutTimes(report: FleetReport): unknown {
  const { shard: _shard, mergedFrom: _merged, ...rest } = report;
  return {
    ...rest,
    tenants: report.tenants.map(({ durationMs: _d, errors, ...tenant }: TenantOutcome) => ({ ...tenant, errorCodes: [...new Set(errors.map((e) => e.code))].sort() })),
  };
}

beforeAll(async () => {
  const binDir = requirePulumiBinDir();
  await prepareProviderPackage();
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-fleet-e2e-")));
  await fs.mkdir(path.join(root, "backend"), { recursive: true });
  env = { ...createLocalStackEnv({ binDir, dir: root, passphrase: { value: "fleet-e2e-passphrase-not-a-secret" } }), CI: "true", FAULTY_PORTAL_TOKEN: "" };
  faulty = await startTestPortalServer(buildE2eFixture());
  await faulty.portal.setFaults([{ route: "*", kind: "status", status: 503 }]);
  env.FAULTY_PORTAL_TOKEN = faulty.token;
  await fs.writeFile(path.join(root, "fleet.yaml"), "pulumi:\n  project: fleet-e2e\ndefaults:\n  backend: embedded\n");
  for (const [i, tenant] of TENANTS.entries()) {
    const dir = path.join(root, tenant);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, "seats.yaml"), tenant === INVALID ? "subscriptions:\n  - id: sub-a\n    licenses:\n      m365-basic: -3\n" : i % 2 === 0 ? SEATS_TWO : SEATS_ONE);
    if (tenant === FAULTY) {
      await fs.writeFile(path.join(dir, "tenant.yaml"), `backend: http\nendpoint: ${faulty.url}\ntoken:\n  env: FAULTY_PORTAL_TOKEN\n`);
    } else {
      await fs.writeFile(path.join(dir, "tenant.yaml"), "statePath: portal-state.json\n");
      await seedEmbeddedPortal({ statePath: path.join(dir, "portal-state.json"), fixture: buildE2eFixture() });
    }
  }
}, 300_000);

afterAll(async () => {
  await faulty?.stop();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe.sequential("a fleet of 12 tenants with the real CLI", { timeout: 300_000 }, () => {
  it("fleet preview reports every tenant: ten with changes, the invalid file and the faulty portal as errors (exit 1)", async () => {
    const run = await fleet(["preview", "--parallel", "4", "--format", "json", "--output", "all.json"]);
    expect(run.code, run.output).toBe(1);
    const report = JSON.parse(run.stdout) as FleetReport;
    expect(report).toEqual(await readReport("all.json"));
    expect(report.kind).toBe("csp-seats/fleet");
    expect(report.tenants.map((t) => t.tenant)).toEqual(TENANTS);
    const status = Object.fromEntries(report.tenants.map((t) => [t.tenant, t.status]));
    expect(status).toEqual(Object.fromEntries(TENANTS.map((t) => [t, t === INVALID || t === FAULTY ? "error" : "changes"])));
    const invalid = report.tenants.find((t) => t.tenant === INVALID)!;
    expect(invalid.errors[0].summary).toMatch(/^t05\/seats\.yaml:4:\d+: /);
    const down = report.tenants.find((t) => t.tenant === FAULTY)!;
    expect(down.errors.map((e) => e.code).join(" ")).toMatch(/HTTP_SERVER_ERROR|PORTAL_UNAVAILABLE|HTTP_/);
    // Four tenants with sub-a (charge 4.77, refund 7.23) and sub-b (charge 2 x 5.60 x 20/31 = 7.23), six with sub-b only.
    expect(report.totals).toEqual([{ currency: "EUR", charge: { currency: "EUR", amount: "91.38" }, refund: { currency: "EUR", amount: "28.92" }, net: { currency: "EUR", amount: "62.46" } }]);
    expect(report.counts).toEqual({ tenants: 12, ok: 0, changes: 10, drift: 0, error: 2 });
    // CI: plain timestamped progress lines on stderr.
    expect(run.stderr).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z t01: started$/m);
  });

  it("shards 1/3, 2/3 and 3/3 cover every tenant exactly once and merge into the unsharded report", async () => {
    const names: string[] = [];
    for (const index of [1, 2, 3]) {
      const run = await fleet(["preview", "--parallel", "4", "--shard", `${index}/3`, "--format", "json", "--output", `shard-${index}.json`]);
      expect([0, 1, 2], run.output).toContain(run.code);
      names.push(...(await readReport(`shard-${index}.json`)).tenants.map((t) => t.tenant));
    }
    expect([...names].sort()).toEqual(TENANTS);
    const merge = await fleet(["report", "--merge", "shard-1.json", "shard-2.json", "shard-3.json", "--format", "json", "--output-dir", "comments"]);
    expect(merge.code, merge.output).toBe(1);
    const merged = JSON.parse(merge.stdout) as FleetReport;
    expect(merged.mergedFrom).toEqual(["1/3", "2/3", "3/3"]);
    expect(withoutTimes(merged)).toEqual(withoutTimes(await readReport("all.json")));
    expect(await fs.readFile(path.join(root, "comments", "fleet-1.md"), "utf8")).toContain("| `t09` | ❌ error |");
  });

  it("fleet up converges the ten good tenants; fleet drift over them exits 0", async () => {
    const up = await fleet(["up", "--parallel", "4"]);
    expect(up.code, up.output).toBe(1);
    expect(up.stdout).toMatch(/10 ok, 0 with changes, 0 with drift, 2 failed/);
    for (const tenant of GOOD) await withEmbeddedPortal(path.join(root, tenant, "portal-state.json"), (portal) => waitForOrdersSettled(portal));
    const drift = await fleet(["drift", "--parallel", "4", ...GOOD.flatMap((t) => ["--tenant", t])]);
    expect(drift.code, drift.output).toBe(0);
    expect(drift.stdout).toMatch(/10 tenants: 10 ok/);
  });

  it("an out-of-band change in one tenant makes fleet drift exit 2 naming only that tenant", async () => {
    await withEmbeddedPortal(path.join(root, "t03", "portal-state.json"), async (portal) => {
      const current = await portal.getSubscription("sub-b");
      await portal.placeOrder({ subscriptionId: "sub-b", expectedRevision: current.revision, lines: [{ sku: "m365-basic", quantity: 15, effective: "now" }], idempotencyKey: "fleet-out-of-band-1" });
      await waitForOrdersSettled(portal);
    });
    const drift = await fleet(["drift", "--parallel", "4", "--format", "json", ...GOOD.flatMap((t) => ["--tenant", t])]);
    expect(drift.code, drift.output).toBe(2);
    const report = JSON.parse(drift.stdout) as FleetReport;
    expect(report.tenants.filter((t) => t.status !== "ok").map((t) => t.tenant)).toEqual(["t03"]);
    expect(report.tenants.find((t) => t.tenant === "t03")!.drift).toEqual([{ subscriptionId: "sub-b", gone: false, lines: [{ sku: "m365-basic", desired: 12, purchased: 15 }] }]);
  });
});
