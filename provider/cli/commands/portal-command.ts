/**
 * `csp-seats portal serve|seed|outbox|orders`: run the embedded portal as an HTTP API, seed it from a fixture,
 * and read back what it did (orders placed, e-mails sent). Works on the state file of the configured backend
 * (`--state`, CSP_SEATS_STATE, default .csp-seats/portal-state.json).
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { findClosestName } from "../../core/closest-name";
import type { Order, OutboxMessage } from "../../core/model";
import { getString, parseCommandArgs, refusePositionals, UsageError, type CommandSpec } from "../args";
import type { CliContext, CommandRunner } from "../context";
import { createPortalApiServer, openEmbeddedBackend, seedEmbeddedBackend, type EmbeddedPortal } from "../../app/portal-admin";

const USAGE = [
  "Usage:",
  "  csp-seats portal serve [--port N] [--host 127.0.0.1] [--token T]   run the HTTP API (token: --token, CSP_SEATS_TOKEN, or a new one)",
  "  csp-seats portal seed [--fixture FILE]                             load a fixture (default: the built-in demo)",
  "  csp-seats portal outbox [--format text|json]                       e-mails the portal sent",
  "  csp-seats portal orders [--format text|json]                       orders placed",
  "",
  "The portal's state file: --state FILE before `portal` (or CSP_SEATS_STATE; default .csp-seats/portal-state.json).",
  "`csp-seats portal <command> --help` shows a command's options.",
].join("\n");

function buildUsage(synopsis: string, summary: string, options: readonly string[]): string {
  return [`Usage: csp-seats [--state FILE] [--now ISO-TIME] portal ${synopsis}`, "", summary, "", "Options:", ...options, "  -h, --help            show this help", ""].join("\n");
}

const SERVE_SPEC: CommandSpec = {
  usage: buildUsage("serve [--port N] [--host HOST] [--token T]", "Runs the embedded portal as an HTTP API (schema/portal-openapi.yaml) until Ctrl-C.", [
    "  --port N              the port (default 8080; 0 picks a free one)",
    "  --host HOST           the address to listen on (default 127.0.0.1)",
    "  --token T             the bearer token clients send (default: CSP_SEATS_TOKEN, or a new one)",
  ]),
  options: { port: { type: "string" }, host: { type: "string" }, token: { type: "string" } },
};

const SEED_SPEC: CommandSpec = {
  usage: buildUsage("seed [--fixture FILE]", "Loads a fixture into the state file, replacing what was there.", ["  --fixture FILE        a portal fixture (default: the built-in demo; see docs/portal-fixture.md)"]),
  options: { fixture: { type: "string" } },
};

const READ_SPECS: Record<"outbox" | "orders", CommandSpec> = {
  outbox: {
    usage: buildUsage("outbox [--format text|json]", "The e-mails the portal sent (order confirmations, renewal notices).", ["  --format text|json    text (default) or json"]),
    options: { format: { type: "string" } },
  },
  orders: {
    usage: buildUsage("orders [--format text|json]", "The orders placed, newest last.", ["  --format text|json    text (default) or json"]),
    options: { format: { type: "string" } },
  },
};

/** The portal's own clock unless the user pinned time with --now (the wall clock would override the fixture's time). */
function getStatePath(context: CliContext): string {
  if (!context.backend.statePath) throw new UsageError("the portal commands need a state file (--state FILE)", USAGE);
  return context.backend.statePath;
}

function parseFormat(value: string | undefined, usage: string): "text" | "json" {
  if (value === undefined) return "text";
  if (value === "text" || value === "json") return value;
  throw new UsageError(`--format must be text or json, got "${value}"`, usage);
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`, SERVE_SPEC.usage);
  return port;
}

function openPortal(context: CliContext): Promise<EmbeddedPortal> {
  return openEmbeddedBackend(getStatePath(context), context.pinnedClock);
}

/** Runs the API until SIGINT/SIGTERM, then closes the server and the portal. */
async function runServe(args: string[], context: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, SERVE_SPEC);
  refusePositionals(parsed, SERVE_SPEC.usage);
  const port = parsePort(getString(parsed, "port"));
  const host = getString(parsed, "host") ?? "127.0.0.1";
  const given = getString(parsed, "token") ?? context.backend.token;
  const token = given ?? randomBytes(24).toString("base64url");
  const portal = await openPortal(context);
  const server = await createPortalApiServer(portal, token, context.pinnedClock);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await portal.close();
    const code = (error as { code?: string }).code;
    const { CspSeatsError } = await import("../../core/errors.js");
    throw new CspSeatsError("PORTAL_LISTEN", `cannot listen on ${host}:${port} (${code ?? String(error)})`, "Pick another --port (0 picks a free one) or stop what is using it.");
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  context.stdout.write(`csp-seats portal listening on ${url} (state ${getStatePath(context)})\n`);
  if (given === undefined) {
    context.stdout.write(`token (generated; pass it to clients as CSP_SEATS_TOKEN): ${token}\n`);
  }
  context.stdout.write(`try: CSP_SEATS_ENDPOINT=${url} CSP_SEATS_TOKEN=... csp-seats plan   (Ctrl-C stops)\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(received);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  server.closeIdleConnections();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Busy keep-alive connections would hold close() open; give in-flight replies a moment, then cut them.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
  await portal.close();
  context.stdout.write(`stopped (${signal})\n`);
  return 0;
}

