import type { CommandRunner } from "../context";

/** Placeholder until the validate command lands. */
export const runValidate: CommandRunner = async (_args, context) => {
  context.stderr.write("csp-seats validate: not built yet\n");
  return 1;
};
