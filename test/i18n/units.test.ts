// Units of measure: the athlete's system, durations and sport labels shared by every language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, sportLabel, unitsFor } from '../../shared/units.js';

test('the system follows Strava preference', () => {
  assert.equal(unitsFor('feet'), 'imperial');
  assert.equal(unitsFor('meters'), 'metric');
  assert.equal(unitsFor(undefined), 'metric');
});

test('durations', () => {
  assert.equal(formatDuration(59), '0:59');
  assert.equal(formatDuration(42 * 60 + 7), '42:07');
  assert.equal(formatDuration(3600 + 5 * 60 + 9), '1:05:09');
  assert.equal(formatDuration(-5), '0:00');
});

test('sport labels', () => {
  assert.equal(sportLabel('TrailRun'), 'Trail Run');
  assert.equal(sportLabel('EBikeRide'), 'E-Bike Ride');
  assert.equal(sportLabel('Run'), 'Run');
});
