/**
 * YAML to plain data with every problem located at `file:line:col`, shared by seats.yaml and the portal fixture.
 *
 * The `yaml` package parses; this module converts the document to data itself instead of `doc.toJS()`, because
 * toJS resolves each alias by walking the whole document (quadratic in a file with many aliases), checks unique
 * keys pair by pair (quadratic in a large mapping), throws on unresolved aliases and bad merge sources, turns a
 * complex key into a string with a warning on stderr, and reads `1e-400` as 0. Here every input is handled in
 * one linear pass, bounded in size, depth and alias expansion, and every problem is a located error.
 * Pure: text in, data and errors out (the `yaml` package does no I/O).
 */
import type { LocatedErrorCode } from "./error-codes";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from "yaml";

/** One problem in a YAML file, located. */
export interface LocatedError {
  /** Stable code from the catalog, e.g. YAML_SYNTAX, DUPLICATE_KEY, EMPTY_FILE, YAML_ALIAS_LIMIT, SCHEMA_TYPE. */
  readonly code: LocatedErrorCode;
  readonly message: string;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** JSON path of the offending value, e.g. `subscriptions[0].licenses.CFQ7TTC0LH18`; `$` for the whole file. */
  readonly path: string;
}

/** The limits every YAML input is held to (docs/formats.md, "Limits"). Real files stay far below them. */
export const YAML_LIMITS = {
  /** Bytes of text; a seats.yaml of 1,000 subscriptions with 5 licenses each is about 150 KB. */
  maxBytes: 2 * 1024 * 1024,
  /** Nesting of mappings and lists. */
  maxDepth: 64,
  /** Values after aliases are expanded: allows thousands of `*anchor` uses, refuses "billion laughs". */
  maxExpandedNodes: 1_000_000,
  /** Errors reported for one file; the rest are counted in one TOO_MANY_ERRORS entry. */
  maxErrors: 100,
} as const;

export type YamlLimits = { readonly [K in keyof typeof YAML_LIMITS]: number };

/** A parsed document: its data, and a way to locate a JSON path in it. */
export interface LocatedYaml {
  /** The data; `null` for an empty document (only comments, `---`, `~` or `null`). */
  readonly data: unknown;
  readonly empty: boolean;
  /** Problems that still leave usable data (a key listed twice keeps its first value): report them with the rest. */
  readonly problems: readonly LocatedError[];
  /** The position of the value at `segments` (or of its closest existing ancestor); `keyOf` asks for that key. */
  locate(segments: readonly string[], keyOf?: string): { line: number; col: number };
}

