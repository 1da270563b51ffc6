/** Small layout helpers shared by the text and Markdown renderers; money and changes are worded by core/describe. */
import type { PlanFinding } from "../core/plan/types";

export { formatDelta, formatMoney } from "../core/describe";

/** Aligns rows of cells into columns separated by two spaces; trailing spaces are trimmed. */
export function alignColumns(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** Findings sorted violations first, keeping their order otherwise. */
export function sortFindings(findings: readonly PlanFinding[]): PlanFinding[] {
  return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "violation" ? -1 : 1));
}

/** Escapes text for a Markdown table cell or inline text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_|<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

/** `3 subscriptions`, `1 subscription`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
