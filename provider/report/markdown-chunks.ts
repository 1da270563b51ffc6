/**
 * Markdown documents as sections of blocks, so a long one can be cut into comment-sized chunks that each render
 * on their own: a chunk never ends inside a table without the next one repeating the section's heading
 * ("continued") and the table's header and delimiter rows, and a `<details>` cut in two is closed and reopened.
 */

/** Lines a chunk may end after (paragraphs, list items, findings). */
export interface LinesBlock {
  readonly kind: "lines";
  readonly lines: readonly string[];
}

/** A GFM table: its header and delimiter rows are repeated wherever it continues. */
export interface TableBlock {
  readonly kind: "table";
  readonly header: readonly [string, string];
  readonly rows: readonly string[];
}

/** A collapsed `<details>` around other blocks; reopened (same summary) where it continues. */
export interface DetailsBlock {
  readonly kind: "details";
  readonly summary: string;
  readonly blocks: readonly (LinesBlock | TableBlock)[];
}

export type MarkdownBlock = LinesBlock | TableBlock | DetailsBlock;

export interface MarkdownSection {
  /** A heading line (`#### ...`), repeated with ` (continued)` on every further chunk the section runs into. */
  readonly heading?: string;
  readonly blocks: readonly MarkdownBlock[];
}

/** The smallest piece a chunk holds: `lines`, what a continuation chunk writes before it, what closes the chunk after it. */
interface Unit {
  readonly lines: string[];
  readonly reopen: readonly string[];
  readonly closeAfter: readonly string[];
}

function toUnits(blocks: readonly MarkdownBlock[], open: readonly string[], close: readonly string[]): Unit[] {
  const units: Unit[] = [];
  for (const block of blocks) {
    if (block.kind === "lines") {
      if (block.lines.length === 0) continue;
      const lines = block.lines.map((line) => ({ lines: [line], reopen: open, closeAfter: close }));
      lines[lines.length - 1].lines.push("");
      units.push(...lines);
    } else if (block.kind === "table") {
      if (block.rows.length === 0) continue;
      const rows: Unit[] = block.rows.map((row, i) => ({
        lines: i === 0 ? [...block.header, row] : [row],
        reopen: i === 0 ? open : [...open, ...block.header],
        closeAfter: ["", ...close],
      }));
      const last = rows[rows.length - 1];
      rows[rows.length - 1] = { ...last, lines: [...last.lines, ""], closeAfter: close };
      units.push(...rows);
    } else {
      const start = [`<details><summary>${block.summary}</summary>`, ""];
      const end = ["</details>", ""];
      const inner = toUnits(block.blocks, [...open, ...start], [...end, ...close]);
      if (inner.length === 0) continue;
      inner[0] = { ...inner[0], lines: [...start, ...inner[0].lines], reopen: open };
      const last = inner[inner.length - 1];
      inner[inner.length - 1] = { ...last, lines: [...last.lines, ...end], closeAfter: close };
      units.push(...inner);
    }
  }
  return units;
}

function sectionUnits(section: MarkdownSection): Unit[] {
  const units = toUnits(section.blocks, [], []);
  if (section.heading !== undefined && units.length > 0) units[0] = { ...units[0], lines: [section.heading, "", ...units[0].lines] };
  return units;
}

/** The lines of `section`: its heading, then each block followed by a blank line. */
export function renderSection(section: MarkdownSection): string[] {
  return sectionUnits(section).flatMap((unit) => unit.lines);
}

function measure(lines: readonly string[]): number {
  return lines.reduce((size, line) => size + line.length + 1, 0);
}

function truncateLine(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Cuts `sections` into bodies of at most `budget` characters. A section that fits is never split (it moves whole
 * to the next body); one that does not is cut between lines or table rows, each piece complete Markdown. A line
 * longer than half the budget (a pathological name) is shortened with `…`.
 */
export function splitSections(sections: readonly MarkdownSection[], budget: number): string[] {
  const bodies: string[][] = [];
  let current: string[] = [];
  let size = 0;
  const push = (lines: readonly string[]): void => {
    current.push(...lines);
    size += measure(lines);
  };
  const flush = (): void => {
    if (current.length > 0) bodies.push(current);
    current = [];
    size = 0;
  };
  const maxLine = Math.floor(budget / 2);
  for (const section of sections) {
    const units = sectionUnits(section).map((unit) => ({ ...unit, lines: unit.lines.map((line) => truncateLine(line, maxLine)) }));
    const whole = units.flatMap((unit) => unit.lines);
    if (size + measure(whole) <= budget) {
      push(whole);
      continue;
    }
    if (current.length > 0 && measure(whole) <= budget) {
      flush();
      push(whole);
      continue;
    }
    const continued = section.heading !== undefined ? [`${section.heading} (continued)`, ""] : [];
    let pendingClose: readonly string[] = [];
    let unitsInBody = 0;
    for (const unit of units) {
      const fits = size + measure(unit.lines) + measure(unit.closeAfter) <= budget;
      if (!fits && unitsInBody === 0 && current.length > 0) {
        flush();
      } else if (!fits && unitsInBody > 0) {
        push(pendingClose);
        flush();
        push([...continued, ...unit.reopen]);
        unitsInBody = 0;
      }
      push(unit.lines);
      pendingClose = unit.closeAfter;
      unitsInBody += 1;
    }
    push(pendingClose);
  }
  flush();
  return bodies.map((lines) => lines.join("\n"));
}
