/**
 * `csp-seats fleet preview|up|drift|refresh [DIR]`: one Pulumi stack per tenant of a fleet folder (docs/fleet.md),
 * `--parallel N` at a time, each tenant isolated; and `csp-seats fleet report --merge FILE...`, which combines
 * the JSON reports of shards into one. Progress goes to stderr (live lines on a terminal, timestamped lines in
 * CI), the report to stdout, the JSON report also to --output FILE.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CspSeatsError } from "../../core/errors";
import { FLEET_OPERATIONS, type FleetOperation, type FleetTenant } from "../../core/fleet-types";
import { listChangedFiles, selectChangedTenants } from "../../app/fleet/changed-files";
import { loadFleetLayout, selectTenants } from "../../app/fleet/fleet-layout";
import { getDefaultParallelism, runFleet, type FleetProgressEvent } from "../../app/fleet/run-fleet";
import { parseShard, selectShard, type Shard } from "../../app/fleet/shard";
import { renderFleetMarkdown, renderFleetMarkdownChunks } from "../../report/fleet-markdown";
import { renderFleetHtml } from "../../report/html";
import { formatProgressLine, renderProgressFrame } from "../../report/fleet-progress";
import { buildFleetReport, listMissingShards, mergeFleetReports, parseFleetReport, renderFleetJson, type FleetReport } from "../../report/fleet-report";
import { renderFleetText, summarizeTenant } from "../../report/fleet-text";
import { getString, parseCommandArgs, UsageError, type CommandSpec } from "../args";
import type { CliContext, CommandRunner } from "../context";

const FORMATS = ["text", "json", "markdown", "html"] as const;
type Format = (typeof FORMATS)[number];

/** fleet's options and usage. */
export const FLEET_SPEC: CommandSpec = {
  usage: [
    "Usage: csp-seats fleet preview|up|drift|refresh [DIR] [options]",
    "       csp-seats fleet report --merge FILE... [--format text|json|markdown|html] [--output FILE] [--output-dir DIR]",
    "",
    "One Pulumi stack per tenant of the fleet folder DIR (default: .), through the Automation API. A tenant's",
    "failure is reported and never stops the others. Exit 0 ok / no drift, 2 changes pending (preview) or drift",
    "(drift), 1 any error. docs/fleet.md describes the folder, the secrets and the sharding.",
    "",
    "Options:",
    `  --parallel N          stacks at once (default ${getDefaultParallelism()}: one per CPU core)`,
    "  --tenant NAME         only this tenant (repeatable)",
    "  --changed-since REF   only the tenants whose files changed since REF (git; all when fleet.yaml changed)",
    "  --shard I/N           only the tenants of shard I of N (stable: adding a tenant moves no other)",
    "  --backend-url URL     the Pulumi state backend (default: fleet.yaml, PULUMI_BACKEND_URL, file backend in DIR)",
    "  --format FORMAT       text (default), json, markdown or html (one self-contained page), on stdout",
    "  --output FILE         also write the JSON report to FILE (one per shard, for `fleet report --merge`)",
    "  --output-dir DIR      also write the Markdown report to DIR as fleet-1.md, fleet-2.md, ... (one PR comment each)",
    "  --max-chars N         the largest Markdown chunk (default 65000, at least 1000)",
    "  --merge FILE...       (fleet report) the shard reports to combine",
    "  -h, --help            show this help",
    "",
    "The file backend keeps each stack's secrets with PULUMI_CONFIG_PASSPHRASE (or _FILE): set it.",
    "",
  ].join("\n"),
  options: {
    parallel: { type: "string" },
    tenant: { type: "string" },
    "changed-since": { type: "string" },
    shard: { type: "string" },
    "backend-url": { type: "string" },
    format: { type: "string" },
    output: { type: "string" },
    "output-dir": { type: "string" },
    "max-chars": { type: "string" },
    merge: { type: "boolean" },
  },
};

/** Every value of a repeatable option (parseCommandArgs keeps only the last). */
function getAll(args: readonly string[], name: string): string[] {
  const { values } = parseArgs({ args: [...args], options: { [name]: { type: "string", multiple: true } }, strict: false, allowPositionals: true });
  const found = values[name];
  return Array.isArray(found) ? found.filter((v): v is string => typeof v === "string") : [];
}

