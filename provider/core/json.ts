/** Reading untyped JSON values (state, inputs, vendor payloads) without trusting their shape. */

/** Whether `value` is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object a JSON text holds; undefined for anything else (not a string, not JSON, not an object). */
export function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== "string" || !text.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
