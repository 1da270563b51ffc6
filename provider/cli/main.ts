/**
 * The `csp-seats` command line. Global options select the backend the same way the Pulumi stack config does
 * (one resolver, app/runtime-config.ts); every error is caught here, once, and mapped to a message and an exit
 * code (0 ok, 1 error, 2 drift).
 */
import { findClosestName } from "../core/closest-name";
import { isCspSeatsError } from "../core/errors";
import { BACKEND_KINDS, createPortal } from "../app/create-backend";
import { resolveRuntimeConfig, type RuntimeConfig } from "../app/runtime-config";
import { GLOBAL_OPTIONS, HelpRequest, UsageError, asksForHelp, getString, parseCommandArgs, splitCommandLine, type CommandSpec } from "./args";
import type { CliContext, CommandRunner } from "./context";

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandRunner> }> = {
  validate: { summary: "validate FILE                check a seats file (YAML + schema)", load: async () => (await import("./commands/validate-command.js")).runValidate },
  plan: {
    summary: "plan [--desired FILE]        what an apply would order, with charges and refunds\n" +
      "       [--format text|json|markdown|html] [--output-dir DIR [--max-chars N]]  DIR gets plan-1.md, plan-2.md... (one PR comment each)\n" +
      "       [--save FILE]                FILE gets the plan with its approval digest (csp-seats:approvedPlan)", load: async () => (await import("./commands/plan-command.js")).runPlan },
  drift: { summary: "drift [--desired FILE] [--format text|json|markdown|html]  desired vs purchased vs assigned; exit 2 on drift", load: async () => (await import("./commands/drift-command.js")).runDrift },
  renewals: {
    summary: "renewals [--within 90d] [--fail-within 7d] [--format text|json|markdown|html]  upcoming renewals; exit 2 with --fail-within",
    load: async () => (await import("./commands/renewals-command.js")).runRenewals,
  },
  fleet: {
    summary: "fleet preview|up|drift|refresh [DIR]  one Pulumi stack per tenant of a fleet folder (--parallel N, --shard I/N)\n" +
      "       fleet report --merge FILE...     combine the shards' JSON reports into one", load: async () => (await import("./commands/fleet-command.js")).runFleetCommand,
  },
  portal: { summary: "portal serve|seed|outbox|orders  run and inspect the embedded portal", load: async () => (await import("./commands/portal-command.js")).runPortal },
};

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
    "  --backend KIND                      CSP_SEATS_BACKEND: " + BACKEND_KINDS.join(", ") + " (default: embedded, or http when an endpoint is set)",
    "  --endpoint URL                      CSP_SEATS_ENDPOINT",
    "  --token TOKEN                       CSP_SEATS_TOKEN (prefer the environment: arguments show in `ps`)",
    "  --state FILE                        CSP_SEATS_STATE, the embedded portal's state (default .csp-seats/portal-state.json)",
    "  --now ISO-TIME                      pretend it is this time (CSP_SEATS_NOW), for reproducible plans",
    "",
    "`csp-seats <command> --help` shows a command's options.",
    "",
  ].join("\n");
}

const GLOBAL_SPEC: CommandSpec = { usage: renderHelp(), options: GLOBAL_OPTIONS };

/** The command to run and its arguments; `help plan` is `plan --help`. */
function selectCommand(command: string, rest: string[]): { name: string; args: string[] } {
  if (command === "help" && rest.length > 0) return selectCommand(rest[0], ["--help"]);
  if (!(command in COMMANDS)) {
    const closest = findClosestName(command, Object.keys(COMMANDS));
    throw new UsageError(`unknown command "${command}"${closest ? ` (did you mean "${closest}"?)` : ""}`);
  }
  return { name: command, args: rest };
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
    const { globalArgs, command, rest } = splitCommandLine(argv);
    const globals = parseCommandArgs(globalArgs, GLOBAL_SPEC, { global: true });
    if (!command || (command === "help" && rest.length === 0)) {
      stdout.write(renderHelp());
      return command ? 0 : 1;
    }
    const selected = selectCommand(command, rest);
    const explicit = { backend: getString(globals, "backend"), endpoint: getString(globals, "endpoint"), token: getString(globals, "token"), statePath: getString(globals, "state"), now: getString(globals, "now") };
    let runtime: RuntimeConfig | undefined;
    const getRuntime = (): RuntimeConfig => (runtime ??= resolveRuntimeConfig({ explicit, env, cwd }));
    // A bad setting is reported before the command runs, except to `--help`, which must help whatever the settings.
    if (!asksForHelp(selected.args)) getRuntime();
    const context: CliContext = {
      stdout,
      stderr,
      env,
      cwd,
      get pinnedClock() {
        return getRuntime().pinnedClock;
      },
      get backend() {
        return getRuntime().backend;
      },
      openPortal: () => {
        const { backend, pinnedClock } = getRuntime();
        return createPortal(backend, pinnedClock ? { clock: pinnedClock } : {});
      },
    };
    const run = await COMMANDS[selected.name].load();
    return await run(selected.args, context);
  } catch (error) {
    if (error instanceof HelpRequest) {
      stdout.write(error.usage);
      return 0;
    }
    if (error instanceof UsageError) {
      stderr.write(`error: ${error.message}\n\n${error.usage ?? renderHelp()}`);
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
