// Pure building blocks with known answers: privacy zones, polylines, splits, GPX/CSV, chart scales, languages and units.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv, toGpx } from '../../shared/activities/export.js';
import type { ActivityDetail } from '../../shared/activities/detail.js';
import { decodePolyline } from '../../shared/activities/polyline.js';
import { routePath } from '../../shared/activities/route-svg.js';
import { computeSplits } from '../../shared/activities/splits.js';
import { normalizeStreams } from '../../shared/activities/streams.js';
import { createFormatter } from '../../shared/i18n/format.js';
import { chooseLocale, fromAcceptLanguage } from '../../shared/i18n/index.js';
import { distanceM, insideAnyZone, visibleRuns, type PrivacyZone } from '../../shared/privacy/zones.js';
import { niceStep } from '../../shared/stats/chart.js';

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

test('chart steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(9, 4), 5);
  assert.equal(niceStep(17, 4), 5);
  assert.equal(niceStep(0.7, 3), 0.5);
  assert.equal(niceStep(1200, 4), 500);
  assert.equal(niceStep(0), 1);
});

test('language from Accept-Language by q-value, an explicit choice wins', () => {
  assert.equal(fromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8'), 'ru');
  assert.equal(fromAcceptLanguage('de-DE,en;q=0.5,ru;q=0.9'), 'ru');
  assert.equal(fromAcceptLanguage('de-DE'), 'en');
  assert.equal(fromAcceptLanguage('ru;q=0, en'), 'en');
  assert.equal(fromAcceptLanguage(undefined), 'en');
  assert.equal(chooseLocale('en', 'ru'), 'en');
  assert.equal(chooseLocale('xx', 'ru'), 'ru');
});

test('formatting in English and Russian, metric and imperial', () => {
  const en = createFormatter('en', 'metric');
  assert.equal(en.distance(10_000), '10.0 km');
  assert.equal(en.distance(1_234_567), '1,234.6 km');
  assert.equal(en.elevation(100), '100 m');
  assert.equal(en.duration(59), '0:59');
  assert.equal(en.duration(42 * 60 + 7), '42:07');
  assert.equal(en.duration(3909), '1:05:09');
  assert.equal(en.hours(123 * 3600 + 240), '123h 04m');
  assert.equal(en.paceOrSpeed('Run', 10_000, 50 * 60), '5:00 /km');
  assert.equal(en.paceOrSpeed('Swim', 1_000, 20 * 60), '2:00 /100 m');
  // Swims: pace per 100 m (100 yd in imperial) in charts and splits too.
  assert.equal(en.usesPace('Swim'), true);
  assert.equal(en.paceValue(1, 'Swim'), 100);
  assert.equal(en.paceUnit('Swim'), '/100 m');
  assert.equal(en.splitMeters('Swim'), 100);
  assert.equal(en.splitDistance(100, 'Swim'), '100 m');
  assert.equal(createFormatter('en', 'imperial').splitDistance(91.44, 'Swim'), '100 yd');
  assert.equal(createFormatter('en', 'imperial').paceOrSpeed('Swim', 91.44 * 10, 20 * 60), '2:00 /100 yd');
  assert.equal(createFormatter('ru', 'metric').meters(500), '500 м');
  assert.equal(en.paceOrSpeed('Ride', 30_000, 3600), '30.0 km/h');
  assert.equal(en.paceOrSpeed('WeightTraining', 0, 3600), '—');
  assert.equal(en.sport('TrailRun'), 'Trail Run');
  assert.equal(en.sport('EBikeRide'), 'E-Bike Ride');
  const imperial = createFormatter('en', 'imperial');
  assert.equal(imperial.distance(1_609.344 * 26.2), '26.2 mi');
  assert.equal(imperial.elevation(100), '328 ft');
  assert.equal(imperial.paceOrSpeed('Run', 1_609.344, 8 * 60), '8:00 /mi');
  assert.equal(imperial.paceOrSpeed('Ride', 1_609.344 * 20, 3600), '20.0 mph');
  const ru = createFormatter('ru', 'metric');
  assert.equal(ru.distance(12_345.6), '12,3 км');
  assert.equal(ru.paceOrSpeed('Run', 10_000, 3000), '5:00 /км');
  assert.equal(ru.sport('Ride'), 'Велосипед');
  assert.equal(createFormatter('en', 'imperial').distance(1609.344), '1.0 mi');
});
