/**
 * The layer rules of provider/, checked on the source text: imports flow down only (core <- desired, report,
 * backends, simulator <- app <- pulumi, cli), core imports only core, and nothing imports pulumi/ or cli/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const PROVIDER = path.join(ROOT, "provider");

type Layer = "core" | "desired" | "report" | "backends" | "simulator" | "app" | "pulumi" | "cli";

/** The layers each layer may import (its own included). */
const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ["core"],
  desired: ["core", "desired"],
  report: ["core", "report"],
  backends: ["core", "backends"],
  // The embedded portal implements the Portal interface; it may see that one file of backends/, nothing else.
  simulator: ["core", "simulator"],
  app: ["core", "desired", "backends", "simulator", "app"],
  pulumi: ["core", "desired", "report", "app", "pulumi"],
  cli: ["core", "desired", "report", "app", "cli"],
};

/** Single files a layer may import beyond its layers (paths relative to provider/, without extension). */
const ALLOWED_FILES: Readonly<Partial<Record<Layer, readonly string[]>>> = {
  simulator: ["backends/portal"],
};

/** Files with a narrower rule than their layer's. */
const FILE_RULES: Readonly<Record<string, readonly Layer[]>> = {
  // The dynamic-provider shim is serialized into every resource's state and loaded by the Pulumi program: core only.
  "pulumi/resource.ts": ["core"],
};

/** The package barrel re-exports every layer on purpose. */
const EXEMPT = new Set(["index.ts"]);

/** Known violations, as `file -> imported path` (both relative to provider/). None: every layer keeps the rules. */
const KNOWN_VIOLATIONS: readonly string[] = [];

export interface ImportViolation {
  /** `provider/<file>:<line>`. */
  readonly at: string;
  readonly file: string;
  readonly line: number;
  /** The import as written. */
  readonly specifier: string;
  /** The imported path relative to provider/, without extension. */
  readonly target: string;
  readonly reason: string;
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*$\s{},]*?)\s*from\s*["']([^"']+)["']/g,
  /\bimport\s+["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\(\s*["']([^"']+)["']\s*\)/g,
];

/** Packages core may use: node built-ins without I/O, and the pure YAML parser (core/located-yaml.ts reads text, never files). */
const CORE_PACKAGES = new Set(["node:crypto", "yaml"]);

/** Every import of `text` that is not relative (packages and node built-ins), with its 1-based line. */
export function listPackageImports(text: string): Array<{ specifier: string; line: number }> {
  return listImports(text).filter((entry) => !entry.specifier.startsWith("."));
}

/** Every relative import of `text` (static, re-export, dynamic import and require) with its 1-based line. */
export function listRelativeImports(text: string): Array<{ specifier: string; line: number }> {
  return listImports(text).filter((entry) => entry.specifier.startsWith("."));
}

function listImports(text: string): Array<{ specifier: string; line: number }> {
  const found = new Map<number, { specifier: string; line: number }>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const specifier = match[1];
      const offset = (match.index ?? 0) + match[0].lastIndexOf(specifier);
      found.set(offset, { specifier, line: text.slice(0, offset).split("\n").length });
    }
  }
  return [...found.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
}

function layerOf(relative: string): Layer | undefined {
  const first = relative.split("/")[0];
  return first in ALLOWED ? (first as Layer) : undefined;
}

/** Checks files (paths relative to provider/, posix separators) against the layer rules. */
export function checkImports(files: ReadonlyArray<{ file: string; text: string }>): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const { file, text } of files) {
    if (EXEMPT.has(file)) continue;
    const from = layerOf(file);
    if (!from) continue;
    const allowed = FILE_RULES[file] ?? ALLOWED[from];
    for (const { specifier, line } of listRelativeImports(text)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.(js|ts)$/, "");
      if (target.startsWith("../")) continue; // outside provider/ (the schema): not a layer
      const to = layerOf(target);
      if (!to) {
        if (target === "index") violations.push({ at: `provider/${file}:${line}`, file, line, specifier, target, reason: "imports the package barrel" });
        continue;
      }
      if (allowed.includes(to) || (!FILE_RULES[file] && ALLOWED_FILES[from]?.includes(target))) continue;
      const reason =
        to === "pulumi" || to === "cli" ? `nothing outside ${to}/ imports ${to}/` : FILE_RULES[file] ? `${file} may import only ${allowed.join(", ")}` : `${from} may import only ${allowed.join(", ")}`;
      violations.push({ at: `provider/${file}:${line}`, file, line, specifier, target, reason });
    }
  }
  return violations;
}

