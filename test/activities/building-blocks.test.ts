// The activities' pure building blocks with known answers: polylines, splits, streams, and GPX/CSV cut by privacy zones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActivityDetail } from '../../shared/activities/detail.js';
import { toCsv, toGpx } from '../../shared/activities/export.js';
import { decodePolyline } from '../../shared/activities/polyline.js';
import { routePath } from '../../shared/activities/route-svg.js';
import { computeSplits } from '../../shared/activities/splits.js';
import { normalizeStreams } from '../../shared/activities/streams.js';
import type { PrivacyZone } from '../../shared/privacy/zones.js';

const home: PrivacyZone = { id: 1, lat: 52.5, lng: 13.4, radiusM: 200 };

test('polyline decoding: Google\u2019s documented example, and a truncated line keeps what decoded', () => {
  assert.deepEqual(decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@'), [
    [38.5, -120.2],
    [40.7, -120.95],
    [43.252, -126.453],
  ]);
  assert.deepEqual(decodePolyline('_p~iF~ps|U_ulL'), [[38.5, -120.2]]);
  assert.equal(routePath([[[38.5, -120.2]]], 64, 48).d, '', 'a single point draws nothing');
  assert.match(routePath([decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@')], 64, 48).d, /^M\d+ \d+L\d+ \d+L\d+ \d+$/);
});

test('splits: per kilometre with the last one shorter; moving time skips stops', () => {
  // 2.5 km at 5 m/s for 500 s, one sample per 10 s, with a 60 s stop at 1.2 km (samples not moving).
  const time: number[] = [];
  const distance: number[] = [];
  const moving: boolean[] = [];
  let t = 0;
  for (let d = 0; d <= 2500; d += 50) {
    time.push(t);
    distance.push(d);
    moving.push(t > 0);
    if (d === 1200) {
      for (let k = 1; k <= 6; k++) {
        time.push(t + 10 * k);
        distance.push(d);
        moving.push(false);
      }
      t += 60;
    }
    t += 10;
  }
  const splits = computeSplits({ time, distance, moving }, 1000);
  assert.equal(splits.length, 3);
  assert.deepEqual(
    splits.map((s) => Math.round(s.distance)),
    [1000, 1000, 500],
  );
  assert.deepEqual(
    splits.map((s) => Math.round(s.movingTime)),
    [200, 200, 100],
  );
  assert.equal(Math.round(splits[1]!.elapsedTime), 260, 'the stop is in the second split\u2019s elapsed time only');
  assert.deepEqual(computeSplits({ time: [0], distance: [0] }, 1000), []);
});

test('streams are normalised from either of Strava\u2019s shapes, unknown keys dropped', () => {
  assert.deepEqual(normalizeStreams({ time: { data: [0, 1] }, latlng: { data: [[1, 2]] }, bogus: { data: [1] } }), { time: [0, 1], latlng: [[1, 2]] });
  assert.deepEqual(normalizeStreams([{ type: 'heartrate', data: [120] }] as never), { heartrate: [120] });
  assert.deepEqual(normalizeStreams(null), {});
});

test('GPX and CSV leave out points in zones and split the track there; names are escaped', () => {
  const activity = {
    id: 7,
    name: 'Run <&> "home"',
    sportType: 'Run',
    startDate: new Date('2025-05-01T06:00:00Z'),
    startDateLocal: '2025-05-01T08:00:00',
  } as ActivityDetail;
  const streams = {
    time: [0, 10, 20, 30, 40],
    latlng: [
      [52.51, 13.4],
      [52.5, 13.4],
      [52.49, 13.4],
      [52.5001, 13.4],
      [52.52, 13.4],
    ] as [number, number][],
    altitude: [40, 41, 42, 43, 44],
    heartrate: [100, 110, 120, 130, 140],
  };
  const gpx = toGpx(activity, streams, [home]);
  assert.equal((gpx.match(/<trkseg>/g) ?? []).length, 3, 'cut at each pass through the zone');
  assert.equal((gpx.match(/<trkpt /g) ?? []).length, 3);
  assert.doesNotMatch(gpx, /lat="52\.500/);
  assert.match(gpx, /<name>Run &lt;&amp;&gt; &quot;home&quot;<\/name>/);
  assert.match(gpx, /<time>2025-05-01T06:00:20Z<\/time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120<\/gpxtpx:hr>/);
  const csv = toCsv(activity, streams, [home]).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.equal(csv[2], '20,2025-05-01T06:00:20Z,52.490000,13.400000,,42,,120,,');
});
