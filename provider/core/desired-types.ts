/**
 * The desired state as plain data: what seats.yaml says, after parsing and validation (desired/ does that). The
 * types live in core because the planner and drift read them, and core imports only core.
 */

export type DowngradePolicy = "at-renewal" | "refuse";

/** When a usage-following target may lower the purchased seats. */
export type TargetDecrease = "never" | "at-renewal" | "refundable-only";

/**
 * A usage-following seat count: desired = assigned seats + `usagePlus`, rounded up to `roundTo`, clamped to
 * `min`..`max` (core/plan/targets.ts derives it; the planner then plans the number exactly as a literal one).
 */
export interface SeatTarget {
  readonly usagePlus: number;
  readonly min?: number;
  readonly max?: number;
  readonly roundTo?: number;
  /** Unset: decreases follow the subscription's downgradePolicy, as for a literal count. */
  readonly decrease?: TargetDecrease;
}

/** What seats.yaml says for one SKU: a literal seat count or a target. */
export type LicenseValue = number | SeatTarget;

/** Limits one run may not exceed; a plan that would is refused for that subscription. */
export interface Guardrails {
  /** Allow a limit below the assigned seats (users lose their licenses). */
  readonly allowBelowUsage?: boolean;
  /** Most seats one line may grow by in one run. */
  readonly maxIncrease?: number;
  /** Most seats one line may shrink by in one run. */
  readonly maxDecrease?: number;
  /** Most one run may charge per subscription, decimal string in the subscription's currency. */
  readonly maxCharge?: string;
}

/** Settings shared by `defaults` and each subscription (the subscription's own win). */
export interface DesiredSettings {
  /** Payment method id or label. */
  readonly paymentMethod?: string;
  readonly notifyEmail?: string;
  readonly downgradePolicy?: DowngradePolicy;
  readonly guardrails?: Guardrails;
}

/** Where something was written in the desired-state file. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface DesiredSubscription extends DesiredSettings {
  readonly id: string;
  /** The portal's name for it; a mismatch means a wrong id. */
  readonly name?: string;
  /** Seats (or a usage-following target) per SKU, in file order. SKUs not listed are left alone. */
  readonly licenses: Readonly<Record<string, LicenseValue>>;
  /** Where the subscription is declared (for messages); absent when built in code. */
  readonly source?: SourceLocation;
}

export interface DesiredState {
  readonly defaults: DesiredSettings;
  readonly subscriptions: readonly DesiredSubscription[];
  /** The file it was read from, when it was read from one. */
  readonly fileName?: string;
}

/** Settings with defaults applied: what the planner actually uses for one subscription. */
export interface ResolvedSettings {
  readonly paymentMethod?: string;
  readonly notifyEmail?: string;
  readonly downgradePolicy: DowngradePolicy;
  readonly allowBelowUsage: boolean;
  readonly maxIncrease?: number;
  readonly maxDecrease?: number;
  readonly maxCharge?: string;
}
