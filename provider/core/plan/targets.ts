/**
 * Usage-following targets: a seats.yaml license may be `{ usagePlus, min, max, roundTo, decrease }` instead of a
 * number. This derives the number from what the portal observed; the planner then plans it exactly as a literal
 * count, so every guardrail (maxIncrease, maxCharge, below usage) applies to the derived count unchanged. Pure.
 */
import type { DowngradePolicy, LicenseValue, SeatTarget } from "../desired-types";
import type { LineDerivation } from "./types";

/** What the derivation reads of one observed license line. */
export interface TargetObservation {
  /** Assigned seats, or null when the portal cannot tell. */
  readonly usage: number | null;
  /** Set when assigned seats are counted tenant-wide, shared by several subscriptions. */
  readonly usageScope?: string;
  /** Purchased seats now. */
  readonly limit: number;
  /** Seats that can still be removed with a refund now. */
  readonly refundableQuantity: number;
}

/** A derived count, or why a target cannot be derived for this line (nothing is ordered for it). */
export type TargetResult =
  | {
      readonly ok: true;
      readonly count: number;
      /** Set when the target's `decrease` overrides the subscription's downgradePolicy for this line. */
      readonly downgradePolicy?: DowngradePolicy;
      readonly derivation: LineDerivation;
    }
  | {
      readonly ok: false;
      readonly code: "TARGET_USAGE_UNKNOWN" | "TARGET_USAGE_SHARED";
      readonly message: string;
      readonly fix: string;
      readonly derivation: LineDerivation;
    };

/** Whether a seats.yaml license value is a target rather than a literal count. */
export function isSeatTarget(value: LicenseValue | unknown): value is SeatTarget {
  return typeof value === "object" && value !== null && typeof (value as { usagePlus?: unknown }).usagePlus === "number";
}

function roundUp(value: number, step: number | undefined): number {
  if (step === undefined || step <= 1) return value;
  return Math.ceil(value / step) * step;
}

function describeRange(target: SeatTarget): string {
  if (target.min !== undefined && target.max !== undefined) return `${target.min}..${target.max}`;
  if (target.min !== undefined) return `${target.min} or more`;
  if (target.max !== undefined) return `at most ${target.max}`;
  return "";
}

/**
 * Derives the desired count of one line from its target: clamp(roundUp(usage + usagePlus, roundTo), min, max),
 * then the decrease policy: `never` keeps at least the purchased seats, `refundable-only` lowers only as far as
 * the refundable seats allow (never a decrease at renewal), `at-renewal` plans the line with downgradePolicy
 * at-renewal. Unknown or tenant-wide usage is refused: csp-seats never guesses nor splits one tenant's usage.
 */
export function deriveTargetCount(sku: string, target: SeatTarget, observed: TargetObservation): TargetResult {
  const { usage, limit } = observed;
  if (observed.usageScope !== undefined) {
    const text = `assigned ${usage ?? "unknown"} (counted ${observed.usageScope}, shared with other subscriptions): target refused, ${limit} kept`;
    return {
      ok: false,
      code: "TARGET_USAGE_SHARED",
      message: `${sku}: assigned seats are counted ${observed.usageScope}, shared by the subscriptions of this SKU; a usage target cannot tell this subscription's share, so nothing is ordered`,
      fix: `Give ${sku} a number of seats in seats.yaml (a target needs assigned seats per subscription).`,
      derivation: { text, assigned: usage, desired: limit, refused: true },
    };
  }
  if (usage === null) {
    return {
      ok: false,
      code: "TARGET_USAGE_UNKNOWN",
      message: `${sku}: the portal does not report assigned seats, so the usage target cannot be derived; nothing is ordered`,
      fix: `Give ${sku} a number of seats in seats.yaml, or use a backend that reports assigned seats.`,
      derivation: { text: `assigned unknown: target refused, ${limit} kept`, assigned: null, desired: limit, refused: true },
    };
  }
  const buffered = usage + target.usagePlus;
  const parts = [`assigned ${usage} + ${target.usagePlus} = ${buffered}`];
  const rounded = roundUp(buffered, target.roundTo);
  if (rounded !== buffered) parts.push(`rounded up to ${rounded} (roundTo ${target.roundTo})`);
  let count = rounded;
  if (target.min !== undefined && count < target.min) {
    count = target.min;
    parts.push(`raised to min ${target.min}`);
  } else if (target.max !== undefined && count > target.max) {
    count = target.max;
    parts.push(`clamped to max ${target.max}`);
  } else if (target.min !== undefined || target.max !== undefined) {
    parts.push(`within ${describeRange(target)}`);
  }
  if (count < limit && target.decrease === "never") {
    parts.push(`decrease: never keeps ${limit}`);
    count = limit;
  } else if (count < limit && target.decrease === "refundable-only") {
    const floor = limit - observed.refundableQuantity;
    if (count < floor) {
      parts.push(`decrease: refundable-only keeps ${floor} (${observed.refundableQuantity} refundable)`);
      count = floor;
    }
  }
  const text = parts.join(", ");
  return {
    ok: true,
    count,
    ...(target.decrease === "at-renewal" ? { downgradePolicy: "at-renewal" as const } : {}),
    derivation: { text, assigned: usage, desired: count },
  };
}

/**
 * The count a license value asks for against one observed line: the number itself, or the derived count of a
 * target (the purchased seats when it cannot be derived). For drift and renewals, which show one number.
 */
export function resolveLicenseCount(sku: string, value: LicenseValue, observed: TargetObservation): number {
  if (!isSeatTarget(value)) return value;
  const result = deriveTargetCount(sku, value, observed);
  return result.ok ? result.count : observed.limit;
}
