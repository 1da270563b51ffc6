/**
 * `csp-seats plan`: reads the desired state, reads every desired subscription once from the portal (one
 * listSubscriptions call; a portal with its own rating engine also quotes each subscription's changes), runs the
 * pure planner and prints the plan. Exit 0 when the plan can be applied
 * (changes or not); 1 on invalid input, on a portal error, or when the plan has violations (they are printed).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { DesiredState } from "../../desired/desired-state";
import { formatLocatedError, loadDesiredState } from "../../desired/desired-state";
import type { Clock } from "../../core/clock";
import type { OrderEstimate, Subscription } from "../../core/model";
import { planSeats } from "../../core/plan/planner";
import { observeDesiredState } from "../../app/observe";
import type { Plan } from "../../core/plan/types";
import { buildApprovedPlan } from "../../core/plan/approval";
import { computeRenewals } from "../../core/renewals";
import { renderPlanHtml } from "../../report/html";
import { renderPlanJson, renderPlanMarkdown, renderPlanMarkdownChunks, renderPlanText } from "../../report";
import { getString, parseCommandArgs, UsageError, type CommandSpec, type ParsedArgs } from "../args";
import type { CliContext, CommandRunner } from "../context";

/** The output formats of plan and drift. */
export type ReportFormat = "text" | "json" | "markdown" | "html";

const FORMATS: readonly ReportFormat[] = ["text", "json", "markdown", "html"];

const GLOBALS_NOTE = "Global options (--backend, --endpoint, --token, --state, --now) go before the command; see csp-seats --help.";

/** plan's options and usage. */
export const PLAN_SPEC: CommandSpec = {
  usage: [
    "Usage: csp-seats [global options] plan [--desired FILE] [--format text|json|markdown|html] [--output-dir DIR [--max-chars N]] [--save FILE]",
    "",
    "What an apply would order, with every charge and refund. Reads each desired subscription once from the portal.",
    "Exit 0 when the plan can be applied (changes or not), 1 on invalid input, a portal error or violations.",
    "",
    "Options:",
    "  --desired FILE      the seats file (default: seats.yaml)",
    "  --format FORMAT     text (default), json, markdown or html (one self-contained page with charts and a renewal calendar)",
    "  --output-dir DIR    also write the Markdown plan to DIR as plan-1.md, plan-2.md, ... (one PR comment each)",
    "  --max-chars N       the largest chunk in characters (default 65000, at least 1000)",
    "  --save FILE         also write the plan with its approval digest (for csp-seats:approvedPlan in pulumi up)",
    "  -h, --help          show this help",
    "",
    GLOBALS_NOTE,
    "",
  ].join("\n"),
  options: { desired: { type: "string" }, format: { type: "string" }, "output-dir": { type: "string" }, "max-chars": { type: "string" }, save: { type: "string" } },
};

/** drift's options and usage. */
export const DRIFT_SPEC: CommandSpec = {
  usage: [
    "Usage: csp-seats [global options] drift [--desired FILE] [--format text|json|markdown|html]",
    "",
    "Desired vs purchased vs assigned seats for every managed line, with the money idle seats cost.",
    "Exit 0 without drift, 2 on drift, 1 on an error (invalid file, portal error, a subscription the portal does not know).",
    "",
    "Options:",
    "  --desired FILE      the seats file (default: seats.yaml)",
    "  --format FORMAT     text (default), json, markdown or html (one self-contained page with charts and a renewal calendar)",
    "  -h, --help          show this help",
    "",
    GLOBALS_NOTE,
    "",
  ].join("\n"),
  options: { desired: { type: "string" }, format: { type: "string" } },
};

