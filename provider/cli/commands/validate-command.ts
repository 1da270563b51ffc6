/**
 * `csp-seats validate FILE`: checks a seats file (YAML syntax, the schema, duplicate ids and SKUs) without
 * contacting any portal. Exit 0 when valid, 1 when not, with every error as `file:line:col: message (path)`.
 */
import * as path from "node:path";
import { formatLocatedError, loadDesiredState } from "../../desired/desired-state";
import { parseOptions, UsageError, type CommandRunner } from "../context";

const USAGE = "usage: csp-seats validate FILE [--format text|json]";

/** Runs `validate`. */
export const runValidate: CommandRunner = async (args, context) => {
  const { options, positionals } = parseOptions(args, { valued: ["format"] });
  const format = (options.format as string | undefined) ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, got "${format}"\n${USAGE}`);
  if (positionals.length !== 1) throw new UsageError(`validate needs exactly one FILE\n${USAGE}`);
  const file = positionals[0];
  // Locations use the name as the user typed it, so editors and CI annotations can follow them.
  const result = await loadDesiredState(path.resolve(context.cwd, file), { displayName: file });
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
