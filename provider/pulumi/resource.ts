/**
 * `SubscriptionSeats`: one managed CSP subscription as a Pulumi dynamic resource.
 *
 * A dynamic resource carries its provider as text in the `__provider` property, in its inputs and again in its
 * outputs, and the `pulumi-nodejs` plugin rebuilds the provider with `require-from-string(text).handler()`. The
 * text here is one line written by hand, `exports.handler = () => require("csp-seats/provider-impl")`: it
 * captures nothing (no clients, no tokens) and loads the real implementation by package name from the project's
 * node_modules, so an upgrade of csp-seats applies to existing stacks without replacing anything. The closure
 * serializer (what `pulumi.dynamic.Resource` runs) wrapped each of the seven methods in its own function and
 * made the text 2.1 KiB, stored twice per resource and rewritten with the whole state after every step; the same
 * text from a release that still used it (test/fixtures/old-state) keeps working, as it requires the same module.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DowngradePolicy, Guardrails, SeatTarget } from "../core/desired-types";
import type { SubscriptionPlan } from "../core/plan/types";
import type { LineResult, Money } from "../core/model";

export type { LineResult } from "../core/model";
import { describeMonthlyCost, describeMonthlyTotals, describePlanChanges, formatFinding, formatMoney, type MonthlyCostWords } from "../core/describe";
import { hasOrderLines, hasViolation } from "../core/plan/plan-status";
import { decodeStoredPlan } from "../core/plan/stored-plan";
import { decodeObservedSeats, decodeOrderRecord } from "../core/stored-outputs";
import { computeTotals } from "../core/plan/totals";

/** The Pulumi type token of the resource (`pulumi-nodejs:dynamic:SubscriptionSeats`). */
export const SUBSCRIPTION_SEATS_TYPE = "SubscriptionSeats";

/** Per-subscription settings, already merged with the file's `defaults`. */
export interface SubscriptionSeatsSettings {
  /** Payment method id or label; the portal's default when absent. */
  readonly paymentMethod?: string;
  readonly notifyEmail?: string;
  readonly downgradePolicy?: DowngradePolicy;
  readonly guardrails?: Guardrails;
}

/** Inputs of one SubscriptionSeats resource. */
export interface SubscriptionSeatsArgs {
  /** The portal's subscription id. */
  readonly subscriptionId: pulumi.Input<string>;
  /** The portal's name for the subscription; a different name fails the check (a wrong id?). */
  readonly name?: pulumi.Input<string>;
  /** Seats per SKU, or a usage-following target (`{ usagePlus, min, max, roundTo, decrease }`). SKUs not listed are left alone. */
  readonly licenses: pulumi.Input<Record<string, pulumi.Input<number | SeatTarget>>>;
  readonly settings?: pulumi.Input<SubscriptionSeatsSettings>;
  /** Where the subscription is declared (`seats.yaml:12:5`), so findings in a preview say where to fix them. */
  readonly source?: pulumi.Input<string>;
}

/**
 * The `__provider` text of every SubscriptionSeats resource. The plugin calls the module's exported `configure`,
 * `check`, `diff`, `create`, `read`, `update` and `delete` (pulumi/provider-impl.ts).
 */
export const SUBSCRIPTION_SEATS_PROVIDER_TEXT = 'exports.handler = () => require("csp-seats/provider-impl");\n';

/**
 * The same provider as an object, for programs that build their own `pulumi.dynamic.Resource` over it. Only
 * arrow functions calling `require` by package name: nothing else may be referenced here, or the serializer would
 * capture it into every resource's state.
 */
export const subscriptionSeatsProvider: pulumi.dynamic.ResourceProvider = {
  configure: (req) => require("csp-seats/provider-impl").configure(req),
  check: (olds, news) => require("csp-seats/provider-impl").check(olds, news),
  diff: (id, olds, news) => require("csp-seats/provider-impl").diff(id, olds, news),
  create: (inputs) => require("csp-seats/provider-impl").create(inputs),
  read: (id, props) => require("csp-seats/provider-impl").read(id, props),
  update: (id, olds, news) => require("csp-seats/provider-impl").update(id, olds, news),
  delete: (id, props) => require("csp-seats/provider-impl").delete(id, props),
};

/**
 * The seat counts of one CSP subscription. `pulumi preview` shows the computed `plan` (every line with its
 * charge or refund); `pulumi up` places one order carrying all its lines; `pulumi destroy` only stops managing.
 */
export class SubscriptionSeats extends pulumi.CustomResource {
  declare readonly subscriptionId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string | undefined>;
  declare readonly licenses: pulumi.Output<Record<string, number | SeatTarget>>;
  declare readonly settings: pulumi.Output<SubscriptionSeatsSettings | undefined>;
  /**
   * The plan computed by `check` against the subscription as read during this preview/update (state holds it as
   * compact JSON text, see docs/provider.md; this output is the decoded plan).
   */
  declare readonly plan: pulumi.Output<SubscriptionPlan>;
  /** The last order placed (absent when nothing had to change). */
  declare readonly orderId: pulumi.Output<string | undefined>;
  declare readonly orderStatus: pulumi.Output<string | undefined>;
  declare readonly charge: pulumi.Output<Money | undefined>;
  declare readonly refund: pulumi.Output<Money | undefined>;
  declare readonly lineResults: pulumi.Output<LineResult[] | undefined>;
  /** Purchased seats per SKU as last read from the portal. */
  declare readonly limits: pulumi.Output<Record<string, number>>;
  /** Assigned seats per SKU as last read from the portal (null when the backend cannot tell). */
  declare readonly usage: pulumi.Output<Record<string, number | null>>;
  declare readonly revision: pulumi.Output<string>;

