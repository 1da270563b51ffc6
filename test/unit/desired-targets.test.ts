import { describe, expect, it } from "vitest";
import { parseDesiredState } from "../../provider/desired/desired-state";
import { validateInputs } from "../../provider/pulumi/inputs";

describe("usage-following targets in seats.yaml", () => {
  it("parses a target next to a number", () => {
    const text = ["subscriptions:", "  - id: SUB-1", "    licenses:", "      M365-BP: 10", "      EXO-P1: { usagePlus: 2, min: 5, max: 50, roundTo: 5, decrease: refundable-only }", ""].join("\n");
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.subscriptions[0].licenses).toEqual({ "M365-BP": 10, "EXO-P1": { usagePlus: 2, min: 5, max: 50, roundTo: 5, decrease: "refundable-only" } });
  });

  it("reports one clear error for a target, not both oneOf branches", () => {
    const text = ["subscriptions:", "  - id: SUB-1", "    licenses:", "      M365-BP: { usagePlus: 2, maxx: 50 }", ""].join("\n");
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toEqual(['target for M365-BP: unknown property "maxx" (did you mean "max"?)']);
    expect(result.errors[0].path).toBe("subscriptions[0].licenses.M365-BP.maxx");
  });

  it("keeps the seat-count message for a value that is not a mapping", () => {
    const text = ["subscriptions:", "  - id: SUB-1", "    licenses:", "      M365-BP: -3", ""].join("\n");
    const result = parseDesiredState(text, "seats.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.code}: ${e.message}`)).toEqual(["INVALID_SEAT_COUNT: seat count for M365-BP must be a whole number of seats, 0 or more; got -3"]);
  });
});

describe("SubscriptionSeats inputs with targets", () => {
  it("accepts a target", () => {
    const { inputs, failures } = validateInputs({ subscriptionId: "SUB-1", licenses: { "M365-BP": { usagePlus: 2, max: 50 } } });
    expect(failures).toEqual([]);
    expect(inputs.licenses).toEqual({ "M365-BP": { usagePlus: 2, max: 50 } });
  });

  it("points at a target whose min is above max", () => {
    const { failures } = validateInputs({ subscriptionId: "SUB-1", licenses: { "M365-BP": { usagePlus: 2, min: 9, max: 3 } } });
    expect(failures).toEqual([{ property: "licenses.M365-BP.min", reason: "INVALID_SEAT_TARGET: target for M365-BP: min 9 is above max 3; make min at most max" }]);
  });
});
