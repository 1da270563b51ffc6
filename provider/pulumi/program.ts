/**
 * seats.yaml -> one `SubscriptionSeats` resource per subscription: the root Pulumi program (index.ts) and the
 * helper for users' own programs. An invalid file declares nothing: the program fails with every problem at
 * file:line:col, so no resource is planned from half a file. Each resource carries where its subscription is
 * declared, so preview findings say `seats.yaml:12:5` as the CLI's do.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { DesiredState } from "../core/desired-types";
import { mergeSettings } from "../core/settings";
import { formatLocatedError, loadDesiredState } from "../desired/desired-state";
import { SubscriptionSeats, summarizePlans } from "./resource";

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
export function getProjectDirectory(): string {
  const root = pulumi.runtime.getRootDirectory();
  return root && path.isAbsolute(root) ? root : process.cwd();
}

/**
 * Reads and validates a seats file; locations in messages name it relative to the project directory. Throws a
 * RunError listing every located error when it is invalid.
 */
export async function loadSeatsFile(file: string): Promise<DesiredState> {
  const absolute = path.resolve(getProjectDirectory(), file);
  const shown = path.relative(getProjectDirectory(), absolute) || absolute;
  const result = await loadDesiredState(absolute, { displayName: shown }).catch((error: unknown) => {
    throw createRunError(error instanceof Error ? error.message : String(error));
  });
  if (!result.ok) {
    throw createRunError(
      [`${shown} has ${result.errors.length} error(s); nothing is declared until they are fixed:`, ...result.errors.map((error) => `  ${formatLocatedError(error)}`)].join("\n"),
    );
  }
  return result.value;
}

/** Declares one SubscriptionSeats per subscription of `state`, named by subscription id, settings merged with the defaults. */
export function declareSubscriptionSeats(state: DesiredState, opts?: pulumi.CustomResourceOptions): SubscriptionSeats[] {
  return state.subscriptions.map(
    (subscription) =>
      new SubscriptionSeats(
        subscription.id,
        {
          subscriptionId: subscription.id,
          ...(subscription.name !== undefined ? { name: subscription.name } : {}),
          licenses: { ...subscription.licenses },
          settings: mergeSettings(subscription, state.defaults),
          ...(subscription.source ? { source: `${subscription.source.file}:${subscription.source.line}:${subscription.source.col}` } : {}),
        },
        opts,
      ),
  );
}

/**
 * Runs `declare` in a task of its own. The engine stores the program's stack trace with every resource, and
 * declared from inside the async program it carries the SDK's async frames too (its run and stack modules):
 * about 0.3 KiB per resource that state rewrites after every step, pointing at nothing of the user's.
 */
function declareInOwnTask<T>(declare: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(declare());
      } catch (error) {
        reject(error);
      }
    }),
  );
}

/**
 * The root program: the file from the stack config `csp-seats:desired` (default `seats.yaml` in the project
 * directory), one resource per subscription, and a `plan` stack output with every change and its money.
 */
export async function runSeatsProgram(): Promise<Record<string, unknown>> {
  const config = new pulumi.Config("csp-seats");
  const desired = config.get("desired") ?? "seats.yaml";
  const state = await loadSeatsFile(desired);
  const resources = await declareInOwnTask(() => declareSubscriptionSeats(state));
  return {
    desired: path.relative(getProjectDirectory(), path.resolve(getProjectDirectory(), desired)) || desired,
    subscriptions: state.subscriptions.map((subscription) => subscription.id),
    plan: pulumi.all(resources.map((resource) => resource.plan)).apply((plans) => summarizePlans(plans)),
  };
}
