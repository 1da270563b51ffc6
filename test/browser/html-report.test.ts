/**
 * The HTML reports in a real browser: the compiled CLI writes `plan`, `drift` and `renewals` as HTML and as JSON
 * against the demo portal at its own time; headless Chromium (the Debian package, driven over the DevTools
 * protocol by scripts/lib/chromium.ts) loads each page from a file. No console error, one chart row per report
 * line, totals equal to the JSON's, and a screenshot in .csp-seats/test-output/browser/. Without Chromium this
 * tier fails: CI (.ci/run) installs it.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_MISSING, findChromium, launchChromium, type Chromium, type ChromiumPage } from "../../scripts/lib/chromium";
import { ROOT, ensureBuilt } from "../helpers/build";
import { createDemoWorkspace, runCompiledCli, type CliRun } from "../helpers/demo-workspace";

const NOW = "2026-05-12T09:00:00Z";
const OUTPUT = path.join(ROOT, ".csp-seats", "test-output", "browser");
let dir: string;
let chromium: Chromium | undefined;

interface Money {
  currency: string;
  amount: string;
}

function runCli(args: string[]): Promise<CliRun> {
  return runCompiledCli(["--state", path.join(dir, "portal-state.json"), "--now", NOW, ...args], { cwd: dir });
}

/** Writes `command --format html` to a file and returns it with the command's JSON report. */
async function renderBoth<T>(command: string, extra: string[] = []): Promise<{ file: string; json: T }> {
  const html = await runCli([command, "--format", "html", ...extra]);
  const json = await runCli([command, "--format", "json", ...extra]);
  expect(html.stderr).toBe("");
  expect(html.code).toBe(json.code);
  const file = path.join(dir, `${command}.html`);
  await fs.writeFile(file, html.stdout);
  return { file, json: JSON.parse(json.stdout) as T };
}

async function openReport(file: string, screenshot: string): Promise<ChromiumPage> {
  if (!chromium) throw new Error(CHROMIUM_MISSING);
  const page = await chromium.openPage({ width: 1100, height: 900 });
  await page.navigate(pathToFileURL(file).href);
  await page.screenshot(path.join(OUTPUT, screenshot));
  const png = await fs.readFile(path.join(OUTPUT, screenshot));
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  expect(png.readUInt32BE(16)).toBe(1100);
  return page;
}

/** `[data-total=NAME]` elements: currency -> { amount, text }. */
function readTotals(page: ChromiumPage, name: string): Promise<Record<string, { amount: string; text: string }>> {
  return page.evaluate(
    `Object.fromEntries([...document.querySelectorAll('[data-total="${name}"]')].map((e) => [e.dataset.currency, { amount: e.dataset.amount, text: e.textContent }]))`,
  );
}

/** Rows of a chart: key -> the bars' [series, value]. */
function readChart(page: ChromiumPage, id: string): Promise<Record<string, Array<[string, string]>>> {
  return page.evaluate(
    `Object.fromEntries([...document.querySelectorAll('#${id} g.chart-row')].map((g) => [g.dataset.key, [...g.querySelectorAll('rect.bar')].map((r) => [r.dataset.series, r.dataset.value])]))`,
  );
}

function expectTotals(found: Record<string, { amount: string; text: string }>, wanted: readonly Money[]): void {
  expect(Object.keys(found).sort()).toEqual(wanted.map((m) => m.currency).sort());
  for (const money of wanted) {
    expect(found[money.currency].amount).toBe(money.amount);
    expect(found[money.currency].text.replace(/,/g, "").replace(/\u00a0/g, " ")).toBe(`${money.amount} ${money.currency}`);
  }
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir } = await createDemoWorkspace("csp-seats-browser-"));
  await fs.mkdir(OUTPUT, { recursive: true });
  if (findChromium()) chromium = await launchChromium();
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("the browser tier", () => {
  it("has Chromium (CI installs it: apt-get install -y chromium)", () => {
    expect(findChromium(), CHROMIUM_MISSING).toBeDefined();
  });

  it("sees console errors and exceptions (so an empty list means something)", async () => {
    if (!chromium) throw new Error(CHROMIUM_MISSING);
    const file = path.join(dir, "noisy.html");
    await fs.writeFile(file, '<!DOCTYPE html><html lang="en"><title>x</title><script>console.error("boom"); null.x;</script></html>');
    const page = await chromium.openPage();
    await page.navigate(pathToFileURL(file).href);
    expect(page.problems.map((p) => p.source)).toEqual(expect.arrayContaining(["console", "exception"]));
    expect(page.problems[0].text).toContain("boom");
  });
});

