import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../provider/core/clock";
import type { DesiredSettings, DesiredState, DesiredSubscription } from "../../provider/desired/desired-state";
import type { LicenseLine, Subscription } from "../../provider/core/model";
import { checkAgainstPortal, createIdempotencyKey, planSeats, planSubscription } from "../../provider/core/plan/planner";
import { buildBatch, buildLine, buildSubscription } from "../helpers/subscription-builder";

// 2026-11-26 in a 30-day period 2026-11-01..2026-12-01: 5 days left (26th counted), so one 20.00 seat costs 3.33 / refunds 3.33.
const NOW = "2026-11-26T06:00:00.000Z";

interface LineExpectation {
  action: "up" | "down" | "none";
  effective: "now" | "renewal";
  from: number;
  to: number;
  charge?: string;
  refund?: string;
  effectiveDate?: string;
  alreadyScheduled?: boolean;
}

interface Case {
  reason: string;
  line?: Partial<LicenseLine>;
  subscription?: Partial<Subscription>;
  licenses?: Record<string, number>;
  settings?: DesiredSettings;
  defaults?: DesiredSettings;
  name?: string;
  now?: string;
  lines?: LineExpectation[];
  orderLines: { sku: string; quantity: number; effective: "now" | "renewal" }[];
  findings: string[];
  charge?: string;
  refund?: string;
}

