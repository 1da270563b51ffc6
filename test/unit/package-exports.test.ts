/**
 * The npm package as package.json declares it (issue #11): publishable, exporting from the root every name the
 * docs tell users to call, and a template whose dependencies match the package's. test/e2e/package-template.test.ts
 * checks the real `npm pack` output and runs the template with the real Pulumi CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as library from "../../provider/index";

const ROOT = path.resolve(__dirname, "..", "..");
const TEMPLATE = path.join(ROOT, "templates", "csp-seats");

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  main: string;
  types: string;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/** The text of a Markdown section: from its heading to the next heading of the same level. */
function readSection(file: string, heading: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const start = text.indexOf(heading);
  expect(start, `${file} has a section "${heading}"`).toBeGreaterThan(-1);
  const level = /^#+/.exec(heading)![0];
  const next = text.indexOf(`\n${level} `, start + heading.length);
  return text.slice(start, next === -1 ? undefined : next);
}

/** Names a text imports from "csp-seats", calls as `name(` inside backticks, constructs or `export =`s (not JavaScript's own). */
function getNamedApi(text: string): string[] {
  const imported = [...text.matchAll(/import \{([^}]+)\} from "csp-seats"/g)].flatMap((match) => match[1].split(",").map((name) => name.trim()));
  const called = [...text.matchAll(/`(?:new )?([a-zA-Z]\w*)\(/g)].map((match) => match[1]);
  const constructed = [...text.matchAll(/\bnew ([A-Z]\w*)\(/g)].map((match) => match[1]);
  const programs = [...text.matchAll(/export = ([a-zA-Z]\w*);/g)].map((match) => match[1]);
  return [...new Set([...imported, ...called, ...constructed, ...programs])].filter((name) => name !== "require" && !(name in globalThis)).sort();
}

describe("package.json", () => {
  // What `npm pack` really ships (entry points, run-time files, no tests) is checked on the tarball by
  // test/e2e/package-template.test.ts.
  it("is publishable: not private, with a files list, a bin, and exports with types for the root and the provider", () => {
    expect(ours.private).toBeUndefined();
    expect(ours.files.length).toBeGreaterThan(0);
    expect(Object.keys(ours.bin)).toEqual(["csp-seats"]);
    expect(ours.exports["."]).toEqual({ types: `./${ours.types}`, default: `./${ours.main}` });
    expect(Object.keys(ours.exports["./provider-impl"])).toEqual(["types", "default"]);
  });

  it("builds before npm pack and publish, and keeps link-self.js out of users' installs", () => {
    expect(ours.scripts.prepack).toMatch(/^tsc -p tsconfig\.json/);
    // npm runs `prepare` in a checkout or for a git dependency, never for a registry or tarball install.
    expect(ours.scripts.prepare).toBe("node scripts/link-self.js");
    expect(ours.files.some((entry) => entry.startsWith("scripts"))).toBe(false);
  });
});

describe("the library", () => {
  const documented = [
    ...getNamedApi(readSection("docs/formats.md", "## The same documents from a program")),
    ...getNamedApi(readSection("docs/formats.md", "## Markdown")),
    ...getNamedApi(readSection("README.md", "## Install it in your own repository")),
    ...getNamedApi(fs.readFileSync(path.join(TEMPLATE, "index.ts"), "utf8")),
  ];

  it("exports from the root every function and class the docs, the README and the template name", () => {
    expect(documented).toEqual(expect.arrayContaining(["SubscriptionSeats", "declareSubscriptionSeats", "loadSeatsFile", "renderPlanMarkdownChunks", "runSeatsProgram", "summarizePlans"]));
    const exported = library as unknown as Record<string, unknown>;
    expect([...new Set(documented)].filter((name) => typeof exported[name] !== "function")).toEqual([]);
  });
});

describe("templates/csp-seats", () => {
  const project = parse(fs.readFileSync(path.join(TEMPLATE, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options: Record<string, unknown> };
    main: string;
    template: { description: string; config: Record<string, { description: string; default?: string }> };
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(TEMPLATE, "package.json"), "utf8")) as PackageJson;

  it("is a pulumi new template: a TypeScript program, config prompts for the backend and the endpoint", () => {
    expect(project.name).toBe("${PROJECT}");
    expect(project.runtime).toMatchObject({ name: "nodejs", options: { typescript: true } });
    expect(project.main).toBe("index.ts");
    expect(project.template.description.length).toBeGreaterThan(0);
    expect(project.template.config["csp-seats:backend"]).toMatchObject({ default: "embedded" });
    expect(project.template.config["csp-seats:endpoint"].description).toMatch(/URL/);
    for (const file of ["index.ts", "seats.yaml", "README.md", "tsconfig.json"]) expect(fs.existsSync(path.join(TEMPLATE, file)), file).toBe(true);
    // npm never packs a .gitignore: the template must be the same from git and from the tarball.
    expect(fs.existsSync(path.join(TEMPLATE, ".gitignore"))).toBe(false);
  });

  it("depends on this version of csp-seats and on the SDK and TypeScript it is tested with", () => {
    expect(manifest.dependencies["csp-seats"]).toBe(`^${ours.version}`);
    expect(manifest.dependencies["@pulumi/pulumi"]).toBe(ours.dependencies["@pulumi/pulumi"]);
    expect(manifest.devDependencies.typescript).toBe(ours.devDependencies.typescript);
    expect(manifest.devDependencies["@types/node"]).toBe(ours.devDependencies["@types/node"]);
  });

  it("declares the demo portal's subscriptions in a valid seats.yaml", async () => {
    const result = await library.loadDesiredState(path.join(TEMPLATE, "seats.yaml"));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.subscriptions.map((subscription) => subscription.id)).toEqual(["sub-contoso-basic", "sub-contoso-standard"]);
  });
});
