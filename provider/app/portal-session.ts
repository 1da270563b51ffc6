/**
 * One command's access to the portal: the resolved runtime config, a portal opened per call (so a plugin that
 * lives for a whole `pulumi up` holds no connection between calls) and the planning clock, resolved once per
 * session. The clock is resolved once because the portal's clock does not jump during one command, and asking
 * for its time in every check doubled the embedded portal's state-file reads.
 */
import type { Clock } from "../core/clock";
import type { Portal } from "../backends/portal";
import { createPortal } from "./create-backend";
import { resolvePlanningClock, type RuntimeConfig } from "./runtime-config";

/** A portal session over one resolved runtime config. */
export class PortalSession {
  private planningClock: Promise<Clock> | undefined;

  constructor(readonly config: RuntimeConfig) {}

  /** Opens the portal, runs `fn` with it and the clock to plan with (pinned, or the portal's own time), closes it. */
  async withPortal<T>(fn: (portal: Portal, clock: Clock) => Promise<T>): Promise<T> {
    // Only a pinned time overrides the portal's own clock; otherwise plans use the portal's time.
    const portal = await createPortal(this.config.backend, this.config.pinnedClock ? { clock: this.config.pinnedClock } : {});
    try {
      this.planningClock ??= resolvePlanningClock(portal, this.config.pinnedClock).catch((error: unknown) => {
        this.planningClock = undefined;
        throw error;
      });
      return await fn(portal, await this.planningClock);
    } finally {
      await portal.close();
    }
  }
}