const cases: Case[] = [
  {
    reason: "same count as purchased: nothing to order",
    licenses: { "M365-BP": 10 },
    lines: [{ action: "none", effective: "now", from: 10, to: 10, charge: "0.00", refund: "0.00" }],
    orderLines: [],
    findings: ["warning:IDLE_SEATS"],
  },
  {
    reason: "an increase is charged now, prorated for the 5 days left (2 x 20.00 x 5/30 = 6.67)",
    licenses: { "M365-BP": 12 },
    lines: [{ action: "up", effective: "now", from: 10, to: 12, charge: "6.67", refund: "0.00", effectiveDate: "2026-11-26" }],
    orderLines: [{ sku: "M365-BP", quantity: 12, effective: "now" }],
    findings: ["warning:IDLE_SEATS"],
    charge: "6.67",
    refund: "0.00",
  },
  {
    reason: "a decrease inside the 168-hour window happens now with a prorated refund",
    line: { refundableBatches: [buildBatch(3, NOW, 24)] },
    licenses: { "M365-BP": 8 },
    lines: [{ action: "down", effective: "now", from: 10, to: 8, charge: "0.00", refund: "6.67" }],
    orderLines: [{ sku: "M365-BP", quantity: 8, effective: "now" }],
    findings: [],
    charge: "0.00",
    refund: "6.67",
  },
  {
    reason: "a decrease outside every window with policy at-renewal is scheduled for the renewal date, with a warning",
    licenses: { "M365-BP": 8 },
    lines: [{ action: "down", effective: "renewal", from: 10, to: 8, charge: "0.00", refund: "0.00", effectiveDate: "2027-01-01" }],
    orderLines: [{ sku: "M365-BP", quantity: 8, effective: "renewal" }],
    findings: ["warning:SCHEDULED_AT_RENEWAL"],
  },
  {
    reason: "a decrease outside every window with policy refuse is a violation and orders nothing",
    licenses: { "M365-BP": 8 },
    settings: { downgradePolicy: "refuse" },
    orderLines: [],
    findings: ["violation:OUTSIDE_WINDOW"],
    charge: "0.00",
  },
  {
    reason: "mixed batches: the 3 refundable seats go now (refund 10.00), the other 2 at renewal",
    line: { usage: 4, refundableBatches: [buildBatch(3, NOW, 10)] },
    licenses: { "M365-BP": 5 },
    lines: [
      { action: "down", effective: "now", from: 10, to: 7, refund: "10.00" },
      { action: "down", effective: "renewal", from: 7, to: 5, refund: "0.00", effectiveDate: "2027-01-01" },
    ],
    orderLines: [
      { sku: "M365-BP", quantity: 7, effective: "now" },
      { sku: "M365-BP", quantity: 5, effective: "renewal" },
    ],
    findings: ["warning:SCHEDULED_AT_RENEWAL", "warning:IDLE_SEATS"],
    refund: "10.00",
  },
  {
    reason: "mixed batches with policy refuse: the part outside the window blocks the whole subscription",
    line: { usage: 4, refundableBatches: [buildBatch(3, NOW, 10)] },
    licenses: { "M365-BP": 5 },
    settings: { downgradePolicy: "refuse" },
    orderLines: [],
    findings: ["violation:OUTSIDE_WINDOW", "warning:IDLE_SEATS"],
    refund: "0.00",
  },
  {
    reason: "a batch added exactly 168 hours ago is no longer refundable: the decrease waits for renewal",
    line: { refundableBatches: [buildBatch(2, NOW, 168)] },
    licenses: { "M365-BP": 9 },
    lines: [{ action: "down", effective: "renewal", from: 10, to: 9 }],
    orderLines: [{ sku: "M365-BP", quantity: 9, effective: "renewal" }],
    findings: ["warning:SCHEDULED_AT_RENEWAL", "warning:IDLE_SEATS"],
  },
  {
    reason: "a batch added 167 hours ago is still refundable",
    line: { refundableBatches: [buildBatch(2, NOW, 167)] },
    licenses: { "M365-BP": 9 },
    lines: [{ action: "down", effective: "now", from: 10, to: 9, refund: "3.33" }],
    orderLines: [{ sku: "M365-BP", quantity: 9, effective: "now" }],
    findings: ["warning:IDLE_SEATS"],
  },
  {
    reason: "a limit below the assigned seats is a violation by default",
    line: { refundableBatches: [buildBatch(5, NOW, 1)] },
    licenses: { "M365-BP": 6 },
    orderLines: [],
    findings: ["violation:BELOW_USAGE"],
  },
  {
    reason: "allowBelowUsage lets the limit go below the assigned seats",
    line: { refundableBatches: [buildBatch(5, NOW, 1)] },
    licenses: { "M365-BP": 6 },
    defaults: { guardrails: { allowBelowUsage: true } },
    lines: [{ action: "down", effective: "now", from: 10, to: 6, refund: "13.33" }],
    orderLines: [{ sku: "M365-BP", quantity: 6, effective: "now" }],
    findings: [],
  },
  {
    reason: "maxIncrease: +6 seats with a limit of 5 per run is a violation",
    licenses: { "M365-BP": 16 },
    defaults: { guardrails: { maxIncrease: 5 } },
    orderLines: [],
    findings: ["violation:GUARDRAIL_MAX_INCREASE", "warning:IDLE_SEATS"],
    charge: "0.00",
  },
  {
    reason: "maxIncrease: exactly the limit is allowed",
    licenses: { "M365-BP": 15 },
    defaults: { guardrails: { maxIncrease: 5 } },
    orderLines: [{ sku: "M365-BP", quantity: 15, effective: "now" }],
    findings: ["warning:IDLE_SEATS"],
  },
  {
    reason: "maxDecrease: a subscription's own guardrail overrides the file default",
    line: { usage: 0, refundableBatches: [buildBatch(10, NOW, 1)] },
    licenses: { "M365-BP": 7 },
    defaults: { guardrails: { maxDecrease: 5 } },
    settings: { guardrails: { maxDecrease: 2 } },
    orderLines: [],
    findings: ["violation:GUARDRAIL_MAX_DECREASE", "warning:IDLE_SEATS"],
  },
  {
    reason: "maxCharge: a charge of 6.67 over a 6.66 limit is a violation",
    licenses: { "M365-BP": 12 },
    settings: { guardrails: { maxCharge: "6.66" } },
    orderLines: [],
    findings: ["warning:IDLE_SEATS", "violation:GUARDRAIL_MAX_CHARGE"],
    charge: "0.00",
  },
  {
    reason: "maxCharge: a charge equal to the limit is allowed",
    licenses: { "M365-BP": 12 },
    settings: { guardrails: { maxCharge: "6.67" } },
    orderLines: [{ sku: "M365-BP", quantity: 12, effective: "now" }],
    findings: ["warning:IDLE_SEATS"],
    charge: "6.67",
  },
  {
    reason: "an ineligible subscription with changes is a violation carrying the portal's reason",
    subscription: { eligibility: { eligible: false, reasonCode: "channel-partner", reason: "bought through a channel partner" } },
    licenses: { "M365-BP": 12 },
    orderLines: [],
    findings: ["violation:INELIGIBLE", "warning:IDLE_SEATS"],
  },
  {
    reason: "an ineligible subscription that needs no change is not a problem",
    subscription: { eligibility: { eligible: false, reasonCode: "on-hold", reason: "on hold" } },
    line: { usage: 10 },
    licenses: { "M365-BP": 10 },
    orderLines: [],
    findings: [],
  },
  {
    reason: "a SKU the subscription does not carry is a violation, and nothing else is ordered",
    licenses: { "M365-BP": 12, "M365-E5": 1 },
    orderLines: [],
    findings: ["violation:UNKNOWN_SKU", "warning:IDLE_SEATS"],
  },
  {
    reason: "a different name means a wrong id: violation",
    name: "Fabrikam",
    licenses: { "M365-BP": 12 },
    orderLines: [],
    findings: ["violation:NAME_MISMATCH", "warning:IDLE_SEATS"],
  },
  {
    reason: "names compare without case and extra spaces",
    name: "contoso  hq",
    line: { usage: 10 },
    licenses: { "M365-BP": 10 },
    orderLines: [],
    findings: [],
  },
  {
    reason: "usage counted tenant-wide is a warning (never invent a split), and no idle-seat guess is made",
    line: { usage: 3, usageScope: "tenant-wide sku O365_BUSINESS_PREMIUM" },
    licenses: { "M365-BP": 12 },
    orderLines: [{ sku: "M365-BP", quantity: 12, effective: "now" }],
    findings: ["warning:USAGE_SHARED"],
  },
  {
    reason: "unknown usage is a warning",
    line: { usage: null },
    licenses: { "M365-BP": 11 },
    orderLines: [{ sku: "M365-BP", quantity: 11, effective: "now" }],
    findings: ["warning:USAGE_UNKNOWN"],
  },
  {
    reason: "above the SKU maximum is a violation with the portal's rule",
    line: { maxQuantity: 11 },
    licenses: { "M365-BP": 12 },
    orderLines: [],
    findings: ["violation:QUANTITY_OUT_OF_RANGE", "warning:IDLE_SEATS"],
  },
  {
    reason: "a decrease at renewal needs auto-renew: violation when it is off",
    subscription: { autoRenew: false },
    licenses: { "M365-BP": 9 },
    orderLines: [],
    findings: ["violation:RENEWAL_NEEDS_AUTO_RENEW", "warning:SCHEDULED_AT_RENEWAL", "warning:IDLE_SEATS"],
  },
  {
    reason: "a decrease the portal already has scheduled is not ordered again",
    subscription: { scheduledChanges: [{ sku: "M365-BP", quantity: 8, effectiveDate: "2027-01-01" }] },
    licenses: { "M365-BP": 8 },
    lines: [{ action: "down", effective: "renewal", from: 10, to: 8, alreadyScheduled: true }],
    orderLines: [],
    findings: [],
  },
  {
    reason: "a scheduled change the file disagrees with is left in place, with a warning",
    subscription: { scheduledChanges: [{ sku: "M365-BP", quantity: 6, effectiveDate: "2027-01-01" }] },
    line: { usage: 10 },
    licenses: { "M365-BP": 10 },
    orderLines: [],
    findings: ["warning:SCHEDULED_CHANGE_PENDING"],
  },
  {
    reason: "rounding: Microsoft's example 4.00 / 30 days x 29 days x 1 seat = 3.8666 -> 3.87 (half away from zero, once)",
    now: "2026-11-02T09:00:00.000Z",
    line: { unitPrice: { currency: "EUR", amount: "4.00" }, usage: 11 },
    licenses: { "M365-BP": 11 },
    lines: [{ action: "up", effective: "now", from: 10, to: 11, charge: "3.87" }],
    orderLines: [{ sku: "M365-BP", quantity: 11, effective: "now" }],
    findings: [],
    charge: "3.87",
  },
  {
    reason: "rounding in a zero-decimal currency: 1000 JPY x 5/30 = 166.67 -> 167",
    subscription: { currency: "JPY" },
    line: { unitPrice: { currency: "JPY", amount: "1000" }, usage: 11 },
    licenses: { "M365-BP": 11 },
    lines: [{ action: "up", effective: "now", from: 10, to: 11, charge: "167" }],
    orderLines: [{ sku: "M365-BP", quantity: 11, effective: "now" }],
    findings: [],
    charge: "167",
  },
  {
    reason: "rounding of a refund: 3 seats x 19.99 x 5/30 = 9.995 -> 10.00",
    line: { unitPrice: { currency: "EUR", amount: "19.99" }, usage: 7, refundableBatches: [buildBatch(3, NOW, 2)] },
    licenses: { "M365-BP": 7 },
    lines: [{ action: "down", effective: "now", from: 10, to: 7, refund: "10.00" }],
    orderLines: [{ sku: "M365-BP", quantity: 7, effective: "now" }],
    findings: [],
    refund: "10.00",
  },
  {
    reason: "downsize to 0 inside the window is a cancellation with a full prorated refund",
    line: { usage: 0, limit: 2, refundableBatches: [buildBatch(2, NOW, 5)] },
    licenses: { "M365-BP": 0 },
    lines: [{ action: "down", effective: "now", from: 2, to: 0, refund: "6.67" }],
    orderLines: [{ sku: "M365-BP", quantity: 0, effective: "now" }],
    findings: [],
  },
  {
    reason: "an unknown payment method label is a violation",
    licenses: { "M365-BP": 11 },
    settings: { paymentMethod: "Mastercard" },
    orderLines: [],
    findings: ["warning:IDLE_SEATS", "violation:PAYMENT_METHOD_UNKNOWN"],
  },
];

