import { describe, expect, it } from "vitest";
import { summarizeTenantEvents } from "../../provider/app/fleet/tenant-events";
import type { TenantOutcome } from "../../provider/core/fleet-types";
import { renderFleetMarkdown, renderFleetMarkdownChunks } from "../../provider/report/fleet-markdown";
import { formatProgressLine, renderProgressFrame } from "../../provider/report/fleet-progress";
import { buildFleetReport, getFleetExitCode, listMissingShards, mergeFleetReports, parseFleetReport, renderFleetJson } from "../../provider/report/fleet-report";
import { renderFleetText } from "../../provider/report/fleet-text";

const eur = (amount: string) => ({ currency: "EUR", amount });
const usd = (amount: string) => ({ currency: "USD", amount });

function outcome(tenant: string, overrides: Partial<TenantOutcome> = {}): TenantOutcome {
  return { tenant, status: "ok", stack: tenant, changes: [], totals: [], findings: [], drift: [], steps: {}, errors: [], durationMs: 1000, ...overrides };
}

const contoso = outcome("contoso", {
  status: "changes",
  changes: [{ subscriptionId: "sub-a", name: "Contoso A", currency: "EUR", changes: ["m365-basic 20 -> 22 now: charge 7.23 EUR"], charge: eur("7.23"), refund: eur("0.00"), net: eur("7.23") }],
  totals: [{ currency: "EUR", charge: eur("7.23"), refund: eur("0.00"), net: eur("7.23") }],
});
const fabrikam = outcome("fabrikam", {
  status: "changes",
  changes: [{ subscriptionId: "sub-f", name: "Fabrikam", currency: "USD", changes: ["e3 5 -> 4 now: refund 10.00 USD"], charge: usd("0.00"), refund: usd("10.00"), net: usd("-10.00") }],
  totals: [{ currency: "USD", charge: usd("0.00"), refund: usd("10.00"), net: usd("-10.00") }],
});
const northwind = outcome("northwind", {
  status: "changes",
  totals: [{ currency: "EUR", charge: eur("1.00"), refund: eur("3.50"), net: eur("-2.50") }],
});
const broken = outcome("broken", { status: "error", errors: [{ code: "YAML_SYNTAX", summary: "broken/seats.yaml:2:1: not valid YAML", fix: "Fix it." }] });

