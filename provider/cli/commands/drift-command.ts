import type { CommandRunner } from "../context";

/** Placeholder until the drift command lands. */
export const runDrift: CommandRunner = async (_args, context) => {
  context.stderr.write("csp-seats drift: not built yet\n");
  return 1;
};
