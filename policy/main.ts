/** The policy program the CLI runs: it registers the csp-seats pack. */
import { runSeatsPolicyPack } from "./index";

runSeatsPolicyPack();
