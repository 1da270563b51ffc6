/**
 * The compiled CLI (`node bin/csp-seats.js`) on user mistakes: every bad setting is a coded error with a fix
 * (never error[INTERNAL]), every command's --help prints its usage and exits 0, a mistyped option names the
 * closest one, and a reader that closes stdout early leaves the command's own exit code and no stack trace.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoWorkspace, getCleanEnv, runCompiledCli, type CliRun } from "../helpers/demo-workspace";
import { CLI, ensureBuilt } from "../helpers/build";

const NOW = "2026-05-12T09:00:00Z";
let dir: string;
let statePath: string;

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCompiledCli(args, { cwd: dir, env });
}

beforeAll(async () => {
  await ensureBuilt();
  ({ dir, statePath } = await createDemoWorkspace("csp-seats-cli-usage-"));
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("bad settings", () => {
  it.each([
    { reason: "a --now that is not a time", args: ["--now", "yesterday", "plan"], env: {}, code: "CONFIG_NOW", summary: '--now "yesterday" is not an ISO-8601 time' },
    { reason: "a CSP_SEATS_NOW that is not a date", args: ["drift"], env: { CSP_SEATS_NOW: "2026-13-45" }, code: "CONFIG_NOW", summary: 'CSP_SEATS_NOW "2026-13-45" is not an ISO-8601 time' },
    { reason: "a --now past the sane range", args: ["--now", "9999-12-31T23:59:59Z", "plan"], env: {}, code: "CONFIG_NOW", summary: "is outside the years 2000 to 9998" },
    { reason: "an IP endpoint without http://", args: ["--endpoint", "127.0.0.1:8080", "plan"], env: {}, code: "CONFIG_ENDPOINT", summary: '--endpoint "127.0.0.1:8080" is not an http(s) URL' },
    { reason: "a localhost endpoint without http://", args: ["--endpoint", "localhost:8080", "plan"], env: {}, code: "CONFIG_ENDPOINT", summary: '--endpoint "localhost:8080" is not an http(s) URL' },
    { reason: "an unknown backend", args: ["--backend", "nope", "plan"], env: {}, code: "CONFIG_BACKEND", summary: 'unknown backend "nope" (--backend)' },
    { reason: "a cloudblue backend missing a key", args: ["drift"], env: { CSP_SEATS_BACKEND: "cloudblue", CSP_SEATS_CLOUDBLUE_ENDPOINT: "https://cb.example/simpleapi", CSP_SEATS_CLOUDBLUE_MARKETPLACE: "us", CSP_SEATS_CLOUDBLUE_USERNAME: "u", CSP_SEATS_CLOUDBLUE_PASSWORD: "p" }, code: "CONFIG_CLOUDBLUE", summary: "the cloudblue backend is missing subscriptionKey" },
  ])("$reason is error[$code] with a fix, not INTERNAL", async ({ args, env, code, summary }) => {
    const result = await runCli(["--state", statePath, ...args], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^error\\[${code}\\]: `));
    expect(result.stderr).toContain(summary);
    expect(result.stderr).toMatch(/\n {2}fix: \S/);
    expect(result.stderr).not.toContain("INTERNAL");
  });

  it("names the cloudblue key's environment variable in the fix", async () => {
    const result = await runCli(["plan"], { CSP_SEATS_BACKEND: "cloudblue" });
    expect(result.stderr).toContain("CSP_SEATS_CLOUDBLUE_SUBSCRIPTION_KEY");
  });
});

describe("--help", () => {
  it.each([
    { args: ["validate", "--help"], usage: "Usage: csp-seats validate FILE" },
    { args: ["plan", "--help"], usage: "Usage: csp-seats [global options] plan" },
    { args: ["drift", "-h"], usage: "Usage: csp-seats [global options] drift" },
    { args: ["help", "plan"], usage: "Usage: csp-seats [global options] plan" },
    { args: ["portal", "--help"], usage: "csp-seats portal serve" },
    { args: ["portal", "serve", "--help"], usage: "portal serve [--port N]" },
    { args: ["portal", "seed", "--help"], usage: "portal seed [--fixture FILE]" },
    { args: ["portal", "outbox", "--help"], usage: "portal outbox [--format text|json]" },
    { args: ["portal", "orders", "-h"], usage: "portal orders [--format text|json]" },
    { args: ["--help"], usage: "Usage: csp-seats [global options] <command>" },
  ])("csp-seats $args prints that usage and exits 0", async ({ args, usage }) => {
    const result = await runCli(["--state", statePath, ...args]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain(usage);
  });

  it("helps even when a setting is broken", async () => {
    const result = await runCli(["plan", "--help"], { CSP_SEATS_NOW: "2026-13-45" });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("--desired FILE");
  });
});

describe("usage mistakes", () => {
  it.each([
    { args: ["plan", "--formt", "json"], message: "error: unknown option --formt (did you mean --format?)" },
    { args: ["--nwo", NOW, "plan"], message: "error: unknown global option --nwo (did you mean --now?)" },
    { args: ["plna"], message: 'error: unknown command "plna" (did you mean "plan"?)' },
    { args: ["drift", "--now", NOW], message: "error: --now is a global option; put it before the command" },
    { args: ["plan", "--desired"], message: "error: --desired needs a value" },
  ])("csp-seats $args exits 1 naming the fix", async ({ args, message }) => {
    const result = await runCli(["--state", statePath, ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  it("validate of a missing file suggests what validate accepts", async () => {
    const result = await runCli(["validate", "missing.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[DESIRED_STATE_UNREADABLE\]/);
    expect(result.stderr).not.toContain("--desired");
    expect(result.stderr).toContain("csp-seats validate FILE");
  });
});

describe("a closed stdout", () => {
  it("ends drift quietly with its own exit code (2: the demo portal drifts)", async () => {
    const child = spawn(process.execPath, [CLI, "--state", statePath, "--now", NOW, "drift"], { cwd: dir, env: getCleanEnv({}), stdio: ["ignore", "pipe", "pipe"] });
    // The reader goes away before the first byte, as `csp-seats drift | true` does.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(2);
  });
});
