/**
 * `csp-seats plan`: reads the desired state, reads every desired subscription once from the portal (one
 * listSubscriptions call), runs the pure planner and prints the plan. Exit 0 when the plan can be applied
 * (changes or not); 1 on invalid input, on a portal error, or when the plan has violations (they are printed).
 */
import * as path from "node:path";
import type { DesiredState } from "../../desired-state";
import { formatLocatedError, loadDesiredState } from "../../desired-state";
import type { Clock } from "../../clock";
import type { Subscription } from "../../model";
import { planSeats } from "../../planner";
import { resolvePlanningClock } from "../../portal/create-portal";
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from "../../report";
import { parseOptions, UsageError, type CliContext, type CommandRunner } from "../context";

/** The output formats of plan and drift. */
export type ReportFormat = "text" | "json" | "markdown";

const FORMATS: readonly ReportFormat[] = ["text", "json", "markdown"];

/** Parses `--desired FILE` (default ./seats.yaml) and `--format` for plan and drift. */
export function parseReportOptions(args: readonly string[], command: string): { desiredFile: string; format: ReportFormat } {
  const { options, positionals } = parseOptions(args, { valued: ["desired", "format"] });
  if (positionals.length > 0) throw new UsageError(`${command} takes no positional arguments (got "${positionals[0]}"); use --desired FILE`);
  const format = ((options.format as string | undefined) ?? "text") as ReportFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`);
  return { desiredFile: (options.desired as string | undefined) ?? "seats.yaml", format };
}

/**
 * Loads the desired state and the subscriptions it names (one portal call). Returns undefined after printing
 * every located error when the file is invalid.
 */
export async function loadDesiredAndObserved(desiredFile: string, context: CliContext): Promise<{ desired: DesiredState; observed: Subscription[]; clock: Clock } | undefined> {
  const result = await loadDesiredState(path.resolve(context.cwd, desiredFile), { displayName: desiredFile });
  if (!result.ok) {
    for (const error of result.errors) context.stderr.write(`${formatLocatedError(error)}\n`);
    context.stderr.write(`${desiredFile} is invalid (${result.errors.length} error${result.errors.length === 1 ? "" : "s"}); nothing was planned.\n`);
    return undefined;
  }
  const desired = result.value;
  const portal = await context.openPortal();
  try {
    const observed = await portal.listSubscriptions({ ids: desired.subscriptions.map((s) => s.id) });
    return { desired, observed, clock: await resolvePlanningClock(portal, context.clock) };
  } finally {
    await portal.close();
  }
}

/** Runs `plan`. */
export const runPlan: CommandRunner = async (args, context) => {
  const { desiredFile, format } = parseReportOptions(args, "plan");
  const loaded = await loadDesiredAndObserved(desiredFile, context);
  if (!loaded) return 1;
  const plan = planSeats(loaded.desired, loaded.observed, loaded.clock);
  context.stdout.write(format === "json" ? renderPlanJson(plan) : format === "markdown" ? renderPlanMarkdown(plan) : renderPlanText(plan));
  return plan.hasViolations ? 1 : 0;
};
