/**
 * The client-side rate limit: Partner Center allows the Subscription resource "500 requests per minute per tenant
 * identifier" (NOTES.md §7), and a fleet run that trips it gets 429s for everyone. A token bucket per customer
 * tenant, shared by every Partner Center portal of the process (the Pulumi plugin opens one per call), holds
 * each request until it fits. Waits are reservations (the bucket may go negative), so concurrent callers queue
 * fairly, and bounded: a wait longer than `maxWaitMs` fails at once with PARTNER_CENTER_RATE_LIMIT.
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import { CspSeatsError } from "../../core/errors";

/** How the bucket measures and passes time; injectable so tests never sleep. */
export interface TokenBucketOptions {
  /** Requests per minute (the bucket's size and its refill per minute). */
  readonly perMinute: number;
  /** The longest a request may wait for its slot. Default 120 s. */
  readonly maxWaitMs?: number;
  /** Milliseconds now. Default Date.now. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A token bucket: `perMinute` tokens, refilled continuously. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly ratePerMs: number;
  private readonly options: TokenBucketOptions;

  constructor(options: TokenBucketOptions) {
    if (!(options.perMinute >= 1)) throw new TypeError(`Expected \`perMinute\` to be at least 1, got ${options.perMinute}`);
    this.options = options;
    this.tokens = options.perMinute;
    this.ratePerMs = options.perMinute / 60_000;
    this.updatedAt = this.now();
  }

  /** Tokens available now (negative when requests are queued). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Waits until one request may be sent; throws PARTNER_CENTER_RATE_LIMIT when that is further off than maxWaitMs. */
  async take(what = "Partner Center"): Promise<void> {
    this.refill();
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.ratePerMs);
    const maxWaitMs = this.options.maxWaitMs ?? 120_000;
    if (waitMs > maxWaitMs) {
      throw new CspSeatsError(
        "PARTNER_CENTER_RATE_LIMIT",
        `${what}: the client-side limit of ${this.options.perMinute} requests per minute would hold this request for ${Math.round(waitMs / 1000)} s`,
        "Run fewer tenants at once, or run again in a minute; nothing further was sent.",
        { details: { waitMs, perMinute: this.options.perMinute } },
      );
    }
    this.tokens -= 1;
    if (waitMs > 0) await (this.options.sleep ?? ((ms: number) => sleepFor(ms)))(waitMs);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.options.perMinute, this.tokens + (now - this.updatedAt) * this.ratePerMs);
    this.updatedAt = now;
  }
}

const shared = new Map<string, TokenBucket>();

/** The process-wide bucket of one customer tenant at one endpoint (created on first use). */
export function getSharedBucket(key: string, options: TokenBucketOptions): TokenBucket {
  let bucket = shared.get(key);
  if (!bucket) {
    bucket = new TokenBucket(options);
    shared.set(key, bucket);
  }
  return bucket;
}
