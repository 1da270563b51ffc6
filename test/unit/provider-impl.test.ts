/**
 * The pure parts of the SubscriptionSeats provider: input validation (what `check` refuses before any portal
 * read), `diff` (decided by the plan from `check`, never by re-reading) and the plan summary the program exports.
 */
import { describe, expect, it } from "vitest";
import { check, configure, diff, resolveProviderSettings, validateInputs } from "../../provider/pulumi/provider-impl";
import { summarizePlans } from "../../provider/pulumi/resource";
import type { SubscriptionPlan } from "../../provider/core/plan/types";

const eur = (amount: string) => ({ currency: "EUR", amount });

function buildPlan(overrides: Partial<SubscriptionPlan> = {}): SubscriptionPlan {
  return {
    subscriptionId: "sub-1",
    name: "Contoso",
    currency: "EUR",
    revision: "r1",
    lines: [],
    orderLines: [],
    charge: eur("0.00"),
    refund: eur("0.00"),
    net: eur("0.00"),
    findings: [],
    idempotencyKey: "k",
    allowBelowUsage: false,
    ...overrides,
  };
}

describe("validateInputs", () => {
  it.each([
    { reason: "a well-formed resource passes", news: { subscriptionId: "sub-1", licenses: { A: 3 }, settings: { downgradePolicy: "refuse" } }, failures: [] },
    { reason: "a numeric id is read as text", news: { subscriptionId: 1234, licenses: { A: 0 } }, failures: [] },
    { reason: "the id is required", news: { licenses: { A: 3 } }, failures: ["subscriptionId"] },
    { reason: "at least one license", news: { subscriptionId: "sub-1", licenses: {} }, failures: ["licenses"] },
    { reason: "seats are whole numbers", news: { subscriptionId: "sub-1", licenses: { A: 2.5, B: -1, C: "3" } }, failures: ["licenses.A", "licenses.B", "licenses.C"] },
    { reason: "an unknown downgrade policy", news: { subscriptionId: "sub-1", licenses: { A: 1 }, settings: { downgradePolicy: "now" } }, failures: ["settings.downgradePolicy"] },
    { reason: "maxCharge is a decimal string (exact money), not a float", news: { subscriptionId: "sub-1", licenses: { A: 1 }, settings: { guardrails: { maxCharge: 12.5 } } }, failures: ["settings.guardrails.maxCharge"] },
    { reason: "a misspelt guardrail is not silently ignored", news: { subscriptionId: "sub-1", licenses: { A: 1 }, settings: { guardrails: { maxCharges: "1.00" } } }, failures: ["settings.guardrails.maxCharges"] },
    { reason: "notifyEmail must be an address", news: { subscriptionId: "sub-1", licenses: { A: 1 }, settings: { notifyEmail: "it" } }, failures: ["settings.notifyEmail"] },
  ])("$reason", ({ news, failures }) => {
    expect(validateInputs(news).failures.map((f) => f.property)).toEqual(failures);
  });

  it("keeps the declared inputs and reads a numeric id as text", () => {
    expect(validateInputs({ subscriptionId: 1234, name: "X", licenses: { A: 2 }, settings: { notifyEmail: "a@b.example" } }).inputs).toEqual({
      subscriptionId: "1234",
      name: "X",
      licenses: { A: 2 },
      settings: { notifyEmail: "a@b.example" },
    });
  });
});

