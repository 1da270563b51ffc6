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

/** The text of frozen values by identity: a frozen value never changes, so neither does its JSON. */
const frozenTexts = new WeakMap<object, string>();

function stringifyElement(value: unknown): string {
  if (typeof value !== "object" || value === null || !Object.isFrozen(value)) return JSON.stringify(value) ?? "null";
  let text = frozenTexts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value) ?? "null";
    frozenTexts.set(value, text);
  }
  return text;
}

/**
 * The state's members as JSON, one per line, lists one element per line (what follows the writeId). Equal to
 * JSON.stringify(state) up to those line breaks, so two states have equal bodies exactly when they are equal.
 */
export function stringifyStateBody(state: object): string {
  const members: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (key === WRITE_ID_KEY) continue;
    const text = Array.isArray(value) ? (value.length === 0 ? "[]" : `[\n${value.map(stringifyElement).join(",\n")}\n]`) : JSON.stringify(value);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return members.join(",\n");
}

/** The file's text for a body (stringifyStateBody) and a writeId. */
export function composeStateText(writeId: string, body: string): string {
  return `${HEADER_PREFIX}${writeId}"${body === "" ? "" : `,\n${body}`}}\n`;
}

/** The state file's one format, with a new writeId. */
export function formatStateText(state: object): string {
  return composeStateText(createWriteId(), stringifyStateBody(state));
}

/** Parses the file's text (JSON.parse errors propagate); the writeId is taken out of the state. */
export function parseStateText<T>(text: string): { state: T; writeId?: string } {
  const parsed = JSON.parse(text) as T & { [WRITE_ID_KEY]?: unknown };
  const writeId = readWriteId(text);
  if (writeId === undefined || typeof parsed !== "object" || parsed === null || parsed[WRITE_ID_KEY] !== writeId) return { state: parsed };
  delete parsed[WRITE_ID_KEY];
  return { state: parsed, writeId };
}
