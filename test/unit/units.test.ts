// Units and formatting: metric and imperial, pace for runs and swims, speed for rides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDistance, formatDuration, formatElevation, formatHours, formatPaceOrSpeed, sportLabel, unitsFor } from '../../shared/units.js';

test('distance and elevation in both systems', () => {
  assert.equal(formatDistance(10_000, 'metric'), '10.0 km');
  assert.equal(formatDistance(1_609.344 * 26.2, 'imperial'), '26.2 mi');
  assert.equal(formatDistance(1_234_567, 'metric'), '1,234.6 km');
  assert.equal(formatElevation(100, 'metric'), '100 m');
  assert.equal(formatElevation(100, 'imperial'), '328 ft');
});

test('durations', () => {
  assert.equal(formatDuration(59), '0:59');
  assert.equal(formatDuration(42 * 60 + 7), '42:07');
  assert.equal(formatDuration(3600 + 5 * 60 + 9), '1:05:09');
  assert.equal(formatHours(123 * 3600 + 4 * 60), '123h 04m');
});

test('pace for runs, per 100 m for swims, speed for rides, a dash for zero distance', () => {
  assert.equal(formatPaceOrSpeed('Run', 10_000, 50 * 60, 'metric'), '5:00 /km');
  assert.equal(formatPaceOrSpeed('Run', 1_609.344, 8 * 60, 'imperial'), '8:00 /mi');
  assert.equal(formatPaceOrSpeed('Swim', 1_000, 20 * 60, 'metric'), '2:00 /100m');
  assert.equal(formatPaceOrSpeed('Ride', 30_000, 3600, 'metric'), '30.0 km/h');
  assert.equal(formatPaceOrSpeed('Ride', 1_609.344 * 20, 3600, 'imperial'), '20.0 mph');
  assert.equal(formatPaceOrSpeed('WeightTraining', 0, 3600, 'metric'), '—');
});

test('preferences and labels', () => {
  assert.equal(unitsFor('feet'), 'imperial');
  assert.equal(unitsFor('meters'), 'metric');
  assert.equal(unitsFor(undefined), 'metric');
  assert.equal(sportLabel('TrailRun'), 'Trail Run');
  assert.equal(sportLabel('EBikeRide'), 'E-Bike Ride');
});
