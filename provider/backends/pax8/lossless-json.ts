/**
 * A JSON reader that keeps the source text of chosen numbers. Pax8 sends money as JSON numbers (`"price": 15.39`);
 * `JSON.parse` turns them into binary floats before csp-seats sees them, and Node 20's JSON.parse cannot hand a
 * reviver the source text. This reader parses the whole document (strict JSON, RFC 8259) and returns every number
 * whose property name is in `decimalKeys` as its exact source text ("15.39", "0.1", "1E+2"), every other number as
 * a JS number. The caller checks the text (vendor-values' checkDecimalAmount) before it becomes money.
 */

/** Thrown for text that is not JSON; the message says where. */
export class JsonSyntaxError extends SyntaxError {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;
const MAX_DEPTH = 512;

/** Parses `text`; numbers under a property named in `decimalKeys` come back as their source text. */
export function parseJsonKeepingDecimals(text: string, decimalKeys: ReadonlySet<string>): unknown {
  let at = 0;
  const skip = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(what, at);
  };
  const readString = (): string => {
    STRING.lastIndex = at;
    const match = STRING.exec(text);
    if (!match) fail("malformed string");
    at = STRING.lastIndex;
    return JSON.parse(match![0]) as string;
  };
  const readValue = (key: string | undefined, depth: number): unknown => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    skip();
    const c = text[at];
    if (c === "{") {
      at += 1;
      const out: Record<string, unknown> = {};
      skip();
      if (text[at] === "}") {
        at += 1;
        return out;
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail("expected a property name");
        const name = readString();
        skip();
        if (text[at] !== ":") fail("expected ':'");
        at += 1;
        const value = readValue(name, depth + 1);
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[at] === ",") {
          at += 1;
          continue;
        }
        if (text[at] === "}") {
          at += 1;
          return out;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      at += 1;
      const out: unknown[] = [];
      skip();
      if (text[at] === "]") {
        at += 1;
        return out;
      }
      for (;;) {
        // Items of an array keep the array's property name: `"prices": [1.10, 2.20]` stay exact too.
        out.push(readValue(key, depth + 1));
        skip();
        if (text[at] === ",") {
          at += 1;
          continue;
        }
        if (text[at] === "]") {
          at += 1;
          return out;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return readString();
    if (text.startsWith("true", at)) return (at += 4), true;
    if (text.startsWith("false", at)) return (at += 5), false;
    if (text.startsWith("null", at)) return (at += 4), null;
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match) fail("unexpected character");
    at = NUMBER.lastIndex;
    return key !== undefined && decimalKeys.has(key) ? match![0] : Number(match![0]);
  };
  const value = readValue(undefined, 0);
  skip();
  if (at !== text.length) fail("unexpected text after the JSON value");
  return value;
}

/**
 * A JSON number's source text as a plain decimal ("1.5E+1" -> "15", "2.50" stays "2.50"); undefined when it is not
 * a finite decimal within 30 digits of exponent (such a price is refused, never rounded).
 */
export function toPlainDecimal(text: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = "", exponentText] = match;
  if (exponentText === undefined) return text;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > 30) return undefined;
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const padded = point <= 0 ? "0".repeat(1 - point) + digits : point >= digits.length ? digits + "0".repeat(point - digits.length) : digits;
  const split = Math.max(point, 1);
  const intPart = padded.slice(0, split).replace(/^0+(?=\d)/, "");
  const fracPart = padded.slice(split);
  return `${sign}${intPart}${fracPart ? `.${fracPart}` : ""}`;
}
