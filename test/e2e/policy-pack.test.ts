/**
 * The csp-seats policy pack (policy/) with the REAL Pulumi CLI and the file backend: `pulumi preview --policy-pack
 * policy/run-policy-pack --policy-pack-config <file>` fails on a change over a mandatory limit, warns on an
 * advisory one, and passes under the limits, each message naming the subscription and the line.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/build";
import { buildE2eFixture } from "../helpers/pulumi-fixture";
import { createPulumiProject, type PulumiProject } from "../helpers/pulumi-project";

/** sub-a m365-basic 20 -> 30 (+56.00 EUR a month, +50 %); sub-b m365-basic 10 -> 12 (+11.20 EUR, +20 %). */
const SEATS = `subscriptions:
  - id: sub-a
    licenses:
      m365-basic: 30
  - id: sub-b
    licenses:
      m365-basic: 12
`;

let project: PulumiProject;

/** The pack straight from the checkout: policy/package.json points at the compiled dist/policy/main.js. */
const PACK_RUNNER = path.join(ROOT, "policy", "run-policy-pack");

async function previewWithConfig(config: Record<string, unknown>) {
  const configPath = path.join(project.dir, "policy-config.json");
  await fs.writeFile(configPath, JSON.stringify(config));
  return project.pulumi(["preview", "--policy-pack", PACK_RUNNER, "--policy-pack-config", configPath]);
}

beforeAll(async () => {
  project = await createPulumiProject({ seats: SEATS, fixture: buildE2eFixture() });
}, 300_000);

afterAll(async () => {
  await project?.dispose();
});

describe.sequential("the csp-seats policy pack with pulumi preview", { timeout: 300_000 }, () => {
  it("a mandatory limit over: the preview fails with the subscription, the amount and the limit", async () => {
    const preview = await previewWithConfig({
      "seats-monthly-increase-per-subscription": { limits: { EUR: "50.00" } },
      "seats-line-percent-change": { enforcementLevel: "disabled" },
    });
    expect(preview.code, preview.output).not.toBe(0);
    expect(preview.output).toContain("[mandatory]  seats-monthly-increase-per-subscription");
    expect(preview.output).toContain("subscription sub-a (Contoso A): the monthly cost rises by 56.00 EUR, over the limit of 50.00 EUR per subscription");
    expect(preview.output).not.toContain("subscription sub-b (Contoso B): the monthly cost rises");
  });

  it("the per-stack limit sums per currency across subscriptions", async () => {
    const preview = await previewWithConfig({
      "seats-monthly-increase-per-stack": { limits: { EUR: "60.00", USD: "1.00" } },
      "seats-line-percent-change": { enforcementLevel: "disabled" },
    });
    expect(preview.code, preview.output).not.toBe(0);
    expect(preview.output).toContain("the stack's monthly cost rises by 67.20 EUR (subscriptions sub-a, sub-b), over the limit of 60.00 EUR per stack");
  });

  it("an advisory limit over: the preview warns with the line and passes", async () => {
    const preview = await previewWithConfig({ "seats-line-percent-change": { enforcementLevel: "advisory", maxPercent: 25 } });
    expect(preview.code, preview.output).toBe(0);
    expect(preview.output).toContain("[advisory]  seats-line-percent-change");
    expect(preview.output).toContain("subscription sub-a (Contoso A), line m365-basic: 20 -> 30 seats (50.0 %), over the auto-approve limit of 25 %");
    // sub-b's +20 % is auto-approved.
    expect(preview.output).not.toContain("line m365-basic: 10 -> 12");
  });

  it("under every limit: the preview passes with no violation", async () => {
    const preview = await previewWithConfig({
      "seats-monthly-increase-per-subscription": { limits: { EUR: "100.00" } },
      "seats-monthly-increase-per-stack": { limits: { EUR: "100.00" } },
      "seats-one-off-charge": { limits: { EUR: "1000.00" } },
      "seats-line-percent-change": { maxPercent: 60 },
    });
    expect(preview.code, preview.output).toBe(0);
    expect(preview.output).not.toMatch(/\[(mandatory|advisory)\]/);
  });

  it("a decrease below the assigned seats that the seats file allows is still stopped by the pack", async () => {
    // sub-b: 10 -> 4 seats with 5 assigned, at renewal; the planner's guardrail is switched off in seats.yaml.
    await project.writeSeats(`subscriptions:
  - id: sub-b
    downgradePolicy: at-renewal
    guardrails:
      allowBelowUsage: true
    licenses:
      m365-basic: 4
`);
    const preview = await previewWithConfig({ "seats-line-percent-change": { enforcementLevel: "disabled" } });
    expect(preview.code, preview.output).not.toBe(0);
    expect(preview.output).toContain("[mandatory]  seats-no-decrease-below-assigned");
    expect(preview.output).toContain("subscription sub-b (Contoso B), line m365-basic: 4 seats would be fewer than the 5 assigned");
    expect(preview.output).not.toContain("seats-decrease-refundable-or-at-renewal");
  });
});
