/**
 * The embedded portal's administration (`csp-seats portal seed|serve|outbox|orders`): seed it from a fixture,
 * open it, serve it over HTTP. The simulator loads lazily, so commands that do not need it never parse its
 * fixture schema or OpenAPI document.
 */
import type * as http from "node:http";
import type { Clock } from "../core/clock";
import type { EmbeddedPortal } from "../simulator/embedded-portal";
import type { PortalFixture } from "../simulator/fixture";

export type { EmbeddedPortal } from "../simulator/embedded-portal";
export type { PortalFixture } from "../simulator/fixture";

/** Opens the embedded portal on `statePath`; `clock` pins its time (--now), otherwise it keeps its own. */
export async function openEmbeddedBackend(statePath: string, clock?: Clock): Promise<EmbeddedPortal> {
  const { openEmbeddedPortal } = await import("../simulator/embedded-portal.js");
  return openEmbeddedPortal({ statePath, ...(clock ? { clock } : {}) });
}

/** Seeds `statePath` from `fixtureFile` (the built-in demo when absent); returns the fixture and where it came from. */
export async function seedEmbeddedBackend(statePath: string, fixtureFile: string | undefined, clock?: Clock): Promise<{ fixture: PortalFixture; file: string }> {
  const { getDemoFixturePath, loadPortalFixture } = await import("../simulator/fixture.js");
  const { seedEmbeddedPortal } = await import("../simulator/embedded-portal.js");
  const file = fixtureFile ?? getDemoFixturePath();
  const fixture = await loadPortalFixture(file);
  await seedEmbeddedPortal({ statePath, fixture, ...(clock ? { clock } : {}) });
  return { fixture, file };
}

/** The embedded portal's HTTP API over `portal` (schema/portal-openapi.yaml), not yet listening. */
export async function createPortalApiServer(portal: EmbeddedPortal, token: string, clock?: Clock): Promise<http.Server> {
  const { createPortalServer } = await import("../simulator/server/server.js");
  return createPortalServer({ portal, token, ...(clock ? { clock } : {}) });
}
