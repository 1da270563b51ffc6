/**
 * Pax8 subscription statuses (OpenAPI `Subscription.status`) as csp-seats statuses and eligibility. Only a
 * provisioned subscription of an active company takes seat changes; every other status says why not.
 */
import type { Eligibility, SubscriptionStatus } from "../../core/model";

/** What a Pax8 status means to csp-seats. */
export interface MappedStatus {
  readonly status: SubscriptionStatus;
  readonly eligibility: Eligibility;
}

const ELIGIBLE: Eligibility = { eligible: true };

function refuse(reasonCode: string, reason: string): Eligibility {
  return { eligible: false, reasonCode, reason };
}

/** Maps one Pax8 subscription status (unknown values are not eligible, never guessed). */
export function mapPax8Status(status: string | undefined): MappedStatus {
  switch (status) {
    case "Active":
    case "Activated":
      return { status: "active", eligibility: ELIGIBLE };
    case "Trial":
      return { status: "active", eligibility: refuse("trial", "Pax8 reports a trial subscription; seats change when it is converted to a paid one") };
    case "Converted":
      return { status: "terminated", eligibility: refuse("converted", "this trial was converted into a paid subscription; manage the paid one") };
    case "PendingManual":
      return { status: "pending", eligibility: refuse("provisioning-manual", "a manual provisioning task at Pax8 is not completed") };
    case "PendingAutomated":
      return { status: "pending", eligibility: refuse("provisioning-automated", "an automated provisioning task at Pax8 is not completed") };
    case "WaitingForDetails":
      return { status: "pending", eligibility: refuse("waiting-for-details", "Pax8 is waiting for provisioning details") };
    case "PendingActivation":
      return { status: "pending", eligibility: refuse("pending-activation", "the subscription needs activation before it is billed or changed") };
    case "PendingCancel":
      return { status: "pending", eligibility: refuse("pending-cancel", "the subscription is being cancelled") };
    case "Cancelled":
      return { status: "terminated", eligibility: refuse("cancelled", "the subscription is cancelled") };
    default:
      return { status: "hold", eligibility: refuse("unknown-status", `Pax8 status "${status ?? "missing"}" is not one csp-seats knows`) };
  }
}

/** An inactive or deleted company cannot order (Pax8: a company starts Inactive until it has its contacts). */
export function mapCompanyEligibility(companyStatus: string | undefined): Eligibility | undefined {
  if (companyStatus === undefined || companyStatus === "Active") return undefined;
  return refuse("company-inactive", `the Pax8 company is ${companyStatus}: it needs its Admin, Billing and Technical contacts before it can order`);
}
