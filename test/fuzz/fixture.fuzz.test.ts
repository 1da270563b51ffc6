/**
 * Portal fixture mutants: the demo fixture and the tests' fixtures (as YAML), mutated, then in-process through
 * parsePortalFixture, seedEmbeddedPortal and every read at several portal times (hundreds, fast), and a sample
 * through the compiled CLI's `portal seed --fixture`, `plan` and `drift`. Invariants: a refused fixture is
 * PORTAL_FIXTURE_INVALID with every problem at file:line:col; nothing is INTERNAL or an uncoded throw; reads leave
 * the state file byte-identical and show what a write at the same time saves; every command ends (a run over 60 s
 * is a hang); the CLI exits 0, 1 or 2 without a stack trace. FUZZ_SEED / FUZZ_CASES reproduce or widen a run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createManualClock } from "../../provider/core/clock";
import { isCspSeatsError } from "../../provider/core/errors";
import { openEmbeddedPortal, seedEmbeddedPortal } from "../../provider/simulator/embedded-portal";
import { getDemoFixturePath, parsePortalFixture, type PortalFixture } from "../../provider/simulator/fixture";
import { ensureBuilt, ROOT } from "../helpers/build";
import { runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { buildTestFixture } from "../helpers/portal-server";
import { buildE2eFixture } from "../helpers/pulumi-fixture";
import { buildFixture } from "../integration/embedded-portal-helpers";
import { createRandom, getFuzzCases, getFuzzSeed, mutate, type Random } from "./mutate";

const SEED = getFuzzSeed();
const SEEDS = [
  fs.readFileSync(getDemoFixturePath(), "utf8"),
  stringify(buildFixture()),
  stringify(buildTestFixture({ parallelSubscriptions: 3 })),
  stringify(buildE2eFixture({ processingDelayMs: 1000 })),
];
/** Values aimed at the calendar's and the engine's edges, put where a date, a time or a count was. */
const EDGE_DATES = ["9999-12-31", "9998-12-31", "9999-01-01", "2000-01-01", "1999-12-31", "0000-01-01", "2026-02-29", "2028-02-29", "2026-12-31", "2026-06-31"];
const EDGE_TIMES = ["9999-12-31T23:59:59Z", "9998-12-31T23:59:59Z", "2026-06-30T23:59:60Z", "9999-12-31T23:59:60Z", "2000-01-01T00:00:00Z", "2026-05-12T09:00:00+14:00", "2026-05-12t09:00:00z", "1970-01-01T00:00:00Z"];
const EDGE_COUNTS = ["0", "1", "299", "300", "301", "999999", "1000000", "1000001", "9007199254740991", "9007199254740992", "18014398509481984", "-1", "1e6", "0x10"];

function describeCase(index: number): string {
  return `seed ${SEED} case ${index} (FUZZ_SEED=${SEED} reproduces it)`;
}

/** One edge value in place of a random date, time or count in `text`. */
function replaceEdge(text: string, random: Random): string {
  const kinds = [
    { pattern: /\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})/g, values: EDGE_TIMES },
    { pattern: /(?<![\dT:-])\d{4}-\d{2}-\d{2}(?![\dT])/g, values: EDGE_DATES },
    { pattern: /(?<=(?:limit|usage|quantity|minQuantity|maxQuantity|processingDelayMs|pageSize|latencyMs|times): )\d+/g, values: EDGE_COUNTS },
  ];
  const kind = random.pick(kinds);
  const matches = [...text.matchAll(kind.pattern)];
  if (matches.length === 0) return text;
  const match = random.pick(matches);
  return text.slice(0, match.index) + random.pick(kind.values) + text.slice(match.index! + match[0].length);
}

/** A fixture mutant: edge values in dates, times and counts, then (mostly) the generic text mutations. */
function mutateFixture(seedText: string, random: Random): string {
  let text = seedText;
  for (let i = 0, edits = random.int(4); i < edits; i += 1) text = replaceEdge(text, random);
  return random.int(3) === 0 && text !== seedText ? text : mutate(text, random, 3);
}

/** A coded error: any CspSeatsError but PORTAL_INTERNAL; anything else is a crash. */
function expectCoded(error: unknown, context: string): void {
  if (!isCspSeatsError(error)) throw new Error(`${context}: threw an uncoded ${error instanceof Error ? error.stack : String(error)}`);
  expect(error.code, `${context}: ${error.message}`).not.toBe("PORTAL_INTERNAL");
}

