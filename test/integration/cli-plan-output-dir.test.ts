/**
 * `csp-seats plan --output-dir DIR`: the plan as Markdown chunks (plan-1.md, plan-2.md, ...) that a pipeline posts
 * as one pull-request comment each. Spawns the compiled CLI against the demo portal at its own fixed time.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { marked, type Token } from "marked";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoWorkspace, runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { ensureBuilt } from "../helpers/build";

const NOW = "2026-05-12T09:00:00Z";
let dir: string;

function runPlan(args: string[]): Promise<CliRun> {
  return runCompiledCli(["--state", path.join(dir, "portal-state.json"), "--now", NOW, "plan", ...args], { cwd: dir });
}

async function readChunks(out: string): Promise<Record<string, string>> {
  const names = (await fs.readdir(out)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await fs.readFile(path.join(out, name), "utf8")] as const)));
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir } = await createDemoWorkspace("csp-seats-plan-out-"));
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("csp-seats plan --output-dir", () => {
  it("writes the whole Markdown plan as plan-1.md when it fits one comment, next to the usual stdout", async () => {
    const result = await runPlan(["--output-dir", "comments"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Plan: 2 orders to place");
    expect(result.stderr).toContain("wrote the plan as 1 Markdown chunk(s) to comments: plan-1.md");
    const markdown = await runPlan(["--format", "markdown"]);
    expect(await readChunks(path.join(dir, "comments"))).toEqual({ "plan-1.md": markdown.stdout });
  });

  it("splits a plan over --max-chars into numbered chunks, each within the limit, every subscription kept, stale chunks removed", async () => {
    const out = path.join(dir, "split");
    await fs.mkdir(out);
    // A chunk left by an earlier, longer plan must not be posted again.
    await fs.writeFile(path.join(out, "plan-9.md"), "stale");
    await fs.writeFile(path.join(out, "notes.txt"), "not a chunk");
    const result = await runPlan(["--output-dir", out, "--max-chars", "1000"]);
    expect(result.code).toBe(0);
    const files = await readChunks(out);
    const chunkNames = Object.keys(files).filter((name) => name.startsWith("plan-"));
    expect(chunkNames.length).toBeGreaterThan(1);
    expect(chunkNames).toEqual(chunkNames.map((_name, i) => `plan-${i + 1}.md`).sort());
    expect(files["notes.txt"]).toBe("not a chunk");
    chunkNames.forEach((name, i) => {
      expect(files[name].length).toBeLessThanOrEqual(1000);
      expect(files[name]).toContain(`(part ${i + 1} of ${chunkNames.length})`);
      expect(files[name].split("\n")[0]).toBe(i === 0 ? "<!-- csp-seats-plan -->" : `<!-- csp-seats-plan part ${i + 1}/${chunkNames.length} -->`);
      // Rendered as GFM, every line that starts with "|" sits in a table (no bare rows in a continuation).
      const tables = marked.lexer(files[name]).filter((token: Token) => token.type === "table") as Array<{ rows: unknown[] }>;
      expect(files[name].split("\n").filter((line) => line.startsWith("|")).length).toBe(tables.reduce((n, t) => n + t.rows.length + 2, 0));
    });
    expect(files["plan-1.md"]).toMatch(/\*\*Monthly cost will (increase|decrease|not change)/);
    const all = chunkNames.map((name) => files[name]).join("\n");
    for (const id of ["sub-contoso-basic", "sub-contoso-standard"]) expect(all).toContain(`\`${id}\``);
    expect(all).toContain("refund 7.23 EUR");
    expect(all).toContain("charge 15.10 EUR");
  });

  it("shows the recurring cost in every format: text, JSON (per subscription and per currency) and the Markdown headline", async () => {
    const json = JSON.parse((await runPlan(["--format", "json"])).stdout);
    expect(json.recurringTotals).toHaveLength(1);
    const [eur] = json.recurringTotals;
    expect(eur.currency).toBe("EUR");
    const sum = (key: "before" | "after") =>
      json.subscriptions.reduce((total: number, s: { recurring: { total: { monthly: Record<string, { amount: string }> } } }) => total + Math.round(Number(s.recurring.total.monthly[key].amount) * 100), 0);
    // Every demo subscription is billed monthly, so the currency total is the sum of the subscriptions' totals.
    expect(Math.round(Number(eur.monthly.before.amount) * 100)).toBe(sum("before"));
    expect(Math.round(Number(eur.monthly.after.amount) * 100)).toBe(sum("after"));
    for (const s of json.subscriptions) {
      expect(s.recurring.monthsPerPeriod).toBeGreaterThanOrEqual(1);
      for (const line of s.recurring.lines) expect(line.seatsAfter).toBe(s.lines.filter((l: { sku: string }) => l.sku === line.sku).at(-1).desired);
    }
    const text = (await runPlan([])).stdout;
    expect(text).toMatch(/^Monthly cost will (increase|decrease) by \d+\.\d{2} EUR \([+-]\d+\.\d%\)\.$/m);
    expect(text).toContain(`EUR  now ${eur.monthly.before.amount}  new ${eur.monthly.after.amount}`);
    const markdown = (await runPlan(["--format", "markdown"])).stdout;
    expect(markdown.split("\n")[3]).toMatch(/^\*\*Monthly cost will (increase|decrease) by \d+\.\d{2} EUR/);
  });

  it("refuses a --max-chars below 1000 before reading anything", async () => {
    const result = await runPlan(["--output-dir", "x", "--max-chars", "10"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--max-chars must be a whole number of at least 1000");
  });
});
