// Chart geometry for the training views: cumulative year lines, the calendar heat grid and the bests-over-years lines.
import { addDays } from './calendar.js';
import { anchorAt, LINE_BOX_WIDTH, niceStep, type Tick } from './chart.js';
import type { CalendarDay, YearLine } from './training.js';

// As in chart.ts: x in per cent of the width (lines in a 0–1000 box that stretches only across), y in pixels, so the
// charts fill any width while their text keeps its real size on a phone and on a desktop alike.

const r1 = (v: number) => Math.round(v * 10) / 10;
const r2 = (v: number) => Math.round(v * 100) / 100;

export interface PolyLine {
  label: string;
  /** Path in the 0–1000 box (x) by pixels (y). */
  d: string;
  stroke: string;
  width: number;
  title: string;
}

export interface LinesChart {
  height: number;
  plot: { top: number; bottom: number };
  lines: PolyLine[];
  /** Pixels down. */
  yTicks: Tick[];
  /** Per cent across. */
  xTicks: Tick[];
}

/** Earlier years fade from dark to light grey; this year is the site's orange, drawn last so it sits on top. */
const EARLIER = ['#4d4d57', '#6d6d78', '#8a8a94', '#a6a6ae', '#c2c2c8'];

/** Grid lines and their labels from 0 (or `from`) to `top` in steps of `step`, at pixel heights. */
function yTicksOf(from: number, top: number, step: number, py: (v: number) => number, format: (v: number) => string): Tick[] {
  const ticks: Tick[] = [];
  for (let v = from; v <= top + 1e-9; v += step) ticks.push({ at: py(v), label: format(v), anchor: 'start' });
  return ticks;
}

/**
 * One line per year of the running total against day of the year. Lines are reduced to one point per week (and the
 * last day), which is all a chart as wide as a page can show and keeps the page small.
 */
export function yearLinesChart(
  lines: readonly YearLine[],
  options: {
    height: number;
    currentYear: number;
    scale: (v: number) => number;
    formatTick: (v: number) => string;
    /** Day of the year (1 = 1 January) and its label. */
    monthTicks: readonly { day: number; label: string }[];
    title: (year: number, total: number) => string;
  },
): LinesChart {
  const plot = { top: 18, bottom: options.height - 22 };
  const max = Math.max(0, ...lines.map((l) => options.scale(l.cumulative.at(-1) ?? 0)));
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ky = (plot.bottom - plot.top) / top;
  const x = (day: number) => r1(((day - 1) / 365) * LINE_BOX_WIDTH);
  const y = (v: number) => r1(plot.bottom - options.scale(v) * ky);
  const ordered = [...lines].sort((a, b) => a.year - b.year);
  const earlier = ordered.filter((l) => l.year !== options.currentYear).reverse();
  const drawn = ordered.map((line) => {
    const points: string[] = [];
    const n = line.cumulative.length;
    for (let i = 0; i < n; i += 7) points.push(`${x(i + 1)} ${y(line.cumulative[i]!)}`);
    if ((n - 1) % 7 !== 0 && n > 0) points.push(`${x(n)} ${y(line.cumulative[n - 1]!)}`);
    const current = line.year === options.currentYear;
    return {
      label: String(line.year),
      d: points.length > 0 ? `M${points.join('L')}` : '',
      stroke: current ? '#fc4c02' : EARLIER[Math.min(EARLIER.length - 1, earlier.indexOf(line))]!,
      width: current ? 2.5 : 1.5,
      title: options.title(line.year, line.cumulative.at(-1) ?? 0),
    };
  });
  // The current year last, on top of the others.
  drawn.sort((a, b) => (a.label === String(options.currentYear) ? 1 : 0) - (b.label === String(options.currentYear) ? 1 : 0));
  const xTicks = options.monthTicks.map((t) => {
    const at = r2(((t.day - 1) / 365) * 100);
    return { at, label: t.label, anchor: anchorAt(at) };
  });
  return { height: options.height, plot, lines: drawn, yTicks: yTicksOf(0, top, step, (v) => r1(plot.bottom - v * ky), options.formatTick), xTicks };
}

export interface HeatCell {
  date: string;
  level: 0 | 1 | 2 | 3 | 4;
  count: number;
  movingTime: number;
  inStreak: boolean;
  future: boolean;
}

export interface HeatWeek {
  /** The first day of a month that starts in this week (its label goes above the column), or null. */
  month: string | null;
  /** Monday to Sunday. */
  days: HeatCell[];
}

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
export function heatGrid(days: readonly CalendarDay[], from: string, weeks: number, today: string): { weeks: HeatWeek[]; streak: number } {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const streak = new Set<string>();
  let day = byDate.has(today) ? today : addDays(today, -1);
  while (byDate.has(day) && day >= from) {
    streak.add(day);
    day = addDays(day, -1);
  }
  const out: HeatWeek[] = [];
  for (let w = 0; w < weeks; w++) {
    const monday = addDays(from, w * 7);
    const cells: HeatCell[] = [];
    let month: string | null = null;
    for (let d = 0; d < 7; d++) {
      const date = addDays(monday, d);
      const entry = byDate.get(date);
      cells.push({
        date,
        level: heatLevel(entry?.movingTime ?? 0, entry?.count ?? 0),
        count: entry?.count ?? 0,
        movingTime: entry?.movingTime ?? 0,
        inStreak: streak.has(date),
        future: date > today,
      });
      // A month is labelled over the week its first day falls in; the first column only when it starts there.
      if (date.endsWith('-01') && month === null) month = date;
    }
    out.push({ month, days: cells });
  }
  return { weeks: out, streak: streak.size };
}

export interface SeriesPoint {
  x: number;
  value: number;
  title: string;
}

/** Where the first and last year sit, in per cent: the dots at the ends stay whole inside the card. */
const SERIES_EDGE = 3;

/** Lines of values (percent) against years, one per series; a year without a value breaks nothing, it is skipped. */
export function seriesChart(
  series: readonly { label: string; stroke: string; points: readonly SeriesPoint[] }[],
  options: { height: number; xs: readonly number[]; minY: number; maxY: number; formatY: (v: number) => string },
) {
  const plot = { top: 18, bottom: options.height - 22 };
  const xs = options.xs;
  const span = Math.max(1, xs.length - 1);
  const percent = (x: number) => r2(xs.length === 1 ? 50 : SERIES_EDGE + (xs.indexOf(x) / span) * (100 - 2 * SERIES_EDGE));
  const py = (v: number) => r1(plot.bottom - ((v - options.minY) / (options.maxY - options.minY)) * (plot.bottom - plot.top));
  const lines = series.map((s) => ({
    label: s.label,
    stroke: s.stroke,
    d: s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1((percent(p.x) * LINE_BOX_WIDTH) / 100)} ${py(p.value)}`).join(''),
    dots: s.points.map((p) => ({ x: percent(p.x), y: py(p.value), title: p.title })),
  }));
  const step = niceStep(options.maxY - options.minY, 3);
  const yTicks = yTicksOf(Math.ceil(options.minY / step) * step, options.maxY, step, py, options.formatY);
  // Every year has its dots; on a long history only every n-th is named (always the last), so names never collide.
  const every = Math.ceil(xs.length / 6);
  const xTicks = xs.filter((_, i) => (xs.length - 1 - i) % every === 0).map((x) => ({ at: percent(x), label: String(x), anchor: anchorAt(percent(x)) }));
  return { height: options.height, plot, lines, yTicks, xTicks };
}
