/**
 * The embedded portal's durable state: one JSON file shared by every process that opens it (the Pulumi program,
 * the dynamic-provider plugin, the CLI, the HTTP server).
 *
 * Why a JSON file and not SQLite: Node 20 has no `node:sqlite`, and a native module (better-sqlite3) would need a
 * compiler or prebuilt binaries on every machine that runs `pulumi up`. The file is rewritten whole per
 * transaction, which buys simple, inspectable files; what made that grow with the state (megabytes at 1,000
 * orders) was parsing and serializing all of it, and each process now parses a version at most once and
 * serializes only what changed (readStateSnapshot, transactState, state-text.ts). Correctness comes from three rules:
 * - one exclusive lock file per state file (`open(..., "wx")` is atomic on local file systems), held for the whole
 *   read-modify-write, so two writers never interleave and no update is lost;
 * - the new state is written to a temp file, fsynced, then renamed over the old one, so a crash at any point
 *   leaves either the previous or the next state, never a torn file;
 * - a lock left behind by a dead process (or older than STALE_LOCK_MS) is taken over, so a crash never wedges
 *   the portal.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BigIntStats } from "node:fs";
import { CspSeatsError } from "../core/errors";
import { composeStateText, createWriteId, encodeStateBody, HEADER_BYTES, isSameBody, parseStateText, readWriteId, type StateBody } from "./state-text";

/** A lock older than this is considered abandoned (transactions take milliseconds). */
export const STALE_LOCK_MS = 30_000;
/** How long a transaction waits for the lock before giving up. */
export const LOCK_TIMEOUT_MS = 20_000;

const NOT_SEEDED_FIX = "run `csp-seats portal seed` (or `npm start`)";

/** What the lock file records about its holder, for stale-lock detection and for error messages. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly acquiredAt: string;
}

/** The error for a state file that does not exist (yet). */
export function createNotSeededError(statePath: string): CspSeatsError {
  return new CspSeatsError("PORTAL_NOT_SEEDED", `the embedded portal has no state at ${statePath}`, NOT_SEEDED_FIX, {
    status: 503,
    details: { statePath },
  });
}

function getLockPath(statePath: string): string {
  return `${statePath}.lock`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readLockOwner(lockPath: string): Promise<{ owner: LockOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(lockPath, "utf8"), fs.stat(lockPath)]);
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(text) as LockOwner;
    } catch {
      owner = undefined; // being written right now, or torn by a crash: judged by age alone
    }
    return { owner, mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function isStale(info: { owner: LockOwner | undefined; mtimeMs: number }, nowMs: number): boolean {
  if (nowMs - info.mtimeMs > STALE_LOCK_MS) return true;
  const owner = info.owner;
  return owner !== undefined && owner.host === os.hostname() && !isProcessAlive(owner.pid);
}

/**
 * Moves a stale lock aside. Renaming is atomic, so of several processes that judged the same lock stale only one
 * moves it; if what we moved turns out to be a newer, live lock (someone took over in between), it is put back
 * with `link`, which refuses to overwrite a lock created meanwhile.
 */
async function breakStaleLock(lockPath: string, judged: LockOwner | undefined): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readLockOwner(aside);
  const sameLock = judged === undefined ? moved?.owner === undefined : moved?.owner?.token === judged.token;
  if (!sameLock) {
    await fs.link(aside, lockPath).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
  if (sameLock && judged !== undefined && judged.host === os.hostname() && !isProcessAlive(judged.pid)) await removeOrphanTempFiles(lockPath.slice(0, -".lock".length), judged.pid);
}

/** Deletes the temp files a crashed holder (`pid`) wrote but never renamed; they were never the state. */
async function removeOrphanTempFiles(statePath: string, pid: number): Promise<void> {
  const dir = path.dirname(statePath);
  const prefix = `.${path.basename(statePath)}.${pid}.`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(prefix) && name.endsWith(".tmp")).map((name) => fs.rm(path.join(dir, name), { force: true })));
}

