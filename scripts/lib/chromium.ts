/**
 * Headless Chromium (the Debian package, no npm browser download) driven over the DevTools protocol with undici's
 * WebSocket client: load a page, collect console errors and exceptions, query the DOM, take a screenshot. Used by
 * scripts/screenshot.ts (docs/report-screenshot.png) and the browser test tier.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { WebSocket } from "undici";

/** Something the page reported: a console.error/warn call, an uncaught exception, or a browser log entry. */
export interface PageProblem {
  readonly source: "console" | "exception" | "log";
  readonly level: string;
  readonly text: string;
}

export interface ChromiumPage {
  /** Loads `url` and waits for its load event. */
  navigate(url: string): Promise<void>;
  /** Evaluates `expression` in the page and returns its value (JSON-serializable). */
  evaluate<T>(expression: string): Promise<T>;
  /** Writes a PNG of the page (the whole page, or the first `maxHeight` pixels) to `file`. */
  screenshot(file: string, options?: { maxHeight?: number }): Promise<void>;
  /** Console errors and warnings, exceptions and error log entries since the page opened. */
  readonly problems: PageProblem[];
}

export interface Chromium {
  openPage(options?: { width?: number; height?: number }): Promise<ChromiumPage>;
  close(): Promise<void>;
}

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** The Chromium binary: $CHROMIUM_BIN, or the first of chromium, chromium-browser, google-chrome on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_BIN) return fs.existsSync(env.CHROMIUM_BIN) ? env.CHROMIUM_BIN : undefined;
  for (const name of CANDIDATES) {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

/** The message for a machine without Chromium: what to install. */
export const CHROMIUM_MISSING = "Chromium not found (set CHROMIUM_BIN, or install it: apt-get update && apt-get install -y chromium; .ci/run does)";

function waitForDevToolsUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start its DevTools server within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code} before its DevTools server started:\n${output.slice(-2000)}`));
    });
  });
}

type Listener = (params: Record<string, unknown>, sessionId?: string) => void;

/** A DevTools protocol connection: commands by id, events by method. */
class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Listener[]>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => this.receive(String(event.data)));
    socket.addEventListener("close", () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`DevTools connection closed during ${waiting.method}`));
      this.pending.clear();
    });
  }

  static open(url: string): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener("open", () => resolve(new CdpConnection(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot connect to Chromium's DevTools at ${url}`)), { once: true });
    });
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };
    if (message.id !== undefined) {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(`${waiting.method}: ${message.error.message}`));
      else waiting?.resolve(message.result ?? {});
      return;
    }
    for (const listener of this.listeners.get(message.method ?? "") ?? []) listener(message.params ?? {}, message.sessionId);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  on(method: string, listener: Listener): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  close(): void {
    this.socket.close();
  }
}

function describeRemote(arg: { value?: unknown; description?: string; type?: string }): string {
  return arg.value !== undefined ? String(arg.value) : arg.description ?? arg.type ?? "";
}

async function openPage(cdp: CdpConnection, width: number, height: number): Promise<ChromiumPage> {
  const { targetId } = (await cdp.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
  const { sessionId } = (await cdp.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
  const problems: PageProblem[] = [];
  const mine = (listener: (params: Record<string, unknown>) => void): Listener => (params, from) => from === sessionId && listener(params);
  cdp.on("Runtime.consoleAPICalled", mine((p) => {
    if (p.type === "error" || p.type === "warning" || p.type === "assert") problems.push({ source: "console", level: String(p.type), text: (p.args as Array<{ value?: unknown }>).map(describeRemote).join(" ") });
  }));
  cdp.on("Runtime.exceptionThrown", mine((p) => {
    const details = p.exceptionDetails as { text: string; exception?: { description?: string } };
    problems.push({ source: "exception", level: "error", text: details.exception?.description ?? details.text });
  }));
  cdp.on("Log.entryAdded", mine((p) => {
    const entry = p.entry as { level: string; text: string; url?: string };
    if (entry.level === "error" || entry.level === "warning") problems.push({ source: "log", level: entry.level, text: `${entry.text}${entry.url ? ` (${entry.url})` : ""}` });
  }));
  let loaded: (() => void) | undefined;
  cdp.on("Page.loadEventFired", mine(() => loaded?.()));
  await Promise.all(["Runtime.enable", "Page.enable", "Log.enable"].map((method) => cdp.send(method, {}, sessionId)));
  const setViewport = (h: number): Promise<unknown> => cdp.send("Emulation.setDeviceMetricsOverride", { width, height: h, deviceScaleFactor: 1, mobile: false }, sessionId);
  await setViewport(height);
  return {
    problems,
    async navigate(url) {
      const done = new Promise<void>((resolve) => (loaded = resolve));
      const result = (await cdp.send("Page.navigate", { url }, sessionId)) as { errorText?: string };
      if (result.errorText) throw new Error(`cannot load ${url}: ${result.errorText}`);
      await done;
    },
    async evaluate<T>(expression: string) {
      const result = (await cdp.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, sessionId)) as { result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } };
      if (result.exceptionDetails) throw new Error(`evaluate failed: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
      return result.result.value as T;
    },
    async screenshot(file, options = {}) {
      const metrics = (await cdp.send("Page.getLayoutMetrics", {}, sessionId)) as { cssContentSize: { height: number } };
      const full = Math.ceil(metrics.cssContentSize.height);
      const shot = Math.min(full, options.maxHeight ?? full);
      await setViewport(shot);
      const { data } = (await cdp.send("Page.captureScreenshot", { format: "png", clip: { x: 0, y: 0, width, height: shot, scale: 1 } }, sessionId)) as { data: string };
      await setViewport(height);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, Buffer.from(data, "base64"));
    },
  };
}

/** Starts headless Chromium (`binary`, default findChromium()) with its own throw-away profile. */
export async function launchChromium(options: { binary?: string; timeoutMs?: number } = {}): Promise<Chromium> {
  const binary = options.binary ?? findChromium();
  if (!binary) throw new Error(CHROMIUM_MISSING);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "csp-seats-chromium-"));
  const child = spawn(
    binary,
    ["--headless=new", "--disable-gpu", "--no-sandbox", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const cleanup = (): void => {
    if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(profile, { recursive: true, force: true });
  };
  let cdp: CdpConnection;
  try {
    cdp = await CdpConnection.open(await waitForDevToolsUrl(child, options.timeoutMs ?? 30_000));
  } catch (error) {
    cleanup();
    throw error;
  }
  return {
    openPage: (page = {}) => openPage(cdp, page.width ?? 1280, page.height ?? 900),
    async close() {
      await cdp.send("Browser.close").catch(() => undefined);
      cdp.close();
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
      cleanup();
    },
  };
}
