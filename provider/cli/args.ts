/**
 * Command-line parsing on node:util parseArgs (strict, positionals allowed), with the messages users need:
 * `--help`/`-h` anywhere shows the command's usage, an unknown option names the closest valid one, a missing
 * value says which option wants it.
 */
import { parseArgs } from "node:util";
import { findClosestName } from "../core/closest-name";

/** One option: `string` takes a value (`--format json`, `--format=json`), `boolean` does not. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
}

/** What a command accepts, and the usage printed for `--help` and after a usage mistake. */
export interface CommandSpec {
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

/** The parsed command line: option values by name (without `--`) and the positional arguments. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** The options that go before the command (csp-seats [global options] <command>). */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  backend: { type: "string" },
  endpoint: { type: "string" },
  token: { type: "string" },
  state: { type: "string" },
  now: { type: "string" },
};

const HELP: OptionSpec = { type: "boolean", short: "h" };

/** Thrown for bad command-line usage; the top level prints it with `usage` (or the general help) and exits 1. */
export class UsageError extends Error {
  readonly usage?: string;

  constructor(message: string, usage?: string) {
    super(message);
    this.name = "UsageError";
    if (usage !== undefined) this.usage = usage;
  }
}

/** Thrown for `--help`/`-h`: the top level prints `usage` on stdout and exits 0. */
export class HelpRequest extends Error {
  readonly usage: string;

  constructor(usage: string) {
    super("help requested");
    this.name = "HelpRequest";
    this.usage = usage;
  }
}

function describeUnknownOption(rawName: string, known: readonly string[], isGlobalPart: boolean): string {
  const name = rawName.replace(/^-+/, "");
  if (!isGlobalPart && name in GLOBAL_OPTIONS) {
    return `${rawName} is a global option; put it before the command (csp-seats ${rawName} VALUE <command> ...)`;
  }
  const closest = findClosestName(name, known);
  return `unknown ${isGlobalPart ? "global " : ""}option ${rawName}${closest ? ` (did you mean --${closest}?)` : ""}`;
}

/**
 * Parses `args` against `spec` (plus `--help`/`-h`). Throws HelpRequest when help is asked for (before looking
 * at anything else, so `plan --oops --help` still helps) and UsageError for an unknown option or a missing value.
 * `global` words the errors for the options before the command.
 */
export function parseCommandArgs(args: readonly string[], spec: CommandSpec, options: { global?: boolean } = {}): ParsedArgs {
  const config = { ...spec.options, help: HELP };
  const { tokens } = parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(config);
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) throw new HelpRequest(spec.usage);
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = (config as Record<string, OptionSpec | undefined>)[token.name];
    if (option === undefined) throw new UsageError(describeUnknownOption(token.rawName, known, options.global === true), spec.usage);
    if (option.type === "string" && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`, spec.usage);
    if (option.type === "boolean" && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`, spec.usage);
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: config, strict: true, allowPositionals: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    // What the checks above let through (an ambiguous `--desired --format`): parseArgs words it well enough.
    throw new UsageError(error instanceof Error ? error.message.split("\n")[0] : String(error), spec.usage);
  }
}

/** Whether `args` ask for help (`--help` or `-h` before any `--`), whatever else they hold. */
export function asksForHelp(args: readonly string[]): boolean {
  const { tokens } = parseArgs({ args: [...args], options: { help: HELP }, strict: false, allowPositionals: true, tokens: true });
  return tokens.some((token) => token.kind === "option" && token.name === "help");
}

/** A string option's value, or undefined (boolean options never reach here: parseCommandArgs refused a value). */
export function getString(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Refuses positional arguments for a command that takes none. */
export function refusePositionals(parsed: ParsedArgs, usage: string): void {
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, usage);
}

/**
 * Splits `argv` into the global options, the command and the command's own arguments: the command is the first
 * positional word, so `--state FILE` before it keeps its value.
 */
export function splitCommandLine(argv: readonly string[]): { globalArgs: string[]; command?: string; rest: string[] } {
  const { tokens } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, help: HELP }, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((token) => token.kind === "positional");
  if (!first) return { globalArgs: [...argv], rest: [] };
  return { globalArgs: argv.slice(0, first.index), command: argv[first.index], rest: argv.slice(first.index + 1) };
}
