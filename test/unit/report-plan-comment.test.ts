/**
 * The Markdown plan as a pull-request comment people decide on: the headline with the monthly change per currency,
 * one row per subscription, line details in <details>, the hidden marker, and chunks that each render as a
 * complete comment (checked by parsing every chunk with a GFM parser, not by matching strings).
 */
import { marked, type Token, type Tokens } from "marked";
import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import { describeMonthlyCost, describeMonthlyHeadline, describeMonthlyTotals } from "../../provider/core/describe";
import { planSeats } from "../../provider/core/plan/planner";
import type { Plan, RecurringTotals } from "../../provider/core/plan/types";
import { PLAN_COMMENT_MARKER, renderPlanMarkdown, renderPlanMarkdownChunks } from "../../provider/report";
import type { DesiredState } from "../../provider/desired/desired-state";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const clock = createFixedClock(NOW);
const money = (amount: string, currency = "EUR") => ({ currency, amount });

function totals(currency: string, before: string, after: string, change: string, percentChange: string | null): RecurringTotals {
  return { currency, monthly: { before: money(before, currency), after: money(after, currency), change: money(change, currency) }, percentChange };
}

describe("describeMonthlyHeadline", () => {
  it.each([
    { reason: "an increase", totals: [totals("EUR", "200.00", "240.00", "40.00", "+20.0")], headline: "Monthly cost will increase by 40.00 EUR (+20.0%)." },
    { reason: "a decrease", totals: [totals("EUR", "300.00", "200.00", "-100.00", "-33.3")], headline: "Monthly cost will decrease by 100.00 EUR (-33.3%)." },
    { reason: "no change", totals: [totals("EUR", "300.00", "300.00", "0.00", "0.0")], headline: "Monthly cost will not change (300.00 EUR)." },
    { reason: "nothing to cost", totals: [], headline: "Monthly cost will not change." },
    { reason: "an increase from nothing", totals: [totals("EUR", "0.00", "20.00", "20.00", null)], headline: "Monthly cost will increase by 20.00 EUR (from 0)." },
    {
      reason: "one sentence per currency, never added",
      totals: [totals("EUR", "300.00", "200.00", "-100.00", "-33.3"), totals("JPY", "1000", "1000", "0", "0.0"), totals("USD", "300.00", "360.00", "60.00", "+20.0")],
      headline: "Monthly cost will decrease by 100.00 EUR (-33.3%), stay at 1000 JPY and increase by 60.00 USD (+20.0%).",
    },
  ])("words $reason", ({ totals: given, headline }) => {
    expect(describeMonthlyHeadline(given)).toBe(headline);
  });
});

const observed = [
  buildSubscription({ lines: [buildLine({ usage: 4, refundableBatches: [buildBatch(3, NOW, 10)] }), buildLine({ sku: "TEAMS-ESS", displayName: "Teams Essentials", limit: 5, usage: 5 })] }),
  buildSubscription({ id: "SUB-US", name: "Contoso US", currency: "USD", lines: [buildLine({ unitPrice: money("30.00", "USD"), usage: 12 })] }),
  buildSubscription({ id: "SUB-3", name: "Lab", lines: [buildLine({ usage: 10 })] }),
  buildSubscription({ id: "SUB-Y", name: "Fabrikam", billingPeriod: { start: "2026-01-01", end: "2027-01-01" }, lines: [buildLine({ unitPrice: money("100.00"), usage: 11 })] }),
  buildSubscription({ id: "SUB-B", name: "Blocked", lines: [buildLine({ usage: 20 })] }),
];
const desired: DesiredState = {
  defaults: {},
  subscriptions: [
    { id: "SUB-1", licenses: { "M365-BP": 5, "TEAMS-ESS": 5 } },
    { id: "SUB-US", licenses: { "M365-BP": 12 } },
    { id: "SUB-3", licenses: { "M365-BP": 10 } },
    { id: "SUB-Y", licenses: { "M365-BP": 11 } },
    { id: "SUB-B", licenses: { "M365-BP": 20 }, guardrails: { maxIncrease: 2 } },
  ],
};

