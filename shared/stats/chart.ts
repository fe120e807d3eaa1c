// Chart geometry for server-side SVG: stacked weekly bars, horizontal bars and line charts, labels supplied by the caller.

// Charts are drawn with x in per cent of the width and y in pixels: the SVG stretches to any width while its text
// keeps its real size (12px), so axis labels stay readable on a phone and on a desktop alike.

export interface Rect {
  /** Per cent of the width. */
  x: number;
  w: number;
  /** Pixels. */
  y: number;
  h: number;
  fill: string;
  title: string;
}

export interface Tick {
  /** Pixels down for y ticks; per cent across for x ticks. */
  at: number;
  label: string;
  /** Labels at the edges are anchored inwards so none is cut off. */
  anchor: 'start' | 'middle' | 'end';
}

export interface BarChart {
  height: number;
  plot: { top: number; bottom: number };
  bars: Rect[];
  yTicks: Tick[];
  xTicks: Tick[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const r2 = (v: number) => Math.round(v * 100) / 100;

export function anchorAt(percent: number): Tick['anchor'] {
  return percent < 6 ? 'start' : percent > 94 ? 'end' : 'middle';
}

/** 1, 2 or 5 times a power of ten: axis steps people read at a glance. */
export function niceStep(max: number, targetTicks = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / targetTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export interface StackedColumn {
  label: string;
  /** Shown under some columns; the rest stay unlabeled. */
  showLabel: boolean;
  parts: { value: number; fill: string; title: string }[];
}

/** Y labels sit above their grid lines at the left edge, so the bars use the whole width. */
export function stackedBars(columns: readonly StackedColumn[], options: { height: number; formatTick: (v: number) => string }): BarChart {
  const plot = { top: 18, bottom: options.height - 22 };
  const totals = columns.map((c) => c.parts.reduce((s, p) => s + p.value, 0));
  const step = niceStep(Math.max(0, ...totals));
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const slot = 100 / Math.max(1, columns.length);
  const barWidth = slot * 0.78;
  const ky = (plot.bottom - plot.top) / top;
  const bars: Rect[] = [];
  const xTicks: Tick[] = [];
  columns.forEach((column, i) => {
    const x = i * slot + (slot - barWidth) / 2;
    let y = plot.bottom;
    for (const part of column.parts) {
      if (part.value <= 0) continue;
      const h = part.value * ky;
      y -= h;
      bars.push({ x: r2(x), y: r1(y), w: r2(barWidth), h: r1(h), fill: part.fill, title: part.title });
    }
    if (column.showLabel) {
      const at = i === 0 ? 0 : i === columns.length - 1 ? 100 : r2(x + barWidth / 2);
      xTicks.push({ at, label: column.label, anchor: anchorAt(at) });
    }
  });
  const yTicks: Tick[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) yTicks.push({ at: r1(plot.bottom - v * ky), label: options.formatTick(v), anchor: 'start' });
  return { height: options.height, plot, bars, yTicks, xTicks };
}

export interface HBar {
  label: string;
  valueLabel: string;
  /** The row's top, pixels. */
  y: number;
  /** Per cent of the width. */
  w: number;
  fill: string;
}

/** One row per item: its label and value on a line of text, the bar below, so long labels never run into bars. */
export function horizontalBars(
  rows: readonly { label: string; value: number; valueLabel: string; fill: string }[],
  options: { rowHeight: number },
): { height: number; rows: HBar[] } {
  const max = Math.max(0, ...rows.map((r) => r.value));
  return {
    height: rows.length * options.rowHeight,
    rows: rows.map((row, i) => ({
      label: row.label,
      valueLabel: row.valueLabel,
      y: i * options.rowHeight,
      w: max > 0 ? Math.max(0.5, r2((row.value / max) * 100)) : 0,
      fill: row.fill,
    })),
  };
}

export interface LineChart {
  height: number;
  plot: { top: number; bottom: number };
  /** Path in a 0–1000 wide box (x) by pixels (y); drawn in an inner SVG that stretches only across. */
  line: string;
  area: string;
  yTicks: Tick[];
  xTicks: Tick[];
}

export const LINE_BOX_WIDTH = 1000;

/**
 * A line of y against x (distance or time), reduced to at most `maxPoints` by averaging buckets, so a
 * 12,000-sample stream becomes a few kilobytes of SVG. Null values (no reading) are skipped.
 */
export function lineChart(
  xs: readonly number[],
  ys: readonly (number | null)[],
  options: {
    height: number;
    maxPoints?: number;
    formatX: (v: number) => string;
    formatY: (v: number) => string;
    invert?: boolean;
    yStep?: (range: number) => number;
  },
): LineChart | undefined {
  const plot = { top: 18, bottom: options.height - 22 };
  const n = Math.min(xs.length, ys.length);
  const maxPoints = options.maxPoints ?? 300;
  const bucket = Math.max(1, Math.ceil(n / maxPoints));
  const points: [number, number][] = [];
  for (let start = 0; start < n; start += bucket) {
    let sx = 0;
    let sy = 0;
    let count = 0;
    for (let i = start; i < Math.min(n, start + bucket); i++) {
      const y = ys[i];
      if (y === null || y === undefined || !Number.isFinite(y)) continue;
      sx += xs[i]!;
      sy += y;
      count++;
    }
    if (count > 0) points.push([sx / count, sy / count]);
  }
  if (points.length < 2) return undefined;
  const minX = points[0]![0];
  const maxX = points[points.length - 1]![0];
  let minY = Math.min(...points.map((p) => p[1]));
  let maxY = Math.max(...points.map((p) => p[1]));
  if (maxY - minY < 1e-9) {
    minY -= 1;
    maxY += 1;
  }
  const stepY = options.yStep?.(maxY - minY) ?? niceStep(maxY - minY, 3);
  minY = Math.floor(minY / stepY) * stepY;
  maxY = Math.ceil(maxY / stepY) * stepY;
  const spanX = Math.max(1e-9, maxX - minX);
  const ky = (plot.bottom - plot.top) / (maxY - minY);
  const box = (x: number) => r1(((x - minX) / spanX) * LINE_BOX_WIDTH);
  const percent = (x: number) => r2(((x - minX) / spanX) * 100);
  // Pace charts read better upside down: faster (smaller) at the top.
  const py = (y: number) => r1(options.invert ? plot.top + (y - minY) * ky : plot.bottom - (y - minY) * ky);
  const line = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${box(x)} ${py(y)}`).join('');
  const area = options.invert ? '' : `${line}L${box(maxX)} ${plot.bottom}L${box(minX)} ${plot.bottom}Z`;
  const yTicks: Tick[] = [];
  for (let v = minY; v <= maxY + 1e-9; v += stepY) yTicks.push({ at: py(v), label: options.formatY(v), anchor: 'start' });
  const stepX = niceStep(maxX - minX, 4);
  const xTicks: Tick[] = [];
  for (let v = Math.ceil(minX / stepX) * stepX; v <= maxX + 1e-9; v += stepX) {
    const at = percent(v);
    xTicks.push({ at, label: options.formatX(v), anchor: anchorAt(at) });
  }
  return { height: options.height, plot, line, area, yTicks, xTicks };
}
