/** An injected source of "now", so that windows, proration and renewals are reproducible in tests and fixtures. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at `iso` (ISO-8601). */
export function createFixedClock(iso: string): Clock {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new TypeError(`Expected an ISO-8601 time, got ${JSON.stringify(iso)}`);
  return { now: () => new Date(at.getTime()) };
}

/** A clock a test can move by hand. */
export function createManualClock(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let at = new Date(iso).getTime();
  if (Number.isNaN(at)) throw new TypeError(`Expected an ISO-8601 time, got ${JSON.stringify(iso)}`);
  return {
    now: () => new Date(at),
    set: (next: string) => {
      at = new Date(next).getTime();
    },
    advance: (ms: number) => {
      at += ms;
    },
  };
}