/** Takes the state file's lock, waiting up to LOCK_TIMEOUT_MS for its holder and breaking a stale one. */
async function acquireLock(statePath: string): Promise<LockOwner> {
  const lockPath = getLockPath(statePath);
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(8).toString("hex"),
    acquiredAt: new Date().toISOString(),
  };
  const started = Date.now();
  let delay = 2;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, "wx");
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return owner;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        await fs.access(path.dirname(statePath)).catch(() => {
          throw createNotSeededError(statePath);
        });
        throw error;
      }
      if (code !== "EEXIST") throw error;
    }
    const info = await readLockOwner(lockPath);
    if (info && isStale(info, Date.now())) {
      await breakStaleLock(lockPath, info.owner);
      continue;
    }
    if (Date.now() - started > LOCK_TIMEOUT_MS) {
      const holder = info?.owner ? ` (held by pid ${info.owner.pid} since ${info.owner.acquiredAt})` : "";
      throw new CspSeatsError(
        "PORTAL_UNAVAILABLE",
        `the embedded portal state ${statePath} is locked${holder}`,
        `Retry in a moment; if no csp-seats process is running, delete ${lockPath}.`,
        { status: 503, details: { statePath, lockPath } },
      );
    }
    // Bounded exponential backoff with jitter, so N waiters do not retry in lockstep. A plain loop, not the
    // backends' p-retry policy: the waits are milliseconds on a local file, a stale lock is broken and retried at
    // once (no wait), the bound is time rather than a count, and the simulator does not depend on the backends.
    await sleep(delay + Math.floor(Math.random() * delay));
    delay = Math.min(delay * 2, 50);
  }
}

async function releaseLock(statePath: string, owner: LockOwner): Promise<void> {
  const lockPath = getLockPath(statePath);
  const info = await readLockOwner(lockPath);
  // Never delete a lock that is no longer ours (it was taken over after we stalled for STALE_LOCK_MS).
  if (info?.owner?.token === owner.token) await fs.rm(lockPath, { force: true });
}

/** Runs `fn` while holding the state file's exclusive lock. */
export async function withStateLock<T>(statePath: string, fn: () => Promise<T>): Promise<T> {
  const owner = await acquireLock(statePath);
  try {
    return await fn();
  } finally {
    await releaseLock(statePath, owner);
  }
}

function parseState<T>(statePath: string, text: string): { state: T; writeId?: string } {
  try {
    return parseStateText<T>(text);
  } catch (error) {
    throw new CspSeatsError(
      "PORTAL_STATE_CORRUPT",
      `the embedded portal state ${statePath} is not valid JSON`,
      `Re-seed it: ${NOT_SEEDED_FIX}.`,
      { status: 500, details: { statePath }, cause: error },
    );
  }
}

/** How many state files a process keeps parsed (a server or a plugin uses one; tests open many). */
const PARSED_STATE_LIMIT = 8;

/**
 * A parsed version of a state file: its writeId and the file's identity (device, inode, size, change times)
 * when it had them, else (a file written before writeIds) its whole text.
 */
interface ParsedState {
  readonly state: unknown;
  readonly writeId?: string;
  readonly identity?: string;
  readonly text?: string;
}

/** Per process and keyed by absolute path: every portal instance on the same file shares it. */
const parsedStates = new Map<string, ParsedState>();
/** The body (encodeStateBody) of frozen states, as written or worked out once. */
const stateBodies = new WeakMap<object, StateBody>();

/** Freezes `value` and everything in it (shared snapshots must not be changed by whoever reads them). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function toReadError(statePath: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code === "ENOENT" ? createNotSeededError(statePath) : error;
}

function getFileIdentity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function rememberParsedState(statePath: string, parsed: ParsedState): void {
  parsedStates.delete(statePath);
  parsedStates.set(statePath, parsed);
  if (parsedStates.size > PARSED_STATE_LIMIT) parsedStates.delete(parsedStates.keys().next().value!);
}

/**
 * The committed state for a read without the lock, parsed at most once per version of the file. Every write
 * gives the file a new random writeId (state-text.ts), so a version is known by its first bytes and the file's
 * identity: at 1,000 orders the file is megabytes, and reading and comparing it whole on every read cost more
 * than the rest of a read. The writeId alone cannot be fooled by a freed inode reused within one timestamp tick; the
 * identity catches a file rewritten by hand or by another tool that kept the writeId (unless it did so with the
 * same size within the same tick). A file without a writeId (written by an older csp-seats) is compared by its
 * whole text, as before. The file is read through one handle, so the header and the text are one version. A
 * write by any process or portal instance is seen by the next read. The state is deeply frozen and shared: never
 * change it, and copy what you return from it. Errors: a missing file is PORTAL_NOT_SEEDED, a corrupt one
 * PORTAL_STATE_CORRUPT.
 */