describe("planSubscription", () => {
  it.each(cases)("$reason", (c) => {
    const now = new Date(c.now ?? NOW);
    const observed = buildSubscription({ ...c.subscription, lines: [buildLine(c.line)] });
    const desired: DesiredSubscription = { id: "SUB-1", licenses: c.licenses ?? {}, ...(c.name ? { name: c.name } : {}), ...c.settings };
    const plan = planSubscription(desired, c.defaults ?? {}, observed, now);

    expect(plan.orderLines).toEqual(c.orderLines);
    expect(plan.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(c.findings);
    expect(plan.blocked).toBe(c.findings.some((f) => f.startsWith("violation")));
    if (c.lines) {
      expect(plan.lines).toHaveLength(c.lines.length);
      c.lines.forEach((want, i) => {
        const got = plan.lines[i];
        expect({ action: got.action, effective: got.effective, from: got.currentLimit, to: got.desired }).toEqual({
          action: want.action,
          effective: want.effective,
          from: want.from,
          to: want.to,
        });
        expect(got.delta).toBe(want.to - want.from);
        if (want.charge !== undefined) expect(got.charge.amount).toBe(want.charge);
        if (want.refund !== undefined) expect(got.refund.amount).toBe(want.refund);
        if (want.effectiveDate !== undefined) expect(got.effectiveDate).toBe(want.effectiveDate);
        if (want.alreadyScheduled !== undefined) expect(got.alreadyScheduled).toBe(want.alreadyScheduled);
      });
    }
    if (c.charge !== undefined) expect(plan.charge.amount).toBe(c.charge);
    if (c.refund !== undefined) expect(plan.refund.amount).toBe(c.refund);
  });

  it("resolves a payment method by label to its id and carries notifyEmail and allowBelowUsage", () => {
    const plan = planSubscription(
      { id: "SUB-1", licenses: { "M365-BP": 11 }, paymentMethod: "invoice", notifyEmail: "it@contoso.example" },
      { guardrails: { allowBelowUsage: true } },
      buildSubscription(),
      new Date(NOW),
    );
    expect(plan).toMatchObject({ paymentMethodId: "pm-invoice", paymentMethodLabel: "Invoice", notifyEmail: "it@contoso.example", allowBelowUsage: true });
  });

  it("uses the portal's default payment method when the file names none", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 11 } }, {}, buildSubscription(), new Date(NOW));
    expect(plan.paymentMethodId).toBe("pm-card");
  });

  it("leaves lines that are not in the file out of the plan (never removed)", () => {
    const observed = buildSubscription({ lines: [buildLine(), buildLine({ sku: "TEAMS-ESS", displayName: "Teams Essentials", limit: 4 })] });
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 10 } }, {}, observed, new Date(NOW));
    expect(plan.lines.map((l) => l.sku)).toEqual(["M365-BP"]);
  });

  it("reports the refundable quantity and the earliest closing window of a line", () => {
    const batches = [buildBatch(2, NOW, 100), buildBatch(1, NOW, 10)];
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 10 } }, {}, buildSubscription({ lines: [buildLine({ refundableBatches: batches })] }), new Date(NOW));
    expect(plan.lines[0]).toMatchObject({ refundableQuantity: 3, refundableUntil: batches[0].refundableUntil });
  });

  it("attaches the file location to findings when the desired subscription has one", () => {
    const plan = planSubscription(
      { id: "SUB-1", name: "Other", licenses: { "M365-BP": 10 }, source: { file: "seats.yaml", line: 4, col: 5 } },
      {},
      buildSubscription(),
      new Date(NOW),
    );
    expect(plan.findings[0]).toMatchObject({ code: "NAME_MISMATCH", location: "seats.yaml:4:5" });
  });
});

