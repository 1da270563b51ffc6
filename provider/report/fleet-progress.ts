/**
 * Progress of a fleet run, as text. On a terminal: one live line per running tenant and a total line, redrawn
 * in place. In CI (no terminal, or CI=true): plain timestamped lines, one per event, never redrawn. Pure: the
 * command writes what these return.
 */

/** What the progress display knows. */
export interface FleetProgressState {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  /** Running tenants and their latest message, in start order. */
  readonly running: ReadonlyArray<{ readonly tenant: string; readonly message: string; readonly startedAt: number }>;
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The live lines: one per running tenant (`  contoso  12s  update sub-a`), then `3/12 done, 1 failed, 2 running`. */
export function renderProgressFrame(state: FleetProgressState, now: number, width = 100): string[] {
  const pad = Math.max(0, ...state.running.map((r) => r.tenant.length));
  const lines = state.running.map((r) => fit(`  ${r.tenant.padEnd(pad)}  ${String(Math.round((now - r.startedAt) / 1000)).padStart(3)}s  ${r.message}`, width));
  lines.push(fit(`${state.done}/${state.total} done, ${state.failed} failed, ${state.running.length} running`, width));
  return lines;
}

/** One CI line: `2026-05-12T09:00:01.234Z contoso: update sub-a`. */
export function formatProgressLine(at: Date, tenant: string, message: string): string {
  return `${at.toISOString()} ${tenant}: ${message}`;
}