let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-fuzz-fixture-"));
  await ensureBuilt();
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`portal fixture mutants (seed ${SEED})`, () => {
  it("in-process: refused at file:line:col, or seeded and read at any time without a write or an uncoded error", async () => {
    const random = createRandom(SEED ^ 0xf1c7);
    const cases = getFuzzCases(300);
    const statePath = path.join(dir, "in-process", "portal-state.json");
    let seeded = 0;
    let refused = 0;
    for (let i = 0; i < cases; i += 1) {
      const context = describeCase(i);
      const text = mutateFixture(random.pick(SEEDS), random);
      let fixture: PortalFixture;
      try {
        fixture = parsePortalFixture(text, "fixture.yaml");
      } catch (error) {
        expectCoded(error, `${context}: parsePortalFixture`);
        const coded = error as { code: string; summary: string; details?: { problems?: Array<{ line?: number; column?: number }> } };
        expect(coded.code, context).toBe("PORTAL_FIXTURE_INVALID");
        expect(coded.summary, `${context}: ${coded.summary}`).toMatch(/^fixture\.yaml:\d+:\d+: /);
        for (const problem of coded.details?.problems ?? []) {
          expect(problem.line, `${context}: ${coded.summary}`).toBeGreaterThanOrEqual(1);
          expect(problem.column, `${context}: ${coded.summary}`).toBeGreaterThanOrEqual(1);
        }
        refused += 1;
        continue;
      }
      const start = fixture.now ?? "2026-05-12T09:00:00.000Z";
      const clock = createManualClock(start);
      await seedEmbeddedPortal({ statePath, fixture, clock });
      seeded += 1;
      const portal = await openEmbeddedPortal({ statePath, clock });
      try {
        const before = fs.readFileSync(statePath);
        for (const at of [start, new Date(Date.parse(start) + 40 * 86_400_000).toISOString(), "2030-01-01T00:00:00.000Z"]) {
          clock.set(at);
          const reads = await readAll(portal, fixture).catch((error: unknown) => {
            expectCoded(error, `${context}: a read at ${at}`);
            return undefined;
          });
          expect(fs.readFileSync(statePath).equals(before), `${context}: a read at ${at} changed the state file`).toBe(true);
          if (reads === undefined || at !== "2030-01-01T00:00:00.000Z") continue;
          // What the reads showed is what a write at the same time saves.
          await portal.setFaults(await portal.getFaults());
          expect(await readAll(portal, fixture), `${context}: a write at ${at} saved something else than the reads showed`).toEqual(reads);
        }
      } finally {
        await portal.close();
      }
    }
    // The mutants must exercise both paths, or the campaign proves nothing.
    expect(seeded, `seeded ${seeded}, refused ${refused}`).toBeGreaterThan(0);
    expect(refused, `seeded ${seeded}, refused ${refused}`).toBeGreaterThan(0);
  }, 600_000);

  it("through the compiled CLI: portal seed, plan, drift exit 0/1/2, never INTERNAL, a stack trace or a hang; reads write nothing", async () => {
    const random = createRandom(SEED ^ 0xc11);
    const cases = Math.max(8, Math.round(getFuzzCases(300) / 20));
    const desired = path.join(ROOT, "examples", "quickstart", "seats.yaml");
    for (let i = 0; i < cases; i += 1) {
      const caseDir = path.join(dir, `cli-${i}`);
      fs.mkdirSync(caseDir);
      const file = path.join(caseDir, "fixture.yaml");
      const statePath = path.join(caseDir, "portal-state.json");
      fs.writeFileSync(file, mutateFixture(random.pick(SEEDS), random));
      const seed = await runCli(["--state", statePath, "portal", "seed", "--fixture", file], caseDir);
      expectCliRun(seed, `${describeCase(i)}: portal seed`);
      if (seed.code !== 0) {
        expect(seed.stderr, describeCase(i)).toMatch(/fixture\.yaml:\d+:\d+: /);
        continue;
      }
      const before = fs.readFileSync(statePath);
      const now = i % 2 === 1 ? ["--now", "2030-01-01T00:00:00Z"] : [];
      for (const args of [["plan", "--desired", desired], ["drift", "--desired", desired, "--format", "json"]]) {
        const run = await runCli(["--state", statePath, ...now, ...args], caseDir);
        expectCliRun(run, `${describeCase(i)}: csp-seats ${now.join(" ")} ${args[0]}`);
        expect(fs.readFileSync(statePath).equals(before), `${describeCase(i)}: ${args[0]} changed the state file`).toBe(true);
      }
    }
  }, 600_000);
});

/** Every read of the portal, with an estimate of one more seat on the first line (a refusal is a coded answer). */
async function readAll(portal: Awaited<ReturnType<typeof openEmbeddedPortal>>, fixture: PortalFixture): Promise<unknown> {
  const first = fixture.subscriptions[0];
  const estimate = first
    ? await portal
        .estimateOrder({ subscriptionId: first.id, lines: [{ sku: first.lines[0].sku, quantity: first.lines[0].limit + 1, effective: "now" }] })
        .catch((error: unknown) => {
          expectCoded(error, "estimateOrder");
          return { refused: (error as { code: string }).code };
        })
    : undefined;
  return {
    subscriptions: await portal.listSubscriptions(),
    page: await portal.listSubscriptionsPage({ pageSize: 1 }),
    orders: await portal.listOrders(),
    outbox: await portal.listOutbox(),
    now: (await portal.now()).toISOString(),
    estimate,
  };
}

function expectCliRun(run: { code: number | null; stderr: string }, context: string): void {
  const detail = `${context} exited ${run.code}\n${run.stderr.slice(0, 2000)}`;
  expect([0, 1, 2], detail).toContain(run.code);
  expect(run.stderr, detail).not.toContain("INTERNAL");
  expect(run.stderr, detail).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
}

/** Runs the compiled CLI; a run over 60 s counts as a hang. */
function runCli(args: string[], cwd: string): Promise<CliRun> {
  return runCompiledCli(args, { cwd, hangMs: 60_000 });
}