describe("idempotency keys", () => {
  const lines = [{ sku: "M365-BP", quantity: 12, effective: "now" as const }];
  it.each([
    { reason: "the same inputs give the same key", other: () => createIdempotencyKey("SUB-1", "rev-1", lines), same: true },
    { reason: "a new revision gives a new key", other: () => createIdempotencyKey("SUB-1", "rev-2", lines), same: false },
    { reason: "another subscription gives a new key", other: () => createIdempotencyKey("SUB-2", "rev-1", lines), same: false },
    { reason: "other quantities give a new key", other: () => createIdempotencyKey("SUB-1", "rev-1", [{ ...lines[0], quantity: 13 }]), same: false },
    { reason: "another effective gives a new key", other: () => createIdempotencyKey("SUB-1", "rev-1", [{ ...lines[0], effective: "renewal" }]), same: false },
  ])("$reason", ({ other, same }) => {
    const key = createIdempotencyKey("SUB-1", "rev-1", lines);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(other() === key).toBe(same);
  });

  it("the plan's key is the key of its order lines", () => {
    const plan = planSubscription({ id: "SUB-1", licenses: { "M365-BP": 12 } }, {}, buildSubscription(), new Date(NOW));
    expect(plan.idempotencyKey).toBe(createIdempotencyKey("SUB-1", "rev-1", plan.orderLines));
  });
});

