/**
 * `npm run bench:faults`: the fault campaign (bench/fault-campaign.ts). 200 orders through the `http` backend
 * against `csp-seats portal serve` with 10 % of requests hit by each fault kind (429 with Retry-After, 503,
 * connection reset, commit-then-drop) and 5 SIGKILLs of the server, then a re-run without faults. Prints the
 * figures and exits non-zero when an order was duplicated or lost or a subscription did not converge.
 *
 * Run: `npm run bench:faults` (builds, then runs dist/bench/faults.js).
 * Options: --orders N (200), --kills K (5), --fault-rate P (0.10 per kind), --seed S (random, printed),
 * --concurrency C (4).
 */
import * as os from "node:os";
import { runFaultCampaign, type FaultCampaignResult } from "./fault-campaign";
import { FAULT_KINDS } from "./fault-schedule";

function readOption(name: string, fallback: number, check: (value: number) => boolean, expected: string): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!check(value)) throw new TypeError(`Expected --${name} to be ${expected}, got "${process.argv[index + 1] ?? ""}"`);
  return value;
}

const percent = (part: number, whole: number): string => (whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)} %`);

/** The figures as printed (and copied into docs/benchmarks.md). */
function formatCampaign(result: FaultCampaignResult): string[] {
  const { options, first, rerun, faults } = result;
  const failed = Object.values(result.failedFirstPass).reduce((a, b) => a + b, 0);
  const byCode = Object.entries(result.failedFirstPass).map(([code, n]) => `${code} ${n}`).join(", ");
  const injected = FAULT_KINDS.reduce((sum, kind) => sum + faults.injected[kind], 0);
  return [
    `csp-seats fault campaign: ${options.orders} orders, ${options.kills} SIGKILLs, ${Math.round(options.faultRate * 100)} % of requests per fault kind, seed ${options.seed}, ${options.concurrency} in flight`,
    `machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "unknown"}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, ${os.platform()} ${os.release()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
    "",
    "first pass (faults on, kills):",
    `  orders attempted            ${options.orders}`,
    `  requests sent (client)      ${first.requests}`,
    `  requests seen (portal)      ${faults.used}${faults.exhausted ? " (schedule exhausted: later requests ran without faults)" : ""}`,
    ...FAULT_KINDS.map((kind) => `  ${`${kind}`.padEnd(28)}${String(faults.injected[kind]).padStart(4)}  (${percent(faults.injected[kind], faults.used)} of requests seen)`),
    `  faults injected in all      ${injected}  (${percent(injected, faults.used)})`,
    `  client retries              ${first.retries}`,
    `  look-ups by key             ${result.keyLookups.sent}  (after a lost order reply; ${result.keyLookups.found} found the order, so it was not posted again)`,
    `  SIGKILLs                    ${result.kills.length}  (orders in flight: ${result.kills.map((k) => k.ordersInFlight).join(", ") || "-"}; down ${result.kills.map((k) => `${k.downMs.toFixed(0)} ms`).join(", ") || "-"})`,
    `  orders accepted (client)    ${result.acceptedFirstPass}`,
    `  orders failed (client)      ${failed}${byCode ? `  (${byCode})` : ""}`,
    `    of which in the portal    ${failed - result.notConvergedBeforeRerun}  (placed, but the client gave up before it saw the order complete)`,
    `  wall time                   ${(first.wallMs / 1000).toFixed(1)} s`,
    "",
    "re-run (faults off):",
    `  not converged before        ${result.notConvergedBeforeRerun}`,
    `  orders placed anew          ${result.placedInRerun}`,
    `  answered with existing      ${result.replayedInRerun}`,
    `  replays by key              ${result.idempotencyReplays.sent} sent, ${result.idempotencyReplays.sameOrder} returned the portal's order`,
    `  requests sent               ${rerun.requests}  (retries ${rerun.retries})`,
    `  wall time                   ${(rerun.wallMs / 1000).toFixed(1)} s`,
    "",
    "verdict:",
    `  duplicates                  ${result.duplicates}`,
    `  lost                        ${result.lost}`,
    `  converged                   ${result.converged} / ${options.orders}`,
    `  orders in error             ${result.ordersInError}`,
    `  files left by killed server ${result.leftovers.length}`,
    `  total wall time             ${(result.totalWallMs / 1000).toFixed(1)} s`,
    result.failures.length === 0 ? "PASS" : `FAIL:\n${result.failures.map((f) => `  - ${f}`).join("\n")}`,
  ];
}

async function main(): Promise<void> {
  const seed = readOption("seed", Math.floor(Math.random() * 2 ** 31), (v) => Number.isInteger(v) && v >= 0, "a non-negative integer");
  const result = await runFaultCampaign({
    orders: readOption("orders", 200, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
    kills: readOption("kills", 5, (v) => Number.isInteger(v) && v >= 0, "a non-negative integer"),
    faultRate: readOption("fault-rate", 0.1, (v) => v >= 0 && v <= 0.25, "a share from 0 to 0.25 per kind"),
    concurrency: readOption("concurrency", 4, (v) => Number.isInteger(v) && v >= 1, "a positive integer"),
    seed,
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatCampaign(result).join("\n")}\n`);
  process.exitCode = result.failures.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`fault campaign failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
