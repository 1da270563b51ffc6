/**
 * A horizontal grouped bar chart as inline SVG: one row per report line (a SKU of a subscription, a subscription,
 * a tenant), one bar per series in each row, the value written next to each bar. The SVG is an image with a
 * title and a description (role="img"); the caller puts the table with the same numbers next to it. Pure.
 */
import { escapeHtml } from "./page";

export interface ChartSeries {
  readonly id: string;
  readonly label: string;
  /** Fill colour, at least 4.5:1 against white. */
  readonly colour: string;
}

export interface ChartBar {
  readonly series: string;
  /** The length (seats, or an amount as a number: geometry only, the text stays exact); null when unknown. */
  readonly value: number | null;
  /** What is written next to the bar (`20`, `112.00 EUR`). */
  readonly text: string;
}

export interface ChartRow {
  /** Identifies the row (`subscription/sku`), as `data-key`. */
  readonly key: string;
  readonly label: string;
  readonly sublabel?: string;
  readonly bars: readonly ChartBar[];
  /** Text at the right end of the row (`3 idle · 16.80 EUR / month`). */
  readonly note?: string;
}

const WIDTH = 1000;
const LABEL_X = 8;
const PLOT_X = 300;
const PLOT_END = 760;
const NOTE_X = 780;
const BAR_HEIGHT = 13;
const BAR_GAP = 3;
const ROW_GAP = 14;
const TOP = 8;
const AXIS_SPACE = 24;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The axis: a round step (1, 2 or 5 times a power of ten) for about four intervals, and the maximum it reaches. */
export function getAxis(max: number): { step: number; max: number } {
  if (!(max > 0)) return { step: 1, max: 1 };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((s) => s * power).find((s) => s >= rough) as number;
  return { step, max: Math.ceil(max / step - 1e-9) * step };
}

function formatTick(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, "");
}

/** The chart's legend, as an HTML list (it is text, so it stays readable when the SVG is scaled down). */
export function renderLegend(series: readonly ChartSeries[]): string {
  return `<ul class="legend" aria-hidden="true">${series.map((s) => `<li><span class="swatch" style="background:${s.colour}"></span>${escapeHtml(s.label)}</li>`).join("")}</ul>`;
}

/** The figure: caption, legend and the SVG, with `<title>` and `<desc>` for assistive technology. */
export function renderBarChart(options: { id: string; title: string; description: string; series: readonly ChartSeries[]; rows: readonly ChartRow[]; unit?: string }): string {
  const { id, series, rows } = options;
  const colours = new Map(series.map((s) => [s.id, s.colour]));
  const values = rows.flatMap((row) => row.bars.map((bar) => bar.value ?? 0));
  const axis = getAxis(Math.max(0, ...values));
  const max = axis.max;
  const scale = (value: number): number => (Math.max(0, value) / max) * (PLOT_END - PLOT_X - 90);
  const body: string[] = [];
  let y = TOP;
  for (const row of rows) {
    const height = row.bars.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    const middle = y + height / 2;
    const parts = [`<g class="chart-row" data-key="${escapeHtml(row.key)}">`, `<title>${escapeHtml([row.label, row.sublabel].filter(Boolean).join(" — "))}</title>`];
    parts.push(`<text x="${LABEL_X}" y="${(row.sublabel ? middle - 2 : middle + 4).toFixed(1)}">${escapeHtml(truncate(row.label, 40))}</text>`);
    if (row.sublabel) parts.push(`<text class="muted" x="${LABEL_X}" y="${(middle + 12).toFixed(1)}" font-size="11">${escapeHtml(truncate(row.sublabel, 44))}</text>`);
    row.bars.forEach((bar, i) => {
      const top = y + i * (BAR_HEIGHT + BAR_GAP);
      const width = bar.value === null ? 0 : scale(bar.value);
      parts.push(
        `<rect class="bar" data-series="${escapeHtml(bar.series)}" data-value="${bar.value === null ? "" : bar.value}" x="${PLOT_X}" y="${top}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colours.get(bar.series) ?? "#1b1f24"}"></rect>`,
        `<text x="${(PLOT_X + width + 5).toFixed(1)}" y="${top + BAR_HEIGHT - 2}" font-size="11"${bar.value === null ? ' class="muted"' : ""}>${escapeHtml(bar.text)}</text>`,
      );
    });
    if (row.note) parts.push(`<text x="${NOTE_X}" y="${(middle + 4).toFixed(1)}">${escapeHtml(truncate(row.note, 34))}</text>`);
    parts.push("</g>");
    body.push(parts.join(""));
    y += height + ROW_GAP;
  }
  const plotBottom = y - ROW_GAP + 6;
  const ticks = Array.from({ length: Math.round(max / axis.step) + 1 }, (_, i) => {
    const x = PLOT_X + scale(i * axis.step);
    return `<line class="grid" x1="${x.toFixed(1)}" y1="${TOP - 4}" x2="${x.toFixed(1)}" y2="${plotBottom}"></line><text class="muted" x="${x.toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" font-size="11">${formatTick(i * axis.step)}</text>`;
  });
  const height = plotBottom + AXIS_SPACE;
  return [
    `<figure id="${escapeHtml(id)}" class="chart">`,
    `<figcaption>${escapeHtml(options.title)}</figcaption>`,
    renderLegend(series),
    `<svg role="img" aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">`,
    `<title id="${escapeHtml(id)}-title">${escapeHtml(options.title)}</title>`,
    `<desc id="${escapeHtml(id)}-desc">${escapeHtml(options.description)}</desc>`,
    ...ticks,
    `<line class="axis" x1="${PLOT_X}" y1="${TOP - 4}" x2="${PLOT_X}" y2="${plotBottom}"></line>`,
    options.unit ? `<text class="muted" x="${PLOT_END - 70}" y="${plotBottom + 16}" font-size="11">${escapeHtml(options.unit)}</text>` : "",
    ...body,
    "</svg>",
    "</figure>",
  ].join("\n");
}