describe("diff", () => {
  it.each([
    {
      reason: "order lines in the plan are a change, per SKU, never a replacement",
      olds: {},
      news: { licenses: { A: 3, B: 1 }, plan: buildPlan({ orderLines: [{ sku: "A", quantity: 3, effective: "now" }] }) },
      changes: true,
      keys: ["licenses.A"],
    },
    {
      reason: "no order lines is no change, even when the stored inputs differ",
      olds: { licenses: { A: 9 }, limits: { A: 9 } },
      news: { licenses: { A: 3 }, plan: buildPlan() },
      changes: false,
      keys: [],
    },
    {
      reason: "without a plan (older state) the last observed limits decide, still without I/O",
      olds: { limits: { A: 2, B: 1 } },
      news: { licenses: { A: 3, B: 1 } },
      changes: true,
      keys: ["licenses.A"],
    },
    {
      reason: "refresh, no drift: the stored plan (older than the read) still lists the order it placed, but the limits match",
      olds: { limits: { A: 22 }, scheduled: {}, observedAt: "2026-11-26T10:00:00.000Z" },
      news: { licenses: { A: 22 }, plan: buildPlan({ orderLines: [{ sku: "A", quantity: 22, effective: "now" }] }), checkedAt: "2026-11-26T09:00:00.000Z" },
      changes: false,
      keys: [],
    },
    {
      reason: "refresh, drift: someone changed the seats in the portal after the last plan",
      olds: { limits: { A: 25, B: 6 }, scheduled: {}, observedAt: "2026-11-26T10:00:00.000Z" },
      news: { licenses: { A: 22, B: 6 }, plan: buildPlan(), checkedAt: "2026-11-26T09:00:00.000Z" },
      changes: true,
      keys: ["licenses.A"],
    },
    {
      reason: "refresh: a decrease already scheduled for renewal is not drift",
      olds: { limits: { B: 6 }, scheduled: { B: 4 }, observedAt: "2026-11-26T10:00:00.000Z" },
      news: { licenses: { B: 4 }, plan: buildPlan(), checkedAt: "2026-11-26T09:00:00.000Z" },
      changes: false,
      keys: [],
    },
    {
      reason: "refresh: a decrease csp-seats holds until its window opens (a portal that cannot schedule) is not drift",
      olds: { limits: { B: 6 }, scheduled: {}, observedAt: "2026-11-26T10:00:00.000Z" },
      news: {
        licenses: { B: 4 },
        plan: buildPlan({
          lines: [
            { sku: "B", displayName: "B", usage: 3, refundableQuantity: 0, currentLimit: 6, desired: 4, delta: -2, action: "down", effective: "renewal", effectiveDate: "2026-12-01", charge: eur("0.00"), refund: eur("0.00"), deferred: { windowOpens: "2026-12-01", windowCloses: "2026-12-08" } },
          ],
        }),
        checkedAt: "2026-11-26T09:00:00.000Z",
      },
      changes: false,
      keys: [],
    },
    {
      reason: "preview after an out-of-band change: the fresh plan (newer than the last read) decides",
      olds: { limits: { A: 22 }, scheduled: {}, observedAt: "2026-11-26T09:00:00.000Z" },
      news: { licenses: { A: 22 }, plan: buildPlan({ orderLines: [{ sku: "A", quantity: 22, effective: "now" }] }), checkedAt: "2026-11-26T10:00:00.000Z" },
      changes: true,
      keys: ["licenses.A"],
    },
  ])("$reason", async ({ olds, news, changes, keys }) => {
    const result = await diff("sub-1", olds, news);
    expect(result.changes).toBe(changes);
    expect(result.replaces).toEqual([]);
    expect(Object.keys(result.detailedDiff)).toEqual(keys);
  });
});

