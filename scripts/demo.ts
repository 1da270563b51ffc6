/**
 * `npm start`: csp-seats end to end on this machine with the real Pulumi CLI, no Pulumi Cloud and no real portal.
 *
 * `npm start` builds (tsc) and runs this file from dist/. It provides the Pulumi CLI (scripts/setup-pulumi.sh),
 * and keeps a demo workspace in .csp-seats/demo/: a Pulumi project running the repository's program, a local file
 * backend, a generated passphrase, the built-in demo portal and a copy of examples/quickstart/seats.yaml. Then
 * `pulumi preview`, `pulumi up --yes`, and a summary (orders, e-mails, `csp-seats drift`).
 *
 * Re-running is idempotent: the workspace is set up (and the portal seeded) only when it does not exist yet, so a
 * second run previews no changes and places no order. `npm start -- --reset` deletes the workspace and starts over.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DriftReport } from "../provider/core/drift";
import type { Order, OutboxMessage } from "../provider/core/model";
import { renderDriftText } from "../provider/report";
import { createLocalStackEnv, getIsolatedEnv, LOCAL_STACK_ENV_KEYS, REPO_ROOT, setupPulumiCli, writeLocalProject } from "./lib/pulumi-env";

const ROOT = REPO_ROOT;
const DEMO = path.join(ROOT, ".csp-seats", "demo");
const READY = path.join(DEMO, ".ready");
const STACK = "demo";
const STATE = path.join(DEMO, "portal-state.json");
const SEATS = path.join(DEMO, "seats.yaml");
const CLI = path.join(ROOT, "bin", "csp-seats.js");
const TOTAL_STEPS = 5;

const USAGE = `Usage: npm start [-- --reset]

Runs csp-seats end to end with the real Pulumi CLI against the built-in demo portal, in .csp-seats/demo/.
  --reset   delete the demo workspace (stack, portal, orders) and start over
`;

interface Tools {
  readonly pulumi: string;
  readonly env: NodeJS.ProcessEnv;
}

interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** `true`: return stdout (stderr still shows); `"all"`: capture both, shown only on failure; unset: show all. */
  readonly capture?: boolean | "all";
  readonly okCodes?: readonly number[];
  readonly hint?: string;
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (text: string): string => (color ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text: string): string => (color ? `\x1b[2m${text}\x1b[22m` : text);

function step(number: number, title: string): void {
  process.stdout.write(`\n${bold(`[${number}/${TOTAL_STEPS}] ${title}`)}\n`);
}

function note(text: string): void {
  process.stdout.write(`${text.replace(/^/gm, "    ")}\n`);
}

function fail(message: string): never {
  process.stderr.write(`\nnpm start failed: ${message}\n`);
  process.exit(1);
}

/** Runs a command to completion; a failure (exit code outside `okCodes`) ends the demo with `hint`. */
function run(command: string, args: readonly string[], options: RunOptions = {}): { status: number | null; stdout: string } {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? DEMO,
    env: options.env ?? process.env,
    encoding: "utf8",
    stdio: options.capture === "all" ? ["ignore", "pipe", "pipe"] : options.capture ? ["ignore", "pipe", "inherit"] : "inherit",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  if (result.status === null || !(options.okCodes ?? [0]).includes(result.status)) {
    if (options.capture === "all") process.stderr.write(`${result.stdout}${result.stderr}`);
    fail(`\`${[path.basename(command), ...args].join(" ")}\` exited with ${result.status ?? result.signal}${options.hint ? `\n  ${options.hint}` : ""}`);
  }
  return { status: result.status, stdout: result.stdout ?? "" };
}

function runCli(args: readonly string[], options: RunOptions = {}): { status: number | null; stdout: string } {
  return run(process.execPath, [CLI, "--backend", "embedded", "--state", STATE, ...args], options);
}

function parseArgs(argv: readonly string[]): { reset: boolean } {
  const options = { reset: false };
  for (const arg of argv) {
    if (arg === "--reset") options.reset = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${arg}\n\n${USAGE}`);
      process.exit(1);
    }
  }
  return options;
}

function setupPulumi(): Tools {
  step(1, "Pulumi CLI (scripts/setup-pulumi.sh)");
  note(dim("The first run builds the CLI from the Go module proxy and takes several minutes; later runs reuse it."));
  let binDir: string;
  try {
    binDir = setupPulumiCli();
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n  see docs/pulumi-cli.md`);
  }
  // The user's own variables stay (CSP_SEATS_* included), but none of their Pulumi settings: the stack brings its own.
  const env = createLocalStackEnv({ binDir, dir: DEMO, passphrase: { file: path.join(DEMO, "passphrase") }, baseEnv: getIsolatedEnv(process.env, { keepCspSeats: true }) });
  const pulumi = path.join(binDir, "pulumi");
  const version = run(pulumi, ["version"], { cwd: ROOT, env, capture: true }).stdout.trim();
  note(`pulumi ${version} from ${binDir}`);
  return { pulumi, env };
}

