import type { Clock } from "../../clock";
import type { Portal } from "../portal";

/** Placeholder until the embedded portal lands. */
export async function openEmbeddedPortal(_options: { statePath: string; clock?: Clock }): Promise<Portal> {
  throw new Error("embedded portal not built yet");
}
