/** What every CLI command gets: streams, environment, the resolved backend and a way to open it. */
import type { Clock } from "../core/clock";
import type { BackendConfig } from "../app/create-backend";
import type { Portal } from "../app/create-backend";

export interface CliContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Only when time is pinned (--now, CSP_SEATS_NOW); otherwise each portal keeps its own time. */
  readonly pinnedClock?: Clock;
  readonly backend: BackendConfig;
  /** Opens the configured backend; the caller closes it. */
  openPortal(): Promise<Portal>;
}

/** A command: parses its own arguments and returns the process exit code. */
export type CommandRunner = (args: string[], context: CliContext) => Promise<number>;
