import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredState } from "../../provider/desired/desired-state";
import { computeDrift } from "../../provider/core/drift";
import { planSeats } from "../../provider/core/plan/planner";
import {
  DEFAULT_MARKDOWN_MAX_CHARS,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanMarkdownChunks,
  renderPlanText,
} from "../../provider/report";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const clock = createFixedClock(NOW);

const observed = [
  buildSubscription({ lines: [buildLine({ usage: 4, refundableBatches: [buildBatch(3, NOW, 10)] }), buildLine({ sku: "TEAMS-ESS", displayName: "Teams Essentials", limit: 5, usage: 5 })] }),
  buildSubscription({ id: "SUB-US", name: "Contoso US", currency: "USD", lines: [buildLine({ unitPrice: { currency: "USD", amount: "30.00" }, usage: 12 })] }),
  buildSubscription({ id: "SUB-3", name: "Lab", lines: [buildLine({ usage: 10 })] }),
];
const desired: DesiredState = {
  defaults: {},
  subscriptions: [
    { id: "SUB-1", licenses: { "M365-BP": 5, "TEAMS-ESS": 5 } },
    { id: "SUB-US", licenses: { "M365-BP": 12 } },
    { id: "SUB-3", licenses: { "M365-BP": 10 } },
  ],
};

describe("renderPlanText", () => {
  const text = renderPlanText(planSeats(desired, observed, clock));

  it.each([
    { reason: "a refunded decrease shows from -> to, delta, refund and the date", line: /M365-BP\s+10 -> 7\s+\(-3\)\s+refund 10\.00 EUR\s+effective 2026-11-26/ },
    { reason: "the rest of a mixed decrease waits for renewal", line: /M365-BP\s+7 -> 5\s+\(-2\)\s+no refund\s+at renewal 2027-01-01/ },
    { reason: "an increase shows its prorated charge (2 x 30.00 x 5/30)", line: /M365-BP\s+10 -> 12\s+\(\+2\)\s+charge 10\.00 USD\s+effective 2026-11-26/ },
    { reason: "totals stay per currency", line: /EUR\s+charge 0\.00\s+refund 10\.00\s+net -10\.00\n\s+USD\s+charge 10\.00\s+refund 0\.00\s+net 10\.00/ },
    { reason: "unchanged subscriptions are listed once", line: /No changes: SUB-3 \(Lab\)/ },
    { reason: "findings carry their code", line: /warning\s+SCHEDULED_AT_RENEWAL\s+SUB-1: M365-BP: 2 seat\(s\)/ },
    { reason: "a summary line closes the plan", line: /Plan: 2 orders to place, 0 blocked, 1 unchanged\.\n$/ },
  ])("$reason", ({ line }) => {
    expect(text).toMatch(line);
  });

  it.each([
    { reason: "the headline words the monthly change per currency", line: /^Monthly cost will decrease by 100\.00 EUR \(-20\.0%\) and increase by 60\.00 USD \(\+20\.0%\)\.$/m },
    { reason: "a split decrease counts once per SKU, to its final count, from renewal", line: /M365-BP\s+200\.00\s+100\.00\s+-100\.00\s+-50\.0%\s+from 2027-01-01/ },
    { reason: "the subscription's monthly total", line: /total\s+300\.00\s+200\.00\s+-100\.00\s+-33\.3%/ },
    { reason: "monthly totals stay per currency", line: /EUR\s+now 500\.00\s+new 400\.00\s+change -100\.00 \(-20\.0%\)\n\s+USD\s+now 300\.00\s+new 360\.00\s+change \+60\.00 \(\+20\.0%\)/ },
  ])("recurring cost: $reason", ({ line }) => {
    expect(text).toMatch(line);
  });

  it("marks a blocked subscription and counts its violation", () => {
    const blocked = renderPlanText(planSeats({ defaults: { guardrails: { maxIncrease: 1 } }, subscriptions: [{ id: "SUB-US", licenses: { "M365-BP": 12 } }] }, observed, clock));
    expect(blocked).toContain("BLOCKED by a violation");
    expect(blocked).toMatch(/VIOLATION GUARDRAIL_MAX_INCREASE\s+SUB-US/);
    expect(blocked).toMatch(/1 violation: fix them before applying\.\n$/);
    // What the file asks for stays visible; the totals keep the blocked subscription at its current cost.
    expect(blocked).toMatch(/total\s+300\.00\s+360\.00\s+\+60\.00\s+\+20\.0%\s+blocked: not ordered/);
    expect(blocked).toMatch(/USD\s+now 300\.00\s+new 300\.00\s+change 0\.00 \(0\.0%\)/);
    expect(blocked).toMatch(/^Monthly cost will not change \(300\.00 USD\)\.$/m);
  });
});

