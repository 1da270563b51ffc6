/**
 * The fault campaign's schedule: which of the portal's next requests fail, and how. The embedded portal's fault
 * rules have no probability, only `times` and "the first matching rule wins", so a random 10 % per kind is laid out
 * in advance as a seeded sequence of request slots, every rule on route `*`: a run of clean slots is one
 * `latency` rule of 0 ms with `times` = the run's length, each fault a rule with `times` = 1 (or the length of a
 * run of the same fault). Every faultable request uses up exactly one slot, in order, so the rules still left at
 * the end tell exactly how many requests the portal saw and which faults it injected. The rules live in the state
 * file, so the schedule carries on where it was after the server is killed and restarted.
 */
import type { FaultRule } from "../provider/simulator/faults";

/** The fault kinds the campaign injects (the clean slot is `none`). */
export const FAULT_KINDS = ["throttled-429", "unavailable-503", "reset", "commit-then-drop"] as const;

export type CampaignFault = (typeof FAULT_KINDS)[number];
export type Slot = CampaignFault | "none";

/** The Retry-After of the injected 429s. */
export const RETRY_AFTER_SECONDS = 1;

/** A seeded uniform random number generator on [0, 1) (mulberry32): the same seed gives the same campaign. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `slots` request slots, each one fault kind with probability `rate` (independently per slot) or clean. */
export function drawFaultSlots(random: () => number, rate: number, slots: number): Slot[] {
  if (!(rate >= 0 && rate * FAULT_KINDS.length <= 1)) throw new RangeError(`Expected a fault rate from 0 to ${1 / FAULT_KINDS.length}, got ${rate}`);
  return Array.from({ length: slots }, () => {
    const u = random();
    const index = Math.floor(u / rate);
    return rate > 0 && index < FAULT_KINDS.length ? FAULT_KINDS[index] : "none";
  });
}

function toRule(slot: Slot, times: number): FaultRule {
  switch (slot) {
    case "none":
      return { route: "*", kind: "latency", latencyMs: 0, times };
    case "throttled-429":
      return { route: "*", kind: "status", status: 429, retryAfterSeconds: RETRY_AFTER_SECONDS, times };
    case "unavailable-503":
      return { route: "*", kind: "status", status: 503, times };
    case "reset":
      return { route: "*", kind: "reset", times };
    case "commit-then-drop":
      return { route: "*", kind: "commit-then-drop", times };
  }
}

/** The portal fault rules that play `slots` in order (runs of the same slot folded into one rule). */
export function buildFaultRules(slots: readonly Slot[]): FaultRule[] {
  const rules: FaultRule[] = [];
  let start = 0;
  for (let i = 1; i <= slots.length; i += 1) {
    if (i === slots.length || slots[i] !== slots[start]) {
      rules.push(toRule(slots[start], i - start));
      start = i;
    }
  }
  return rules;
}

/** What the portal used of a schedule. */
export interface ScheduleUse {
  /** Slots used up: the faultable requests the portal saw while the schedule lasted. */
  readonly used: number;
  /** Faults injected, per kind. */
  readonly injected: Record<CampaignFault, number>;
  /** Whether every slot was used (later requests ran without faults). */
  readonly exhausted: boolean;
}

/**
 * How much of `slots` the portal used, from the rules it still has (`remaining`, as GET /v1/admin/faults returns
 * them). Throws when the remaining rules are not what is left of the schedule (someone else changed the rules).
 */
export function countScheduleUse(slots: readonly Slot[], remaining: readonly FaultRule[]): ScheduleUse {
  const left = remaining.reduce((sum, rule) => sum + (rule.times ?? Number.POSITIVE_INFINITY), 0);
  const used = slots.length - left;
  if (!Number.isInteger(used) || used < 0) throw new Error(`the portal's fault rules are not the campaign's (${remaining.length} rules, ${left} slots left of ${slots.length})`);
  const rest = buildFaultRules(slots.slice(used));
  const same = rest.length === remaining.length && rest.every((rule, i) => rule.kind === remaining[i].kind && rule.status === remaining[i].status && rule.times === remaining[i].times);
  if (!same) throw new Error("the portal's remaining fault rules are not the tail of the campaign's schedule");
  const injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<CampaignFault, number>;
  for (const slot of slots.slice(0, used)) if (slot !== "none") injected[slot] += 1;
  return { used, injected, exhausted: left === 0 };
}