/** The demo project: the repository's program (dist/index.js) with its own stack and a seats.yaml to edit. */
function writeProject(): void {
  writeLocalProject({
    dir: DEMO,
    name: "csp-seats",
    packageName: "csp-seats-demo",
    comment: "Written by `npm start` (scripts/demo.ts): the csp-seats program of this repository, run on a local stack.",
    description: "csp-seats demo - Microsoft 365 seat counts as code against the built-in demo portal",
    program: '// The csp-seats program (built from index.ts by `npm run build`).\nmodule.exports = require("../../dist/index.js");\n',
    nodeModules: path.join("..", "..", "node_modules"),
  });
  fs.copyFileSync(path.join(ROOT, "examples", "quickstart", "seats.yaml"), SEATS);
  fs.writeFileSync(path.join(DEMO, "passphrase"), `${crypto.randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
}

function prepareWorkspace(tools: Tools, reset: boolean): void {
  step(2, "Demo workspace .csp-seats/demo");
  // The provider is loaded by package name (csp-seats/provider-impl): make sure node_modules/csp-seats links here.
  (require(path.join(ROOT, "scripts", "link-self.js")) as { linkSelf: () => string }).linkSelf();
  if (reset && fs.existsSync(DEMO)) {
    fs.rmSync(DEMO, { recursive: true, force: true });
    note("--reset: deleted the previous demo (stack, portal state, orders)");
  }
  if (fs.existsSync(READY)) {
    note(
      [
        `existing demo: stack "${STACK}" and its portal are kept, so this run only does what seats.yaml still asks for.`,
        "Edit .csp-seats/demo/seats.yaml and run `npm start` again, or `npm start -- --reset` to start over.",
      ].join("\n"),
    );
    return;
  }
  // A workspace without the marker is half made (an interrupted first run): start it over.
  fs.rmSync(DEMO, { recursive: true, force: true });
  writeProject();
  run(tools.pulumi, ["stack", "init", STACK, "--non-interactive"], { env: tools.env, capture: "all" });
  for (const [key, value] of [
    ["csp-seats:backend", "embedded"],
    ["csp-seats:statePath", "portal-state.json"],
    ["csp-seats:desired", "seats.yaml"],
  ]) {
    run(tools.pulumi, ["config", "set", "--stack", STACK, key, value, "--non-interactive"], { env: tools.env });
  }
  const seeded = runCli(["portal", "seed"], { capture: true }).stdout;
  fs.writeFileSync(READY, `${new Date().toISOString()}\n`);
  note(
    [
      `new local stack "${STACK}": file backend in .csp-seats/demo/backend, secrets under a generated passphrase`,
      "(.csp-seats/demo/passphrase); nothing leaves this machine.",
      "",
      "The built-in demo CSP portal (provider/simulator/demo-fixture.yaml), as Dell's portal would show it:",
      ...seeded
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("  sub-"))
        .map((line) => line.trim()),
      "",
      "Desired state: .csp-seats/demo/seats.yaml (a copy of examples/quickstart/seats.yaml).",
    ].join("\n"),
  );
}

/** `source .csp-seats/demo/env.sh`: the same Pulumi environment in the user's shell. */
function writeEnvScript(tools: Tools): void {
  const quote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;
  const lines = [
    "# Written by `npm start`: `source .csp-seats/demo/env.sh` to run pulumi on the demo stack yourself.",
    `export PATH=${quote(path.dirname(tools.pulumi))}:"$PATH"`,
    ...LOCAL_STACK_ENV_KEYS.filter((key) => tools.env[key] !== undefined).map((key) => `export ${key}=${quote(tools.env[key]!)}`),
    `cd ${quote(DEMO)} && pulumi stack select ${STACK}`,
    "",
  ];
  fs.writeFileSync(path.join(DEMO, "env.sh"), lines.join("\n"));
}

function readOrders(): Order[] {
  return JSON.parse(runCli(["portal", "orders", "--format", "json"], { capture: true }).stdout) as Order[];
}

function readOutbox(): OutboxMessage[] {
  return JSON.parse(runCli(["portal", "outbox", "--format", "json"], { capture: true }).stdout) as OutboxMessage[];
}

function preview(tools: Tools): void {
  step(3, "pulumi preview: what `pulumi up` would order, with every charge and refund");
  note(dim("Each subscription is one SubscriptionSeats resource; the `plan` output lists every change with its money."));
  run(tools.pulumi, ["preview", "--stack", STACK, "--non-interactive"], { env: tools.env, hint: "the error above says what to fix; nothing was ordered" });
}

function up(tools: Tools): void {
  step(4, "pulumi up --yes: one order per subscription that changes");
  note(dim("Orders complete asynchronously in the portal; the provider waits for each one and checks the new counts."));
  run(tools.pulumi, ["up", "--stack", STACK, "--yes", "--skip-preview", "--suppress-outputs", "--non-interactive"], {
    env: tools.env,
    hint: "the error above says what happened; run `npm start` again once it is fixed",
  });
}

function formatOrder(order: Order): string {
  const lines = order.lines.map((line) => `${line.sku} ${line.from} -> ${line.to} ${line.effective === "now" ? "now" : `at renewal ${line.effectiveDate}`}`);
  return `${order.id}  ${order.subscriptionId}  ${order.status}  charge ${order.charge.amount} ${order.charge.currency}, refund ${order.refund.amount} ${order.refund.currency}\n    ${lines.join("; ")}`;
}

/** `csp-seats drift` once, as JSON: its text form for the reader and its scheduled changes for the explanation. */
function showDrift(): void {
  note("csp-seats drift (seats.yaml vs purchased vs assigned; exit code 0 = in sync, 2 = drift):");
  const drift = runCli(["drift", "--desired", "seats.yaml", "--format", "json"], { capture: true, okCodes: [0, 2] });
  const report = JSON.parse(drift.stdout) as DriftReport;
  note(renderDriftText(report).trimEnd());
  if (drift.status === 2) fail("the portal does not match seats.yaml after `pulumi up` (see the drift report above)");
  const pending = report.subscriptions.flatMap((sub) => sub.lines.filter((line) => line.convergesOn).map((line) => ({ ...line, subscriptionId: sub.subscriptionId })));
  if (pending.length === 0) {
    note("In sync: every declared count is what the portal has.");
  } else {
    note("");
    note(
      `Still to come: ${pending.map((line) => `${line.subscriptionId} ${line.sku} ${line.purchased} -> ${line.desired} on ${line.convergesOn}`).join(", ")},\n` +
        "a decrease outside the refund window that the portal has scheduled for the renewal date (no refund, nothing left to order).",
    );
  }
}

function summarize(ordersBefore: readonly Order[], outboxBefore: readonly OutboxMessage[]): void {
  step(5, "Summary");
  const seen = new Set(ordersBefore.map((order) => order.id));
  const placed = readOrders().filter((order) => !seen.has(order.id));
  const mails = readOutbox().slice(outboxBefore.length);
  if (placed.length === 0) {
    note(`Orders placed by this run: none (the portal already matches seats.yaml; ${ordersBefore.length} order(s) from earlier runs).`);
  } else {
    note(`Orders placed by this run (${placed.length}):`);
    for (const order of placed) note(`  ${formatOrder(order)}`);
  }
  if (mails.length === 0) {
    note("E-mails the portal sent: none.");
  } else {
    note(`E-mails the portal sent (${mails.length}; \`csp-seats portal outbox\` shows them in full):`);
    for (const mail of mails) note(`  to ${mail.to}: ${mail.subject}`);
  }
  note("");
  showDrift();
  note("");
  note(
    [
      "Try next:",
      "  - change a count in .csp-seats/demo/seats.yaml and run `npm start` again: only that change is planned and ordered;",
      "  - run Pulumi yourself: `source .csp-seats/demo/env.sh` (it sets the local backend and passphrase), then",
      "    `pulumi stack`, `pulumi preview`, `pulumi refresh`;",
      "  - the e-mails in full: `node bin/csp-seats.js --state .csp-seats/demo/portal-state.json portal outbox`;",
      "  - `npm start -- --reset` to start over with the demo portal as it was.",
    ].join("\n"),
  );
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  process.stdout.write(
    `${bold("csp-seats demo")}: Microsoft 365 seat counts as code, end to end on this machine.\n` +
      "The real Pulumi CLI on a local stack, against the built-in demo CSP portal: no Pulumi Cloud login, no real orders.\n",
  );
  const tools = setupPulumi();
  prepareWorkspace(tools, options.reset);
  writeEnvScript(tools);
  const ordersBefore = readOrders();
  const outboxBefore = readOutbox();
  preview(tools);
  up(tools);
  summarize(ordersBefore, outboxBefore);
}

main();
