import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const ours = require("../../package.json") as { engines: { node: string }; dependencies: Record<string, string> };
const pulumiSdk = require("@pulumi/pulumi/package.json") as { version: string; engines?: { node?: string } };

/** Parses ">=X.Y.Z" (the only form our engines fields use). */
function parseMinimum(range: string): number[] {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`unsupported engines range ${range}`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function satisfies(version: string, range: string): boolean {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = parseMinimum(range);
  for (let i = 0; i < 3; i += 1) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

// The README promises: tests run on the machine's Node.js 20 with the @pulumi/pulumi 3.248 line pinned, because
// @pulumi/pulumi >= 3.249 declares node >= 22. These assertions fail if either half of that promise breaks.
describe("supported runtime", () => {
  it("pins the @pulumi/pulumi line that supports the Node.js the tests run on", () => {
    expect(ours.dependencies["@pulumi/pulumi"]).toBe("3.248.0");
    expect(pulumiSdk.version).toBe("3.248.0");
    expect(pulumiSdk.engines?.node).toBeDefined();
    expect(satisfies(process.version, pulumiSdk.engines!.node!)).toBe(true);
  });

  it("runs on a Node.js that package.json's engines accepts", () => {
    expect(satisfies(process.version, ours.engines.node)).toBe(true);
  });

  it("recognises a Node.js the pinned SDK would refuse", () => {
    expect(satisfies("v18.20.0", pulumiSdk.engines!.node!)).toBe(false);
    expect(satisfies("v20.17.0", ours.engines.node)).toBe(false);
  });
});