describe("resolveProviderSettings", () => {
  const config = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] });

  it.each([
    { reason: "nothing set: the embedded portal under the project directory, the real clock", values: {}, env: {}, backend: "embedded", statePath: "/project/.csp-seats/portal-state.json", pinned: false },
    { reason: "an endpoint alone means http", values: { "csp-seats:endpoint": "http://127.0.0.1:9" }, env: {}, backend: "http", statePath: undefined, pinned: false },
    { reason: "the environment fills what the stack config does not set", values: {}, env: { CSP_SEATS_BACKEND: "http", CSP_SEATS_ENDPOINT: "http://x:1", CSP_SEATS_NOW: "2026-05-12T09:00:00Z" }, backend: "http", statePath: undefined, pinned: true },
    { reason: "the stack config wins over the environment", values: { "csp-seats:backend": "embedded", "csp-seats:statePath": "state/p.json" }, env: { CSP_SEATS_BACKEND: "http" }, backend: "embedded", statePath: "/project/state/p.json", pinned: false },
  ])("$reason", ({ values, env, backend, statePath, pinned }) => {
    const settings = resolveProviderSettings(config(values), env, "/project");
    expect(settings.backend.backend).toBe(backend);
    if (statePath) expect(settings.backend.statePath).toBe(statePath);
    expect(settings.pinnedClock !== undefined).toBe(pinned);
  });

  it("refuses a csp-seats:now that is not a time", () => {
    expect(() => resolveProviderSettings(config({ "csp-seats:now": "tomorrow" }), {}, "/p")).toThrow(/CONFIG_NOW|not an ISO-8601 time/);
  });

  it.each([
    { reason: "an endpoint without a scheme", values: { "csp-seats:endpoint": "localhost:8080" }, code: "CONFIG_ENDPOINT", summary: 'csp-seats:endpoint "localhost:8080" is not an http(s) URL' },
    { reason: "a time past the sane range", values: { "csp-seats:now": "9999-12-31T23:59:59Z" }, code: "CONFIG_NOW", summary: 'csp-seats:now "9999-12-31T23:59:59Z" is outside the years 2000 to 9998' },
    { reason: "an unknown backend", values: { "csp-seats:backend": "clodblue" }, code: "CONFIG_BACKEND", summary: 'unknown backend "clodblue" (csp-seats:backend)' },
  ])("reports $reason with the same coded error as the CLI, naming the stack config key", ({ values, code, summary }) => {
    expect(() => resolveProviderSettings(config(values), {}, "/p")).toThrow(expect.objectContaining({ code, summary }));
  });
});

describe("summarizePlans", () => {
  it("lists each change with its money and totals per currency, never across currencies", () => {
    const line = { displayName: "A", usage: 1, refundableQuantity: 0 } as const;
    const summary = summarizePlans([
      buildPlan({
        lines: [
          { ...line, sku: "A", currentLimit: 20, desired: 22, delta: 2, action: "up", effective: "now", effectiveDate: "2026-05-12", charge: eur("7.23"), refund: eur("0.00") },
          { ...line, sku: "B", currentLimit: 6, desired: 4, delta: -2, action: "down", effective: "renewal", effectiveDate: "2026-12-01", charge: eur("0.00"), refund: eur("0.00") },
          { ...line, sku: "C", currentLimit: 3, desired: 3, delta: 0, action: "none", effective: "now", effectiveDate: "2026-05-12", charge: eur("0.00"), refund: eur("0.00") },
        ],
        orderLines: [{ sku: "A", quantity: 22, effective: "now" }],
        charge: eur("7.23"),
        net: eur("7.23"),
      }),
      buildPlan({ subscriptionId: "sub-2", currency: "USD", charge: { currency: "USD", amount: "1.00" }, refund: { currency: "USD", amount: "0.00" }, net: { currency: "USD", amount: "1.00" } }),
      undefined,
    ]);
    expect(summary.hasChanges).toBe(true);
    expect(summary.subscriptions[0].changes).toEqual(["A 20 -> 22 now: charge 7.23 EUR", "B 6 -> 4 at renewal 2026-12-01"]);
    expect(summary.totals).toEqual([
      { currency: "EUR", charge: "7.23 EUR", refund: "0.00 EUR", net: "7.23 EUR" },
      { currency: "USD", charge: "1.00 USD", refund: "0.00 USD", net: "1.00 USD" },
    ]);
  });
});

describe("check during a preview with inputs not known yet", () => {
  it("plans nothing and refuses nothing (no portal is opened)", async () => {
    // A portal that does not exist: opening it would fail with PORTAL_NOT_SEEDED.
    await configure({ config: { get: (key: string) => ({ "csp-seats:backend": "embedded", "csp-seats:statePath": "/nonexistent/csp-seats/state.json" })[key] } });
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const result = await check({}, { subscriptionId: unknown, licenses: { A: 1 } });
    expect(result.failures ?? []).toEqual([]);
    expect(result.inputs).toEqual({ subscriptionId: unknown, licenses: { A: 1 } });
  });
});