describe("the fleet report", () => {
  it("sorts tenants, counts statuses and totals money per currency without adding currencies", () => {
    const report = buildFleetReport("preview", [northwind, contoso, fabrikam, broken]);
    expect(report.tenants.map((t) => t.tenant)).toEqual(["broken", "contoso", "fabrikam", "northwind"]);
    expect(report.counts).toEqual({ tenants: 4, ok: 0, changes: 3, drift: 0, error: 1 });
    expect(report.totals).toEqual([
      { currency: "EUR", charge: eur("8.23"), refund: eur("3.50"), net: eur("4.73") },
      { currency: "USD", charge: usd("0.00"), refund: usd("10.00"), net: usd("-10.00") },
    ]);
    expect(report.exitCode).toBe(1);
  });

  it("exit codes: 0 ok, 2 changes (preview) or drift (drift), 1 any error", () => {
    expect(getFleetExitCode("preview", ["ok", "ok"])).toBe(0);
    expect(getFleetExitCode("preview", ["ok", "changes"])).toBe(2);
    expect(getFleetExitCode("up", ["ok"])).toBe(0);
    expect(getFleetExitCode("drift", ["drift", "ok"])).toBe(2);
    expect(getFleetExitCode("refresh", ["drift"])).toBe(0);
    expect(getFleetExitCode("drift", ["drift", "error"])).toBe(1);
  });

  it("merges shard reports into the report of one unsharded run", () => {
    const whole = buildFleetReport("preview", [contoso, fabrikam, northwind, broken]);
    const one = buildFleetReport("preview", [fabrikam, broken], { index: 1, count: 2 });
    const two = buildFleetReport("preview", [contoso, northwind], { index: 2, count: 2 });
    const parsed = [one, two].map((report, i) => ({ name: `shard-${i + 1}.json`, report: parseFleetReport(renderFleetJson(report), `shard-${i + 1}.json`) }));
    const merged = mergeFleetReports(parsed);
    expect({ ...merged, mergedFrom: undefined }).toEqual({ ...whole, mergedFrom: undefined });
    expect(merged.mergedFrom).toEqual(["1/2", "2/2"]);
    expect(listMissingShards(merged)).toEqual([]);
    expect(listMissingShards(mergeFleetReports([parsed[1]]))).toEqual(["1/2"]);
  });

  it("refuses to merge a tenant twice, mixed operations, a shard twice, or a file that is not a fleet report", () => {
    const a = buildFleetReport("preview", [contoso], { index: 1, count: 2 });
    expect(() => mergeFleetReports([{ name: "a", report: a }, { name: "b", report: buildFleetReport("preview", [contoso], { index: 2, count: 2 }) }])).toThrow(/tenant contoso is in a and in b/);
    expect(() => mergeFleetReports([{ name: "a", report: a }, { name: "b", report: buildFleetReport("drift", [fabrikam]) }])).toThrow(/b is a drift report/);
    expect(() => mergeFleetReports([{ name: "a", report: a }, { name: "b", report: { ...a, tenants: [] } }])).toThrow(/shard 1\/2 is given twice/);
    expect(() => mergeFleetReports([{ name: "a", report: a }, { name: "b", report: buildFleetReport("preview", [fabrikam], { index: 2, count: 3 }) }])).toThrow(/different shard counts/);
    expect(() => parseFleetReport('{"kind":"csp-seats/plan"}', "plan.json")).toThrow(/plan.json is not a fleet report/);
    expect(() => parseFleetReport("{", "x.json")).toThrow(/x.json is not JSON/);
  });

  it("renders text with one line per tenant, the details and the totals", () => {
    const text = renderFleetText(buildFleetReport("preview", [contoso, fabrikam, broken]));
    expect(text).toContain("fleet preview: 3 tenants: 0 ok, 2 with changes, 0 with drift, 1 failed");
    expect(text).toMatch(/^contoso\s+changes\s+1 subscription to change, net 7.23 EUR$/m);
    expect(text).toMatch(/^broken\s+error\s+YAML_SYNTAX$/m);
    expect(text).toContain("    m365-basic 20 -> 22 now: charge 7.23 EUR");
    expect(text).toContain("  error YAML_SYNTAX: broken/seats.yaml:2:1: not valid YAML\n    fix: Fix it.");
    expect(text).toMatch(/EUR\s+7.23\s+0.00\s+7.23/);
    expect(text).toMatch(/USD\s+0.00\s+10.00\s+-10.00/);
    expect(text.trimEnd().endsWith("exit code 1")).toBe(true);
  });

  it("renders Markdown with a summary table, and chunks a large fleet under the limit with the summary first", () => {
    const markdown = renderFleetMarkdown(buildFleetReport("drift", [outcome("t1", { status: "drift", drift: [{ subscriptionId: "sub-b", gone: false, lines: [{ sku: "m365-basic", desired: 12, purchased: 15 }] }] })]));
    expect(markdown).toContain("| `t1` | ⚠️ drift | drift in sub-b |");
    expect(markdown).toContain("- `sub-b` `m365-basic`: stack 12, portal 15");
    const many = Array.from({ length: 300 }, (_, i) => ({ ...contoso, tenant: `tenant-${String(i).padStart(3, "0")}` }));
    const chunks = renderFleetMarkdownChunks(buildFleetReport("preview", many), { maxChars: 8000 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(8000);
    expect(chunks[0]).toMatch(/^### csp-seats fleet \(part 1 of \d+\)\n\n\*\*preview\*\*: 300 tenants/);
    expect(chunks.join("")).toContain("tenant-299");
  });

  it("progress: live lines per running tenant plus a total; timestamped lines for CI", () => {
    const frame = renderProgressFrame({ total: 12, done: 3, failed: 1, running: [{ tenant: "t04", message: "update sub-a", startedAt: 0 }, { tenant: "t10", message: "selecting the stack", startedAt: 5000 }] }, 12_000, 60);
    expect(frame).toEqual(["  t04   12s  update sub-a", "  t10    7s  selecting the stack", "3/12 done, 1 failed, 2 running"]);
    expect(formatProgressLine(new Date("2026-05-12T09:00:01.234Z"), "t04", "update sub-a")).toBe("2026-05-12T09:00:01.234Z t04: update sub-a");
  });
});

describe("summarizeTenantEvents", () => {
  const plan = (id: string, orderLines: unknown[], extra: Record<string, unknown> = {}) => ({
    subscriptionId: id,
    name: id,
    currency: "EUR",
    revision: "r1",
    lines: [{ sku: "m365-basic", displayName: "Basic", usage: 5, currentLimit: 10, desired: 12, delta: 2, action: "up", effective: "now", effectiveDate: "2026-05-12", charge: eur("7.23"), refund: eur("0.00"), refundableQuantity: 0 }],
    orderLines,
    charge: eur(orderLines.length ? "7.23" : "0.00"),
    refund: eur("0.00"),
    net: eur(orderLines.length ? "7.23" : "0.00"),
    findings: [{ severity: "warning", code: "IDLE_SEATS", subscriptionId: id, message: "idle" }],
    idempotencyKey: "k",
    allowBelowUsage: false,
    ...extra,
  });
  const pre = (op: string, name: string, inputs: Record<string, unknown>) => ({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op, urn: `urn:pulumi:t::p::pulumi-nodejs:dynamic:SubscriptionSeats::${name}`, type: "pulumi-nodejs:dynamic:SubscriptionSeats", provider: "", new: { type: "", urn: "", custom: true, id: name, parent: "", inputs, outputs: {}, provider: "" } } } });

  it("takes the changes, money and findings of a preview from each resource's checked plan", () => {
    const summary = summarizeTenantEvents("preview", [pre("update", "sub-a", { plan: plan("sub-a", [{ sku: "m365-basic", quantity: 12, effective: "now" }]) }), pre("same", "sub-b", { plan: plan("sub-b", []) })] as never);
    expect(summary.status).toBe("changes");
    expect(summary.changes).toEqual([{ subscriptionId: "sub-a", name: "sub-a", currency: "EUR", changes: ["m365-basic 10 -> 12 now: charge 7.23 EUR"], charge: eur("7.23"), refund: eur("0.00"), net: eur("7.23") }]);
    expect(summary.totals).toEqual([{ currency: "EUR", charge: eur("7.23"), refund: eur("0.00"), net: eur("7.23") }]);
    expect(summary.findings.map((f) => f.subscriptionId)).toEqual(["sub-a", "sub-b"]);
    expect(summary.steps).toEqual({ update: 1, same: 1 });
  });

  it("finds drift by the one drift rule: a change already scheduled for renewal is not drift", () => {
    const outputs = (op: string, name: string, desired: Record<string, number>, limits: Record<string, number>, scheduled: Record<string, number> = {}) => ({
      sequence: 2,
      timestamp: 0,
      resOutputsEvent: { metadata: { op, urn: `urn:pulumi:t::p::pulumi-nodejs:dynamic:SubscriptionSeats::${name}`, type: "pulumi-nodejs:dynamic:SubscriptionSeats", provider: "", old: { inputs: { licenses: desired } }, new: { inputs: { licenses: limits }, outputs: { limits, scheduled } } } },
    });
    const summary = summarizeTenantEvents("drift", [
      outputs("update", "sub-a", { x: 12 }, { x: 15 }),
      outputs("update", "sub-b", { x: 5 }, { x: 6 }, { x: 5 }),
      outputs("same", "sub-c", { x: 3 }, { x: 3 }),
      outputs("delete", "sub-d", { x: 1 }, {}),
    ] as never);
    expect(summary.status).toBe("drift");
    expect(summary.drift).toEqual([
      { subscriptionId: "sub-a", gone: false, lines: [{ sku: "x", desired: 12, purchased: 15 }] },
      { subscriptionId: "sub-d", gone: true, lines: [] },
    ]);
  });

  it("skips usage targets in refresh drift: their count only the next plan can derive", () => {
    const event = {
      sequence: 2,
      timestamp: 0,
      resOutputsEvent: {
        metadata: {
          op: "same",
          urn: "urn:pulumi:t::p::pulumi-nodejs:dynamic:SubscriptionSeats::sub-a",
          type: "pulumi-nodejs:dynamic:SubscriptionSeats",
          provider: "",
          old: { inputs: { licenses: { x: { usagePlus: 2 }, y: 4 } } },
          new: { inputs: { licenses: { x: { usagePlus: 2 }, y: 4 } }, outputs: { limits: { x: 9, y: 6 }, scheduled: {} } },
        },
      },
    };
    const summary = summarizeTenantEvents("drift", [event] as never);
    expect(summary.drift).toEqual([{ subscriptionId: "sub-a", gone: false, lines: [{ sku: "y", desired: 4, purchased: 6 }] }]);
  });

  it("turns error diagnostics into coded tenant errors, once each, without the engine's generic lines", () => {
    const diag = (message: string, urn?: string) => ({ sequence: 3, timestamp: 0, diagnosticEvent: { message, color: "never", severity: "error", ...(urn ? { urn } : {}) } });
    const summary = summarizeTenantEvents("preview", [
      diag("PORTAL_UNAVAILABLE: cannot read subscription sub-a: the portal is not available\n", "urn:pulumi:t::p::pulumi-nodejs:dynamic:SubscriptionSeats::sub-a"),
      diag("PORTAL_UNAVAILABLE: cannot read subscription sub-a: the portal is not available\n", "urn:pulumi:t::p::pulumi-nodejs:dynamic:SubscriptionSeats::sub-a"),
      diag("update failed"),
    ] as never);
    expect(summary.status).toBe("error");
    expect(summary.errors).toEqual([{ code: "PORTAL_UNAVAILABLE", summary: "sub-a: PORTAL_UNAVAILABLE: cannot read subscription sub-a: the portal is not available" }]);
  });
});
