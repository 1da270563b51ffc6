/**
 * The portal the Pulumi tests run against, and the harness that wires it up: the embedded portal served over
 * HTTP on 127.0.0.1:0 (Task B's server), an Engine stub, and Pulumi's real dynamic-provider plugin configured for
 * the `http` backend with the token as a secret.
 */
import type * as http from "node:http";
import type { PortalFixture } from "../../provider/simulator/fixture";
import { startEngineStub, type EngineStub } from "../helpers/engine-stub";
import { prepareProviderPackage, secret, serializeSeatsProvider, startDynamicPlugin, type DynamicPlugin } from "../helpers/dynamic-plugin";
import { startTestPortalServer, type TestPortalServer } from "../helpers/portal-server";
import { FIXTURE_SUBSCRIPTION_BASE } from "../helpers/fixture-base";

export const NOW = "2026-05-12T09:00:00.000Z";
export const TOKEN = "seats-token-5b1d7e0c93";
/** Portal time an order takes; the harness moves the portal clock on while the provider polls the order. */
export const PROCESSING_DELAY_MS = 2_000;

const base = {
  ...FIXTURE_SUBSCRIPTION_BASE,
  paymentMethods: [
    { id: "pm-invoice", label: "Invoice", isDefault: true },
    { id: "pm-visa", label: "Visa ending 4242" },
  ],
};

const basic = { sku: "m365-basic", displayName: "Microsoft 365 Business Basic", unitPrice: "5.60", minQuantity: 1, maxQuantity: 300 };
const exchange = { sku: "exchange-p1", displayName: "Exchange Online (Plan 1)", unitPrice: "3.70", minQuantity: 1, maxQuantity: 300 };

/**
 * One subscription per scenario so the tests do not disturb each other. Each two-line subscription has
 * m365-basic (20 seats, 10 assigned, 3 added two days ago and still refundable) and exchange-p1 (6 seats, 4
 * assigned, none refundable any more).
 */
export function buildSeatsFixture(): PortalFixture {
  const twoLines = (id: string, name: string) => ({
    ...base,
    id,
    name,
    lines: [
      { ...basic, usage: 10, limit: 20, batches: [{ quantity: 3, addedAt: "2026-05-10T14:30:00Z" }] },
      { ...exchange, usage: 4, limit: 6, batches: [{ quantity: 6, addedAt: "2026-02-01T00:00:00Z" }] },
    ],
  });
  return {
    now: NOW,
    processingDelayMs: PROCESSING_DELAY_MS,
    pageSize: 50,
    faults: [],
    customers: [{ id: "contoso", name: "Contoso Ltd", contactEmail: "it-admin@contoso.example" }],
    subscriptions: [
      twoLines("sub-apply", "Contoso apply"),
      twoLines("sub-stale", "Contoso stale"),
      twoLines("sub-drift", "Contoso drift"),
      twoLines("sub-delete", "Contoso delete"),
      twoLines("sub-guard", "Contoso guarded"),
      twoLines("sub-program-a", "Contoso program A"),
      twoLines("sub-program-b", "Contoso program B"),
      {
        ...base,
        id: "sub-partner",
        name: "Bought through a partner",
        eligibility: { eligible: false, reasonCode: "channel-partner", reason: "This subscription was bought through a channel partner." },
        lines: [{ ...basic, usage: 1, limit: 5 }],
      },
    ],
  };
}

export interface SeatsHarness {
  readonly portal: TestPortalServer;
  readonly engine: EngineStub;
  readonly plugin: DynamicPlugin;
  /** The `__provider` text, serialized as dynamic.Resource does. */
  readonly providerText: string;
  /** Requests the portal received for `METHOD /path`. */
  count(route: string): number;
  close(): Promise<void>;
}

/** The plugin's environment without any CSP_SEATS_* of the developer's shell. */
function getCleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("CSP_SEATS_")));
}

/** The stack config the engine passes to Configure (full keys; the token as a secret). */
export function buildStackConfig(url: string, token = TOKEN): Record<string, unknown> {
  return {
    "csp-seats:backend": "http",
    "csp-seats:endpoint": url,
    "csp-seats:token": secret(token),
    "csp-seats:now": NOW,
    "csp-seats:orderTimeoutSeconds": "30",
  };
}

/** Starts portal, engine stub and plugin, and configures the plugin. */
export async function startSeatsHarness(): Promise<SeatsHarness> {
  await prepareProviderPackage();
  const portal = await startTestPortalServer(buildSeatsFixture(), TOKEN);
  // Each poll of an order moves the portal clock on, so orders progress without anyone sleeping.
  portal.server.prependListener("request", (req: http.IncomingMessage) => {
    if (req.method === "GET" && /^\/v1\/orders\/[^/?]+/.test(req.url ?? "")) portal.clock.advance(PROCESSING_DELAY_MS / 2 + 1);
  });
  const engine = await startEngineStub();
  const plugin = await startDynamicPlugin({ engineAddress: engine.address, env: getCleanEnv() });
  await plugin.configure(buildStackConfig(portal.url));
  const providerText = await serializeSeatsProvider();
  return {
    portal,
    engine,
    plugin,
    providerText,
    count: (route) => portal.count(route),
    close: async () => {
      await plugin.close();
      await engine.close();
      await portal.dispose();
    },
  };
}

export { getCleanEnv };
