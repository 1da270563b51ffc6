/**
 * examples/fleet: the fleet folder loads against schema/fleet.schema.json, and the two workflows parse, run a
 * matrix of shards and use only `csp-seats fleet` options that exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadFleetLayout } from "../../provider/app/fleet/fleet-layout";
import { FLEET_SPEC } from "../../provider/cli/commands/fleet-command";

const EXAMPLE = path.resolve(__dirname, "../../examples/fleet");

describe("examples/fleet", () => {
  it("is a valid fleet of three tenants with secrets by reference only", async () => {
    const layout = await loadFleetLayout(EXAMPLE);
    expect(layout.tenants.map((t) => [t.name, t.problems])).toEqual([
      ["contoso", []],
      ["fabrikam", []],
      ["northwind", []],
    ]);
    expect(layout.tenants.find((t) => t.name === "fabrikam")!.settings.token).toEqual({ env: "FABRIKAM_CSP_TOKEN" });
  });

  it.each(["fleet-preview.yml", "fleet-drift.yml"])("%s runs a shard matrix, merges, and uses only known fleet options", (file) => {
    const text = fs.readFileSync(path.join(EXAMPLE, "workflows", file), "utf8");
    const workflow = parse(text) as { jobs: Record<string, { strategy?: { matrix?: { shard?: number[] } }; steps: Array<{ run?: string }> }> };
    const shards = Object.values(workflow.jobs).find((job) => job.strategy?.matrix?.shard)?.strategy?.matrix?.shard;
    expect(shards).toEqual([1, 2, 3, 4]);
    const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : [])));
    const commands = runs.join("\n").replace(/\\\n\s*/g, " ").split("\n").filter((line) => line.includes("csp-seats fleet"));
    expect(commands.some((line) => line.includes("--shard"))).toBe(true);
    expect(commands.some((line) => line.includes("fleet report --merge"))).toBe(true);
    const used = commands.flatMap((line) => [...line.matchAll(/\s--([a-z-]+)/g)].map((m) => m[1]));
    expect(used.filter((option) => !(option in FLEET_SPEC.options))).toEqual([]);
  });
});
