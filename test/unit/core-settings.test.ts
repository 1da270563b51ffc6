import { describe, expect, it } from "vitest";
import type { DesiredSettings } from "../../provider/core/desired-types";
import { mergeSettings, resolveSettings } from "../../provider/core/settings";
import { resolveSettings as resolveFromDesired } from "../../provider/desired/desired-state";

const defaults: DesiredSettings = { paymentMethod: "card", notifyEmail: "ops@example.com", downgradePolicy: "refuse", guardrails: { maxIncrease: 5, maxCharge: "100.00" } };

describe("mergeSettings", () => {
  it("keeps the subscription's own settings over the defaults, guardrails key by key", () => {
    expect(mergeSettings({ paymentMethod: "invoice", guardrails: { maxIncrease: 2, allowBelowUsage: true } }, defaults)).toEqual({
      paymentMethod: "invoice",
      notifyEmail: "ops@example.com",
      downgradePolicy: "refuse",
      guardrails: { maxIncrease: 2, maxCharge: "100.00", allowBelowUsage: true },
    });
  });

  it("keeps only what is set: no built-in defaults, no empty guardrails", () => {
    expect(mergeSettings({}, {})).toEqual({});
    expect(mergeSettings({ guardrails: {} }, { guardrails: {} })).toEqual({});
  });
});

describe("resolveSettings", () => {
  it("applies the built-in defaults over the merge", () => {
    expect(resolveSettings({}, {})).toEqual({ downgradePolicy: "at-renewal", allowBelowUsage: false });
  });

  it("flattens the merged guardrails for the planner", () => {
    expect(resolveSettings({ guardrails: { maxDecrease: 3 } }, defaults)).toEqual({
      paymentMethod: "card",
      notifyEmail: "ops@example.com",
      downgradePolicy: "refuse",
      allowBelowUsage: false,
      maxIncrease: 5,
      maxDecrease: 3,
      maxCharge: "100.00",
    });
  });

  it("is the same function desired-state re-exports", () => {
    expect(resolveFromDesired).toBe(resolveSettings);
  });
});
