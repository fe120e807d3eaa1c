// Chart geometry for server-side SVG: stacked weekly bars, horizontal bars and line charts, labels supplied by the caller.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  fill: string;
  title: string;
}

export interface Tick {
  at: number;
  label: string;
}

export interface BarChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  bars: Rect[];
  yTicks: Tick[];
  xTicks: Tick[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

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
  /** Shown under every `labelEvery`-th column; the rest stay unlabeled. */
  showLabel: boolean;
  parts: { value: number; fill: string; title: string }[];
}

export function stackedBars(columns: readonly StackedColumn[], options: { width: number; height: number; formatTick: (v: number) => string }): BarChart {
  const plot = { left: 44, top: 8, right: options.width - 8, bottom: options.height - 22 };
  const totals = columns.map((c) => c.parts.reduce((s, p) => s + p.value, 0));
  const step = niceStep(Math.max(0, ...totals));
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const slot = (plot.right - plot.left) / Math.max(1, columns.length);
  const barWidth = Math.max(1, slot * 0.8);
  const ky = (plot.bottom - plot.top) / top;
  const bars: Rect[] = [];
  const xTicks: Tick[] = [];
  columns.forEach((column, i) => {
    const x = plot.left + i * slot + (slot - barWidth) / 2;
    let y = plot.bottom;
    for (const part of column.parts) {
      if (part.value <= 0) continue;
      const h = part.value * ky;
      y -= h;
      bars.push({ x: r1(x), y: r1(y), w: r1(barWidth), h: r1(h), fill: part.fill, title: part.title });
    }
    if (column.showLabel) xTicks.push({ at: r1(x + barWidth / 2), label: column.label });
  });
  const yTicks: Tick[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) yTicks.push({ at: r1(plot.bottom - v * ky), label: options.formatTick(v) });
  return { width: options.width, height: options.height, plot, bars, yTicks, xTicks };
}

export interface HBar {
  label: string;
  valueLabel: string;
  y: number;
  w: number;
  fill: string;
}

export function horizontalBars(
  rows: readonly { label: string; value: number; valueLabel: string; fill: string }[],
  options: { width: number; rowHeight: number; labelWidth: number },
): { width: number; height: number; barMax: number; rows: HBar[] } {
  const barMax = options.width - options.labelWidth - 90;
  const max = Math.max(0, ...rows.map((r) => r.value));
  return {
    width: options.width,
    height: rows.length * options.rowHeight + 4,
    barMax,
    rows: rows.map((row, i) => ({
      label: row.label,
      valueLabel: row.valueLabel,
      y: i * options.rowHeight + 2,
      w: max > 0 ? Math.max(1, r1((row.value / max) * barMax)) : 0,
      fill: row.fill,
    })),
  };
}

export interface LineChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  line: string;
  area: string;
  yTicks: Tick[];
  xTicks: Tick[];
}

/**
 * A line of y against x (distance or time), reduced to at most `maxPoints` by averaging buckets, so a
 * 12,000-sample stream becomes a few kilobytes of SVG. Null values (no reading) are skipped.
 */
export function lineChart(
  xs: readonly number[],
  ys: readonly (number | null)[],
  options: { width: number; height: number; maxPoints?: number; formatX: (v: number) => string; formatY: (v: number) => string; invert?: boolean },
): LineChart | undefined {
  const plot = { left: 48, top: 8, right: options.width - 10, bottom: options.height - 22 };
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
  const stepY = niceStep(maxY - minY, 3);
  minY = Math.floor(minY / stepY) * stepY;
  maxY = Math.ceil(maxY / stepY) * stepY;
  const kx = (plot.right - plot.left) / Math.max(1e-9, maxX - minX);
  const ky = (plot.bottom - plot.top) / (maxY - minY);
  const px = (x: number) => r1(plot.left + (x - minX) * kx);
  // Pace charts read better upside down: faster (smaller) at the top.
  const py = (y: number) => r1(options.invert ? plot.top + (y - minY) * ky : plot.bottom - (y - minY) * ky);
  const line = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${py(y)}`).join('');
  const area = options.invert ? '' : `${line}L${px(maxX)} ${plot.bottom}L${px(minX)} ${plot.bottom}Z`;
  const yTicks: Tick[] = [];
  for (let v = minY; v <= maxY + 1e-9; v += stepY) yTicks.push({ at: py(v), label: options.formatY(v) });
  const stepX = niceStep(maxX - minX, 5);
  const xTicks: Tick[] = [];
  for (let v = Math.ceil(minX / stepX) * stepX; v <= maxX + 1e-9; v += stepX) xTicks.push({ at: px(v), label: options.formatX(v) });
  return { width: options.width, height: options.height, plot, line, area, yTicks, xTicks };
}