  constructor(name: string, args: SubscriptionSeatsArgs, opts?: pulumi.CustomResourceOptions) {
    // The SDK wraps 4 promises per property in debuggablePromise, which formats `new Error().stack` for each
    // (through source maps): 60 traces per resource, most of the program's CPU at 1,000 subscriptions
    // (docs/benchmarks.md). They only serve the SDK's leaked-promise report; the stack trace the engine records
    // for the resource is captured apart, with its own limit.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // What pulumi.dynamic.Resource does (same type token, so existing stacks keep their resources), with the
      // provider text above instead of the serializer's.
      super(
        `pulumi-nodejs:dynamic:${SUBSCRIPTION_SEATS_TYPE}`,
        name,
        {
          __provider: SUBSCRIPTION_SEATS_PROVIDER_TEXT,
          subscriptionId: args.subscriptionId,
          name: args.name,
          licenses: args.licenses,
          settings: args.settings ?? {},
          source: args.source,
          plan: undefined,
          observed: undefined,
          order: undefined,
        },
        opts,
      );
      // State holds the plan and the two records as JSON text, one property value each (docs/provider.md); the
      // outputs a program reads are decoded from them.
      const self = this as unknown as Record<string, pulumi.Output<unknown>>;
      const define = (key: string, value: pulumi.Output<unknown>): void => void Object.defineProperty(this, key, { value, enumerable: true });
      define("plan", self.plan.apply((value) => decodeStoredPlan(value)));
      const observed = self.observed.apply((value) => decodeObservedSeats({ observed: value }));
      const order = self.order.apply((value) => decodeOrderRecord({ order: value }));
      define("limits", observed.apply((seen) => seen?.limits));
      define("usage", observed.apply((seen) => seen?.usage));
      define("revision", observed.apply((seen) => seen?.revision));
      define("orderId", order.apply((record) => record?.orderId));
      define("orderStatus", order.apply((record) => record?.orderStatus));
      define("charge", order.apply((record) => record?.charge));
      define("refund", order.apply((record) => record?.refund));
      define("lineResults", order.apply((record) => record?.lineResults));
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

/** A plan as the root program exports it: the money per subscription and per currency, in words. */
export interface PlanSummary {
  readonly hasChanges: boolean;
  readonly hasViolations: boolean;
  /** Per currency (never added across currencies): `{ currency, charge: "12.34 EUR", refund, net }`. */
  readonly totals: ReadonlyArray<{ currency: string; charge: string; refund: string; net: string }>;
  /** Monthly recurring cost per currency: `{ currency, current: "637.10 EUR", change: "+8.50 EUR", new: "645.60 EUR", percentChange: "+1.3" }`. */
  readonly monthlyTotals: ReadonlyArray<MonthlyCostWords & { readonly currency: string }>;
  readonly subscriptions: ReadonlyArray<{
    readonly subscriptionId: string;
    readonly name: string;
    /** `m365-business-basic 20 -> 22 now: charge 0.72 EUR`; empty when nothing changes. */
    readonly changes: readonly string[];
    readonly charge: string;
    readonly refund: string;
    readonly net: string;
    /** `warning USAGE_SHARED: ...` / `violation GUARDRAIL_MAX_CHARGE: ...`. */
    readonly findings: readonly string[];
    /** The monthly cost if applied (a blocked one unchanged, its request in `requested`); absent for a plan recorded by an older csp-seats. */
    readonly monthly?: MonthlyCostWords & { readonly requested?: MonthlyCostWords };
  }>;
}

/**
 * Summarizes the plans of the declared resources for a stack output, so `pulumi preview` prints every change
 * with its charge or refund and the totals per currency. Pure; `plans` may hold undefined for resources whose
 * plan is not known.
 */
export function summarizePlans(plans: ReadonlyArray<SubscriptionPlan | undefined>): PlanSummary {
  const known = plans.filter((plan): plan is SubscriptionPlan => plan !== undefined && plan !== null);
  return {
    hasChanges: known.some(hasOrderLines),
    hasViolations: known.some(hasViolation),
    totals: computeTotals(known).map((total) => ({
      currency: total.currency,
      charge: formatMoney(total.charge),
      refund: formatMoney(total.refund),
      net: formatMoney(total.net),
    })),
    monthlyTotals: describeMonthlyTotals(known),
    subscriptions: known.map((plan) => ({
      subscriptionId: plan.subscriptionId,
      name: plan.name,
      changes: describePlanChanges(plan),
      charge: formatMoney(plan.charge),
      refund: formatMoney(plan.refund),
      net: formatMoney(plan.net),
      findings: plan.findings.map((finding) => formatFinding(finding, { withSeverity: true, withFix: false })),
      ...(plan.recurring ? { monthly: describeMonthlyCost(plan) } : {}),
    })),
  };
}