export type LocatedYamlResult = { readonly ok: true; readonly value: LocatedYaml } | { readonly ok: false; readonly errors: LocatedError[] };

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `["subscriptions","0","licenses","A B"]` -> `subscriptions[0].licenses["A B"]`. */
export function formatPath(segments: readonly string[]): string {
  if (segments.length === 0) return "$";
  let out = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Formats a located error the way compilers do: `file:line:col: message (path)`. */
export function formatLocatedError(error: LocatedError): string {
  return `${error.file}:${error.line}:${error.col}: ${error.message} (${error.path})`;
}

/** Sorts by position and keeps at most `max`, counting the rest in one TOO_MANY_ERRORS entry. */
export function capErrors(errors: readonly LocatedError[], max: number = YAML_LIMITS.maxErrors): LocatedError[] {
  const sorted = [...errors].sort((a, b) => a.line - b.line || a.col - b.col);
  if (sorted.length <= max) return sorted;
  const last = sorted[max - 1];
  return [
    ...sorted.slice(0, max),
    { code: "TOO_MANY_ERRORS", message: `${sorted.length - max} more errors are not shown; fix these and run again`, file: last.file, line: last.line, col: last.col, path: "$" },
  ];
}

const INTEGER_LITERAL = /^[-+]?(0|[1-9][0-9_]*)$/;
const ZERO_LITERAL = /^[-+]?(0+(\.0*)?|\.0+)([eE][-+]?[0-9]+)?$/;

class YamlConverter {
  readonly errors: LocatedError[] = [];
  private readonly anchors = new Map<string, Node>();
  private readonly converted = new Map<Node, unknown>();
  private readonly sizes = new Map<Node, number>();
  private readonly inProgress = new Set<Node>();
  private expanded = 0;
  private aborted = false;

  constructor(
    private readonly fileName: string,
    private readonly lineCounter: LineCounter,
    private readonly limits: YamlLimits,
  ) {}

  report(code: LocatedErrorCode, message: string, offset: number, segments: readonly string[]): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.errors.push({ code, message, file: this.fileName, line, col, path: formatPath(segments) });
  }

  convert(node: unknown, segments: string[], depth: number): unknown {
    if (this.aborted || node === null || node === undefined) return null;
    const start = (node as Node).range?.[0] ?? 0;
    if (depth > this.limits.maxDepth) {
      this.report("YAML_TOO_DEEP", `values are nested more than ${this.limits.maxDepth} levels deep`, start, segments.slice(0, 2));
      this.aborted = true;
      return null;
    }
    if (isAlias(node)) return this.convertAlias(node, segments, depth);
    this.count(start, segments);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) this.anchors.set(anchor, node as Node);
    if (isScalar(node)) return this.convertScalar(node, segments);
    if (isMap(node)) return this.remember(node, () => this.convertMap(node, segments, depth));
    if (isSeq(node)) return this.remember(node, () => node.items.map((item, i) => this.convert(item, [...segments, String(i)], depth + 1)));
    return null;
  }

  private count(offset: number, segments: readonly string[]): void {
    this.expanded += 1;
    if (this.expanded > this.limits.maxExpandedNodes && !this.aborted) {
      this.report("YAML_ALIAS_LIMIT", `the file expands to more than ${this.limits.maxExpandedNodes} values (aliases included); write the values out, or use fewer aliases`, offset, segments);
      this.aborted = true;
    }
  }

  private remember(node: Node, build: () => unknown): unknown {
    this.inProgress.add(node);
    const value = build();
    this.inProgress.delete(node);
    this.converted.set(node, value);
    return value;
  }

  private convertAlias(node: Node & { source: string }, segments: string[], depth: number): unknown {
    const start = node.range?.[0] ?? 0;
    const target = this.anchors.get(node.source);
    if (!target) {
      this.report("YAML_ALIAS_UNRESOLVED", `alias *${node.source} refers to no anchor &${node.source} above it`, start, segments);
      return null;
    }
    if (this.inProgress.has(target)) {
      this.report("YAML_ALIAS_CYCLE", `alias *${node.source} is inside the value it refers to`, start, segments);
      return null;
    }
    // An alias costs what its target expands to, so nested aliases cannot multiply unchecked.
    const size = this.sizeOf(target);
    this.expanded += size - 1;
    this.count(start, segments);
    if (this.aborted) return null;
    return this.converted.has(target) ? this.converted.get(target) : this.convert(target, segments, depth);
  }

  private sizeOf(node: Node): number {
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    // Provisional, so a node that contains an alias of itself (a cycle, reported elsewhere) ends the recursion.
    this.sizes.set(node, 1);
    let size = 1;
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      size = target && target !== node && !this.inProgress.has(target) ? this.sizeOf(target) : 1;
    } else if (isMap(node)) {
      for (const pair of node.items) size += (pair.key ? this.sizeOf(pair.key as Node) : 0) + (pair.value ? this.sizeOf(pair.value as Node) : 0);
    } else if (isSeq(node)) {
      for (const item of node.items) size += item ? this.sizeOf(item as Node) : 0;
    }
    this.sizes.set(node, size);
    return size;
  }

  private convertScalar(node: { value: unknown; source?: string; tag?: string; range?: [number, number, number] | null }, segments: string[]): unknown {
    const value = node.value;
    if (value !== null && typeof value === "object") {
      // !!binary, !!timestamp and the like: csp-seats files hold text, numbers and booleans only.
      this.report("YAML_UNSUPPORTED_TAG", `${node.tag ?? "this tag"} is not supported here; write a plain value`, node.range?.[0] ?? 0, segments);
      return null;
    }
    if (typeof value === "number") {
      const source = (node.source ?? "").trim();
      const start = node.range?.[0] ?? 0;
      if (INTEGER_LITERAL.test(source) && !Number.isSafeInteger(value)) {
        this.report("YAML_NUMBER_INEXACT", `${source} is too large to be exact (the largest is ${Number.MAX_SAFE_INTEGER})`, start, segments);
      } else if (Number.isFinite(value) && value === 0 && source !== "" && !ZERO_LITERAL.test(source) && /[0-9]/.test(source)) {
        this.report("YAML_NUMBER_INEXACT", `${source} is too small to be represented; it would read as 0`, start, segments);
      } else if (!Number.isFinite(value) && /[0-9]/.test(source)) {
        this.report("YAML_NUMBER_INEXACT", `${source} is too large to be represented`, start, segments);
      }
    }
    return value;
  }

  private keyOf(pair: Pair, segments: readonly string[]): string | undefined {
    let key: unknown = pair.key;
    const offset = (key as Node | null)?.range?.[0] ?? 0;
    if (isAlias(key)) key = this.anchors.get(key.source) ?? key;
    if (key === null || key === undefined) return "";
    if (isScalar(key)) return String(key.value ?? "");
    this.report("YAML_COMPLEX_KEY", "a mapping key must be a plain value, not a list or mapping", offset, segments);
    return undefined;
  }

  private convertMap(node: YAMLMap, segments: string[], depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const explicit = new Set<string>();
    const merges: Array<{ value: unknown; offset: number }> = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = this.keyOf(pair, segments);
      if (key === undefined) continue;
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0;
      if (key === "<<" && isScalar(pair.key) && (pair.key as { source?: string }).source === "<<") {
        merges.push({ value: pair.value, offset: (pair.value as Node | null)?.range?.[0] ?? keyOffset });
        continue;
      }
      if (explicit.has(key)) {
        this.report("DUPLICATE_KEY", `"${key}" is listed twice in the same mapping; keep one`, keyOffset, [...segments, key]);
        continue;
      }
      explicit.add(key);
      out[key] = this.convert(pair.value, [...segments, key], depth + 1);
    }
    for (const merge of merges) this.applyMerge(out, explicit, merge.value, merge.offset, segments, depth);
    return { ...out };
  }

  /** YAML merge keys: `<<: *base` or `<<: [*a, *b]`; keys written in the mapping itself win. */
  private applyMerge(out: Record<string, unknown>, explicit: Set<string>, value: unknown, offset: number, segments: string[], depth: number): void {
    const sources = isSeq(value) ? value.items : [value];
    for (const source of sources) {
      const resolved = isAlias(source) ? this.anchors.get(source.source) : source;
      if (!isMap(resolved)) {
        this.report("YAML_MERGE_INVALID", "a merge key (<<) takes a mapping or a list of mappings (usually *aliases)", (source as Node | null)?.range?.[0] ?? offset, segments);
        continue;
      }
      const merged = this.convert(source, segments, depth + 1);
      if (merged === null || typeof merged !== "object") continue;
      for (const [key, item] of Object.entries(merged)) {
        if (!explicit.has(key) && !(key in out)) out[key] = item;
      }
    }
  }
}

