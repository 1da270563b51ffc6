import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDesiredState } from "../../provider/desired/desired-state";

// Each file in the corpus states what it must produce: `# expect: CODE line:col`, one line per error, in file order.
const CORPUS = path.join(__dirname, "..", "fixtures", "bad-seats");
const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith(".yaml")).sort();

describe("bad seats.yaml corpus", () => {
  it("has files to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  it.each(files)("%s reports exactly the expected errors, located", (file) => {
    const text = fs.readFileSync(path.join(CORPUS, file), "utf8");
    const expected = [...text.matchAll(/^# expect: (\S+) (\d+):(\d+)$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]}`);
    expect(expected.length, `${file} declares no expectation`).toBeGreaterThan(0);
    const result = parseDesiredState(text, file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.code} ${e.line}:${e.col}`)).toEqual(expected);
    for (const error of result.errors) {
      expect(error.file).toBe(file);
      expect(error.message.length).toBeGreaterThan(10);
      expect(error.path).toMatch(/^(\$|[A-Za-z])/);
    }
  });
});