/** Parses `--desired FILE` (default ./seats.yaml) and `--format` for plan and drift, and the rest of `spec`. */
export function parseReportOptions(
  args: readonly string[],
  command: string,
  spec: CommandSpec,
): { desiredFile: string; format: ReportFormat; parsed: ParsedArgs } {
  const parsed = parseCommandArgs(args, spec);
  if (parsed.positionals.length > 0) throw new UsageError(`${command} takes no positional arguments (got "${parsed.positionals[0]}"); use --desired FILE`, spec.usage);
  const format = (getString(parsed, "format") ?? "text") as ReportFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`, spec.usage);
  return { desiredFile: getString(parsed, "desired") ?? "seats.yaml", format, parsed };
}

/**
 * Loads the desired state and the subscriptions it names (one portal call). Returns undefined after printing
 * every located error when the file is invalid.
 */
export async function loadDesiredAndObserved(
  desiredFile: string,
  context: CliContext,
  options: { quote?: boolean } = {},
): Promise<{ desired: DesiredState; observed: Subscription[]; clock: Clock; quotes: Map<string, OrderEstimate> } | undefined> {
  const result = await loadDesiredState(path.resolve(context.cwd, desiredFile), { displayName: desiredFile });
  if (!result.ok) {
    for (const error of result.errors) context.stderr.write(`${formatLocatedError(error)}\n`);
    context.stderr.write(`${desiredFile} is invalid (${result.errors.length} error${result.errors.length === 1 ? "" : "s"}); nothing was planned.\n`);
    return undefined;
  }
  const desired = result.value;
  const portal = await context.openPortal();
  try {
    const observation = await observeDesiredState(portal, desired, { ...(context.pinnedClock ? { pinnedClock: context.pinnedClock } : {}), quote: options.quote === true });
    return { desired, ...observation };
  } finally {
    await portal.close();
  }
}

const CHUNK_FILE = /^plan-\d+\.md$/;

function parseMaxChars(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const max = Number(value);
  if (!Number.isSafeInteger(max) || max < 1000) throw new UsageError(`--max-chars must be a whole number of at least 1000, got "${value}"`, PLAN_SPEC.usage);
  return max;
}

/**
 * Writes the plan as Markdown chunks `plan-1.md`, `plan-2.md`, ... into `dir` (one pull-request comment each,
 * under GitHub's 65,536-character limit), after removing chunks of an earlier run. Returns the file names.
 */
export async function writePlanMarkdownChunks(plan: Plan, dir: string, maxChars?: number): Promise<string[]> {
  const chunks = renderPlanMarkdownChunks(plan, maxChars === undefined ? {} : { maxChars });
  await fs.mkdir(dir, { recursive: true });
  for (const name of await fs.readdir(dir)) {
    if (CHUNK_FILE.test(name)) await fs.rm(path.join(dir, name), { force: true });
  }
  const names = chunks.map((_chunk, i) => `plan-${i + 1}.md`);
  await Promise.all(chunks.map((chunk, i) => fs.writeFile(path.join(dir, names[i]), chunk)));
  return names;
}

/** Runs `plan`. `--save FILE` also writes the approved-plan file (core/plan/approval.ts); `--output-dir DIR` also writes the Markdown plan as comment-sized chunks (`--max-chars`, default 65,000). */
export const runPlan: CommandRunner = async (args, context) => {
  const { desiredFile, format, parsed } = parseReportOptions(args, "plan", PLAN_SPEC);
  const maxChars = parseMaxChars(getString(parsed, "max-chars"));
  const outputDir = getString(parsed, "output-dir");
  const loaded = await loadDesiredAndObserved(desiredFile, context, { quote: true });
  if (!loaded) return 1;
  const plan = planSeats(loaded.desired, loaded.observed, loaded.clock, loaded.quotes);
  if (format === "html") context.stdout.write(renderPlanHtml(plan, { renewals: computeRenewals(loaded.desired, loaded.observed, loaded.clock, { plan }) }));
  else context.stdout.write(format === "json" ? renderPlanJson(plan) : format === "markdown" ? renderPlanMarkdown(plan) : renderPlanText(plan));
  const saveFile = getString(parsed, "save");
  if (saveFile !== undefined) {
    const approved = buildApprovedPlan(plan);
    await fs.writeFile(path.resolve(context.cwd, saveFile), `${JSON.stringify(approved, null, 2)}\n`);
    context.stderr.write(`wrote the plan to ${saveFile}: approval digest ${approved.digest} (${Object.keys(approved.subscriptions).length} order(s))\n`);
  }
  if (outputDir !== undefined) {
    const names = await writePlanMarkdownChunks(plan, path.resolve(context.cwd, outputDir), maxChars);
    context.stderr.write(`wrote the plan as ${names.length} Markdown chunk(s) to ${outputDir}: ${names.join(", ")}\n`);
  }
  return plan.hasViolations ? 1 : 0;
};
