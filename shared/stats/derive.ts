// Figures derived from the SQL aggregates: weekly averages and the year-end forecast, as pure arithmetic.
import type { LocalNow } from './calendar.js';
import type { SportTotals } from './totals.js';

export interface Figures {
  distance: number;
  movingTime: number;
  elevationGain: number;
}

export interface YearRate extends Figures {
  sportType: string;
  count: number;
  weekly: Figures;
  forecast: Figures;
}

/**
 * Weeks elapsed this year, today included, never less than one: an average over the first days of
 * January would otherwise multiply a single ride into a huge "weekly" figure.
 */
export function weeksSoFar(dayOfYear: number): number {
  return Math.max(1, dayOfYear / 7);
}

/** Keeps the pace so far: the total after `dayOfYear` days scaled to all `daysInYear` days. */
export function forecast(soFar: number, dayOfYear: number, daysInYear: number): number {
  if (dayOfYear <= 0) return soFar;
  return (soFar * daysInYear) / Math.min(dayOfYear, daysInYear);
}

function scale(figures: Figures, by: (value: number) => number): Figures {
  return { distance: by(figures.distance), movingTime: by(figures.movingTime), elevationGain: by(figures.elevationGain) };
}

/** Per sport for the current year: totals, weekly average and forecast; a row for all sports comes first. */
export function yearRates(yearTotals: readonly SportTotals[], now: Pick<LocalNow, 'dayOfYear' | 'daysInYear'>): YearRate[] {
  const all: SportTotals = {
    sportType: '',
    count: yearTotals.reduce((sum, row) => sum + row.count, 0),
    distance: yearTotals.reduce((sum, row) => sum + row.distance, 0),
    movingTime: yearTotals.reduce((sum, row) => sum + row.movingTime, 0),
    elevationGain: yearTotals.reduce((sum, row) => sum + row.elevationGain, 0),
  };
  const weeks = weeksSoFar(now.dayOfYear);
  return [all, ...yearTotals].map((row) => {
    const figures = { distance: row.distance, movingTime: row.movingTime, elevationGain: row.elevationGain };
    return {
      sportType: row.sportType,
      count: row.count,
      ...figures,
      weekly: scale(figures, (v) => v / weeks),
      forecast: scale(figures, (v) => forecast(v, now.dayOfYear, now.daysInYear)),
    };
  });
}
