/**
 * Builds dist/ once for every test that spawns the compiled CLI (`node bin/csp-seats.js`), however many vitest
 * workers ask at the same time: a lock directory serialises the build, and a build is skipped while dist/ is newer
 * than every source file. Call `ensureBuilt()` from a `beforeAll` (give it a generous hook timeout).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
/** The CLI entry point the tests spawn. */
export const CLI = path.join(ROOT, "bin", "csp-seats.js");

const LOCK = path.join(ROOT, ".csp-seats", "build.lock");
const STAMP = path.join(ROOT, ".csp-seats", "build.stamp");
const SOURCES = ["provider", "policy", "bench", "scripts", "schema", "index.ts", "tsconfig.json", "package.json"];
const STALE_LOCK_MS = 5 * 60_000;
const WAIT_MS = 5 * 60_000;

function getNewestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(entry).reduce((newest, name) => Math.max(newest, getNewestMtime(path.join(entry, name))), stat.mtimeMs);
}

/** When dist/ was last built: our stamp, or the CLI's compiled entry point (`npm test` builds before vitest). */
function getBuiltAt(): number {
  return Math.max(...[STAMP, path.join(ROOT, "dist", "provider", "cli", "main.js")].map((file) => {
    try {
      return fs.statSync(file).mtimeMs;
    } catch {
      return 0;
    }
  }));
}

function isFresh(): boolean {
  const built = getBuiltAt();
  if (built === 0) return false;
  const newestSource = Math.max(...SOURCES.map((entry) => getNewestMtime(path.join(ROOT, entry))));
  return built > newestSource && fs.existsSync(path.join(ROOT, "dist", "provider", "cli", "main.js"));
}

function tryLock(): boolean {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  try {
    fs.mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // another worker removed it first
    }
    return false;
  }
}

/** Builds dist/ with tsc unless it is already newer than the sources; throws with tsc's output when the build fails. */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!isFresh()) {
    if (tryLock()) {
      try {
        if (isFresh()) return;
        const startedAt = new Date();
        const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--noEmitOnError"], { cwd: ROOT, encoding: "utf8" });
        if (result.status !== 0) throw new Error(`npx tsc -p . failed (dist/ left as it was):\n${result.stdout}${result.stderr}`);
        // Stamp with the build's start time: a source saved during the build makes the next caller rebuild.
        fs.writeFileSync(STAMP, `${process.pid}\n`);
        fs.utimesSync(STAMP, startedAt, startedAt);
        return;
      } finally {
        fs.rmSync(LOCK, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for another build (${LOCK})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
