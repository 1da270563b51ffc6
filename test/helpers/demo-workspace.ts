/**
 * A temp directory for tests of the compiled CLI: the demo portal seeded in `portal-state.json` and the
 * quickstart `seats.yaml` beside it (what a new user has after `csp-seats portal seed`).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { ROOT } from "./build";

/** Creates the workspace under the OS temp dir (`prefix` names it); the caller removes it. */
export async function createDemoWorkspace(prefix: string): Promise<{ dir: string; statePath: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
  await fs.copyFile(path.join(ROOT, "examples", "quickstart", "seats.yaml"), path.join(dir, "seats.yaml"));
  return { dir, statePath };
}