describe("renderPlanJson", () => {
  it("is the plan itself plus kind and formatVersion, money as decimal strings", () => {
    const plan = planSeats(desired, observed, clock);
    const parsed = JSON.parse(renderPlanJson(plan));
    expect(parsed.kind).toBe("csp-seats/plan");
    expect(parsed.formatVersion).toBe(1);
    const { kind: _kind, formatVersion: _version, ...rest } = parsed;
    expect(rest).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(parsed.subscriptions[0].lines[0].refund).toEqual({ currency: "EUR", amount: "10.00" });
  });
});

describe("renderPlanMarkdown", () => {
  it("renders tables with charges and refunds and a totals table", () => {
    const md = renderPlanMarkdown(planSeats(desired, observed, clock));
    expect(md).toMatch(/^<!-- csp-seats-plan -->\n### csp-seats plan\n/);
    expect(md).toContain("| `M365-BP` | 4 | 10 | 10 → 7 (-3) | refund 10.00 EUR | 2026-11-26 |");
    expect(md).toContain("| EUR | 500.00 | -100.00 (-20.0%) | 400.00 | 0.00 | 10.00 | -10.00 |");
    expect(md).toContain("| USD | 300.00 | +60.00 (+20.0%) | 360.00 | 10.00 | 0.00 | 10.00 |");
  });

  it("escapes Markdown in names so a subscription cannot break the table", () => {
    const odd = [buildSubscription({ name: "A|B *C*", lines: [buildLine({ usage: 12 })] })];
    const md = renderPlanMarkdown(planSeats({ defaults: {}, subscriptions: [{ id: "SUB-1", licenses: { "M365-BP": 12 } }] }, odd, clock));
    expect(md).toContain("A\\|B \\*C\\*");
  });
});

describe("text and Markdown agree on what is unchanged", () => {
  // Idle seats (a warning) on a subscription whose count does not change.
  const idle = [buildSubscription({ id: "SUB-IDLE", name: "Idle", lines: [buildLine({ usage: 4 })] })];
  const plan = planSeats({ defaults: {}, subscriptions: [{ id: "SUB-IDLE", licenses: { "M365-BP": 10 } }] }, idle, clock);

  it("counts a subscription with only warnings as unchanged in both", () => {
    expect(plan.findings.map((f) => f.code)).toEqual(["IDLE_SEATS"]);
    expect(renderPlanText(plan)).toMatch(/Plan: 0 orders to place, 0 blocked, 1 unchanged\.\n$/);
    expect(renderPlanMarkdown(plan)).toContain("**0 orders** to place, 0 blocked, 1 unchanged");
  });

  it("still shows its warnings in both", () => {
    expect(renderPlanText(plan)).toMatch(/warning\s+IDLE_SEATS\s+SUB-IDLE/);
    expect(renderPlanMarkdown(plan)).toMatch(/#### `SUB-IDLE` Idle[\s\S]*`IDLE_SEATS`/);
  });
});

describe("renderPlanMarkdownChunks", () => {
  const many = Array.from({ length: 300 }, (_, i) =>
    buildSubscription({
      id: `SUB-${String(i).padStart(4, "0")}`,
      name: `Customer ${i} with a fairly long subscription name to make the comment big`,
      lines: [buildLine({ usage: 2 }), buildLine({ sku: "TEAMS-ESS", limit: 3, usage: 3 }), buildLine({ sku: "EXO-P1", limit: 7, usage: 1 })],
    }),
  );
  const big = planSeats({ defaults: {}, subscriptions: many.map((s) => ({ id: s.id, licenses: { "M365-BP": 15, "TEAMS-ESS": 3, "EXO-P1": 9 } })) }, many, clock);

  it("keeps a short plan in one chunk, identical to the whole document", () => {
    const small = planSeats(desired, observed, clock);
    expect(renderPlanMarkdownChunks(small)).toEqual([renderPlanMarkdown(small)]);
  });

  it.each([
    { reason: "GitHub's limit (default)", maxChars: undefined },
    { reason: "a small limit forces many chunks", maxChars: 8_000 },
  ])("splits a 300-subscription plan under the limit without losing a subscription: $reason", ({ maxChars }) => {
    const limit = maxChars ?? DEFAULT_MARKDOWN_MAX_CHARS;
    const whole = renderPlanMarkdown(big);
    expect(whole.length).toBeGreaterThan(limit);
    const chunks = renderPlanMarkdownChunks(big, maxChars ? { maxChars } : {});
    expect(chunks.length).toBeGreaterThan(1);
    chunks.forEach((chunk, i) => {
      expect(chunk.length).toBeLessThanOrEqual(limit);
      expect(chunk.startsWith(`${i === 0 ? "<!-- csp-seats-plan -->" : `<!-- csp-seats-plan part ${i + 1}/${chunks.length} -->`}\n### csp-seats plan (part ${i + 1} of ${chunks.length})`)).toBe(true);
    });
    const joined = chunks.join("\n");
    for (const s of many) expect(joined.split(`#### \`${s.id}\``).length - 1).toBe(1);
    expect(chunks[0]).toContain("| Currency | Current monthly | Monthly change | New monthly | Charge now | Refund now | Net now |");
  });

  it("cuts a single oversized subscription at line boundaries, never inside a row", () => {
    const wide = buildSubscription({ lines: Array.from({ length: 200 }, (_, i) => buildLine({ sku: `SKU-${i}`, usage: 0 })) });
    const plan = planSeats({ defaults: {}, subscriptions: [{ id: "SUB-1", licenses: Object.fromEntries(wide.lines.map((l) => [l.sku, 11])) }] }, [wide], clock);
    const chunks = renderPlanMarkdownChunks(plan, { maxChars: 5_000 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(5_000);
      for (const line of chunk.split("\n").filter((l) => l.startsWith("| `SKU-"))) expect(line).toMatch(/\|$/);
    }
    expect(chunks.join("\n").match(/\| `SKU-\d+` \| 0 \| 10 \| 10 → 11/g)).toHaveLength(200);
    expect(chunks.join("\n").match(/\| `SKU-\d+` \| 10 → 11 \| 20\.00 \|/g)).toHaveLength(200);
  });

  it("refuses a limit too small to hold anything", () => {
    expect(() => renderPlanMarkdownChunks(big, { maxChars: 100 })).toThrow(RangeError);
  });
});

describe("drift renderers", () => {
  const report = computeDrift(desired, observed, clock);

  it("text shows desired, purchased, assigned, idle cost and the open refund window", () => {
    const text = renderDriftText(report);
    expect(text).toMatch(/M365-BP\s+5\s+10\s+4\s+6\s+120\.00 EUR\s+3 until 2026-12-02T20:00:00\.000Z\s+DRIFT \+5 purchased beyond the file/);
    expect(text).toMatch(/TEAMS-ESS\s+5\s+5\s+5\s+0\s+0\.00 EUR\s+0\s+in sync/);
    expect(text).toMatch(/Drift: 2 lines in 2 subscriptions differ/);
  });

  it("text says so when there is no drift", () => {
    const clean = computeDrift({ defaults: {}, subscriptions: [{ id: "SUB-3", licenses: { "M365-BP": 10 } }] }, observed, clock);
    expect(renderDriftText(clean)).toMatch(/No drift: every managed line matches the file\.\n$/);
  });

  it("text shows a decrease already scheduled for renewal as scheduled, not as drift", () => {
    const scheduled = [buildSubscription({ id: "SUB-9", renewalDate: "2027-01-01", lines: [buildLine({ sku: "M365-BP", limit: 10, usage: 4 })], scheduledChanges: [{ sku: "M365-BP", quantity: 8, effectiveDate: "2027-01-01" }] })];
    const text = renderDriftText(computeDrift({ defaults: {}, subscriptions: [{ id: "SUB-9", licenses: { "M365-BP": 8 } }] }, scheduled, clock));
    expect(text).toMatch(/M365-BP\s+8\s+10\s+4\s+.*scheduled: \+2 purchased beyond the file until 2027-01-01/);
    expect(text).not.toContain("DRIFT");
    expect(text).toMatch(/No drift: every managed line matches the file, or will at renewal \(1 scheduled change\)\.\n$/);
  });

  it("markdown has one row per line and JSON is the report plus kind and version", () => {
    expect(renderDriftMarkdown(report)).toContain("| `M365-BP` | 5 | 10 | 4 | 6 | 120.00 EUR | 3 until 2026-12-02T20:00:00.000Z | **drift +5** |");
    const parsed = JSON.parse(renderDriftJson(report));
    expect(parsed).toMatchObject({ kind: "csp-seats/drift", formatVersion: 1, hasDrift: true });
  });
});