describe("planSeats", () => {
  const clock = createFixedClock(NOW);
  const eur = buildSubscription();
  const usd = buildSubscription({ id: "SUB-US", name: "Contoso US", currency: "USD", lines: [buildLine({ unitPrice: { currency: "USD", amount: "30.00" } })] });
  const eur2 = buildSubscription({ id: "SUB-2", name: "Contoso Lab", lines: [buildLine({ refundableBatches: [buildBatch(2, NOW, 3)] })] });

  it("keeps totals per currency and never adds EUR to USD", () => {
    const desired: DesiredState = {
      defaults: {},
      subscriptions: [
        { id: "SUB-1", licenses: { "M365-BP": 12 } },
        { id: "SUB-US", licenses: { "M365-BP": 11 } },
        { id: "SUB-2", licenses: { "M365-BP": 8 } },
      ],
    };
    const plan = planSeats(desired, [usd, eur2, eur], clock);
    expect(plan.plannedAt).toBe(NOW);
    expect(plan.subscriptions.map((s) => s.subscriptionId)).toEqual(["SUB-1", "SUB-US", "SUB-2"]);
    expect(plan.totals).toEqual([
      { currency: "EUR", charge: { currency: "EUR", amount: "6.67" }, refund: { currency: "EUR", amount: "6.67" }, net: { currency: "EUR", amount: "0.00" } },
      { currency: "USD", charge: { currency: "USD", amount: "5.00" }, refund: { currency: "USD", amount: "0.00" }, net: { currency: "USD", amount: "5.00" } },
    ]);
    expect(plan.hasChanges).toBe(true);
    expect(plan.hasViolations).toBe(false);
  });

  it("reports an unknown subscription as a violation and leaves subscriptions outside the file alone", () => {
    const desired: DesiredState = { defaults: {}, subscriptions: [{ id: "NOPE", licenses: { "M365-BP": 1 } }, { id: "SUB-1", licenses: { "M365-BP": 10 } }] };
    const plan = planSeats(desired, [eur, eur2], clock);
    expect(plan.subscriptions.map((s) => s.subscriptionId)).toEqual(["SUB-1"]);
    expect(plan.findings[0]).toMatchObject({ severity: "violation", code: "UNKNOWN_SUBSCRIPTION", subscriptionId: "NOPE" });
    expect(plan.hasViolations).toBe(true);
  });

  it("leaves a blocked subscription out of the totals while others still plan", () => {
    const desired: DesiredState = {
      defaults: {},
      subscriptions: [
        { id: "SUB-1", licenses: { "M365-BP": 40 }, guardrails: { maxIncrease: 5 } },
        { id: "SUB-US", licenses: { "M365-BP": 11 } },
      ],
    };
    const plan = planSeats(desired, [eur, usd], clock);
    expect(plan.totals.map((t) => `${t.currency} ${t.charge.amount}`)).toEqual(["EUR 0.00", "USD 5.00"]);
    expect(plan.subscriptions[0].orderLines).toEqual([]);
    expect(plan.hasChanges).toBe(true);
    expect(plan.hasViolations).toBe(true);
  });

  it("is pure: the same inputs give an identical plan", () => {
    const desired: DesiredState = { defaults: {}, subscriptions: [{ id: "SUB-1", licenses: { "M365-BP": 12 } }] };
    expect(planSeats(desired, [eur], clock)).toEqual(planSeats(desired, [eur], clock));
  });
});

describe("checkAgainstPortal", () => {
  it.each([
    { reason: "unknown subscription", desired: { id: "X", licenses: { "M365-BP": 1 } }, codes: ["UNKNOWN_SUBSCRIPTION"] },
    { reason: "unknown SKU", desired: { id: "SUB-1", licenses: { E5: 1 } }, codes: ["UNKNOWN_SKU"] },
    { reason: "name mismatch and unknown SKU together", desired: { id: "SUB-1", name: "Fabrikam", licenses: { E5: 1 } }, codes: ["NAME_MISMATCH", "UNKNOWN_SKU"] },
    { reason: "all good", desired: { id: "SUB-1", name: "Contoso HQ", licenses: { "M365-BP": 1 } }, codes: [] },
  ])("$reason", ({ desired, codes }) => {
    const findings = checkAgainstPortal({ defaults: {}, subscriptions: [desired] }, [buildSubscription()]);
    expect(findings.map((f) => f.code)).toEqual(codes);
    expect(findings.every((f) => f.severity === "violation")).toBe(true);
  });
});
