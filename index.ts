/**
 * The csp-seats Pulumi program: seats.yaml -> one `SubscriptionSeats` resource per subscription.
 *
 * The file comes from the stack config `csp-seats:desired` (default `seats.yaml` in the project directory). An
 * invalid file declares nothing: the program fails with every problem at file:line:col, so no resource is
 * planned from half a file. The `plan` stack output summarizes every change with its charge or refund.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mergeSettings } from "./provider/core/settings";
import { formatLocatedError, loadDesiredState } from "./provider/desired/desired-state";
import { SubscriptionSeats, summarizePlans } from "./provider/pulumi/resource";

/**
 * A RunError without a stack: Pulumi prints only the message of a RunError anyway, but its Node.js runtime also
 * formats the error with util.inspect when it has a stack, which took about 50 s of garbage collection per failed
 * `pulumi preview` (measured with the real CLI) before the located errors reached the user.
 */
function createRunError(message: string): pulumi.RunError {
  const error = new pulumi.RunError(message);
  error.stack = undefined;
  return error;
}

/** The directory of Pulumi.yaml. Language hosts that do not pass it leave the SDK's placeholder "rootDirectory". */
function getProjectDirectory(): string {
  const root = pulumi.runtime.getRootDirectory();
  return root && path.isAbsolute(root) ? root : process.cwd();
}

export = async (): Promise<Record<string, unknown>> => {
  const config = new pulumi.Config("csp-seats");
  const desired = config.get("desired") ?? "seats.yaml";
  const file = path.resolve(getProjectDirectory(), desired);
  const result = await loadDesiredState(file).catch((error: unknown) => {
    throw createRunError(error instanceof Error ? error.message : String(error));
  });
  if (!result.ok) {
    const where = path.relative(process.cwd(), file) || file;
    throw createRunError(
      [`${where} has ${result.errors.length} error(s); nothing is declared until they are fixed:`, ...result.errors.map((error) => `  ${formatLocatedError(error)}`)].join("\n"),
    );
  }
  const state = result.value;
  const resources = state.subscriptions.map(
    (subscription) =>
      new SubscriptionSeats(subscription.id, {
        subscriptionId: subscription.id,
        ...(subscription.name !== undefined ? { name: subscription.name } : {}),
        licenses: { ...subscription.licenses },
        settings: mergeSettings(subscription, state.defaults),
      }),
  );
  return {
    desired: path.relative(getProjectDirectory(), file) || file,
    subscriptions: state.subscriptions.map((subscription) => subscription.id),
    plan: pulumi.all(resources.map((resource) => resource.plan)).apply((plans) => summarizePlans(plans)),
  };
};
