/**
 * The csp-seats CrossGuard policy pack: limits on the seat changes a `pulumi preview`/`up` would order, read from
 * each SubscriptionSeats' checked `plan`. Every policy is configurable with `--policy-pack-config` (docs/policy.md);
 * a money policy with no limit for a currency does not check that currency.
 */
import { PolicyPack, type PolicyConfigSchema, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];
import { decodeStoredPlan } from "../provider/core/plan/stored-plan";
import type { SubscriptionPlan } from "../provider/core/plan/types";
import * as checks from "./checks";

export * from "./checks";

const CURRENCY_LIMITS_SCHEMA: PolicyConfigJSONSchema = {
  type: "object",
  description: "Limits by ISO currency code, as decimal strings",
  additionalProperties: { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?$" },
};

/** The plan of a SubscriptionSeats' checked inputs, or undefined for other resources (or before check). */
function readPlan(type: string, props: Record<string, unknown>): SubscriptionPlan | undefined {
  if (type !== checks.SEATS_RESOURCE_TYPE) return undefined;
  // Compact JSON text (csp-seats 0.1 stored the object): see docs/provider.md "What is stored where".
  return decodeStoredPlan(props["plan"]);
}

function createPlanPolicy(options: {
  name: string;
  description: string;
  enforcementLevel: "advisory" | "mandatory";
  properties?: Record<string, PolicyConfigJSONSchema>;
  check: (plan: SubscriptionPlan, config: Record<string, unknown>) => string[];
}): ResourceValidationPolicy {
  return {
    name: options.name,
    description: options.description,
    enforcementLevel: options.enforcementLevel,
    ...(options.properties ? { configSchema: { properties: options.properties } } : {}),
    validateResource: (args, reportViolation) => {
      const plan = readPlan(args.type, args.props);
      if (!plan) return;
      const config = options.properties ? args.getConfig<Record<string, unknown>>() : {};
      for (const message of options.check(plan, config)) reportViolation(message);
    },
  };
}

const stackMonthlyIncrease: StackValidationPolicy = {
  name: "seats-monthly-increase-per-stack",
  description: "The stack's monthly cost increase, per currency, stays under a limit.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { limits: CURRENCY_LIMITS_SCHEMA } },
  validateStack: (args, reportViolation) => {
    const { limits = {} } = args.getConfig<{ limits?: checks.CurrencyLimits }>();
    const plans = args.resources.flatMap((resource) => readPlan(resource.type, resource.props) ?? []);
    for (const message of checks.checkStackMonthlyIncrease(plans, limits)) reportViolation(message);
  },
};

/** The pack's policies, in the order the CLI reports them. */
export const SEATS_POLICIES = [
  createPlanPolicy({
    name: "seats-monthly-increase-per-subscription",
    description: "A subscription's monthly cost increase stays under a limit per currency.",
    enforcementLevel: "mandatory",
    properties: { limits: CURRENCY_LIMITS_SCHEMA },
    check: (plan, config) => checks.checkMonthlyIncrease(plan, (config["limits"] as checks.CurrencyLimits | undefined) ?? {}),
  }),
  stackMonthlyIncrease,
  createPlanPolicy({
    name: "seats-one-off-charge",
    description: "The one-off charge of a subscription's order stays under a limit per currency.",
    enforcementLevel: "mandatory",
    properties: { limits: CURRENCY_LIMITS_SCHEMA },
    check: (plan, config) => checks.checkOneOffCharge(plan, (config["limits"] as checks.CurrencyLimits | undefined) ?? {}),
  }),
  createPlanPolicy({
    name: "seats-line-percent-change",
    description: "A line's seat count changes by at most maxPercent % (changes under it are auto-approved).",
    enforcementLevel: "advisory",
    properties: { maxPercent: { type: "number", minimum: 0, default: 25 } },
    check: (plan, config) => checks.checkLinePercentChange(plan, typeof config["maxPercent"] === "number" ? config["maxPercent"] : 25),
  }),
  createPlanPolicy({
    name: "seats-no-decrease-below-assigned",
    description: "No decrease leaves fewer seats than are assigned.",
    enforcementLevel: "mandatory",
    check: (plan) => checks.checkBelowAssigned(plan),
  }),
  createPlanPolicy({
    name: "seats-decrease-refundable-or-at-renewal",
    description: "A decrease placed now removes only refundable seats; the rest waits for renewal.",
    enforcementLevel: "mandatory",
    check: (plan) => checks.checkDecreaseRefundable(plan),
  }),
];

/** Creates the pack when this module is the policy program (the CLI runs it through run-policy-pack). */
export function runSeatsPolicyPack(): PolicyPack {
  return new PolicyPack("csp-seats", { policies: SEATS_POLICIES });
}
