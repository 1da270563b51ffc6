/**
 * seats.yaml mutants: in-process through the parser and the planner (hundreds, fast), and a sample through the
 * compiled CLI's `validate` and `plan` against a seeded embedded portal. Invariants: nothing throws, every error
 * is coded and located, the CLI exits 0, 1 or 2 without INTERNAL or a stack trace, and the state file is
 * byte-identical afterwards (a read never writes). FUZZ_SEED / FUZZ_CASES reproduce or widen a run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { Subscription } from "../../provider/core/model";
import { planSeats } from "../../provider/core/plan/planner";
import { parseDesiredState } from "../../provider/desired/desired-state";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, loadPortalFixture } from "../../provider/simulator/fixture";
import { ensureBuilt, ROOT } from "../helpers/build";
import { runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { createRandom, getFuzzCases, getFuzzSeed, mutate } from "./mutate";

const SEED = getFuzzSeed();
const SEEDS = [
  path.join(ROOT, "examples", "quickstart", "seats.yaml"),
  path.join(ROOT, "examples", "multi-subscription", "seats.yaml"),
  ...fs.readdirSync(path.join(ROOT, "test", "fixtures", "bad-seats")).map((f) => path.join(ROOT, "test", "fixtures", "bad-seats", f)),
].map((file) => fs.readFileSync(file, "utf8"));
const NOW = createFixedClock("2026-05-12T09:00:00Z");

let dir: string;
let statePath: string;
let observed: Subscription[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-fuzz-seats-"));
  statePath = path.join(dir, "portal-state.json");
  await seedEmbeddedPortal({ statePath, fixture: await loadPortalFixture(getDemoFixturePath()) });
  const portal = await openEmbeddedPortal({ statePath, clock: NOW });
  observed = await portal.listSubscriptions();
  await portal.close();
  await ensureBuilt();
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function describeCase(index: number): string {
  return `seed ${SEED} case ${index} (FUZZ_SEED=${SEED} reproduces it)`;
}

describe(`seats.yaml mutants (seed ${SEED})`, () => {
  it("never throw from the parser or the planner, and every error is coded and located", () => {
    const random = createRandom(SEED);
    const cases = getFuzzCases(400);
    let valid = 0;
    for (let i = 0; i < cases; i += 1) {
      const text = mutate(random.pick(SEEDS), random);
      let result: ReturnType<typeof parseDesiredState>;
      try {
        result = parseDesiredState(text, "seats.yaml");
      } catch (error) {
        throw new Error(`${describeCase(i)}: the parser threw ${String(error)} for ${JSON.stringify(text.slice(0, 400))}`);
      }
      if (result.ok) {
        valid += 1;
        expect(() => planSeats(result.value, observed, NOW), describeCase(i)).not.toThrow();
        continue;
      }
      for (const error of result.errors) {
        expect(error.code, describeCase(i)).toMatch(/^[A-Z][A-Z0-9_]+$/);
        expect(error.file, describeCase(i)).toBe("seats.yaml");
        expect(error.line, describeCase(i)).toBeGreaterThanOrEqual(1);
        expect(error.col, describeCase(i)).toBeGreaterThanOrEqual(1);
        expect(error.message.length, describeCase(i)).toBeGreaterThan(5);
      }
    }
    // The mutants must exercise both paths, or the campaign proves nothing.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(cases);
  });

  it("through the compiled CLI: exit 0/1/2, never INTERNAL or a stack trace, the state file unchanged", async () => {
    const random = createRandom(SEED ^ 0x5eed);
    const cases = Math.max(10, Math.round(getFuzzCases(400) / 16));
    const before = fs.readFileSync(statePath);
    for (let i = 0; i < cases; i += 1) {
      const file = path.join(dir, `case-${i}.yaml`);
      fs.writeFileSync(file, mutate(random.pick(SEEDS), random));
      for (const args of [["validate", file], ["plan", "--desired", file, "--format", "json"]]) {
        const run = await runCli(["--state", statePath, ...args]);
        const context = `${describeCase(i)}: csp-seats ${args[0]} exited ${run.code}\n${run.stderr.slice(0, 2000)}`;
        expect([0, 1, 2], context).toContain(run.code);
        expect(run.stderr, context).not.toContain("INTERNAL");
        expect(run.stderr, context).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
        if (run.code === 1) expect(run.stderr, context).toMatch(/error\[[A-Z_]+\]|:\d+:\d+: /);
      }
    }
    expect(fs.readFileSync(statePath).equals(before)).toBe(true);
  }, 600_000);
});

/** Runs the compiled CLI; a run over 60 s counts as a hang. */
function runCli(args: string[]): Promise<CliRun> {
  return runCompiledCli(args, { cwd: dir, env: { CSP_SEATS_NOW: "" }, hangMs: 60_000 });
}
