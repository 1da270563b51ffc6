import type { CommandRunner } from "../context";

/** Placeholder until the plan command lands. */
export const runPlan: CommandRunner = async (_args, context) => {
  context.stderr.write("csp-seats plan: not built yet\n");
  return 1;
};
