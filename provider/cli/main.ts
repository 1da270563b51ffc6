/**
 * The `csp-seats` command line. Global options select the backend the same way the Pulumi stack config does;
 * every error is caught here, once, and mapped to a message and an exit code (0 ok, 1 error, 2 drift).
 */
import { isCspSeatsError } from "../core/errors";
import { createPortal } from "../app/create-backend";
import { resolveRuntimeConfig } from "../app/runtime-config";
import { UsageError, type CliContext, type CommandRunner } from "./context";

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandRunner> }> = {
  validate: { summary: "validate FILE                check a seats file (YAML + schema)", load: async () => (await import("./commands/validate-command.js")).runValidate },
  plan: {
    summary: "plan [--desired FILE]        what an apply would order, with charges and refunds\n" +
      "       [--format text|json|markdown] [--output-dir DIR [--max-chars N]]  DIR gets plan-1.md, plan-2.md... (one PR comment each)", load: async () => (await import("./commands/plan-command.js")).runPlan },
  drift: { summary: "drift [--desired FILE] [--format text|json|markdown]  desired vs purchased vs assigned; exit 2 on drift", load: async () => (await import("./commands/drift-command.js")).runDrift },
  portal: { summary: "portal serve|seed|outbox|orders  run and inspect the embedded portal", load: async () => (await import("./commands/portal-command.js")).runPortal },
};

const GLOBAL_VALUED = ["backend", "endpoint", "token", "state", "now"];

function renderHelp(): string {
  return [
    "csp-seats - Microsoft 365 seat counts as code",
    "",
    "Usage: csp-seats [global options] <command> [options]",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.summary}`),
    "",
    "Global options (also from the environment):",
    "  --backend embedded|http|cloudblue   CSP_SEATS_BACKEND (default: embedded, or http when an endpoint is set)",
    "  --endpoint URL                      CSP_SEATS_ENDPOINT",
    "  --token TOKEN                       CSP_SEATS_TOKEN (prefer the environment: arguments show in `ps`)",
    "  --state FILE                        CSP_SEATS_STATE, the embedded portal's state (default .csp-seats/portal-state.json)",
    "  --now ISO-TIME                      pretend it is this time (CSP_SEATS_NOW), for reproducible plans",
    "",
  ].join("\n");
}

/** Splits global options (anywhere before the command) from the command and its arguments. */
function splitGlobalOptions(argv: readonly string[]): { globals: Record<string, string>; command?: string; rest: string[] } {
  const globals: Record<string, string> = {};
  let i = 0;
  for (; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith("--")) break;
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (name === "help") return { globals, command: "help", rest: [] };
    if (!GLOBAL_VALUED.includes(name)) throw new UsageError(`unknown global option --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    globals[name] = value;
  }
  return { globals, command: argv[i], rest: argv.slice(i + 1) };
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  try {
    const { globals, command, rest } = splitGlobalOptions(argv);
    if (!command || command === "help" || command === "--help" || command === "-h") {
      stdout.write(renderHelp());
      return command ? 0 : 1;
    }
    const entry = COMMANDS[command];
    if (!entry) throw new UsageError(`unknown command "${command}"`);
    const runtime = resolveRuntimeConfig({
      explicit: { backend: globals.backend, endpoint: globals.endpoint, token: globals.token, statePath: globals.state, now: globals.now },
      env,
      cwd,
    });
    const pinned = runtime.pinnedClock ? { clock: runtime.pinnedClock } : {};
    const context: CliContext = {
      stdout,
      stderr,
      env,
      cwd,
      ...(runtime.pinnedClock ? { pinnedClock: runtime.pinnedClock } : {}),
      backend: runtime.backend,
      openPortal: () => createPortal(runtime.backend, pinned),
    };
    const run = await entry.load();
    return await run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`error: ${error.message}\n\n${renderHelp()}`);
      return 1;
    }
    if (isCspSeatsError(error)) {
      stderr.write(`error[${error.code}]: ${error.summary}\n  fix: ${error.fix}\n`);
      if (error.correlationId) stderr.write(`  correlation id: ${error.correlationId}\n`);
      return 1;
    }
    stderr.write(`error[INTERNAL]: ${error instanceof Error ? error.message : String(error)}\n  fix: this is a bug in csp-seats; please report it with the command you ran.\n`);
    return 1;
  }
}
