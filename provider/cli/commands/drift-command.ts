/**
 * `csp-seats drift`: desired vs purchased vs assigned for every managed line. Exit codes follow Terraform's
 * -detailed-exitcode: 0 no drift, 2 drift, 1 error (invalid file, portal error, or a file entry the portal
 * does not know: the comparison would be incomplete).
 */
import { computeDrift } from "../../core/drift";
import { computeRenewals } from "../../core/renewals";
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from "../../report";
import { renderDriftHtml } from "../../report/html";
import type { CommandRunner } from "../context";
import { DRIFT_SPEC, loadDesiredAndObserved, parseReportOptions } from "./plan-command";

/** Runs `drift`. */
export const runDrift: CommandRunner = async (args, context) => {
  const { desiredFile, format } = parseReportOptions(args, "drift", DRIFT_SPEC);
  const loaded = await loadDesiredAndObserved(desiredFile, context);
  if (!loaded) return 1;
  const report = computeDrift(loaded.desired, loaded.observed, loaded.clock);
  if (format === "html") context.stdout.write(renderDriftHtml(report, { renewals: computeRenewals(loaded.desired, loaded.observed, loaded.clock) }));
  else context.stdout.write(format === "json" ? renderDriftJson(report) : format === "markdown" ? renderDriftMarkdown(report) : renderDriftText(report));
  if (report.hasErrors) return 1;
  return report.hasDrift ? 2 : 0;
};
