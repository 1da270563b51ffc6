/** What every CLI command gets: streams, environment, the resolved backend and a way to open it. */
import type { Clock } from "../core/clock";
import type { BackendConfig } from "../app/create-backend";
import type { Portal } from "../backends/portal";

export interface CliContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Only when time is pinned (--now, CSP_SEATS_NOW); otherwise each portal keeps its own time. */
  readonly pinnedClock?: Clock;
  readonly backend: BackendConfig;
  /** Opens the configured backend; the caller closes it. */
  openPortal(): Promise<Portal>;
}

/** A command: parses its own arguments and returns the process exit code. */
export type CommandRunner = (args: string[], context: CliContext) => Promise<number>;

/** Thrown for bad command-line usage; the top level prints it with the command's usage and exits 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Splits `--name value` / `--name=value` / `--flag` options from positional arguments. `valued` lists the
 * options that take a value; anything else starting with `--` is a boolean flag if listed in `flags`.
 */
export function parseOptions(
  args: readonly string[],
  spec: { valued?: readonly string[]; flags?: readonly string[] },
): { options: Record<string, string | true>; positionals: string[] } {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (spec.valued?.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else if (spec.flags?.includes(name) && eq === -1) {
      options[name] = true;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { options, positionals };
}
