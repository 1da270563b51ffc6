/**
 * Fault injection for the embedded portal's HTTP API: the failures real CSP portals produce, on demand, so the
 * client's retries and the "never order twice" rule are proven rather than assumed. Rules come from the
 * fixture (`faults:`) or `PUT /v1/admin/faults`, and live in the portal's state so every process sees them.
 */
export type FaultKind =
  /** Delay the response by `latencyMs`. */
  | "latency"
  /** Answer `status` (429 with `retryAfterSeconds`, 500, 503) without doing anything. */
  | "status"
  /** Destroy the socket without answering, without doing anything. */
  | "reset"
  /** Do the work (commit the order), then destroy the socket: the client never sees the reply. */
  | "commit-then-drop";

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
