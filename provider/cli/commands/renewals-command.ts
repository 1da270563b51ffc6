/**
 * `csp-seats renewals`: the managed subscriptions renewing in the next days (default 90), sorted by date, with
 * their seats, recurring value, auto-renew, the last day a decrease is refunded and what happens at renewal.
 * Reads the portal like plan and drift (one list call). Exit 0; 1 on invalid input, a portal error or a
 * subscription the portal does not know; with `--fail-within 7d`, 2 when a renewal inside those days would
 * renew idle seats (for a nightly job).
 */
import { computeRenewals, DEFAULT_RENEWAL_WINDOW_DAYS, listRenewalsAtRisk } from "../../core/renewals";
import { renderRenewalsHtml } from "../../report/html";
import { renderRenewalsJson, renderRenewalsMarkdown, renderRenewalsText } from "../../report/renewals-text";
import { plural } from "../../report/format";
import { getString, UsageError, type CommandSpec } from "../args";
import type { CommandRunner } from "../context";
import { loadDesiredAndObserved, parseReportOptions } from "./plan-command";

/** renewals' options and usage. */
export const RENEWALS_SPEC: CommandSpec = {
  usage: [
    "Usage: csp-seats [global options] renewals [--desired FILE] [--within 90d] [--fail-within 7d] [--format text|json|markdown|html]",
    "",
    "The managed subscriptions renewing soon, sorted by date: seats, recurring value, auto-renew, the last day a",
    "decrease is refunded, and what csp-seats will do at renewal (changes scheduled in the portal, changes the next",
    "apply schedules, deferred changes). Exit 0; 1 on invalid input, a portal error or an unknown subscription;",
    "2 with --fail-within when a renewal inside that many days renews idle seats.",
    "",
    "Options:",
    "  --desired FILE      the seats file (default: seats.yaml)",
    `  --within DAYS       how far ahead to look: 90d (default ${DEFAULT_RENEWAL_WINDOW_DAYS}d), or a number of days`,
    "  --fail-within DAYS  exit 2 when a subscription renews within DAYS with idle seats (at most --within)",
    "  --format FORMAT     text (default), json, markdown or html (one self-contained page with the calendar)",
    "  -h, --help          show this help",
    "",
    "Global options (--backend, --endpoint, --token, --state, --now) go before the command; see csp-seats --help.",
    "",
  ].join("\n"),
  options: { desired: { type: "string" }, format: { type: "string" }, within: { type: "string" }, "fail-within": { type: "string" } },
};

/** Parses `90d` or `90` as a whole number of days (0 to 3660). */
export function parseDays(value: string, option: string): number {
  const match = /^(\d{1,4})d?$/.exec(value.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(days) || days > 3660) throw new UsageError(`${option} must be a number of days such as 90d, got "${value}"`, RENEWALS_SPEC.usage);
  return days;
}

/** Runs `renewals`. */
export const runRenewals: CommandRunner = async (args, context) => {
  const { desiredFile, format, parsed } = parseReportOptions(args, "renewals", RENEWALS_SPEC);
  const withinText = getString(parsed, "within");
  const failText = getString(parsed, "fail-within");
  const within = withinText === undefined ? DEFAULT_RENEWAL_WINDOW_DAYS : parseDays(withinText, "--within");
  const failWithin = failText === undefined ? undefined : parseDays(failText, "--fail-within");
  if (failWithin !== undefined && failWithin > within) throw new UsageError(`--fail-within (${failWithin}d) must not exceed --within (${within}d)`, RENEWALS_SPEC.usage);
  const loaded = await loadDesiredAndObserved(desiredFile, context);
  if (!loaded) return 1;
  const report = computeRenewals(loaded.desired, loaded.observed, loaded.clock, { withinDays: within });
  const render = { text: renderRenewalsText, json: renderRenewalsJson, markdown: renderRenewalsMarkdown, html: renderRenewalsHtml }[format];
  context.stdout.write(render(report));
  if (report.hasErrors) return 1;
  if (failWithin === undefined) return 0;
  const atRisk = listRenewalsAtRisk(report, failWithin);
  if (atRisk.length === 0) return 0;
  context.stderr.write(
    `${atRisk.length === 1 ? "1 subscription renews" : `${atRisk.length} subscriptions renew`} within ${failWithin}d with idle seats: ${atRisk.map((r) => `${r.subscriptionId} on ${r.renewalDate} (${plural(r.idleAtRenewal ?? 0, "idle seat")})`).join(", ")}\n`,
  );
  return 2;
};
