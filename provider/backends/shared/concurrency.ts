/** Bounded concurrency: reads a backend must make one by one (no bulk endpoint), tenants of a fleet run. */

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Runs tasks with at most `limit` in flight, whoever starts them; the rest wait their turn (first come, first served). */
export interface Limiter {
  readonly limit: number;
  /** Runs `task` once a slot is free; the slot is held until it settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** A limiter shared by every caller holding it (unlike mapWithConcurrency, which bounds one list). */
export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a limiter needs a whole limit of at least 1, got ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so `active` never drops below the queue's demand.
    if (next) next();
    else active -= 1;
  };
  return {
    limit,
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < limit) active += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