function parsePositiveInt(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} must be a whole number of at least ${min}, got "${value}"`, FLEET_SPEC.usage);
  return n;
}

/** Writes progress to stderr: live lines on a terminal, timestamped lines otherwise. */
function createProgressWriter(context: CliContext, total: number): { onProgress: (event: FleetProgressEvent) => void; stop: () => void } {
  const stream = context.stderr as NodeJS.WriteStream;
  const live = stream.isTTY === true && !context.env.CI;
  const running = new Map<string, { tenant: string; message: string; startedAt: number }>();
  let done = 0;
  let failed = 0;
  let drawn = 0;
  const draw = (): void => {
    const lines = renderProgressFrame({ total, done, failed, running: [...running.values()] }, Date.now(), Math.max(40, (stream.columns ?? 100) - 1));
    stream.write(`${drawn > 0 ? `\u001b[${drawn}A` : ""}${lines.map((line) => `\u001b[2K${line}\n`).join("")}`);
    drawn = lines.length;
  };
  const clear = (): void => {
    if (drawn > 0) stream.write(`\u001b[${drawn}A${"\u001b[2K\n".repeat(drawn)}\u001b[${drawn}A`);
    drawn = 0;
  };
  const timer = live ? setInterval(draw, 250) : undefined;
  timer?.unref();
  const onProgress = (event: FleetProgressEvent): void => {
    if (event.kind === "start") running.set(event.tenant, { tenant: event.tenant, message: "starting", startedAt: Date.now() });
    if (event.kind === "message") {
      const entry = running.get(event.tenant);
      if (entry) entry.message = event.message;
    }
    if (event.kind === "done") {
      running.delete(event.tenant);
      done += 1;
      if (event.outcome.status === "error") failed += 1;
    }
    const line =
      event.kind === "start" ? "started" : event.kind === "message" ? event.message : `${event.outcome.status}: ${summarizeTenant(event.outcome)} (${(event.outcome.durationMs / 1000).toFixed(1)} s)`;
    if (!live) {
      context.stderr.write(`${formatProgressLine(new Date(), event.tenant, line)}\n`);
      return;
    }
    if (event.kind === "done") {
      clear();
      stream.write(`${event.tenant}: ${line}\n`);
    }
    draw();
  };
  return {
    onProgress,
    stop: () => {
      if (timer) clearInterval(timer);
      if (live) clear();
    },
  };
}

async function writeOutputs(report: FleetReport, format: Format, context: CliContext, options: { output?: string; outputDir?: string; maxChars?: number }): Promise<void> {
  const render = { json: renderFleetJson, markdown: renderFleetMarkdown, html: renderFleetHtml, text: renderFleetText }[format];
  context.stdout.write(render(report));
  if (options.output !== undefined) {
    const file = path.resolve(context.cwd, options.output);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, renderFleetJson(report));
    context.stderr.write(`wrote the JSON report to ${options.output}\n`);
  }
  if (options.outputDir !== undefined) {
    const dir = path.resolve(context.cwd, options.outputDir);
    await fs.mkdir(dir, { recursive: true });
    for (const name of await fs.readdir(dir)) if (/^fleet-\d+\.md$/.test(name)) await fs.rm(path.join(dir, name), { force: true });
    const chunks = renderFleetMarkdownChunks(report, options.maxChars === undefined ? {} : { maxChars: options.maxChars });
    await Promise.all(chunks.map((chunk, i) => fs.writeFile(path.join(dir, `fleet-${i + 1}.md`), chunk)));
    context.stderr.write(`wrote the Markdown report as ${chunks.length} chunk(s) to ${options.outputDir}\n`);
  }
}

async function filterTenants(context: CliContext, args: readonly string[], layout: Awaited<ReturnType<typeof loadFleetLayout>>, changedSince: string | undefined, shard: Shard | undefined): Promise<FleetTenant[]> {
  const names = getAll(args, "tenant");
  let tenants: FleetTenant[] = names.length > 0 ? selectTenants(layout, names) : [...layout.tenants];
  if (changedSince !== undefined) {
    const touched = new Set(selectChangedTenants(layout, await listChangedFiles(layout.root, changedSince)).map((t) => t.name));
    tenants = tenants.filter((t) => touched.has(t.name));
    context.stderr.write(`--changed-since ${changedSince}: ${touched.size} tenant(s) touched${touched.size > 0 ? ` (${[...touched].join(", ")})` : ""}\n`);
  }
  return shard ? selectShard(tenants, shard, (t) => t.name) : tenants;
}

/** Runs `fleet`. */
export const runFleetCommand: CommandRunner = async (args, context) => {
  const parsed = parseCommandArgs(args, FLEET_SPEC);
  const [operation, ...rest] = parsed.positionals;
  const format = (getString(parsed, "format") ?? "text") as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`, FLEET_SPEC.usage);
  const outputs = { output: getString(parsed, "output"), outputDir: getString(parsed, "output-dir"), maxChars: parsePositiveInt(getString(parsed, "max-chars"), "--max-chars", 1000) };

  if (operation === "report") {
    if (parsed.values.merge !== true || rest.length === 0) throw new UsageError("fleet report needs --merge FILE... (the shard reports)", FLEET_SPEC.usage);
    const reports = await Promise.all(
      rest.map(async (file) => {
        const text = await fs.readFile(path.resolve(context.cwd, file), "utf8").catch((error: NodeJS.ErrnoException) => {
          throw new CspSeatsError("FLEET_MERGE", `cannot read ${file}: ${error.code ?? error.message}`, "Pass the files the shards wrote with --output.");
        });
        return { name: file, report: parseFleetReport(text, file) };
      }),
    );
    const merged = mergeFleetReports(reports);
    await writeOutputs(merged, format, context, outputs);
    const missing = listMissingShards(merged);
    if (missing.length > 0) {
      context.stderr.write(`error[FLEET_MERGE]: the merged report lacks shard(s) ${missing.join(", ")}\n  fix: a shard job failed before writing its report; re-run it.\n`);
      return 1;
    }
    return merged.exitCode;
  }

  if (!FLEET_OPERATIONS.includes(operation as FleetOperation)) {
    throw new UsageError(operation ? `unknown fleet operation "${operation}"` : "fleet needs an operation", FLEET_SPEC.usage);
  }
  if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`, FLEET_SPEC.usage);
  const parallel = parsePositiveInt(getString(parsed, "parallel"), "--parallel", 1);
  const shardText = getString(parsed, "shard");
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  const layout = await loadFleetLayout(path.resolve(context.cwd, rest[0] ?? "."));
  const tenants = await filterTenants(context, args, layout, getString(parsed, "changed-since"), shard);
  const progress = createProgressWriter(context, tenants.length);
  let outcomes;
  try {
    const backendUrl = getString(parsed, "backend-url");
    outcomes = await runFleet({
      layout,
      operation: operation as FleetOperation,
      tenants,
      ...(parallel !== undefined ? { parallel } : {}),
      env: context.env,
      ...(backendUrl !== undefined ? { backendUrl } : {}),
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
  const report = buildFleetReport(operation as FleetOperation, outcomes, shard);
  await writeOutputs(report, format, context, outputs);
  return report.exitCode;
};