async function runSeed(args: string[], context: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, SEED_SPEC);
  refusePositionals(parsed, SEED_SPEC.usage);
  const fixtureFile = getString(parsed, "fixture");
  const statePath = getStatePath(context);
  const { fixture, file } = await seedEmbeddedBackend(statePath, fixtureFile, context.pinnedClock);
  const lines = fixture.subscriptions.reduce((sum, sub) => sum + sub.lines.length, 0);
  context.stdout.write(
    `seeded ${fixture.subscriptions.length} subscription(s) with ${lines} license line(s) for ${fixture.customers.length} customer(s)\n` +
      `  from ${fixtureFile !== undefined ? file : "the built-in demo fixture"}\n  into ${statePath}\n`,
  );
  for (const sub of fixture.subscriptions) {
    context.stdout.write(`  ${sub.id}  ${sub.name}  (${sub.lines.map((line) => `${line.sku} ${line.limit}`).join(", ")})\n`);
  }
  return 0;
}

function formatOutboxText(messages: readonly OutboxMessage[]): string {
  if (messages.length === 0) return "the outbox is empty (no order has been placed)\n";
  return messages
    .map((m) => [`${m.sentAt}  ${m.kind}  to ${m.to}${m.orderId ? `  order ${m.orderId}` : ""}`, `Subject: ${m.subject}`, "", ...m.body.split("\n").map((line) => `  ${line}`), ""].join("\n"))
    .join("\n");
}

function formatOrdersText(orders: readonly Order[]): string {
  if (orders.length === 0) return "no orders\n";
  const rows = orders.map((o) => [o.id, o.subscriptionId, o.status, `${o.total.amount} ${o.total.currency}`, o.createdAt, o.lines.map((l) => `${l.sku} ${l.from}->${l.to} (${l.effective})`).join(", ")]);
  const header = ["ORDER", "SUBSCRIPTION", "STATUS", "TOTAL", "CREATED", "LINES"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}

async function runRead(kind: "outbox" | "orders", args: string[], context: CliContext): Promise<number> {
  const spec = READ_SPECS[kind];
  const parsed = parseCommandArgs(args, spec);
  refusePositionals(parsed, spec.usage);
  const format = parseFormat(getString(parsed, "format"), spec.usage);
  const portal = await openPortal(context);
  try {
    if (kind === "outbox") {
      const messages = await portal.listOutbox();
      context.stdout.write(format === "json" ? `${JSON.stringify(messages, null, 2)}\n` : formatOutboxText(messages));
    } else {
      const orders = await portal.listOrders();
      context.stdout.write(format === "json" ? `${JSON.stringify(orders, null, 2)}\n` : formatOrdersText(orders));
    }
    return 0;
  } finally {
    await portal.close();
  }
}

/** The usage of `csp-seats portal` and its commands. */
export const PORTAL_USAGE = `${USAGE}\n`;

const PORTAL_COMMANDS = ["serve", "seed", "outbox", "orders"];

/** `csp-seats portal <serve|seed|outbox|orders>`. */
export const runPortal: CommandRunner = async (args, context) => {
  const [sub, ...rest] = args;
  switch (sub) {
    case "serve":
      return runServe(rest, context);
    case "seed":
      return runSeed(rest, context);
    case "outbox":
    case "orders":
      return runRead(sub, rest, context);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      context.stdout.write(PORTAL_USAGE);
      return sub === undefined ? 1 : 0;
    default: {
      const closest = findClosestName(sub, PORTAL_COMMANDS);
      throw new UsageError(`unknown portal command "${sub}"${closest ? ` (did you mean "${closest}"?)` : ""}`, PORTAL_USAGE);
    }
  }
};
