/**
 * A package-lock.json for a project that installs the packed csp-seats tarball, built from this repository's
 * lockfile, so `npm ci --offline` can install it from the npm cache that `npm ci` filled here. npm 11 resolves a
 * project without a lockfile from full registry documents, which `npm ci` never stores; with a lockfile it needs
 * only the tarballs, and those are exactly the versions csp-seats is tested with.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./build";

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  name?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

export interface ProjectManifest {
  readonly name: string;
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** Where node would find `name` from the package at `from` ("" is the root): the nearest node_modules upwards. */
function resolveLocation(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const index = dir.lastIndexOf("/node_modules/");
    dir = index === -1 ? "" : dir.slice(0, index);
  }
}

/**
 * The lockfile of a project with `manifest` (its `csp-seats` dependency a `file:` path to `tarball`, relative to
 * the project) whose other packages all come from this repository's lockfile. Throws when a dependency is not
 * in it (the install could not work offline).
 */
export function createOfflineLockfile(manifest: ProjectManifest, tarball: { readonly spec: string; readonly integrity: string }): Lockfile {
  const repoLock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as Lockfile;
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as ProjectManifest & Record<string, unknown>;
  const source = { ...repoLock.packages };
  source["node_modules/csp-seats"] = {
    version: String(ours.version),
    resolved: tarball.spec,
    integrity: tarball.integrity,
    license: ours.license,
    dependencies: ours.dependencies,
    bin: ours.bin,
    engines: ours.engines,
  };
  const packages: Record<string, LockEntry> = {
    "": { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
  };
  const pending: Array<[from: string, name: string, optional: boolean]> = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).map((name) => ["", name, false]);
  while (pending.length > 0) {
    const [from, name, optional] = pending.pop()!;
    const location = resolveLocation(source, from, name);
    if (!location) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || "the project"}) is not in package-lock.json: it cannot be installed offline`);
    }
    if (packages[location]) continue;
    const { dev, optional: isOptional, devOptional, peer, ...entry } = source[location];
    void dev;
    void isOptional;
    void devOptional;
    void peer;
    packages[location] = entry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) pending.push([location, dependency, false]);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) pending.push([location, dependency, true]);
    for (const dependency of Object.keys(entry.peerDependencies ?? {})) pending.push([location, dependency, entry.peerDependenciesMeta?.[dependency]?.optional === true]);
  }
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}