type PairIndex = WeakMap<YAMLMap, Map<string, Pair>>;

/** The pair for `key` in a mapping, also when it comes from a merge key (`<<: *base`): then it is located in the anchor. */
function findPair(node: unknown, key: string, index: PairIndex, anchors: ReadonlyMap<string, Node>, depth = 0): Pair | undefined {
  if (!isMap(node) || depth > YAML_LIMITS.maxDepth) return undefined;
  let byKey = index.get(node);
  if (!byKey) {
    byKey = new Map();
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!byKey.has(name)) byKey.set(name, pair as Pair);
    }
    index.set(node, byKey);
  }
  const own = byKey.get(key);
  if (own || key === "<<") return own;
  const merge = byKey.get("<<")?.value;
  for (const source of isSeq(merge) ? merge.items : merge ? [merge] : []) {
    const target = isAlias(source) ? anchors.get(source.source) : source;
    const found = findPair(target, key, index, anchors, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function collectAnchors(doc: Document): Map<string, Node> {
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_key, node) {
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node);
    },
  });
  return anchors;
}

function createLocator(doc: Document, lineCounter: LineCounter): LocatedYaml["locate"] {
  const index: PairIndex = new WeakMap();
  let anchors: Map<string, Node> | undefined;
  const find = (node: unknown, key: string): Pair | undefined => findPair(node, key, index, (anchors ??= collectAnchors(doc)));
  return (segments, keyOf) => {
    let node: unknown = doc.contents;
    let found = node as Node | undefined;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = find(node, segment);
        if (!pair) break;
        node = pair.value ?? pair.key;
      } else if (isSeq(node)) {
        node = node.items[Number(segment)];
      } else break;
      if (!node || !(node as Node).range) break;
      found = node as Node;
    }
    if (keyOf !== undefined) {
      const pair = find(found, keyOf);
      if (pair && isScalar(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]);
    }
    return lineCounter.linePos(found?.range?.[0] ?? 0);
  };
}

