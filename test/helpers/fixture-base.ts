/**
 * What the test portals' subscriptions share: one Contoso customer, EUR, monthly billing in May 2026 (31 days,
 * so prorations are easy to check by hand) and a term that renews on 2026-12-01.
 */
export const FIXTURE_SUBSCRIPTION_BASE = {
  customerId: "contoso",
  status: "active" as const,
  currency: "EUR",
  billingCycle: "monthly" as const,
  billingPeriod: { start: "2026-05-01", end: "2026-06-01" },
  termEnd: "2026-11-30",
  autoRenew: true,
  paymentMethods: [{ id: "pm-invoice", label: "Invoice", isDefault: true }],
};
