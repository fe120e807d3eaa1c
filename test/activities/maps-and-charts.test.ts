// The heatmap's routes keep nothing inside a privacy zone; chart labels at the edges are anchored inwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heatmapRoutes } from '../../shared/activities/heatmap.js';
import { decodePolyline, encodePolyline } from '../../shared/activities/polyline.js';
import type { Queryable } from '../../shared/db/types.js';
import { distanceM, type LatLng } from '../../shared/privacy/zones.js';
import { horizontalBars, lineChart, stackedBars } from '../../shared/stats/chart.js';

const line: LatLng[] = Array.from({ length: 200 }, (_, i) => [52.5 + i * 0.0002, 13.4 + i * 0.0001] as LatLng);

test('polylines round-trip through encoding at Strava\u2019s precision', () => {
  const back = decodePolyline(encodePolyline(line));
  assert.equal(back.length, line.length);
  for (let i = 0; i < line.length; i++) assert.ok(distanceM(back[i]!, line[i]!) < 1);
});

test('heatmap: one query, every route cut by the privacy zones, none of it inside one', async () => {
  const queries: string[] = [];
  const db = {
    query: async (sql: string) => {
      queries.push(sql);
      return { rows: [{ polyline: encodePolyline(line) }, { polyline: encodePolyline(line.map(([a, b]) => [a + 1, b] as LatLng)) }] };
    },
  } as unknown as Queryable;
  const home = line[100]!;
  const zone = { id: 1, lat: home[0], lng: home[1], radiusM: 300 };
  const { activities, routes } = await heatmapRoutes(db, 1, [zone]);
  assert.equal(queries.length, 1);
  assert.equal(activities, 2);
  assert.equal(routes.length, 3, 'the zone splits the first route in two; the second is far away');
  for (const route of routes) for (const point of decodePolyline(route)) assert.ok(distanceM(point, home) > 300);
});

test('charts: x labels at the edges are anchored inwards (no "30 No"), y labels sit inside the plot', () => {
  const columns = Array.from({ length: 52 }, (_, i) => ({
    label: `w${i}`,
    showLabel: i % 13 === 0 || i === 51,
    parts: [{ value: i % 5, fill: '#000', title: '' }],
  }));
  const bars = stackedBars(columns, { height: 200, formatTick: (v) => `${v} h` });
  assert.deepEqual(bars.xTicks.at(0), { at: 0, label: 'w0', anchor: 'start' });
  assert.deepEqual(bars.xTicks.at(-1), { at: 100, label: 'w51', anchor: 'end' });
  assert.ok(bars.bars.every((b) => b.x >= 0 && b.x + b.w <= 100));
  const chart = lineChart([0, 1, 2, 3, 4, 5], [300, 310, 290, 305, 295, 300], { height: 180, formatX: String, formatY: String, invert: true })!;
  assert.ok(chart.yTicks.every((tick) => tick.at >= chart.plot.top && tick.at <= chart.plot.bottom));
  for (const tick of chart.xTicks) assert.equal(tick.anchor, tick.at < 6 ? 'start' : tick.at > 94 ? 'end' : 'middle');
  assert.equal(chart.xTicks.at(0)?.anchor, 'start');
  const sports = horizontalBars(
    [
      { label: 'Горные лыжи', value: 10, valueLabel: '10ч', fill: '#000' },
      { label: 'Бег', value: 5, valueLabel: '5ч', fill: '#000' },
    ],
    { rowHeight: 36 },
  );
  assert.deepEqual(
    sports.rows.map((r) => r.w),
    [100, 50],
  );
});
