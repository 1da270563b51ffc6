/**
 * Spreading a fleet over N machines: `--shard I/N` keeps the tenants whose highest-random-weight (rendezvous)
 * shard is I. Each tenant's shard depends only on its name and N, so every machine computes the same partition
 * without talking to the others; adding or removing a tenant moves no other tenant, and going from N to N+1
 * shards moves only the ~1/(N+1) of tenants that the new shard wins. (A modulo of a hash would move most of
 * them.)
 */
import { createHash } from "node:crypto";
import { CspSeatsError } from "../../core/errors";

/** One shard of N, 1-based. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `I/N` (1 <= I <= N <= 1000); throws FLEET_SHARD otherwise. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new CspSeatsError("FLEET_SHARD", `--shard "${text}" is not I/N with 1 <= I <= N <= 1000`, "Write it like --shard 2/3 (the second of three shards); a CI matrix passes its index and size.");
  }
  return { index, count };
}

/** The weight of `tenant` on shard `index`: the first 8 bytes of sha256(tenant NUL index) as an unsigned integer. */
function getWeight(tenant: string, index: number): bigint {
  return createHash("sha256").update(`${tenant}\u0000${index}`).digest().readBigUInt64BE(0);
}

/** The shard (1..count) that `tenant` belongs to: the one with the highest weight (ties to the lower index). */
export function assignShard(tenant: string, count: number): number {
  let best = 1;
  let bestWeight = -1n;
  for (let index = 1; index <= count; index++) {
    const weight = getWeight(tenant, index);
    if (weight > bestWeight) {
      best = index;
      bestWeight = weight;
    }
  }
  return best;
}

/** The items of `items` (by `nameOf`) that belong to `shard`, in their order. */
export function selectShard<T>(items: readonly T[], shard: Shard, nameOf: (item: T) => string): T[] {
  return items.filter((item) => assignShard(nameOf(item), shard.count) === shard.index);
}
