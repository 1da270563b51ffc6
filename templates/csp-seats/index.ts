// seats.yaml -> one SubscriptionSeats resource per subscription. `pulumi preview` shows every change with its
// charge or refund (the `plan` output); `pulumi up` places one order per subscription that changes.
import * as pulumi from "@pulumi/pulumi";
import { declareSubscriptionSeats, loadSeatsFile, summarizePlans } from "csp-seats";

export = async () => {
  const state = await loadSeatsFile("seats.yaml"); // every mistake at seats.yaml:line:col, nothing declared until fixed
  const seats = declareSubscriptionSeats(state);
  return { plan: pulumi.all(seats.map((resource) => resource.plan)).apply(summarizePlans) };
};
