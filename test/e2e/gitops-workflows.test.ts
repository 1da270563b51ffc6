/**
 * The GitHub Actions workflows in examples/gitops/workflows, which users copy into a repository made from the
 * template (templates/csp-seats): each parses, has the structure GitHub needs, uses the pinned actions, and every
 * command a `run:` step executes exists there - npm scripts in the template's package.json, `npx csp-seats`
 * commands and options in the CLI's help, the files the workflows name in the template, and `pulumi` commands and
 * flags in the real CLI's help (PULUMI_BIN_DIR, as `npm test` provides it). test/e2e/package-template.test.ts runs
 * the same commands in such a project.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI, ROOT, ensureBuilt } from "../helpers/build";
import { requirePulumiBinDir } from "../helpers/pulumi-project";

const DIR = path.join(ROOT, "examples", "gitops", "workflows");
/** What a user's repository starts as. */
const TEMPLATE = path.join(ROOT, "templates", "csp-seats");
const WORKFLOWS = ["seats-preview.yml", "seats-up.yml", "seats-drift.yml"];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  id?: string;
  if?: string;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[]; environment?: string }>;
}

function loadWorkflow(file: string): Workflow {
  return parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Workflow;
}

function getSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

/** Splits a shell line into words (quotes removed; `$VAR` kept as is). */
function splitWords(line: string): string[] {
  return (line.match(/"[^"]*"|'[^']*'|[^\s]+/g) ?? []).map((word) => word.replace(/^["']|["']$/g, ""));
}

/** Command lines of a `run:` script: continuation lines joined, comments and blank lines dropped. */
function getCommandLines(script: string): string[][] {
  return script
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => splitWords(line.replace(/\s*[>|].*$/, "")));
}

/** The shell builtins and tools a step may use besides npm, npx and pulumi. */
const SHELL_WORDS = new Set(["set", "echo", "cat", "exit", "if", "then", "fi", "code=$?"]);

let cliHelp: string;
let pulumiBin: string;
const pulumiHelp = new Map<string, string>();

function getPulumiHelp(command: string): string {
  if (!pulumiHelp.has(command)) {
    pulumiHelp.set(command, execFileSync(path.join(pulumiBin, "pulumi"), [command, "--help"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "1" } }));
  }
  return pulumiHelp.get(command)!;
}

/** Why a command line would not run here; undefined when it would. */
function findProblem(words: string[], scripts: Record<string, string>): string | undefined {
  const [tool, ...args] = words;
  if (tool === "npm") {
    if (args[0] === "ci") return undefined;
    if (args[0] === "run") return args[1] in scripts ? undefined : `npm script "${args[1]}" is not in package.json`;
    return `unexpected npm command "${args[0]}"`;
  }
  if (tool === "npx") {
    if (args[0] !== "csp-seats") return `unexpected npx package ${args[0]} (the project installs csp-seats only)`;
    const [command, ...options] = args.slice(1);
    if (!new RegExp(`^  ${command} `, "m").test(cliHelp)) return `csp-seats has no command "${command}"`;
    const unknown = options.filter((word) => word.startsWith("--") && !cliHelp.includes(`[${word} `) && !cliHelp.includes(`[${word}]`));
    return unknown.length > 0 ? `csp-seats ${command} has no option ${unknown.join(", ")}` : undefined;
  }
  if (tool === "pulumi") {
    const [command, ...options] = args;
    const help = getPulumiHelp(command);
    const unknown = options.filter((word) => word.startsWith("--") && !new RegExp(`\\s${word.replace(/[-]/g, "\\-")}[\\s=]`).test(help));
    return unknown.length > 0 ? `pulumi ${command} has no flag ${unknown.join(", ")}` : undefined;
  }
  if (SHELL_WORDS.has(tool) || tool === "[") return undefined;
  return `unknown command "${tool}"`;
}

beforeAll(async () => {
  await ensureBuilt();
  cliHelp = execFileSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
  pulumiBin = requirePulumiBinDir();
}, 300_000);