describe("renderPlanMarkdown as a comment", () => {
  const plan = planSeats(desired, observed, clock);
  const md = renderPlanMarkdown(plan);

  it("starts with the hidden marker a workflow finds its comment by, then the headline", () => {
    expect(md.split("\n").slice(0, 4)).toEqual([PLAN_COMMENT_MARKER, "### csp-seats plan", "", "**Monthly cost will decrease by 91.67 EUR (-11.7%) and increase by 60.00 USD (+20.0%).**"]);
  });

  it("has a totals table per currency with the monthly cost beside the one-off money (the blocked subscription counted unchanged)", () => {
    expect(md).toContain("| EUR | 783.33 | -91.67 (-11.7%) | 691.67 | 9.86 | 10.00 | -0.14 |");
  });

  it("has one row per subscription: current monthly, change, new monthly, one-off now, violations", () => {
    expect(md).toContain("| `SUB-1` Contoso HQ | 300.00 EUR | -100.00 EUR (-33.3%) by 2027-01-01 | 200.00 EUR | refund 10.00 EUR | — |");
    expect(md).toContain("| `SUB-Y` Fabrikam | 83.33 EUR | +8.33 EUR (+10.0%) | 91.67 EUR | charge 9.86 EUR | — |");
  });

  it("keeps a blocked subscription at its current cost and shows what it asked for", () => {
    expect(md).toContain("| `SUB-B` Blocked | 200.00 EUR | 0.00 EUR (blocked: asks +200.00 EUR, +100.0%) | 200.00 EUR | nothing (blocked) | ⛔ 1 |");
    expect(md).toMatch(/#### `SUB-B` Blocked \(EUR\)\n\n> \*\*Blocked\*\*[^\n]*\n\nMonthly: stays \*\*200\.00 EUR\*\*; the file asks for 400\.00 EUR/);
  });

  it("puts the line details and the monthly cost per SKU in a collapsed <details>, findings outside it", () => {
    const section = md.slice(md.indexOf("#### `SUB-1`"), md.indexOf("#### `SUB-US`"));
    expect(section.indexOf("`SCHEDULED_AT_RENEWAL`")).toBeLessThan(section.indexOf("<details>"));
    expect(section).toContain("<details><summary>Line details (3 lines, monthly cost per SKU in EUR)</summary>\n\n| SKU | Assigned |");
    expect(section).toContain("| `M365-BP` | 10 → 5 | 20.00 | 200.00 | -100.00 (-50.0%) | 100.00 | 2027-01-01 |\n| `TEAMS-ESS` | 5 | 20.00 | 100.00 | 0.00 (0.0%) | 100.00 |  |\n\n</details>");
  });

  it("shows an annual subscription per month and per billing period", () => {
    expect(md).toContain("Monthly: **83.33 EUR → 91.67 EUR** (+8.33 EUR, +10.0%) · billed every 12 months: 1000.00 EUR → 1100.00 EUR");
  });

  it("renders as GFM: every table row sits in a table", () => {
    expectRendersCompletely(md);
  });

  it("has a check that catches bare table rows, as an old continuation chunk had them", () => {
    expect(() => expectRendersCompletely("### csp-seats plan (part 2 of 2)\n\n| `SKU-1` | 1 | 10 |\n| `SKU-2` | 2 | 10 |\n")).toThrow();
  });
});

describe("describeMonthlyCost and describeMonthlyTotals (for the Pulumi plan output)", () => {
  const plan = planSeats(desired, observed, clock);

  it("words each subscription's monthly cost, with a blocked one's request apart", () => {
    expect(describeMonthlyCost(plan.subscriptions[0])).toEqual({ current: "300.00 EUR", change: "-100.00 EUR", new: "200.00 EUR", percentChange: "-33.3" });
    expect(describeMonthlyCost(plan.subscriptions[4])).toEqual({
      current: "200.00 EUR",
      change: "0.00 EUR",
      new: "200.00 EUR",
      percentChange: "0.0",
      requested: { current: "200.00 EUR", change: "+200.00 EUR", new: "400.00 EUR", percentChange: "+100.0" },
    });
    const { recurring: _recurring, ...old } = plan.subscriptions[0];
    expect(describeMonthlyCost(old)).toBeUndefined();
  });

  it("words the totals per currency", () => {
    expect(describeMonthlyTotals(plan.subscriptions)).toEqual([
      { currency: "EUR", current: "783.33 EUR", change: "-91.67 EUR", new: "691.67 EUR", percentChange: "-11.7" },
      { currency: "USD", current: "300.00 USD", change: "+60.00 USD", new: "360.00 USD", percentChange: "+20.0" },
    ]);
  });
});

/** Every line starting with `|` is part of a table the parser found, and every <details> is closed. */
function expectRendersCompletely(chunk: string): Tokens.Table[] {
  const tables: Tokens.Table[] = [];
  const walk = (tokens: readonly Token[]): void => {
    for (const token of tokens) {
      if (token.type === "table") tables.push(token as Tokens.Table);
      const children = (token as { tokens?: Token[] }).tokens;
      if (children) walk(children);
      const items = (token as { items?: Tokens.ListItem[] }).items;
      if (items) walk(items);
    }
  };
  walk(marked.lexer(chunk));
  const pipeLines = chunk.split("\n").filter((line) => line.startsWith("|"));
  expect(pipeLines.length).toBe(tables.reduce((n, table) => n + table.rows.length + 2, 0));
  expect(chunk.split("<details>").length).toBe(chunk.split("</details>").length);
  return tables;
}

function expectCompleteChunks(plan: Plan, maxChars: number): string[] {
  const chunks = renderPlanMarkdownChunks(plan, { maxChars });
  expect(chunks.length).toBeGreaterThan(1);
  const wholeRows = expectRendersCompletely(renderPlanMarkdown(plan)).flatMap((t) => t.rows.map((r) => r.map((c) => c.text).join("|")));
  const chunkRows: string[] = [];
  chunks.forEach((chunk, i) => {
    expect(chunk.length).toBeLessThanOrEqual(maxChars);
    expect(chunk.split("\n")[0]).toBe(i === 0 ? PLAN_COMMENT_MARKER : `<!-- csp-seats-plan part ${i + 1}/${chunks.length} -->`);
    for (const table of expectRendersCompletely(chunk)) chunkRows.push(...table.rows.map((r) => r.map((c) => c.text).join("|")));
  });
  // Nothing lost, nothing doubled: the chunks' table rows are the whole document's.
  expect(chunkRows).toEqual(wholeRows);
  expect(chunks[0]).toContain("**Monthly cost will");
  expect(chunks[0]).toContain("| Currency | Current monthly | Monthly change | New monthly | Charge now | Refund now | Net now |");
  return chunks;
}

describe("renderPlanMarkdownChunks: every chunk a complete comment", () => {
  const many = Array.from({ length: 120 }, (_, i) =>
    buildSubscription({
      id: `SUB-${String(i).padStart(4, "0")}`,
      name: `Customer ${i} with a fairly long subscription name`,
      lines: [buildLine({ usage: 2 }), buildLine({ sku: "TEAMS-ESS", limit: 3, usage: 3 }), buildLine({ sku: "EXO-P1", limit: 7, usage: 1 })],
    }),
  );
  const unchanged = Array.from({ length: 200 }, (_, i) => buildSubscription({ id: `SUB-U${i}`, name: `Quiet ${i}`, lines: [buildLine({ usage: 10 })] }));
  const big = planSeats(
    {
      defaults: {},
      subscriptions: [
        ...many.map((s) => ({ id: s.id, licenses: { "M365-BP": 15, "TEAMS-ESS": 3, "EXO-P1": 9 } })),
        ...unchanged.map((s) => ({ id: s.id, licenses: { "M365-BP": 10 } })),
        ...Array.from({ length: 40 }, (_, i) => ({ id: `SUB-GONE-${i}`, licenses: { "M365-BP": 1 } })),
      ],
    },
    [...many, ...unchanged],
    clock,
  );

  it.each([1_000, 2_500, 8_000, 30_000])("splits a large plan into complete comments at %i characters", (maxChars) => {
    const chunks = expectCompleteChunks(big, maxChars);
    for (const s of many) expect(chunks.join("\n").split(`#### \`${s.id}\` `).length - 1).toBeGreaterThanOrEqual(1);
  });

  it("repeats the overview's heading and header rows where it continues", () => {
    const chunks = expectCompleteChunks(big, 2_500);
    const continued = chunks.filter((c) => c.includes("#### Subscriptions (continued)"));
    expect(continued.length).toBeGreaterThan(0);
    for (const chunk of continued) expect(chunk).toMatch(/#### Subscriptions \(continued\)\n\n(\| Subscription \| Current monthly [^\n]*\|\n\| --- \||<details><summary>200 subscriptions without changes<\/summary>)/);
    expect(continued.some((c) => /#### Subscriptions \(continued\)\n\n\| Subscription \|/.test(c))).toBe(true);
  });

  it("splits one oversized subscription with its heading (continued), the <details> reopened and the table header repeated", () => {
    const wide = buildSubscription({ lines: Array.from({ length: 200 }, (_, i) => buildLine({ sku: `SKU-${i}`, usage: 0 })) });
    const plan = planSeats({ defaults: {}, subscriptions: [{ id: "SUB-1", licenses: Object.fromEntries(wide.lines.map((l) => [l.sku, 11])) }] }, [wide], clock);
    const chunks = expectCompleteChunks(plan, 3_000);
    expect(chunks.slice(1).every((c) => c.includes("#### `SUB-1` Contoso HQ (EUR) (continued)\n\n"))).toBe(true);
    const withRows = chunks.filter((c) => c.includes("| `SKU-"));
    expect(withRows.length).toBeGreaterThan(1);
    for (const chunk of withRows) {
      expect(chunk).toContain("<details><summary>Line details (200 lines, monthly cost per SKU in EUR)</summary>\n\n| SKU |");
      expect(chunk).toMatch(/\n\| SKU \| (Assigned|Seats) \|[^\n]*\|\n\| --- \|/);
    }
  });

  it("keeps the headline and totals in part 1 even when the file-wide findings alone need several parts", () => {
    const findingsOnly = planSeats({ defaults: {}, subscriptions: Array.from({ length: 80 }, (_, i) => ({ id: `SUB-MISSING-${i}`, licenses: { "M365-BP": 1 } })) }, [], clock);
    const chunks = renderPlanMarkdownChunks(findingsOnly, { maxChars: 1_500 });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]).toContain("**Monthly cost will not change.**");
    expect(chunks.join("\n").match(/`UNKNOWN_SUBSCRIPTION`/g)).toHaveLength(80);
    for (const chunk of chunks) expectRendersCompletely(chunk);
  });
});
