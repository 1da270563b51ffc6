/**
 * Fault injection for the embedded portal's HTTP API: the failures real CSP portals produce, on demand, so the
 * client's retries and the "never order twice" rule are proven rather than assumed. Rules come from the
 * fixture (`faults:`) or `PUT /v1/admin/faults`, and live in the portal's state so every process sees them.
 * This module has the rules and how a request is matched against them.
 */
import type { PortalState } from "./portal-state";

/** What a fault does to a matching request. */
export type FaultKind =
  /** Delay the response by `latencyMs`. */
  | "latency"
  /** Answer `status` (429 with `retryAfterSeconds`, 500, 503) without doing anything. */
  | "status"
  /** Destroy the socket without answering, without doing anything. */
  | "reset"
  /** Do the work (commit the order), then destroy the socket: the client never sees the reply. */
  | "commit-then-drop";

/** One fault: which requests it hits, what it does, how often. */
export interface FaultRule {
  /** `METHOD /path-pattern`, e.g. `POST /v1/orders`, `GET /v1/subscriptions/*`, or `*` for every route. */
  readonly route: string;
  readonly kind: FaultKind;
  readonly latencyMs?: number;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  /** How many matching requests it affects before it is used up; unlimited when absent. */
  readonly times?: number;
}


/** Whether `route` (`METHOD /a/*\/c`, `*` = one segment; or `*` alone) matches `method` and `path` (query ignored). */
export function matchFaultRoute(route: string, method: string, path: string): boolean {
  const pattern = route.trim();
  if (pattern === "*") return true;
  const space = pattern.indexOf(" ");
  if (space === -1) return false;
  const wantMethod = pattern.slice(0, space).toUpperCase();
  if (wantMethod !== "*" && wantMethod !== method.toUpperCase()) return false;
  const split = (p: string): string[] => p.split("?")[0].split("/").filter((s) => s !== "");
  const want = split(pattern.slice(space + 1).trim());
  const got = split(path);
  return want.length === got.length && want.every((segment, i) => segment === "*" || segment === got[i]);
}

/** Counts one use of the first rule matching the request (decrementing `times`, dropping used-up rules). */
export function takeFaultFromState(state: PortalState, method: string, path: string): FaultRule | undefined {
  const index = state.faults.findIndex((rule) => matchFaultRoute(rule.route, method, path));
  if (index === -1) return undefined;
  const rule = state.faults[index];
  if (rule.times !== undefined) {
    if (rule.times <= 1) state.faults.splice(index, 1);
    else state.faults[index] = { ...rule, times: rule.times - 1 };
  }
  return { ...rule };
}