function readProviderFiles(): Array<{ file: string; text: string }> {
  const files: Array<{ file: string; text: string }> = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) files.push({ file: path.relative(PROVIDER, full).split(path.sep).join("/"), text: fs.readFileSync(full, "utf8") });
    }
  };
  walk(PROVIDER);
  return files;
}

const describeViolation = (v: ImportViolation): string => `${v.at}: imports "${v.specifier}" (${v.reason})`;

describe("import rules of provider/", () => {
  const files = readProviderFiles();
  const violations = checkImports(files);

  it("reads the source tree (so the rules cannot pass on no files)", () => {
    expect(files.length).toBeGreaterThan(40);
    expect(files.some((f) => f.file === "core/plan/planner.ts")).toBe(true);
  });

  it("has no import against the layer rules beyond the known ones", () => {
    const unexpected = violations.filter((v) => !KNOWN_VIOLATIONS.includes(`${v.file} -> ${v.target}`));
    expect(unexpected.map(describeViolation)).toEqual([]);
  });

  it("keeps core pure: core imports only core, with no known exceptions", () => {
    expect(violations.filter((v) => v.file.startsWith("core/")).map(describeViolation)).toEqual([]);
    expect(KNOWN_VIOLATIONS.filter((entry) => entry.startsWith("core/"))).toEqual([]);
  });

  it("keeps core free of I/O: its only packages are node built-ins without I/O and the pure yaml parser", () => {
    const used = files
      .filter((f) => f.file.startsWith("core/"))
      .flatMap((f) => listPackageImports(f.text).map((entry) => ({ at: `provider/${f.file}:${entry.line}`, specifier: entry.specifier })));
    expect(used.filter((entry) => !CORE_PACKAGES.has(entry.specifier)).map((entry) => `${entry.at}: imports "${entry.specifier}"`)).toEqual([]);
    expect(used.length).toBeGreaterThan(0);
  });
});

describe("the import-rule checker", () => {
  it.each([
    { reason: "core importing desired", file: "core/plan/bad.ts", text: 'import { x } from "../../desired/desired-state";', target: "desired/desired-state", line: 1 },
    { reason: "a multi-line import", file: "core/bad.ts", text: 'import type { Clock } from "./clock";\nimport {\n  a,\n  b,\n} from "../backends/portal";\n', target: "backends/portal", line: 5 },
    { reason: "a re-export", file: "report/bad.ts", text: 'export { createPortal } from "../app/create-backend";', target: "app/create-backend", line: 1 },
    { reason: "a dynamic import", file: "backends/bad.ts", text: 'const m = await import("../simulator/embedded-portal.js");', target: "simulator/embedded-portal", line: 1 },
    { reason: "a require", file: "desired/bad.ts", text: '\nconst r = require("../report/format");', target: "report/format", line: 2 },
    { reason: "anything importing pulumi/", file: "app/bad.ts", text: 'import type { LineResult } from "../pulumi/resource";', target: "pulumi/resource", line: 1 },
    { reason: "anything importing cli/", file: "pulumi/bad.ts", text: 'import { main } from "../cli/main";', target: "cli/main", line: 1 },
    { reason: "the shim importing app", file: "pulumi/resource.ts", text: 'import { quotePlannedChanges } from "../app/quote";', target: "app/quote", line: 1 },
    { reason: "the simulator importing a backend other than portal.ts", file: "simulator/bad.ts", text: 'import { HttpClient } from "../backends/shared/http-client";', target: "backends/shared/http-client", line: 1 },
  ])("flags $reason with file:line", ({ file, text, target, line }) => {
    const [violation, ...rest] = checkImports([{ file, text }]);
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ file, target, line, at: `provider/${file}:${line}` });
  });

  it.each([
    { reason: "core importing core and node built-ins", file: "core/plan/ok.ts", text: 'import { createHash } from "node:crypto";\nimport type { Money } from "../model";' },
    { reason: "the simulator implementing the Portal interface", file: "simulator/ok.ts", text: 'import type { Portal } from "../backends/portal";' },
    { reason: "desired reading the schema outside provider/", file: "desired/ok.ts", text: 'import schema from "../../schema/seats.schema.json";' },
    { reason: "the package barrel", file: "index.ts", text: 'export { main } from "./cli/main";' },
    { reason: "a package import", file: "pulumi/resource.ts", text: 'import * as pulumi from "@pulumi/pulumi";\nconst x = () => require("csp-seats/provider-impl");' },
  ])("allows $reason", ({ file, text }) => {
    expect(checkImports([{ file, text }])).toEqual([]);
  });
});
