/**
 * The state file's text. JSON whose first member is a random `writeId`, new on every write, then the state's
 * members one per line and the elements of each list one per line:
 *
 *     {"writeId":"9f...",
 *     "version":1,
 *     "orders":[
 *     {"order":{...},...},
 *     ...
 *     ],...}
 *
 * Why: a reader tells whether the file is still the version it parsed from the first bytes (plus the file's
 * identity, see state-store.ts) instead of reading and comparing the whole text, and a writer re-serializes only
 * what can have changed: what only grows (finished orders, sent e-mails) is shared frozen from one version to the
 * next and its text is kept per object. Files written before the writeId (indented JSON) still read.
 */
import { randomBytes } from "node:crypto";

const WRITE_ID_KEY = "writeId";
const HEADER_PREFIX = `{"${WRITE_ID_KEY}":"`;
const WRITE_ID_CHARS = 32;
/** How many bytes of the file's start hold its writeId. */
export const HEADER_BYTES = HEADER_PREFIX.length + WRITE_ID_CHARS + 1;

/** A new random writeId. */
export function createWriteId(): string {
  return randomBytes(WRITE_ID_CHARS / 2).toString("hex");
}

/** The writeId at the start of `head` (the file's first HEADER_BYTES bytes), or undefined for an older file. */
export function readWriteId(head: Buffer | string): string | undefined {
  const text = typeof head === "string" ? head.slice(0, HEADER_BYTES) : head.toString("latin1", 0, HEADER_BYTES);
  if (text.length !== HEADER_BYTES || !text.startsWith(HEADER_PREFIX) || !text.endsWith('"')) return undefined;
  const id = text.slice(HEADER_PREFIX.length, -1);
  return /^[0-9a-f]+$/.test(id) ? id : undefined;
}

/**
 * A state's body (what follows the writeId) as chunks of UTF-8 whose concatenation is the text. Chunks, not one
 * string: at 1,000 orders the body is megabytes, and building, comparing and encoding it as one string cost more
 * than everything else in a transaction. Frozen values keep their chunk, so an unchanged order or e-mail is the
 * very same Buffer from one version to the next, and comparing two bodies is mostly comparing references.
 */
export type StateBody = readonly Buffer[];

/** The encoded JSON of frozen values by identity: a frozen value never changes, so neither does its JSON. */
const frozenChunks = new WeakMap<object, Buffer>();
const SEPARATOR = Buffer.from(",\n");
const LIST_END = Buffer.from("\n]");
const FILE_END = Buffer.from("}\n");

function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? "null");
}

function encodeElement(value: unknown): Buffer {
  if (typeof value !== "object" || value === null || !Object.isFrozen(value)) return encodeJson(value);
  let chunk = frozenChunks.get(value);
  if (chunk === undefined) {
    chunk = encodeJson(value);
    frozenChunks.set(value, chunk);
  }
  return chunk;
}

/**
 * The state's members as JSON, one per line, lists one element per line. Equal to JSON.stringify(state) up to
 * those line breaks, so two states have equal bodies (isSameBody) exactly when they are equal.
 */
export function encodeStateBody(state: object): StateBody {
  const chunks: Buffer[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (key === WRITE_ID_KEY) continue;
    const name = JSON.stringify(key);
    if (!Array.isArray(value)) {
      const json = JSON.stringify(value);
      if (json === undefined) continue;
      if (chunks.length > 0) chunks.push(SEPARATOR);
      chunks.push(Buffer.from(`${name}:${json}`));
      continue;
    }
    if (chunks.length > 0) chunks.push(SEPARATOR);
    if (value.length === 0) {
      chunks.push(Buffer.from(`${name}:[]`));
      continue;
    }
    chunks.push(Buffer.from(`${name}:[\n`));
    value.forEach((element: unknown, i) => {
      if (i > 0) chunks.push(SEPARATOR);
      chunks.push(encodeElement(element));
    });
    chunks.push(LIST_END);
  }
  return chunks;
}

/** Whether two bodies are the same text. */
export function isSameBody(a: StateBody, b: StateBody): boolean {
  return a.length === b.length && a.every((chunk, i) => chunk === b[i] || chunk.equals(b[i]));
}

/** The file's content for a body (encodeStateBody) and a writeId, as chunks to write in order. */
export function composeStateText(writeId: string, body: StateBody): Buffer[] {
  return [Buffer.from(`${HEADER_PREFIX}${writeId}"${body.length === 0 ? "" : ",\n"}`), ...body, FILE_END];
}

/** The state file's one format, with a new writeId. */
export function formatStateText(state: object): string {
  return Buffer.concat(composeStateText(createWriteId(), encodeStateBody(state))).toString("utf8");
}

/** Parses the file's text (JSON.parse errors propagate); the writeId is taken out of the state. */
export function parseStateText<T>(text: string): { state: T; writeId?: string } {
  const parsed = JSON.parse(text) as T & { [WRITE_ID_KEY]?: unknown };
  const writeId = readWriteId(text);
  if (writeId === undefined || typeof parsed !== "object" || parsed === null || parsed[WRITE_ID_KEY] !== writeId) return { state: parsed };
  delete parsed[WRITE_ID_KEY];
  return { state: parsed, writeId };
}
