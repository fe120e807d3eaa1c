// Splits per kilometre or mile from the distance and time streams, with moving time and elevation change.
import type { Streams } from './streams.js';

export interface Split {
  index: number;
  /** Metres in this split (the last one is usually shorter). */
  distance: number;
  elapsedTime: number;
  movingTime: number;
  elevationChange: number | null;
}

/** Linear interpolation of a series at a fractional index. */
function at(series: readonly number[], position: number): number {
  const i = Math.floor(position);
  const t = position - i;
  const a = series[i] ?? series[series.length - 1] ?? 0;
  const b = series[i + 1] ?? a;
  return a + (b - a) * t;
}

export function computeSplits(streams: Streams, unitMeters: number): Split[] {
  const distance = streams.distance;
  const time = streams.time;
  if (!distance || !time || distance.length < 2 || time.length !== distance.length) return [];
  const total = distance[distance.length - 1]!;
  if (!(total > 0)) return [];
  const moving = streams.moving;
  const altitude = streams.altitude?.length === distance.length ? streams.altitude : undefined;

  // Fractional sample positions where each split boundary is crossed.
  const boundaries: number[] = [0];
  let next = unitMeters;
  for (let i = 1; i < distance.length && next < total; i++) {
    while (next < total && distance[i]! >= next) {
      const d0 = distance[i - 1]!;
      const d1 = distance[i]!;
      boundaries.push(i - 1 + (d1 > d0 ? (next - d0) / (d1 - d0) : 0));
      next += unitMeters;
    }
  }
  boundaries.push(distance.length - 1);
  // The final stub under 1 % of a unit is GPS noise, not a split of its own.
  if (boundaries.length > 2 && total - at(distance, boundaries[boundaries.length - 2]!) < unitMeters * 0.01) boundaries.splice(boundaries.length - 2, 1);

  // Moving time accrues over each sample interval the device marked as moving.
  const movingCumulative: number[] = [0];
  for (let i = 1; i < time.length; i++) {
    const dt = time[i]! - time[i - 1]!;
    movingCumulative.push(movingCumulative[i - 1]! + (moving ? (moving[i] ? dt : 0) : dt));
  }

  const splits: Split[] = [];
  for (let k = 1; k < boundaries.length; k++) {
    const a = boundaries[k - 1]!;
    const b = boundaries[k]!;
    splits.push({
      index: k,
      distance: at(distance, b) - at(distance, a),
      elapsedTime: at(time, b) - at(time, a),
      movingTime: at(movingCumulative, b) - at(movingCumulative, a),
      elevationChange: altitude ? at(altitude, b) - at(altitude, a) : null,
    });
  }
  return splits;
}
