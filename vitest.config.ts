/**
 * One vitest project per test tier, each a folder under test/:
 *   unit         pure code and files on disk: no build, no network, no Pulumi CLI (`npm run test:unit`, seconds);
 *   integration  real HTTP servers on 127.0.0.1 and the compiled CLI (builds dist/ first);
 *   pulumi       Pulumi's real dynamic-provider plugin over gRPC, against an engine stub (builds dist/);
 *   e2e          the real Pulumi CLI on local stacks (needs PULUMI_BIN_DIR; `npm test` provides it);
 *   browser      the HTML reports in headless Chromium (the Debian package; builds dist/ first; fails without it);
 *   fuzz         seeded mutants of seats.yaml, fixtures and HTTP requests through the parser, the CLI and
 *                `portal serve` (a fixed seed and a few hundred cases here; `npm run fuzz` runs thousands).
 * The slow tiers run after the fast ones (`groupOrder`), so a broken unit test is reported first.
 * scripts/run-tests.js builds and provides the Pulumi CLI only for the tiers a run asks for.
 */
import { defineConfig } from "vitest/config";

/** The tiers, in the order they run. */
export const TEST_TIERS = ["unit", "integration", "pulumi", "e2e", "browser", "fuzz"] as const;

const GROUP_ORDER: Record<(typeof TEST_TIERS)[number], number> = { unit: 0, integration: 0, pulumi: 1, e2e: 1, browser: 1, fuzz: 1 };

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: TEST_TIERS.map((tier) => ({
      extends: true,
      test: {
        name: tier,
        include: [`test/${tier}/**/*.test.ts`],
        sequence: { groupOrder: GROUP_ORDER[tier] },
      },
    })),
  },
});
