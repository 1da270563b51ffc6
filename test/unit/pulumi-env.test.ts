/**
 * scripts/lib/pulumi-env.ts, the one Pulumi set-up the demo, the benchmarks and the e2e helpers share: the local
 * stack's environment, the project files, and finding the CLI. Fake bin directories only: no Pulumi CLI needed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLocalStackEnv,
  findPulumiBinDir,
  getIsolatedEnv,
  getMissingPulumiTools,
  LOCAL_STACK_ENV_KEYS,
  PULUMI_TOOLS,
  REPO_ROOT,
  requirePulumiBinDir,
  writeLocalProject,
} from "../../scripts/lib/pulumi-env";

let temp: string;

beforeAll(() => {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-pulumi-env-"));
});

afterAll(() => {
  fs.rmSync(temp, { recursive: true, force: true });
});

function makeBinDir(name: string, tools: readonly string[]): string {
  const dir = path.join(temp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of tools) fs.writeFileSync(path.join(dir, tool), "#!/bin/sh\n", { mode: 0o755 });
  return dir;
}

describe("REPO_ROOT", () => {
  it("is the checkout, found from the source file (vitest) as from dist/ (the demo and benchmarks)", () => {
    expect(REPO_ROOT).toBe(path.resolve(__dirname, "..", ".."));
  });
});

describe("getIsolatedEnv", () => {
  const env = { PATH: "/usr/bin", HOME: "/home/me", PULUMI_ACCESS_TOKEN: "pul-secret", PULUMI_CONFIG_PASSPHRASE: "mine", CSP_SEATS_TOKEN: "t", CSP_SEATS_NOW: "2026-01-01" };

  it("drops the caller's Pulumi and csp-seats settings and keeps the rest", () => {
    expect(getIsolatedEnv(env)).toEqual({ PATH: "/usr/bin", HOME: "/home/me" });
  });

  it("keeps CSP_SEATS_* when asked (the demo passes the user's own settings on)", () => {
    expect(getIsolatedEnv(env, { keepCspSeats: true })).toEqual({ PATH: "/usr/bin", HOME: "/home/me", CSP_SEATS_TOKEN: "t", CSP_SEATS_NOW: "2026-01-01" });
  });
});

describe("createLocalStackEnv", () => {
  it("points Pulumi at a file backend and its own home in the project, with the CLI first on PATH", () => {
    const env = createLocalStackEnv({ binDir: "/opt/pulumi/bin", dir: "/tmp/project", passphrase: { value: "p" }, baseEnv: { PATH: "/usr/bin", HOME: "/home/me" } });
    expect(env).toEqual({
      PATH: `/opt/pulumi/bin${path.delimiter}/usr/bin`,
      HOME: "/home/me",
      PULUMI_HOME: "/tmp/project/pulumi-home",
      PULUMI_BACKEND_URL: "file:///tmp/project/backend",
      PULUMI_CONFIG_PASSPHRASE: "p",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    });
  });

  it("takes the passphrase from a file instead when given one", () => {
    const env = createLocalStackEnv({ binDir: "/b", dir: "/p", passphrase: { file: "/p/passphrase" }, baseEnv: {} });
    expect(env.PULUMI_CONFIG_PASSPHRASE_FILE).toBe("/p/passphrase");
    expect(env).not.toHaveProperty("PULUMI_CONFIG_PASSPHRASE");
  });

  it("starts from the isolated process environment by default: no developer token leaks into a test stack", () => {
    const saved = process.env.PULUMI_ACCESS_TOKEN;
    process.env.PULUMI_ACCESS_TOKEN = "pul-do-not-leak";
    try {
      expect(createLocalStackEnv({ binDir: "/b", dir: "/p", passphrase: { value: "x" } })).not.toHaveProperty("PULUMI_ACCESS_TOKEN");
    } finally {
      if (saved === undefined) delete process.env.PULUMI_ACCESS_TOKEN;
      else process.env.PULUMI_ACCESS_TOKEN = saved;
    }
  });

  it("sets only variables listed in LOCAL_STACK_ENV_KEYS besides PATH (what the demo's env.sh exports)", () => {
    const env = createLocalStackEnv({ binDir: "/b", dir: "/p", passphrase: { value: "x" }, baseEnv: {} });
    expect(Object.keys(env).filter((key) => key !== "PATH").every((key) => (LOCAL_STACK_ENV_KEYS as readonly string[]).includes(key))).toBe(true);
  });
});

describe("requirePulumiBinDir and findPulumiBinDir", () => {
  it("accept a PULUMI_BIN_DIR holding the CLI, the language host and the dynamic-provider plugin", () => {
    const binDir = makeBinDir("complete", PULUMI_TOOLS);
    expect(requirePulumiBinDir({ PULUMI_BIN_DIR: binDir })).toBe(binDir);
    expect(findPulumiBinDir({ PULUMI_BIN_DIR: binDir })).toBe(binDir);
  });

  it("refuse an unset or incomplete PULUMI_BIN_DIR, naming what is missing and how to get it", () => {
    expect(() => requirePulumiBinDir({})).toThrow(/PULUMI_BIN_DIR=\(unset\) lacks pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs.*setup-pulumi\.sh/);
    const partial = makeBinDir("partial", ["pulumi"]);
    expect(getMissingPulumiTools(partial)).toEqual(["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]);
    expect(() => requirePulumiBinDir({ PULUMI_BIN_DIR: partial })).toThrow(/lacks pulumi-language-nodejs, pulumi-resource-pulumi-nodejs/);
  });
});

describe("writeLocalProject", () => {
  it("writes Pulumi.yaml, package.json, index.js, the backend directory and the node_modules link", () => {
    const dir = path.join(temp, "project");
    writeLocalProject({ dir, name: "csp-seats", packageName: "csp-seats-demo", comment: "Written by a test.", description: "a demo", program: "module.exports = 1;\n" });
    expect(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toBe(
      ["# Written by a test.", "name: csp-seats", "description: a demo", "runtime:", "  name: nodejs", "  options:", "    typescript: false", "main: index.js", ""].join("\n"),
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))).toEqual({ name: "csp-seats-demo", private: true });
    expect(fs.readFileSync(path.join(dir, "index.js"), "utf8")).toBe("module.exports = 1;\n");
    expect(fs.statSync(path.join(dir, "backend")).isDirectory()).toBe(true);
    expect(fs.realpathSync(path.join(dir, "node_modules"))).toBe(fs.realpathSync(path.join(REPO_ROOT, "node_modules")));
  });
});