export async function readStateSnapshot<T>(statePath: string): Promise<T> {
  const handle = await fs.open(statePath, "r").catch((error: unknown) => {
    throw toReadError(statePath, error);
  });
  try {
    const identity = getFileIdentity(await handle.stat({ bigint: true }));
    const cached = parsedStates.get(statePath);
    if (cached?.writeId !== undefined && cached.identity === identity) {
      const head = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
      if (readWriteId(head.subarray(0, bytesRead)) === cached.writeId) return cached.state as T;
    }
    const text = await handle.readFile("utf8");
    if (cached?.text !== undefined && cached.text === text) return cached.state as T;
    const { state, writeId } = parseState<T>(statePath, text);
    deepFreeze(state);
    rememberParsedState(statePath, writeId !== undefined ? { state, writeId, identity } : { state, text });
    return state;
  } finally {
    await handle.close();
  }
}

/** Writes `chunks` in order with as few system calls as the platform allows (no copy into one buffer). */
async function writeChunks(handle: fs.FileHandle, chunks: readonly Buffer[]): Promise<void> {
  let rest = chunks.filter((chunk) => chunk.length > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest as Buffer[]);
    // A short write is resumed where it stopped.
    let index = 0;
    while (index < rest.length && bytesWritten >= rest[index].length) bytesWritten -= rest[index++].length;
    rest = index < rest.length ? [rest[index].subarray(bytesWritten), ...rest.slice(index + 1)] : [];
  }
}

/**
 * Replaces the state file atomically: temp file in the same directory, fsync, rename, then fsync the directory so
 * the rename itself survives a power cut.
 */
export async function writeStateFile(statePath: string, text: string | readonly Buffer[]): Promise<void> {
  const dir = path.dirname(statePath);
  const temp = path.join(dir, `.${path.basename(statePath)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await fs.open(temp, "w");
  try {
    if (typeof text === "string") await handle.writeFile(text);
    else await writeChunks(handle, text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, statePath);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  const dirHandle = await fs.open(dir, "r").catch(() => undefined);
  if (dirHandle) {
    // Some file systems refuse fsync on a directory; the rename is already durable there.
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}

/** Options of transactState. */
export interface TransactStateOptions<S> {
  /**
   * A copy of the frozen snapshot that `fn` may change (default: structuredClone). It may share what `fn` never
   * changes: shared parts stay frozen, and their text is not worked out again.
   */
  readonly copyForWrite?: (snapshot: S) => S;
}

function getStateBody(state: object): StateBody {
  let body = stateBodies.get(state);
  if (body === undefined) {
    body = encodeStateBody(state);
    stateBodies.set(state, body);
  }
  return body;
}

/**
 * One transaction: lock, take the committed state (readStateSnapshot), let `fn` change a copy of it in place,
 * write the copy only if it differs, unlock. If `fn` throws, nothing is written (and the snapshot, frozen, was
 * never touched). The copy written becomes this process's snapshot of the new version, so the reads that follow
 * neither read nor parse the file again. What `fn` returns is copied: it may be part of that shared snapshot.
 */
export async function transactState<S extends object, T>(statePath: string, fn: (state: S) => T | Promise<T>, options: TransactStateOptions<S> = {}): Promise<T> {
  return withStateLock(statePath, async () => {
    const snapshot = await readStateSnapshot<S>(statePath);
    const state = (options.copyForWrite ?? structuredClone)(snapshot);
    const result = structuredClone(await fn(state));
    const body = encodeStateBody(state);
    if (isSameBody(body, getStateBody(snapshot))) return result;
    const writeId = createWriteId();
    await writeStateFile(statePath, composeStateText(writeId, body));
    // Under the lock, so the identity is the file just renamed into place.
    const identity = getFileIdentity(await fs.stat(statePath, { bigint: true }));
    deepFreeze(state);
    stateBodies.set(state, body);
    rememberParsedState(statePath, { state, writeId, identity });
    return result;
  });
}

export { formatStateText } from "./state-text";
