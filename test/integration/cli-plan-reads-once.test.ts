/**
 * plan and drift read the portal once: one listSubscriptions call with exactly the file's ids, no per-subscription
 * reads, no estimate or order, and the portal is closed afterwards (even for a plan with violations).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { CliContext, CommandRunner } from "../../provider/cli/context";
import { runDrift } from "../../provider/cli/commands/drift-command";
import { runPlan } from "../../provider/cli/commands/plan-command";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import type { Portal } from "../../provider/backends/portal";
import { resolveBackendConfig } from "../../provider/app/runtime-config";

const NOW = "2026-05-12T09:00:00Z";
let dir: string;
let statePath: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "csp-seats-reads-"));
  statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
  await fs.writeFile(
    path.join(dir, "seats.yaml"),
    "subscriptions:\n  - id: sub-contoso-basic\n    licenses: { m365-business-basic: 18 }\n  - id: sub-contoso-e3\n    licenses: { m365-e3: 9 }\n  - id: sub-fabrikam-basic\n    licenses: { m365-business-basic: 11 }\n",
  );
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function runCounting(command: CommandRunner): Promise<{ code: number; calls: string[]; stdout: string }> {
  const calls: string[] = [];
  const clock = createFixedClock(NOW);
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (chunk) => (out += chunk));
  const context: CliContext = {
    stdout,
    stderr: new PassThrough(),
    env: {},
    cwd: dir,
    pinnedClock: clock,
    backend: resolveBackendConfig({ statePath }, {}, dir),
    openPortal: async () => {
      const portal = await openEmbeddedPortal({ statePath, clock });
      return new Proxy(portal, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls.push(name === "listSubscriptions" ? `listSubscriptions ${JSON.stringify(args[0])}` : String(name));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as Portal;
    },
  };
  const code = await command([], context);
  return { code, calls, stdout: out };
}

describe("portal reads", () => {
  it.each([
    { name: "plan", command: runPlan, code: 1 },
    { name: "drift", command: runDrift, code: 2 },
  ])("$name lists the file's subscriptions in one call and closes the portal", async ({ command, code }) => {
    const result = await runCounting(command);
    expect(result.code).toBe(code);
    expect(result.calls).toEqual(['listSubscriptions {"ids":["sub-contoso-basic","sub-contoso-e3","sub-fabrikam-basic"]}', "close"]);
    expect(result.stdout.length).toBeGreaterThan(100);
  });
});
