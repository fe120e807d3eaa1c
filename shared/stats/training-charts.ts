// Chart geometry for the training views: cumulative year lines, the calendar heat grid and the bests-over-years lines.
import { addDays } from './calendar.js';
import { niceStep } from './chart.js';

/** A labelled position in pixels (these charts draw their own axes, unlike chart.ts's per-cent x ticks). */
export interface Tick {
  at: number;
  label: string;
}
import type { CalendarDay, YearLine } from './training.js';

const r1 = (v: number) => Math.round(v * 10) / 10;

export interface PolyLine {
  label: string;
  d: string;
  stroke: string;
  width: number;
  /** Where the line ends, for its label. */
  end: { x: number; y: number };
  title: string;
}

export interface LinesChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  lines: PolyLine[];
  yTicks: Tick[];
  xTicks: Tick[];
}

/** Earlier years fade from dark to light grey; this year is the site's orange, drawn last so it sits on top. */
const EARLIER = ['#4d4d57', '#6d6d78', '#8a8a94', '#a6a6ae', '#c2c2c8'];

/**
 * One line per year of the running total against day of the year. Lines are reduced to one point per week (and the
 * last day), which is all a 720-wide chart can show and keeps the page small.
 */
export function yearLinesChart(
  lines: readonly YearLine[],
  options: {
    width: number;
    height: number;
    currentYear: number;
    scale: (v: number) => number;
    formatTick: (v: number) => string;
    monthTicks: Tick[];
    title: (year: number, total: number) => string;
  },
): LinesChart {
  const plot = { left: 48, top: 8, right: options.width - 44, bottom: options.height - 22 };
  const max = Math.max(0, ...lines.map((l) => options.scale(l.cumulative.at(-1) ?? 0)));
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const kx = (plot.right - plot.left) / 365;
  const ky = (plot.bottom - plot.top) / top;
  const x = (day: number) => r1(plot.left + (day - 1) * kx);
  const y = (v: number) => r1(plot.bottom - options.scale(v) * ky);
  const ordered = [...lines].sort((a, b) => a.year - b.year);
  const earlier = ordered.filter((l) => l.year !== options.currentYear).reverse();
  const drawn = ordered.map((line) => {
    const points: string[] = [];
    const n = line.cumulative.length;
    for (let i = 0; i < n; i += 7) points.push(`${x(i + 1)} ${y(line.cumulative[i]!)}`);
    if ((n - 1) % 7 !== 0 && n > 0) points.push(`${x(n)} ${y(line.cumulative[n - 1]!)}`);
    const current = line.year === options.currentYear;
    const total = line.cumulative.at(-1) ?? 0;
    return {
      label: String(line.year),
      d: points.length > 0 ? `M${points.join('L')}` : '',
      stroke: current ? '#fc4c02' : EARLIER[Math.min(EARLIER.length - 1, earlier.indexOf(line))]!,
      width: current ? 2.5 : 1.5,
      end: { x: x(Math.max(1, n)), y: y(total) },
      title: options.title(line.year, total),
    };
  });
  // The current year last, on top of the others.
  drawn.sort((a, b) => (a.label === String(options.currentYear) ? 1 : 0) - (b.label === String(options.currentYear) ? 1 : 0));
  const yTicks: Tick[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) yTicks.push({ at: r1(plot.bottom - v * ky), label: options.formatTick(v) });
  return { width: options.width, height: options.height, plot, lines: drawn, yTicks, xTicks: options.monthTicks.map((t) => ({ at: x(t.at), label: t.label })) };
}

export interface HeatCell {
  date: string;
  x: number;
  y: number;
  level: 0 | 1 | 2 | 3 | 4;
  count: number;
  movingTime: number;
  inStreak: boolean;
  future: boolean;
}

export const HEAT_COLOURS = ['#ebedf0', '#ffd8c2', '#ffa470', '#fc6d25', '#c43c00'] as const;

/** The level of a day: none, under 30 minutes, under an hour, under two, two hours and more. */
export function heatLevel(movingTime: number, count: number): HeatCell['level'] {
  if (count === 0) return 0;
  if (movingTime < 1800) return 1;
  if (movingTime < 3600) return 2;
  if (movingTime < 7200) return 3;
  return 4;
}

/**
 * A column per week (Monday on top), from `from` (a Monday) for `weeks` weeks. The current streak is the run of days
 * with training ending today, or yesterday while today is still open, as the results page counts it.
 */
export function heatGrid(days: readonly CalendarDay[], from: string, weeks: number, today: string, cell = 12, gap = 2) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const streak = new Set<string>();
  let day = byDate.has(today) ? today : addDays(today, -1);
  while (byDate.has(day) && day >= from) {
    streak.add(day);
    day = addDays(day, -1);
  }
  const left = 28;
  const top = 16;
  const cells: HeatCell[] = [];
  const months: Tick[] = [];
  let lastMonth = '';
  for (let w = 0; w < weeks; w++) {
    for (let d = 0; d < 7; d++) {
      const date = addDays(from, w * 7 + d);
      const entry = byDate.get(date);
      cells.push({
        date,
        x: left + w * (cell + gap),
        y: top + d * (cell + gap),
        level: heatLevel(entry?.movingTime ?? 0, entry?.count ?? 0),
        count: entry?.count ?? 0,
        movingTime: entry?.movingTime ?? 0,
        inStreak: streak.has(date),
        future: date > today,
      });
      const month = date.slice(0, 7);
      if (d === 0 && month !== lastMonth) {
        if (lastMonth !== '' || date.slice(8) <= '07') months.push({ at: left + w * (cell + gap), label: date });
        lastMonth = month;
      }
    }
  }
  return { width: left + weeks * (cell + gap), height: top + 7 * (cell + gap), cell, cells, months, streak: streak.size };
}

export interface SeriesPoint {
  x: number;
  value: number;
  title: string;
}

/** Lines of values (percent) against years, one per series; a year without a value breaks nothing, it is skipped. */
export function seriesChart(
  series: readonly { label: string; stroke: string; points: readonly SeriesPoint[] }[],
  options: { width: number; height: number; xs: readonly number[]; minY: number; maxY: number; formatY: (v: number) => string },
) {
  const plot = { left: 44, top: 10, right: options.width - 12, bottom: options.height - 22 };
  const xs = options.xs;
  const span = Math.max(1, xs.length - 1);
  const px = (x: number) => r1(xs.length === 1 ? (plot.left + plot.right) / 2 : plot.left + (xs.indexOf(x) / span) * (plot.right - plot.left));
  const py = (v: number) => r1(plot.bottom - ((v - options.minY) / (options.maxY - options.minY)) * (plot.bottom - plot.top));
  const lines = series.map((s) => ({
    label: s.label,
    stroke: s.stroke,
    d: s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)} ${py(p.value)}`).join(''),
    dots: s.points.map((p) => ({ x: px(p.x), y: py(p.value), title: p.title })),
  }));
  const yTicks: Tick[] = [];
  const step = niceStep(options.maxY - options.minY, 3);
  for (let v = Math.ceil(options.minY / step) * step; v <= options.maxY + 1e-9; v += step) yTicks.push({ at: py(v), label: options.formatY(v) });
  return { width: options.width, height: options.height, plot, lines, yTicks, xTicks: xs.map((x) => ({ at: px(x), label: String(x) })) };
}
