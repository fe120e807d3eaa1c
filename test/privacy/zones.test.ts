// Privacy zones with known answers: distances, inside or not, and runs of a track that never bridge a zone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceM, insideAnyZone, visibleRuns, type PrivacyZone } from '../../shared/privacy/zones.js';

const home: PrivacyZone = { id: 1, lat: 52.5, lng: 13.4, radiusM: 200 };

test('privacy zones: distance, inside, and runs that never bridge a zone', () => {
  // 0.001° of latitude is about 111 m.
  assert.ok(Math.abs(distanceM([52.5, 13.4], [52.501, 13.4]) - 111.2) < 0.5);
  assert.equal(insideAnyZone([52.5015, 13.4], [home]), true);
  assert.equal(insideAnyZone([52.503, 13.4], [home]), false);
  const track: [number, number][] = [
    [52.51, 13.4],
    [52.505, 13.4],
    [52.5001, 13.4],
    [52.4999, 13.4],
    [52.495, 13.4],
    [52.49, 13.4],
  ];
  assert.deepEqual(visibleRuns(track, [home]), [
    [0, 1],
    [4, 5],
  ]);
  assert.deepEqual(visibleRuns(track, []), [[0, 1, 2, 3, 4, 5]]);
  assert.deepEqual(visibleRuns([[52.5, 13.4]], [home]), []);
});
