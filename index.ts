/**
 * The csp-seats Pulumi program: seats.yaml -> one `SubscriptionSeats` resource per subscription
 * (provider/pulumi/program.ts). The file comes from the stack config `csp-seats:desired` (default `seats.yaml`).
 */
import { runSeatsProgram } from "./provider/pulumi/program";

export = runSeatsProgram;
