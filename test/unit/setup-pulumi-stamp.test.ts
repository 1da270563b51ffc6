/**
 * scripts/setup-pulumi.sh keys its cached Pulumi CLI build by content only: two clones of one commit at different
 * paths compute the same stamp (the second clone reuses the cache), and a change to a pin computes another.
 * `--print-stamp` prints the key without building, so this needs neither Go nor the network.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const TOOL_DIRS = ["tools/pulumi-cli", "tools/pulumi-language-nodejs"];

let temp: string;

/** A checkout holding only what the stamp reads: the script and the wrapper modules' go.mod, go.sum and Go files. */
function makeClone(relative: string): string {
  const clone = path.join(temp, relative);
  fs.mkdirSync(path.join(clone, "scripts"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "scripts", "setup-pulumi.sh"), path.join(clone, "scripts", "setup-pulumi.sh"));
  for (const dir of TOOL_DIRS) {
    fs.mkdirSync(path.join(clone, dir), { recursive: true });
    for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((name) => name === "go.mod" || name === "go.sum" || name.endsWith(".go"))) {
      fs.copyFileSync(path.join(ROOT, dir, file), path.join(clone, dir, file));
    }
  }
  return clone;
}

function printStamp(checkout: string): string {
  return execFileSync("bash", [path.join(checkout, "scripts", "setup-pulumi.sh"), "--print-stamp"], { encoding: "utf8", env: { PATH: process.env.PATH } }).trim();
}

beforeAll(() => {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-stamp-"));
});

afterAll(() => {
  fs.rmSync(temp, { recursive: true, force: true });
});

describe("setup-pulumi.sh --print-stamp", () => {
  it("prints a 16-hex-digit stamp and nothing else, without building", () => {
    expect(printStamp(ROOT)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is the same for two clones at different paths, so a second clone reuses the cached CLI", () => {
    const first = makeClone("one/csp-seats");
    const second = makeClone("two/deeper/other-name");
    expect(printStamp(first)).toBe(printStamp(second));
    expect(printStamp(first)).toBe(printStamp(ROOT));
  });

  it("changes when a go.mod changes, so a new pin rebuilds", () => {
    const clone = makeClone("changed-go-mod");
    const before = printStamp(clone);
    fs.appendFileSync(path.join(clone, "tools/pulumi-language-nodejs/go.mod"), "\n// a changed pin\n");
    expect(printStamp(clone)).not.toBe(before);
  });

  it("changes when a Go file is added to a wrapper module", () => {
    const clone = makeClone("added-go-file");
    const before = printStamp(clone);
    fs.writeFileSync(path.join(clone, "tools/pulumi-cli/extra.go"), "//go:build tools\n\npackage tools\n");
    expect(printStamp(clone)).not.toBe(before);
  });

  it("changes when the contents move from one file to another (names are part of the stamp)", () => {
    const clone = makeClone("renamed-go-file");
    const before = printStamp(clone);
    fs.renameSync(path.join(clone, "tools/pulumi-cli/tools.go"), path.join(clone, "tools/pulumi-cli/tools-renamed.go"));
    expect(printStamp(clone)).not.toBe(before);
  });
});
