import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../provider/cli/main";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { createHttpPortal } from "../../provider/backends/http/http-portal";
import { createPortalServer } from "../../provider/simulator/server/server";

const QUICKSTART = path.resolve(__dirname, "../../examples/quickstart/seats.yaml");

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-time-"));
  statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

// The demo portal runs on its fixture's time (2026-05-12), not the wall clock. A plan priced at the wall clock
// would see every refund window closed and every renewal date passed, and would disagree with the portal.
describe("plans are priced at the portal's time", () => {
  it("the CLI plans at the embedded portal's time when --now is not given, so the demo's refundable seats are refunded", async () => {
    const out = collect();
    const err = collect();
    const code = await runCli(["--state", statePath, "plan", "--desired", QUICKSTART, "--format", "json"], { stdout: out.stream, stderr: err.stream, env: {}, cwd: dir });
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    const plan = JSON.parse(out.text()) as { plannedAt: string; totals: { currency: string; refund: { amount: string } }[] };
    expect(plan.plannedAt.slice(0, 10)).toBe("2026-05-12");
    expect(plan.totals[0].currency).toBe("EUR");
    expect(plan.totals[0].refund.amount).not.toBe("0.00");
  });

  it("the HTTP API reports the portal's time in X-Portal-Time and the http backend's now() follows it", async () => {
    const portal = await openEmbeddedPortal({ statePath });
    const server = createPortalServer({ portal, token: "time-test-token" });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await createHttpPortal({ endpoint, token: "time-test-token" });
    try {
      const before = await client.now();
      expect(before.toISOString().slice(0, 10)).toBe("2026-05-12");
      const subscriptions = await client.listSubscriptions();
      expect(subscriptions.length).toBeGreaterThan(0);
      const after = await client.now();
      expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
      expect(after.toISOString().slice(0, 10)).toBe("2026-05-12");
      const direct = await portal.now();
      expect(Math.abs(direct.getTime() - after.getTime())).toBeLessThan(60_000);
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await portal.close();
    }
  });
});
