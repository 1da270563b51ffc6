/**
 * The HTML reports as text: one self-contained page (no script, no external URL of any kind), accessible (lang,
 * title, headings, charts as images with a title and a description, a table for every chart, readable colours),
 * money per currency. test/browser loads the same pages in Chromium.
 */
import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import { computeDrift } from "../../provider/core/drift";
import type { DesiredState } from "../../provider/core/desired-types";
import { planSeats } from "../../provider/core/plan/planner";
import { computeRenewals } from "../../provider/core/renewals";
import { buildFleetReport } from "../../provider/report/fleet-report";
import { renderDriftHtml, renderFleetHtml, renderPlanHtml, renderRenewalsHtml } from "../../provider/report/html";
import { getAxis } from "../../provider/report/html/bar-chart";
import { escapeHtml, groupDigits } from "../../provider/report/html/page";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

const NOW = "2026-11-26T06:00:00.000Z";
const clock = createFixedClock(NOW);

const observed = [
  buildSubscription({ name: "Contoso <HQ> & \"friends\"", lines: [buildLine({ limit: 12, usage: 8, refundableBatches: [buildBatch(2, NOW, 10)] }), buildLine({ sku: "TEAMS", limit: 2, usage: 0 })] }),
  buildSubscription({ id: "SUB-USD", name: "Fabrikam US", currency: "USD", lines: [buildLine({ unitPrice: { currency: "USD", amount: "1234.50" } })], scheduledChanges: [{ sku: "M365-BP", quantity: 9, effectiveDate: "2027-01-01" }] }),
];
const desired: DesiredState = {
  defaults: {},
  subscriptions: [
    { id: "SUB-1", licenses: { "M365-BP": 9, TEAMS: 3 } },
    { id: "SUB-USD", licenses: { "M365-BP": 9 } },
  ],
};
const plan = planSeats(desired, observed, clock);
const renewals = computeRenewals(desired, observed, clock, { plan });
const pages: Record<string, string> = {
  plan: renderPlanHtml(plan, { renewals }),
  drift: renderDriftHtml(computeDrift(desired, observed, clock), { renewals }),
  renewals: renderRenewalsHtml(renewals),
  fleet: renderFleetHtml(
    buildFleetReport("preview", [
      { tenant: "contoso", status: "changes", stack: "t-contoso", changes: [], totals: plan.totals, findings: [], drift: [], steps: {}, errors: [], durationMs: 1 },
      { tenant: "broken", status: "error", stack: "t-broken", changes: [], totals: [], findings: [], drift: [], steps: {}, errors: [{ code: "FLEET_STACK", summary: "boom" }], durationMs: 1 },
    ]),
  ),
};

/** The markup without its text content: what must not reach out anywhere. */
function stripText(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/, (style) => style.replace(/\/\*[\s\S]*?\*\//g, "")).replace(/>[^<]*</g, "><");
}

function getLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function getContrast(a: string, b: string): number {
  const [x, y] = [getLuminance(a), getLuminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe.each(Object.entries(pages))("the %s page", (_name, html) => {
  it("is self-contained: no script, no stylesheet link, no import, no url(), no http(s) address outside text", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<iframe|<object|<embed/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(/i);
    expect(stripText(html)).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(html).not.toMatch(/\son\w+=/i);
  });

  it("is a document with a language, a title, one h1 and h2 sections", () => {
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    expect(html).toMatch(/<title>csp-seats [^<]+<\/title>/);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect((html.match(/<h2 /g) ?? []).length).toBeGreaterThan(0);
  });

  it("makes every chart an image with a title and a description, and gives it a table", () => {
    const svgs = html.match(/<svg[^>]*>/g) ?? [];
    for (const svg of svgs) {
      expect(svg).toContain('role="img"');
      const [titleId, descId] = /aria-labelledby="([^" ]+) ([^"]+)"/.exec(svg)?.slice(1) ?? [];
      expect(html).toContain(`<title id="${titleId}">`);
      expect(html).toContain(`<desc id="${descId}">`);
    }
    expect((html.match(/<table/g) ?? []).length).toBeGreaterThanOrEqual(svgs.length);
    expect(html.match(/<caption>/g)?.length).toBe(html.match(/<table/g)?.length);
  });

  it("uses colours readable on white (4.5:1) for text, bars and markers", () => {
    const colours = [...html.matchAll(/(?:fill="|[^-]color: |background:)(#[0-9a-f]{6})/gi)].map((m) => m[1].toLowerCase());
    const foreground = colours.filter((c) => c !== "#ffffff" && c !== "#f3f4f6");
    expect(foreground.length).toBeGreaterThan(0);
    for (const colour of new Set(foreground)) expect(getContrast(colour, "#ffffff"), colour).toBeGreaterThanOrEqual(4.5);
  });
});

describe("renderPlanHtml", () => {
  const html = pages.plan;

  it("escapes names and keeps currencies apart: one chart and one totals row per currency", () => {
    expect(html).toContain(escapeHtml('Contoso <HQ> & "friends"'));
    expect(html).not.toContain("<HQ>");
    expect(html).toContain('id="monthly-chart-eur"');
    expect(html).toContain('id="monthly-chart-usd"');
    expect(html.match(/data-total="monthly-before"/g)).toHaveLength(2);
    expect(html).toContain('data-amount="12345.00" data-currency="USD" data-total="monthly-before">12,345.00\u00a0USD');
  });

  it("draws one chart row per subscription and SKU, and carries the renewal calendar", () => {
    expect(html.match(/<g class="chart-row" data-key="SUB-1\/M365-BP">/g)).toHaveLength(1);
    const seatsChart = html.slice(html.indexOf('id="seats-chart"'), html.indexOf("</figure>", html.indexOf('id="seats-chart"')));
    expect(seatsChart.match(/class="chart-row"/g)).toHaveLength(3);
    expect(html).toContain('id="calendar-chart"');
    expect(html.match(/<g class="event"/g)).toHaveLength(renewals.events.length);
  });
});

describe("page helpers", () => {
  it("groups digits of exact amounts without floats", () => {
    expect(groupDigits("1234567.891")).toBe("1,234,567.891");
    expect(groupDigits("-1200")).toBe("-1,200");
    expect(groupDigits("12.00")).toBe("12.00");
  });

  it("picks a round axis for about four steps", () => {
    expect(getAxis(25)).toEqual({ step: 10, max: 30 });
    expect(getAxis(20)).toEqual({ step: 5, max: 20 });
    expect(getAxis(270)).toEqual({ step: 100, max: 300 });
    expect(getAxis(0)).toEqual({ step: 1, max: 1 });
  });
});
