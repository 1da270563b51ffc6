/**
 * One command's access to the portal: the resolved runtime config, a portal opened per call (so a plugin that
 * lives for a whole `pulumi up` holds no connection between calls), the planning clock and the planning
 * snapshot, each resolved once per session (one plugin process = one Pulumi command).
 *
 * The clock is resolved once because the portal's clock does not jump during one command, and asking for its
 * time in every check doubled the embedded portal's state-file reads.
 *
 * The snapshot is why a preview of 1,000 subscriptions does not wait for 1,000 round trips: the first check
 * lists the portal's subscriptions a page at a time, concurrent checks await that same listing, and later checks
 * plan from it. It is for planning only: converge re-reads a subscription just before ordering and refuses a plan
 * made against another revision, so a snapshot that went stale during the command can cost a PLAN_STALE, never a
 * wrong order. Every fresher read this process makes (converge's reads, `read`) replaces its entry, and a
 * subscription the snapshot does not hold is read on its own. A new command is a new process: nothing carries
 * over between two previews.
 */
import type { Clock } from "../core/clock";
import type { DesiredSettings, DesiredSubscription } from "../core/desired-types";
import { withContext } from "../core/errors";
import type { Subscription } from "../core/model";
import type { Portal } from "../backends/portal";
import { createPortal, type BackendKind } from "./create-backend";
import { observeSubscription, quotePlannedChanges, type SubscriptionObservation } from "./observe";
import { resolvePlanningClock, type RuntimeConfig } from "./runtime-config";

/**
 * Backends whose `listSubscriptions` is a bulk read (one request per page). CloudBlue's SimpleAPI has no bulk
 * products read: its listing loads every subscription of the account one by one, so a check there reads only its
 * own subscription; the CloudBlue backend bounds the requests all checks of the command have in flight
 * (csp-seats:concurrency, backends/cloudblue/cloudblue-session.ts).
 */
const BULK_LISTING: ReadonlySet<BackendKind> = new Set(["embedded", "http"]);

/** A portal session over one resolved runtime config. */
export class PortalSession {
  private planningClock: Promise<Clock> | undefined;
  private snapshot: Promise<void> | undefined;
  /** The newest observation of each subscription in this command (null: gone), with when it was recorded. */
  private readonly observed = new Map<string, { readonly subscription: Subscription | null; readonly seq: number }>();
  private seq = 0;
  /** Whether the portal the snapshot came from rates orders itself (then checks still ask it for quotes). */
  private ownRating = false;

  constructor(readonly config: RuntimeConfig) {}

  /** Opens the portal, runs `fn` with it and the clock to plan with (pinned, or the portal's own time), closes it. */
  async withPortal<T>(fn: (portal: Portal, clock: Clock) => Promise<T>): Promise<T> {
    return this.openPortal(async (portal) => fn(portal, await this.resolveClock(portal)));
  }

  /**
   * What `desired` looks like to the planner in this command: the subscription from the snapshot (taken by the
   * first call: one paged list), or from one read when the snapshot does not hold it or the backend cannot list
   * in bulk; plus the portal's quote where it rates orders itself.
   */
  async observeForPlanning(desired: DesiredSubscription, defaults: DesiredSettings): Promise<SubscriptionObservation> {
    const known = await this.findInSnapshot(desired.id);
    if (known === undefined) {
      const observation = await this.withPortal((portal, clock) => observeSubscription(portal, desired, defaults, clock));
      this.remember(desired.id, observation.observed);
      return observation;
    }
    const clock = await this.planningClock!;
    const now = clock.now();
    // Only a portal with its own rating engine is asked for a quote (quotePlannedChanges); others are not opened.
    const quote = this.ownRating ? await this.openPortal((portal) => quotePlannedChanges(portal, desired, defaults, known, now)) : undefined;
    return { observed: known, now, quote };
  }

  /** Records a fresher read of subscription `id` (undefined: the portal no longer has it) for later planning. */
  remember(id: string, subscription: Subscription | undefined): void {
    this.observed.set(id, { subscription: subscription ?? null, seq: ++this.seq });
  }

  /** Drops what this command saw of `id` (after a refused order): the next check reads it on its own. */
  forget(id: string): void {
    this.observed.delete(id);
  }

  /** The subscription as this command last saw it; undefined when it must be read on its own. */
  private async findInSnapshot(id: string): Promise<Subscription | undefined> {
    if (!BULK_LISTING.has(this.config.backend.backend)) return undefined;
    // The listing is read on behalf of every check awaiting it: each names its own subscription in the error.
    await this.loadSnapshot().catch((error: unknown) => {
      throw withContext(`cannot read subscription ${id}`, error);
    });
    return this.observed.get(id)?.subscription ?? undefined;
  }

  private loadSnapshot(): Promise<void> {
    this.snapshot ??= this.openPortal(async (portal) => {
      const startedAt = ++this.seq;
      const listed = await portal.listSubscriptions();
      this.ownRating = portal.ownRating === true;
      // After the listing, so the http backend takes the portal's time from its X-Portal-Time header.
      await this.resolveClock(portal);
      // A read recorded after the listing started may be newer than its page: it stays. Older ones give way.
      for (const [id, entry] of this.observed) if (entry.seq < startedAt) this.observed.delete(id);
      for (const subscription of listed) {
        if (!this.observed.has(subscription.id)) this.observed.set(subscription.id, { subscription, seq: startedAt });
      }
    }).catch((error: unknown) => {
      this.snapshot = undefined;
      throw error;
    });
    return this.snapshot;
  }

  private resolveClock(portal: Portal): Promise<Clock> {
    this.planningClock ??= resolvePlanningClock(portal, this.config.pinnedClock).catch((error: unknown) => {
      this.planningClock = undefined;
      throw error;
    });
    return this.planningClock;
  }

  /** Runs `fn` on a freshly opened portal and closes it. */
  private async openPortal<T>(fn: (portal: Portal) => Promise<T>): Promise<T> {
    // Only a pinned time overrides the portal's own clock; otherwise plans use the portal's time.
    const portal = await createPortal(this.config.backend, this.config.pinnedClock ? { clock: this.config.pinnedClock } : {});
    try {
      return await fn(portal);
    } finally {
      await portal.close();
    }
  }
}
