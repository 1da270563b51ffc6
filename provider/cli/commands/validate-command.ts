/**
 * `csp-seats validate FILE`: checks a seats file (YAML syntax, the schema, duplicate ids and SKUs) without
 * contacting any portal. Exit 0 when valid, 1 when not, with every error as `file:line:col: message (path)`.
 */
import * as path from "node:path";
import { CspSeatsError, isCspSeatsError } from "../../core/errors";
import { formatLocatedError, loadDesiredState, type ParseResult } from "../../desired/desired-state";
import { getString, parseCommandArgs, UsageError, type CommandSpec } from "../args";
import type { CommandRunner } from "../context";

/** validate's options and usage. */
export const VALIDATE_SPEC: CommandSpec = {
  usage: [
    "Usage: csp-seats validate FILE [--format text|json]",
    "",
    "Checks a seats file (YAML syntax, the schema, duplicate ids and SKUs) without contacting any portal.",
    "Exit 0 when it is valid, 1 when not.",
    "",
    "Options:",
    "  --format text|json   text (default): every error as file:line:col on stderr; json: a report on stdout",
    "  -h, --help           show this help",
    "",
  ].join("\n"),
  options: { format: { type: "string" } },
};

/** Loads FILE; a missing file gets a fix that validate itself accepts (the loader's names --desired, a plan option). */
async function loadFile(file: string, cwd: string): Promise<ParseResult> {
  try {
    return await loadDesiredState(path.resolve(cwd, file), { displayName: file });
  } catch (error) {
    const missing = isCspSeatsError(error) && error.code === "DESIRED_STATE_UNREADABLE" && (error.cause as { code?: unknown } | undefined)?.code === "ENOENT";
    if (!missing) throw error;
    throw new CspSeatsError(error.code, error.summary, "Check the path, or start from examples/quickstart/seats.yaml: csp-seats validate FILE.", {
      cause: error.cause,
      ...(error.details ? { details: error.details } : {}),
    });
  }
}

/** Runs `validate`. */
export const runValidate: CommandRunner = async (args, context) => {
  const parsed = parseCommandArgs(args, VALIDATE_SPEC);
  const format = getString(parsed, "format") ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, got "${format}"`, VALIDATE_SPEC.usage);
  if (parsed.positionals.length !== 1) throw new UsageError("validate needs exactly one FILE", VALIDATE_SPEC.usage);
  const file = parsed.positionals[0];
  // Locations use the name as the user typed it, so editors and CI annotations can follow them.
  const result = await loadFile(file, context.cwd);
  const errors = result.ok ? [] : result.errors;
  if (format === "json") {
    context.stdout.write(`${JSON.stringify({ kind: "csp-seats/validation", formatVersion: 1, file, valid: result.ok, errors }, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    for (const error of errors) context.stderr.write(`${formatLocatedError(error)}\n`);
    context.stderr.write(`${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}; nothing is ordered while the file is invalid.\n`);
    return 1;
  }
  const subscriptions = result.value.subscriptions;
  const licenses = subscriptions.reduce((sum, s) => sum + Object.keys(s.licenses).length, 0);
  context.stdout.write(
    `${file}: valid (${subscriptions.length} subscription${subscriptions.length === 1 ? "" : "s"}, ${licenses} license line${licenses === 1 ? "" : "s"}). ` +
      "Run `csp-seats plan` to check it against the portal.\n",
  );
  return 0;
};
