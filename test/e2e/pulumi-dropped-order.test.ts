/**
 * A lost reply to an order, with the REAL Pulumi CLI against the portal's HTTP API (127.0.0.1, port 0): the
 * portal commits the order and then drops the connection (`commit-then-drop` on POST /v1/orders). Running
 * `pulumi up` again converges, and the portal holds exactly one order: the retry found the first by its
 * idempotency key instead of ordering twice.
 */
import * as fs from "node:fs/promises";
import type * as http from "node:http";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildE2eFixture, E2E_NOW, getLimits } from "../helpers/pulumi-fixture";
import { createPulumiProject, type PulumiProject } from "../helpers/pulumi-project";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";

const TOKEN = "e2e-portal-token-41c9";
const PROCESSING_DELAY_MS = 2_000;

let server: TestPortalServer;
let project: PulumiProject;

beforeAll(async () => {
  server = await startTestPortalServer(buildE2eFixture({ processingDelayMs: PROCESSING_DELAY_MS }), TOKEN);
  // The portal's clock is manual: each poll of an order moves it on, so orders complete without anyone sleeping.
  server.server.prependListener("request", (req: http.IncomingMessage) => {
    if (req.method === "GET" && /^\/v1\/orders\/[^/?]+/.test(req.url ?? "")) server.clock.advance(PROCESSING_DELAY_MS / 2 + 1);
  });
  project = await createPulumiProject({
    seats: "subscriptions:\n  - id: sub-b\n    licenses:\n      m365-basic: 13\n",
    config: { "csp-seats:backend": "http", "csp-seats:endpoint": server.url, "csp-seats:now": E2E_NOW, "csp-seats:orderTimeoutSeconds": "60" },
    secrets: { "csp-seats:token": TOKEN },
  });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
  await server?.dispose();
});

describe("a dropped reply to POST /v1/orders", { timeout: 300_000 }, () => {
  it("pulumi up run again converges with exactly one order in the portal", async () => {
    await server.portal.setFaults([{ route: "POST /v1/orders", kind: "commit-then-drop", times: 1 }]);
    const first = await project.pulumi(["up", "--yes"]);
    // The first run may recover by itself (it asks for the order by key) or stop; either way it must not order twice.
    expect(server.count("POST /v1/orders")).toBe(1);
    expect(server.count("GET /v1/orders")).toBeGreaterThanOrEqual(1);

    const second = await project.pulumi(["up", "--yes"]);
    expect(second.code, `${first.output}\n---\n${second.output}`).toBe(0);
    expect(server.count("POST /v1/orders")).toBe(1);
    const orders = await server.portal.listOrders({ subscriptionId: "sub-b" });
    expect(orders.map((o) => [o.status, o.lines.map((l) => [l.sku, l.from, l.to])])).toEqual([["completed", [["m365-basic", 10, 13]]]]);
    expect(getLimits(await server.portal.getSubscription("sub-b"))).toEqual({ "m365-basic": 13 });
    const check = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(check.code, check.output).toBe(0);
    // The token is a secret: encrypted in the stack file and never printed.
    expect(await fs.readFile(path.join(project.dir, "Pulumi.test.yaml"), "utf8")).not.toContain(TOKEN);
    expect(first.output + second.output + check.output).not.toContain(TOKEN);
  });
});
