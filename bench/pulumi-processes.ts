/**
 * Helpers of `npm run bench:pulumi`: running the real Pulumi CLI with the peak RSS of the Node.js processes it
 * starts (the program under the language host, the dynamic-provider plugin), read from /proc while it runs.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";

/** A Pulumi project of the bench: its directory and the environment every `pulumi` run gets. */
export interface BenchProject {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Which process of a `pulumi` run: the Go CLI and language host, the Node.js program, the dynamic-provider plugin. */
export type ProcessKind = "engine" | "program" | "plugin";

/**
 * What one `pulumi` run took: wall time, stdout, the peak RSS (bytes) of its program and plugin processes and the
 * CPU seconds of each kind (sampled every 250 ms; a process's last sample counts, so short-lived ones may be
 * missed). CPU time is the profile that survives a loaded machine: wall time there is mostly waiting for a core.
 */
export interface PulumiRun {
  readonly ms: number;
  readonly stdout: string;
  readonly programPeakRss: number;
  readonly pluginPeakRss: number;
  readonly cpuSeconds: Record<ProcessKind, number>;
}

interface Samples {
  program: number;
  plugin: number;
  /** CPU ticks per pid, as last read, and the pid's kind. */
  readonly ticks: Map<number, { kind: ProcessKind; ticks: number }>;
}

const TICKS_PER_SECOND = 100;

function readProcesses(): Map<number, { parent: number; ticks: number }> {
  const parents = new Map<number, { parent: number; ticks: number }>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...; comm may hold spaces and parentheses, so split after the last ")".
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // After the comm: state(0) ppid(1) ... utime(11) stime(12).
      parents.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return parents;
}

/** Peak RSS so far (VmHWM, bytes) and CPU ticks of every descendant of `root`, by kind. */
function sampleDescendants(root: number, samples: Samples): void {
  const parents = readProcesses();
  const descendants = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, { parent }] of parents) {
      if (!descendants.has(pid) && descendants.has(parent)) {
        descendants.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of descendants) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const isNode = /(^|\/)node$/.test(cmdline[0] ?? "");
      const kind: ProcessKind = !isNode ? "engine" : cmdline.some((arg) => arg.includes("dynamic-provider")) ? "plugin" : "program";
      samples.ticks.set(pid, { kind, ticks: parents.get(pid)?.ticks ?? 0 });
      if (kind === "engine") continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (!hwm) continue;
      samples[kind] = Math.max(samples[kind], Number(hwm[1]) * 1024);
    } catch {
      // The process ended while we looked.
    }
  }
}

/** Runs `pulumi <args> --non-interactive` in `project`; rejects with its output when it fails. */
export function runPulumi(project: BenchProject, args: readonly string[], options: { sampleRss?: boolean } = {}): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: project.dir, env: project.env, stdio: ["ignore", "pipe", "pipe"] });
    const samples: Samples = { program: 0, plugin: 0, ticks: new Map() };
    const sampler = options.sampleRss && child.pid !== undefined && fs.existsSync("/proc/self/status") ? setInterval(() => sampleDescendants(child.pid!, samples), 250) : undefined;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (sampler) clearInterval(sampler);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`pulumi ${args.join(" ")} failed (${code}) in ${project.dir}:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      const cpuSeconds: Record<ProcessKind, number> = { engine: 0, program: 0, plugin: 0 };
      for (const { kind, ticks } of samples.ticks.values()) cpuSeconds[kind] += ticks / TICKS_PER_SECOND;
      if (code !== 0) return;
      resolve({ ms, stdout, programPeakRss: samples.program, pluginPeakRss: samples.plugin, cpuSeconds });
    });
  });
}

/** The median of `values` (at least one). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `engine 3.1 s, program 1.2 s, plugin 4.0 s` (CPU). */
export function formatCpu(run: PulumiRun): string {
  return `CPU engine ${run.cpuSeconds.engine.toFixed(1)} s, program ${run.cpuSeconds.program.toFixed(1)} s, plugin ${run.cpuSeconds.plugin.toFixed(1)} s`;
}

export function formatMiB(bytes: number): string {
  return bytes > 0 ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : "n/a";
}