/**
 * Parses YAML `text` into plain data. Never throws for bad input: syntax errors, duplicate keys, complex keys,
 * unresolved or cyclic aliases, bad merge keys, inexact numbers and breached limits all come back located.
 */
export function parseLocatedYaml(text: string, fileName: string, limits: YamlLimits = YAML_LIMITS): LocatedYamlResult {
  const at = (code: LocatedErrorCode, message: string): LocatedYamlResult => ({ ok: false, errors: [{ code, message, file: fileName, line: 1, col: 1, path: "$" }] });
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes) return at("FILE_TOO_LARGE", `the file is ${bytes} bytes; the limit is ${limits.maxBytes} bytes`);
  // Old Mac line endings (CR alone) are line breaks in YAML 1.2, but the parser reads them as one line. Same length, same offsets.
  const normalized = text.replace(/\r(?!\n)/g, "\n");
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(normalized, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false });
  } catch (error) {
    if (error instanceof RangeError) return at("YAML_TOO_DEEP", `values are nested too deeply to read (more than ${limits.maxDepth} levels are refused)`);
    throw error;
  }
  if (doc.errors.some((error) => /call stack/i.test(error.message))) {
    return at("YAML_TOO_DEEP", `values are nested too deeply to read (more than ${limits.maxDepth} levels are refused)`);
  }
  const errors: LocatedError[] = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message =
      error.code === "MULTIPLE_DOCS"
        ? "the file holds more than one YAML document (a second `---`); keep one"
        : error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    return { code: "YAML_SYNTAX", message, file: fileName, line, col, path: "$" };
  });
  if (errors.length > 0) return { ok: false, errors: capErrors(errors, limits.maxErrors) };
  const locate = createLocator(doc, lineCounter);
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return { ok: true, value: { data: null, empty: true, locate, problems: [] } };
  }
  const converter = new YamlConverter(fileName, lineCounter, limits);
  const data = converter.convert(contents, [], 0);
  const fatal = converter.errors.some((error) => error.code !== "DUPLICATE_KEY");
  if (fatal) return { ok: false, errors: capErrors(converter.errors, limits.maxErrors) };
  return { ok: true, value: { data, empty: false, locate, problems: converter.errors } };
}
