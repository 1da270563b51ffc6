/**
 * `--changed-since REF`: the tenants a pull request touches. Git lists the files changed between REF's merge
 * base with HEAD and the working tree; a tenant is touched when one of its files is, and every tenant is when
 * fleet.yaml is (its defaults and Pulumi settings apply to all).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { CspSeatsError } from "../../core/errors";
import type { FleetLayout, FleetTenant } from "../../core/fleet-types";

const run = promisify(execFile);

async function git(args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run("git", [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split("\n")[0];
    throw new CspSeatsError("FLEET_INVALID", `git ${args.join(" ")} failed: ${stderr}`, "Run in a git checkout that has the ref (in CI, fetch it: actions/checkout with fetch-depth: 0).", { cause: error });
  }
}

/** Absolute paths of the files changed since `ref` (its merge base with HEAD), committed or not, including deletions. */
export async function listChangedFiles(cwd: string, ref: string): Promise<string[]> {
  const top = (await git(["rev-parse", "--show-toplevel"], cwd)).trim();
  const base = (await git(["merge-base", ref, "HEAD"], cwd)).trim();
  const changed = await git(["diff", "--name-only", "--no-renames", base], cwd);
  const untracked = await git(["ls-files", "--others", "--exclude-standard", "--full-name"], top);
  return [...changed.split("\n"), ...untracked.split("\n")].filter((line) => line.trim() !== "").map((file) => path.resolve(top, file));
}

/** The tenants of `layout` that `changed` (absolute paths) touches; all of them when fleet.yaml changed. */
export function selectChangedTenants(layout: FleetLayout, changed: readonly string[]): FleetTenant[] {
  const files = new Set(changed.map((file) => path.resolve(file)));
  if (layout.fleetFile && files.has(layout.fleetFile)) return [...layout.tenants];
  return layout.tenants.filter((tenant) => tenant.files.some((file) => files.has(file)) || changed.some((file) => file.startsWith(tenant.dir + path.sep) && path.dirname(file) === tenant.dir));
}
