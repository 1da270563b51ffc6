/**
 * The one sum of a plan's money per currency. Amounts in different currencies are never added. Kept apart from
 * the planner so the Pulumi program (summarizePlans) can total plans without loading the planner.
 */
import type { Money } from "../model";
import { addMoney, negateMoney, zeroMoney } from "../money";
import type { CurrencyTotals, SubscriptionPlan } from "./types";

/** Sums charge, refund and net per currency (never across currencies), sorted by currency code. */
export function computeTotals(plans: readonly Pick<SubscriptionPlan, "currency" | "charge" | "refund">[]): CurrencyTotals[] {
  const byCurrency = new Map<string, { charge: Money; refund: Money }>();
  for (const plan of plans) {
    const current = byCurrency.get(plan.currency) ?? { charge: zeroMoney(plan.currency), refund: zeroMoney(plan.currency) };
    byCurrency.set(plan.currency, { charge: addMoney(current.charge, plan.charge), refund: addMoney(current.refund, plan.refund) });
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, { charge, refund }]) => ({ currency, charge, refund, net: addMoney(charge, negateMoney(refund)) }));
}