describe.each(WORKFLOWS)("%s", (file) => {
  it("has a name, triggers, jobs on ubuntu with steps, and the secrets from the README in its env", () => {
    const workflow = loadWorkflow(file);
    expect(workflow.name).toMatch(/^seats /);
    expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
    const jobs = Object.values(workflow.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job["runs-on"]).toBe("ubuntu-latest");
      expect(job.steps.length).toBeGreaterThan(3);
    }
    expect(workflow.env).toMatchObject({ CSP_SEATS_ENDPOINT: "${{ secrets.CSP_SEATS_ENDPOINT }}", CSP_SEATS_TOKEN: "${{ secrets.CSP_SEATS_TOKEN }}" });
    // A token never appears in a command line (it would show in logs and `ps`).
    for (const step of getSteps(workflow)) expect(step.run ?? "").not.toMatch(/--token|CSP_SEATS_TOKEN/);
  });

  it("checks out, sets up Node.js 22 with npm ci before any node or pulumi command", () => {
    const steps = getSteps(loadWorkflow(file));
    expect(steps[0].uses).toBe("actions/checkout@v4");
    expect(steps[1]).toMatchObject({ uses: "actions/setup-node@v4", with: { "node-version": 22 } });
    const install = steps.findIndex((step) => /npm ci/.test(step.run ?? ""));
    const firstUse = steps.findIndex((step) => /^(npx|node|pulumi) /m.test(step.run ?? ""));
    expect(install).toBeGreaterThan(1);
    expect(firstUse).toBeGreaterThan(install);
  });

  it("names only files a repository made from the template has (SEATS_FILE, the path filters)", () => {
    const workflow = loadWorkflow(file) as Workflow & { on: Record<string, { paths?: string[] } | null> };
    const files = fs.readdirSync(TEMPLATE);
    expect(files).toContain(workflow.env?.SEATS_FILE);
    // package-lock.json is written by the first install (`pulumi new` or `npm install`).
    const filters = Object.values(workflow.on).flatMap((trigger) => trigger?.paths ?? []).filter((filter) => filter !== "package-lock.json");
    const toRegExp = (filter: string) => new RegExp(`^${filter.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`);
    const unmatched = filters.filter((filter) => !files.some((name) => toRegExp(filter).test(name)));
    expect(unmatched).toEqual([]);
  });

  it("runs only commands that exist in this project (npm scripts, csp-seats commands and options, pulumi flags, files)", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(TEMPLATE, "package.json"), "utf8")).scripts ?? {}) as Record<string, string>;
    const problems = getSteps(loadWorkflow(file))
      .filter((step) => step.run)
      .flatMap((step) => getCommandLines(step.run!).map((words) => ({ words, problem: findProblem(words, scripts) })))
      .filter((entry) => entry.problem !== undefined)
      .map((entry) => `${entry.words.join(" ")}: ${entry.problem}`);
    expect(problems).toEqual([]);
  });
});

describe("the command check itself", () => {
  it.each([
    { words: ["npm", "run", "no-such-script"], reason: "a missing npm script", expected: /not in package.json/ },
    { words: ["npx", "csp-seats", "apply"], reason: "a csp-seats command that does not exist", expected: /no command "apply"/ },
    { words: ["npx", "csp-seats", "plan", "--comment-dir", "x"], reason: "a csp-seats option that does not exist", expected: /no option --comment-dir/ },
    { words: ["pulumi", "up", "--auto-approve"], reason: "a Terraform flag on pulumi", expected: /no flag --auto-approve/ },
    { words: ["npx", "cowsay", "hello"], reason: "a package the project does not install", expected: /unexpected npx package cowsay/ },
    { words: ["node", "bin/csp-seats.js", "plan"], reason: "a script of the csp-seats checkout, absent from the user's repository", expected: /unknown command "node"/ },
    { words: ["curl", "https://example.com"], reason: "a tool the workflows do not need", expected: /unknown command "curl"/ },
  ])("rejects $reason", ({ words, expected }) => {
    expect(findProblem(words, { build: "tsc" })).toMatch(expected);
  });

  it("accepts the commands the workflows rely on", () => {
    for (const words of [
      ["npm", "run", "build"],
      ["npx", "csp-seats", "plan", "--desired", "seats.yaml", "--output-dir", "plan-comments"],
      ["npx", "csp-seats", "plan", "--desired", "seats.yaml", "--format", "json", "--output-dir", "plan-comments"],
      ["npx", "csp-seats", "drift", "--desired", "seats.yaml", "--format", "markdown"],
      ["pulumi", "preview", "--stack", "prod", "--non-interactive", "--diff"],
    ]) {
      expect(findProblem(words, { build: "tsc" })).toBeUndefined();
    }
  });
});

