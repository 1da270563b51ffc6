import type { CloudBlueConfig } from "../create-portal";
import type { Portal } from "../portal";

/** Placeholder until the CloudBlue backend lands. */
export async function createCloudBluePortal(_config: CloudBlueConfig): Promise<Portal> {
  throw new Error("cloudblue backend not built yet");
}
