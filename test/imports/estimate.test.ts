// The estimate of a whole history's size from Strava's athlete stats: scaled, rounded, and never below what is in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateTotal, MIN_SAMPLE, statsCountOf } from '../../shared/imports/estimate.js';

test("Strava's count scaled by how many activities each counted one stands for in what is already in", () => {
  // 300 imported, 200 of them public runs/rides/swims: each counted one stands for 1.5 activities.
  assert.equal(estimateTotal({ statsCount: 800, imported: 300, importedCounted: 200 }), 1200);
  // Rounded to tens from 200 up, so "about" does not read as exact; below that, to the unit.
  assert.equal(estimateTotal({ statsCount: 787, imported: 300, importedCounted: 200 }), 1180);
  assert.equal(estimateTotal({ statsCount: 120, imported: 30, importedCounted: 24 }), 150);
});

test('too few counted activities in yet: the raw count, unscaled', () => {
  assert.equal(estimateTotal({ statsCount: 500, imported: 40, importedCounted: MIN_SAMPLE - 1 }), 500);
  assert.equal(estimateTotal({ statsCount: 500, imported: 0, importedCounted: 0 }), 500);
});

test('no estimate without a count, with a zero count, or once the import has passed it', () => {
  assert.equal(estimateTotal({ statsCount: null, imported: 10, importedCounted: 5 }), undefined);
  assert.equal(estimateTotal({ statsCount: 0, imported: 10, importedCounted: 0 }), undefined);
  // All of Strava's count is in and more besides: "1,210 of about 1,180" would be wrong, so the page says "so far".
  assert.equal(estimateTotal({ statsCount: 100, imported: 130, importedCounted: 10 }), undefined);
  assert.equal(estimateTotal({ statsCount: 100, imported: 100, importedCounted: 100 }), undefined);
});

test("Strava's answer: runs, rides and swims of all time added up; anything malformed is no count", () => {
  const total = (count: unknown) => ({ count, distance: 0, moving_time: 0, elapsed_time: 0, elevation_gain: 0 });
  assert.equal(statsCountOf({ all_ride_totals: total(400), all_run_totals: total(350), all_swim_totals: total(37) }), 787);
  assert.equal(statsCountOf({ all_ride_totals: total(0), all_run_totals: total(0), all_swim_totals: total(0) }), 0);
  assert.equal(statsCountOf({ all_ride_totals: total(400), all_run_totals: total(350) }), null);
  assert.equal(statsCountOf({ all_ride_totals: total('400'), all_run_totals: total(1), all_swim_totals: total(1) }), null);
  assert.equal(statsCountOf({ all_ride_totals: total(-1), all_run_totals: total(1), all_swim_totals: total(1) }), null);
  assert.equal(statsCountOf({}), null);
});