describe("what each workflow is for", () => {
  it("preview: on pull requests, posts every plan chunk from --output-dir, orders nothing", () => {
    const workflow = loadWorkflow("seats-preview.yml");
    expect(workflow.on).toHaveProperty("pull_request");
    expect(workflow.permissions).toMatchObject({ "pull-requests": "write" });
    const steps = getSteps(workflow);
    const runs = steps.map((step) => step.run ?? "").join("\n");
    expect(runs).toMatch(/plan .*--output-dir plan-comments/);
    expect(runs).toMatch(/^pulumi preview /m);
    expect(runs).not.toMatch(/pulumi up/);
    const post = steps.find((step) => step.uses?.startsWith("actions/github-script@"));
    expect(String(post?.with?.script)).toMatch(/plan-comments/);
    expect(String(post?.with?.script)).toMatch(/createComment/);
    // One comment per part, updated in place (found by the CLI's marker), and none while nothing changes.
    expect(String(post?.with?.script)).toMatch(/updateComment/);
    expect(String(post?.with?.script)).toContain("<!-- csp-seats-plan -->");
    expect(String(post?.with?.script)).toMatch(/!plan\.hasChanges && !plan\.hasViolations && ours\.size === 0/);
    expect(runs).toMatch(/plan .*--format json --output-dir plan-comments > plan\.json/);
    expect(steps.find((step) => step.uses?.startsWith("pulumi/actions@"))?.with).toMatchObject({ "pulumi-version": "3.274.1" });
  });

  it("up: on pushes to main, in a protected environment, one run at a time, never cancelled, then a drift check", () => {
    const workflow = loadWorkflow("seats-up.yml") as Workflow & { concurrency: { "cancel-in-progress": boolean } };
    expect(workflow.on).toMatchObject({ push: { branches: ["main"] } });
    expect(workflow.concurrency["cancel-in-progress"]).toBe(false);
    expect(workflow.jobs.up.environment).toBe("production");
    const runs = getSteps(workflow).map((step) => step.run ?? "");
    const up = runs.findIndex((run) => /^pulumi up .*--yes/m.test(run));
    const drift = runs.findIndex((run) => /csp-seats drift/.test(run));
    expect(up).toBeGreaterThan(-1);
    expect(drift).toBeGreaterThan(up);
  });

  it("drift: nightly; exit 1 fails the job, exit 2 opens or updates an issue", () => {
    const workflow = loadWorkflow("seats-drift.yml") as Workflow & { on: { schedule: Array<{ cron: string }> } };
    expect(workflow.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(workflow.permissions).toMatchObject({ issues: "write" });
    const steps = getSteps(workflow);
    const check = steps.find((step) => step.id === "drift")!;
    expect(check.run).toMatch(/if \[ "\$code" -eq 1 \]; then[\s\S]*exit 1/);
    expect(check.run).toMatch(/exit-code=\$code/);
    const issue = steps.find((step) => step.uses?.startsWith("actions/github-script@"))!;
    expect(issue.env).toMatchObject({ DRIFT_EXIT_CODE: "${{ steps.drift.outputs.exit-code }}" });
    expect(String(issue.with?.script)).toMatch(/DRIFT_EXIT_CODE === "2"[\s\S]*issues\.update[\s\S]*issues\.create/);
  });
});
