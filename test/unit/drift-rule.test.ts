import { describe, expect, it } from "vitest";
import { isLineDrifted } from "../../provider/core/drift";

describe("isLineDrifted", () => {
  it.each([
    { reason: "purchased equals the file", input: { desired: 10, limit: 10 }, drifted: false },
    { reason: "purchased differs and nothing is scheduled", input: { desired: 8, limit: 10 }, drifted: true },
    { reason: "a scheduled change brings it to the file's count", input: { desired: 8, limit: 10, scheduled: [8] }, drifted: false },
    { reason: "the same, given as the one scheduled quantity", input: { desired: 8, limit: 10, scheduled: 8 }, drifted: false },
    { reason: "a scheduled change to another count", input: { desired: 8, limit: 10, scheduled: [9] }, drifted: true },
    { reason: "in sync, whatever is scheduled", input: { desired: 10, limit: 10, scheduled: [8] }, drifted: false },
  ])("$reason -> drifted: $drifted", ({ input, drifted }) => {
    expect(isLineDrifted(input)).toBe(drifted);
  });
});