describe("csp-seats plan --format html in Chromium", () => {
  it("loads without console errors, charts one row per subscription and SKU, and its totals are the JSON's", async () => {
    type Plan = {
      totals: Array<{ currency: string; charge: Money; refund: Money; net: Money }>;
      recurringTotals: Array<{ currency: string; monthly: { before: Money; after: Money } }>;
      subscriptions: Array<{ subscriptionId: string; currency: string; charge: Money; refund: Money; lines: Array<{ sku: string; currentLimit: number; usage: number | null; desired: number }> }>;
    };
    const { file, json: plan } = await renderBoth<Plan>("plan");
    const page = await openReport(file, "plan.png");
    expect(page.problems).toEqual([]);
    expect(await page.evaluate("document.title")).toMatch(/^csp-seats plan/);

    const seats = await readChart(page, "seats-chart");
    const lines = new Map<string, { purchased: number; assigned: number | null; desired: number }>();
    for (const s of plan.subscriptions) for (const l of s.lines) lines.set(`${s.subscriptionId}/${l.sku}`, { purchased: lines.get(`${s.subscriptionId}/${l.sku}`)?.purchased ?? l.currentLimit, assigned: l.usage, desired: l.desired });
    expect(Object.keys(seats)).toEqual([...lines.keys()]);
    for (const [key, line] of lines) expect(seats[key]).toEqual([["purchased", String(line.purchased)], ["assigned", String(line.assigned ?? "")], ["desired", String(line.desired)]]);

    const monthly = await readChart(page, "monthly-chart-eur");
    expect(Object.keys(monthly)).toEqual(plan.subscriptions.filter((s) => s.currency === "EUR").map((s) => s.subscriptionId));
    const oneOff = await readChart(page, "one-off-chart-eur");
    expect(Object.keys(oneOff)).toEqual(plan.subscriptions.filter((s) => s.charge.amount !== "0.00" || s.refund.amount !== "0.00").map((s) => s.subscriptionId));

    expectTotals(await readTotals(page, "charge"), plan.totals.map((t) => t.charge));
    expectTotals(await readTotals(page, "refund"), plan.totals.map((t) => t.refund));
    expectTotals(await readTotals(page, "net"), plan.totals.map((t) => t.net));
    expectTotals(await readTotals(page, "monthly-before"), plan.recurringTotals.map((t) => t.monthly.before));
    expectTotals(await readTotals(page, "monthly-after"), plan.recurringTotals.map((t) => t.monthly.after));

    // Rendered, not only parsed: every chart has a size on screen and an accessible name from its <title>.
    const charts = await page.evaluate<Array<{ width: number; height: number; name: string | null }>>(
      `[...document.querySelectorAll('svg')].map((s) => ({ width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height, name: document.getElementById(s.getAttribute('aria-labelledby').split(' ')[0])?.textContent ?? null }))`,
    );
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(40);
      expect(chart.name).toBeTruthy();
    }
  });
});

describe("csp-seats drift --format html in Chromium", () => {
  it("charts every drift line once and shows the JSON's idle totals", async () => {
    type Drift = { idleTotals: Array<{ currency: string; idleCost: Money }>; subscriptions: Array<{ subscriptionId: string; lines: Array<{ sku: string; purchased: number }> }> };
    const { file, json: drift } = await renderBoth<Drift>("drift");
    const page = await openReport(file, "drift.png");
    expect(page.problems).toEqual([]);
    const seats = await readChart(page, "seats-chart");
    expect(Object.keys(seats)).toEqual(drift.subscriptions.flatMap((s) => s.lines.map((l) => `${s.subscriptionId}/${l.sku}`)));
    expectTotals(await readTotals(page, "idle-period"), drift.idleTotals.map((t) => t.idleCost));
  });
});

describe("csp-seats renewals --format html in Chromium", () => {
  it("draws one calendar marker per entry and shows the JSON's totals", async () => {
    type Renewals = { events: Array<{ kind: string; date: string; subscriptionId: string }>; totals: Array<{ currency: string; monthly: Money; idleMonthly: Money }> };
    const { file, json: report } = await renderBoth<Renewals>("renewals", ["--within", "300d"]);
    const page = await openReport(file, "renewals.png");
    expect(page.problems).toEqual([]);
    const markers = await page.evaluate<Array<{ kind: string; date: string; subscriptionId: string }>>(
      `[...document.querySelectorAll('#calendar-chart g.event')].map((g) => ({ kind: g.dataset.kind, date: g.dataset.date, subscriptionId: g.dataset.subscription }))`,
    );
    expect(markers).toEqual(report.events.map((e) => ({ kind: e.kind, date: e.date, subscriptionId: e.subscriptionId })));
    expect(markers.length).toBeGreaterThan(3);
    expectTotals(await readTotals(page, "renewal-monthly"), report.totals.map((t) => t.monthly));
    expectTotals(await readTotals(page, "renewal-idle-monthly"), report.totals.map((t) => t.idleMonthly));
  });
});
