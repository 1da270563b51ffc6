/**
 * The building blocks of the HTML reports: one self-contained page (inline CSS, no script, no external URL, so it
 * opens offline and from a CI artifact), escaped text, money per currency and accessible tables. Pure.
 */
import type { Money } from "../../core/model";

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** A decimal string with thousands separators: `-1234.50` -> `-1,234.50`. */
export function groupDigits(amount: string): string {
  const [whole, fraction] = amount.split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace(/^-/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${digits}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** Money as text: `1,234.56 EUR` (exact: the decimal string is never turned into a float). */
export function formatMoneyText(money: Money): string {
  return `${groupDigits(money.amount)}\u00a0${money.currency}`;
}

/** Money as an element carrying its exact amount and currency (`data-amount`, `data-currency`) for tools and tests. */
export function renderMoney(money: Money, attributes: Readonly<Record<string, string>> = {}): string {
  const extra = Object.entries(attributes).map(([name, value]) => ` ${name}="${escapeHtml(value)}"`).join("");
  return `<span class="money" data-amount="${escapeHtml(money.amount)}" data-currency="${escapeHtml(money.currency)}"${extra}>${escapeHtml(formatMoneyText(money))}</span>`;
}

/** A table cell: text (escaped), or raw HTML, right-aligned when numeric. */
export type Cell = string | { readonly html: string; readonly numeric?: boolean } | number | null;

function renderCell(cell: Cell, tag: "td" | "th", numeric: boolean): string {
  const open = (isNumeric: boolean): string => `<${tag}${tag === "th" ? ' scope="row"' : ""}${isNumeric ? ' class="num"' : ""}>`;
  if (cell !== null && typeof cell === "object") return `${open(cell.numeric ?? numeric)}${cell.html}</${tag}>`;
  return `${open(numeric || typeof cell === "number")}${escapeHtml(cell === null ? "—" : String(cell))}</${tag}>`;
}

/** A data table with a caption and column headers; `numeric` names the right-aligned columns. */
export function renderTable(options: { caption: string; head: readonly string[]; rows: readonly (readonly Cell[])[]; numeric?: readonly number[]; className?: string }): string {
  const numeric = new Set(options.numeric ?? []);
  const head = options.head.map((h, i) => `<th scope="col"${numeric.has(i) ? ' class="num"' : ""}>${escapeHtml(h)}</th>`).join("");
  const body = options.rows.map((row) => `<tr>${row.map((cell, i) => renderCell(cell, i === 0 ? "th" : "td", numeric.has(i))).join("")}</tr>`).join("\n");
  return `<table${options.className ? ` class="${options.className}"` : ""}>\n<caption>${escapeHtml(options.caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A section with a heading (h2) and its content. */
export function renderSection(id: string, heading: string, content: string): string {
  return `<section id="${escapeHtml(id)}" aria-labelledby="${escapeHtml(id)}-h">\n<h2 id="${escapeHtml(id)}-h">${escapeHtml(heading)}</h2>\n${content}\n</section>`;
}

/** A paragraph of escaped text. */
export function renderParagraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ""}>${escapeHtml(text)}</p>`;
}

// Colours checked for contrast on white: text #1b1f24 (16:1), muted #4b5563 (7.6:1), every bar and marker
// colour at least 4.5:1 (so a label in that colour stays readable, and 3:1 for graphics is met with margin).
const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1b1f24; background: #ffffff; max-width: 1180px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-top: 12px; border-top: 1px solid #d0d7de; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0; }
.muted { color: #4b5563; }
.headline { font-size: 17px; font-weight: 600; }
.status-ok { color: #065f46; font-weight: 600; }
.status-bad { color: #9f1239; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
.date { white-space: nowrap; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #1b1f24; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; }
tbody th { font-weight: 500; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.money { white-space: nowrap; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; font-family: inherit; }
svg text { fill: #1b1f24; font-size: 12px; }
svg .axis { stroke: #6b7280; stroke-width: 1; }
svg .grid { stroke: #e5e7eb; stroke-width: 1; }
svg text.muted { fill: #4b5563; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; margin: 4px 0; padding: 0; list-style: none; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid #1b1f24; }
details { margin: 4px 0 16px; }
summary { cursor: pointer; color: #1d4ed8; }
.findings li { margin: 4px 0; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.badge-violation { color: #9f1239; }
.badge-warning { color: #92400e; }
footer { margin-top: 40px; font-size: 13px; color: #4b5563; }
@media print { body { padding: 0; } details { display: block; } }
`;

/** The whole page: lang, title, inline style, one h1 and the sections; no script at all. */
export function renderPage(options: { title: string; heading: string; intro: readonly string[]; sections: readonly string[]; footer: string }): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>${escapeHtml(options.heading)}</h1>`,
    ...options.intro,
    "</header>",
    "<main>",
    ...options.sections,
    "</main>",
    `<footer>${escapeHtml(options.footer)}</footer>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
