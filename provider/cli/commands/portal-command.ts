import type { CommandRunner } from "../context";

/** Placeholder until the portal command lands. */
export const runPortal: CommandRunner = async (_args, context) => {
  context.stderr.write("csp-seats portal: not built yet\n");
  return 1;
};
