/**
 * Starts the embedded portal's HTTP API on 127.0.0.1:0 over a fresh temp state file, with a manual clock, and
 * counts the requests it receives per `METHOD /path` (query excluded), so tests can prove how many attempts a
 * client made and how many orders exist.
 */
import * as fs from "node:fs/promises";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createManualClock } from "../../provider/core/clock";
import { openEmbeddedPortal, seedEmbeddedPortal, type EmbeddedPortal } from "../../provider/simulator/embedded-portal";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { parseRequestTarget } from "../../provider/simulator/server/request-target";
import { createPortalServer } from "../../provider/simulator/server/server";
import { FIXTURE_SUBSCRIPTION_BASE } from "./fixture-base";

export const FIXTURE_NOW = "2026-05-12T09:00:00.000Z";

/**
 * A small portal: `sub-main` (20 seats, 10 assigned, 3 still refundable), `sub-partner` (ineligible: channel
 * partner) and `sub-p01`..`sub-pNN` (5 seats each). Orders take `processingDelayMs` of portal time.
 */
export function buildTestFixture(options: { parallelSubscriptions?: number; processingDelayMs?: number; pageSize?: number } = {}): PortalFixture {
  const base = FIXTURE_SUBSCRIPTION_BASE;
  return {
    now: FIXTURE_NOW,
    processingDelayMs: options.processingDelayMs ?? 60_000,
    pageSize: options.pageSize ?? 7,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: [
      {
        ...base,
        id: "sub-main",
        name: "Business Basic (Contoso)",
        lines: [
          { sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 10, limit: 20, unitPrice: "5.60", minQuantity: 1, maxQuantity: 300, batches: [{ quantity: 3, addedAt: "2026-05-10T14:30:00Z" }] },
        ],
      },
      {
        ...base,
        id: "sub-partner",
        name: "Bought through a partner",
        eligibility: { eligible: false, reasonCode: "channel-partner", reason: "This subscription was bought through a channel partner." },
        lines: [{ sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 1, limit: 5, unitPrice: "5.60" }],
      },
      ...Array.from({ length: options.parallelSubscriptions ?? 20 }, (_, i) => ({
        ...base,
        id: `sub-p${String(i + 1).padStart(2, "0")}`,
        name: `Parallel ${i + 1}`,
        lines: [{ sku: "m365-basic", displayName: "Microsoft 365 Business Basic", usage: 1, limit: 5, unitPrice: "5.60" }],
      })),
    ],
  };
}

/** A reply as the API made it, and what a hostile server sends instead. */
export type PortalTamper = (reply: { status: number; body: unknown; url: URL }) => { status: number; body: unknown };

export interface TestPortalServer {
  readonly url: string;
  readonly token: string;
  readonly statePath: string;
  readonly clock: ReturnType<typeof createManualClock>;
  /** The portal the server serves, for checking state behind the API's back. */
  portal: EmbeddedPortal;
  server: http.Server;
  /** Requests received for `METHOD /path`. */
  count(route: string): number;
  /**
   * Makes the API hostile: replies to `METHOD /path` (query excluded) pass through `fn` (undefined removes it), so a
   * test can send a negative quantity, an unknown currency or a repeating page token from a real server.
   */
  tamper(route: string, fn: PortalTamper | undefined): void;
  /** Requests the server is still handling (including ones whose client gave up). */
  inFlight(): number;
  /** Stops the server and closes the portal (the state file stays). */
  stop(): Promise<void>;
  /** Starts a new server and portal on the same state file (a restart), on a new port. */
  restart(): Promise<TestPortalServer>;
  /** Stops and deletes the state. */
  dispose(): Promise<void>;
}

async function listen(statePath: string, token: string, clock: ReturnType<typeof createManualClock>, dir: string): Promise<TestPortalServer> {
  const portal = await openEmbeddedPortal({ statePath, clock });
  const server = createPortalServer({ portal, token, clock });
  const counts = new Map<string, number>();
  const tampers = new Map<string, PortalTamper>();
  // Runs before the API's handler: its writeHead/end are held so the body can be replaced before it is sent.
  server.prependListener("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Hostile request targets (`//`, `http://[`) must reach the server's own handling untouched.
    const target = parseRequestTarget(req.url ?? "/");
    const fn = target && tampers.get(`${req.method} ${target.pathname}`);
    if (!target || !fn) return;
    const url = new URL(`http://127.0.0.1${target.pathname}${target.searchParams.size > 0 ? `?${target.searchParams}` : ""}`);
    let held: { status: number; headers: http.OutgoingHttpHeaders } = { status: 200, headers: {} };
    const writeHead = res.writeHead.bind(res);
    const end = res.end.bind(res);
    res.writeHead = ((status: number, headers?: http.OutgoingHttpHeaders) => {
      held = { status, headers: headers ?? {} };
      return res;
    }) as typeof res.writeHead;
    res.end = ((text?: unknown) => {
      const body = typeof text === "string" && text !== "" ? (JSON.parse(text) as unknown) : undefined;
      const reply = fn({ status: held.status, body, url });
      const out = JSON.stringify(reply.body);
      writeHead(reply.status, { ...held.headers, "content-length": String(Buffer.byteLength(out)) });
      return end(out);
    }) as typeof res.end;
  });
  let active = 0;
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const key = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    active += 1;
    res.on("close", () => (active -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const stop = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await portal.close();
  };
  const handle: TestPortalServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    statePath,
    clock,
    portal,
    server,
    count: (route) => counts.get(route) ?? 0,
    tamper: (route, fn) => {
      if (fn) tampers.set(route, fn);
      else tampers.delete(route);
    },
    inFlight: () => active,
    stop,
    restart: async () => {
      await stop();
      return listen(statePath, token, clock, dir);
    },
    dispose: async () => {
      if (server.listening) await stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Seeds `fixture` into a new temp directory and starts the API over it. */
export async function startTestPortalServer(fixture: PortalFixture = buildTestFixture(), token = "test-token-7f3a9c"): Promise<TestPortalServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-http-"));
  const statePath = path.join(dir, "portal-state.json");
  const clock = createManualClock(fixture.now ?? FIXTURE_NOW);
  await seedEmbeddedPortal({ statePath, fixture, clock });
  return listen(statePath, token, clock, dir);
}
