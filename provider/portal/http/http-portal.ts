import type { Portal } from "../portal";

/** Placeholder until the HTTP client lands. */
export async function createHttpPortal(_options: { endpoint: string; token?: string }): Promise<Portal> {
  throw new Error("http portal not built yet");
}
