// The seeded data and its JSON: swagger conformance, realism, internal consistency and determinism.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../dev/sandbox/server.js';
import { decodePolyline } from '../../shared/activities/index.js';
import { STREAM_TYPES, T0, assertKnownKeys, assertSchema, fakeClock, getJson, haversine, listAll, start } from './helpers.js';

const ALL_STREAMS = 'time,latlng,distance,altitude,velocity_smooth,heartrate,cadence,watts,temp,moving,grade_smooth';

describe('seeded data', () => {
  const clock = fakeClock(T0);
  let sb: Sandbox;
  let token: string;
  let activities: any[];

  before(async () => {
    sb = await start({ now: clock.now });
    token = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read_all', 'profile:read_all']).access_token;
    activities = await listAll(sb, token);
  });
  after(() => sb.close());

  test('GET /athlete is a DetailedAthlete with measurement preference and a sandbox-served avatar', async () => {
    const r = await getJson(`${sb.apiBaseUrl}/athlete`, token);
    assert.equal(r.status, 200);
    assertSchema('DetailedAthlete', r.body);
    assertKnownKeys('DetailedAthlete', r.body);
    assert.equal(r.body.id, sb.demoAthleteId);
    assert.equal(r.body.resource_state, 3);
    assert.equal(r.body.measurement_preference, 'meters');
    assert.equal(r.body.city, 'Berlin');
    assert.ok(r.body.firstname && r.body.lastname);
    assert.equal(r.body.bikes.length, 2);
    assert.equal(r.body.shoes.length, 3);
    assert.deepEqual(
      r.body.shoes.map((s: { retired: boolean }) => s.retired),
      [false, false, true],
      'retired shoes stay listed, marked retired',
    );
    // Gear distance is the sum of the activities that used it.
    const bike = r.body.bikes[0];
    const expected = activities.filter((a) => a.gear_id === bike.id).reduce((s, a) => s + a.distance, 0);
    assert.ok(Math.abs(bike.distance - expected) <= activities.length, `bike distance ${bike.distance} vs ${expected}`);

    assert.equal(r.body.profile, `${sb.url}/sandbox/avatar/${sb.demoAthleteId}.svg`);
    const avatar = await fetch(r.body.profile_medium);
    assert.equal(avatar.status, 200);
    assert.match(avatar.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await avatar.text(), />LH</);
  });

  test('without profile:read_all the athlete has no gear lists', async () => {
    const plain = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read']).access_token;
    const r = await getJson(`${sb.apiBaseUrl}/athlete`, plain);
    assert.equal(r.status, 200);
    assertSchema('DetailedAthlete', r.body);
    assert.equal(r.body.measurement_preference, 'meters');
    assert.equal(r.body.bikes, undefined);
  });

  test('about 250 activities over the year ending now, newest first, varied sports', () => {
    assert.ok(activities.length >= 200 && activities.length <= 300, `count ${activities.length}`);
    const starts = activities.map((a) => Date.parse(a.start_date));
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1]! >= starts[i]!, 'newest first');
    const nowMs = clock.ms();
    assert.ok(starts[0]! <= nowMs && starts[0]! > nowMs - 7 * 86_400_000, 'latest activity within the last week');
    assert.ok(starts.at(-1)! >= nowMs - 366 * 86_400_000 && starts.at(-1)! < nowMs - 350 * 86_400_000, 'oldest about a year ago');

    const sports = new Set(activities.map((a) => a.sport_type));
    for (const s of ['Run', 'Ride', 'VirtualRide', 'Hike', 'Walk', 'Swim']) assert.ok(sports.has(s), `has ${s}`);
    assert.ok(
      ['WeightTraining', 'Workout', 'Yoga'].every((s) => sports.has(s)),
      'has zero-distance sports',
    );
    assert.ok(
      activities.some((a) => a.sport_type === 'Ride' && a.distance > 100_000),
      'some long weekend rides',
    );

    const ids = activities.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'ids unique');
    assert.ok(
      ids.every((id) => Number.isSafeInteger(id) && id > 1e9),
      'ids large like Strava',
    );

    assert.ok(activities.filter((a) => a.manual).length >= 2, 'a few manual activities');
    assert.ok(activities.filter((a) => a.private).length >= 2, 'a couple private activities');
    assert.ok(activities.filter((a) => a.distance === 0).length >= 5, 'zero-distance activities');
  });

  test('every summary matches SummaryActivity and has plausible values', () => {
    for (const a of activities) {
      const label = `activity ${a.id} (${a.sport_type})`;
      assertSchema('SummaryActivity', a, label);
      assertKnownKeys('SummaryActivity', a, label);
      assert.equal(a.resource_state, 2);
      assert.deepEqual(a.athlete, { id: sb.demoAthleteId, resource_state: 1 });
      assert.equal(typeof a.map.summary_polyline, 'string');
      assert.equal(a.map.id, `a${a.id}`);
      assert.equal(a.timezone, '(GMT+01:00) Europe/Berlin');
      assert.ok(a.utc_offset === 3600 || a.utc_offset === 7200, `${label} utc_offset`);
      assert.equal(Date.parse(a.start_date_local) - Date.parse(a.start_date), a.utc_offset * 1000, `${label} local time`);
      assert.ok(a.elapsed_time >= a.moving_time, `${label} elapsed >= moving`);
      assert.equal(a.private, a.visibility === 'only_me');
      if (a.has_heartrate) assert.ok(a.average_heartrate > 60 && a.max_heartrate <= 200 && a.max_heartrate > a.average_heartrate, `${label} HR`);
      const v = a.average_speed;
      const ranges: Record<string, [number, number]> = {
        Run: [2.2, 4.5],
        Ride: [4.5, 11],
        GravelRide: [4.5, 9],
        VirtualRide: [6, 12],
        Walk: [0.9, 1.9],
        Hike: [0.8, 1.8],
        Swim: [0.4, 1.2],
      };
      const range = ranges[a.sport_type];
      if (range && a.distance > 0) assert.ok(v >= range[0] && v <= range[1], `${label} speed ${v}`);
      if (a.manual || a.distance === 0 || a.sport_type === 'Swim') {
        assert.deepEqual(a.start_latlng, [], `${label} has no start point`);
        assert.equal(a.map.summary_polyline, '', `${label} has no polyline`);
      } else {
        assert.equal(a.start_latlng.length, 2);
        assert.ok(a.map.summary_polyline.length > 20);
      }
    }
  });

  test('the summary polyline is a loop through the start point', () => {
    const run = activities.find((a) => a.sport_type === 'Run' && !a.manual)!;
    const points = decodePolyline(run.map.summary_polyline);
    assert.ok(points.length >= 40);
    assert.ok(haversine(points[0]!, run.start_latlng) < 1500, 'starts at start_latlng (which Strava rounds)');
    assert.ok(haversine(points[0]!, points.at(-1)!) < 5, 'ends where it started');
    let length = 0;
    for (let i = 1; i < points.length; i++) length += haversine(points[i - 1]!, points[i]!);
    assert.ok(length > run.distance * 0.9 && length < run.distance * 1.02, `polyline length ${length} vs ${run.distance}`);
  });

  test('GET /activities/{id} is a DetailedActivity for every kind of activity', async () => {
    const samples = new Map<string, any>();
    for (const a of activities) {
      const kind = a.manual ? 'manual' : a.private ? 'private' : a.sport_type;
      if (!samples.has(kind)) samples.set(kind, a);
    }
    assert.ok(samples.size >= 10);
    for (const [kind, a] of samples) {
      const r = await getJson(`${sb.apiBaseUrl}/activities/${a.id}`, token);
      assert.equal(r.status, 200, kind);
      assertSchema('DetailedActivity', r.body, `detailed ${kind}`);
      assertKnownKeys('DetailedActivity', r.body, `detailed ${kind}`);
      assert.equal(r.body.resource_state, 3);
      assert.equal(r.body.id, a.id);
      assert.equal(r.body.map.summary_polyline, a.map.summary_polyline);
      assert.equal(typeof r.body.map.polyline, 'string');
      if (a.gear_id) assert.equal(r.body.gear.id, a.gear_id);
      if (a.distance >= 1000 && !a.manual) {
        const total = r.body.splits_metric.reduce((s: number, x: any) => s + x.distance, 0);
        assert.ok(Math.abs(total - a.distance) < 1, `${kind} splits add up`);
        const moving = r.body.splits_metric.reduce((s: number, x: any) => s + x.moving_time, 0);
        assert.ok(Math.abs(moving - a.moving_time) <= r.body.splits_metric.length, `${kind} split times add up`);
      }
    }
  });

  test('streams are a StreamSet consistent with the activity', async () => {
    const run = activities.find((a) => a.sport_type === 'Run' && !a.manual && a.has_heartrate && a.elapsed_time > a.moving_time)!;
    const r = await getJson(`${sb.apiBaseUrl}/activities/${run.id}/streams?keys=${ALL_STREAMS}&key_by_type=true`, token);
    assert.equal(r.status, 200);
    assertSchema('StreamSet', r.body);
    const s = r.body;
    for (const k of Object.keys(s)) assert.ok(STREAM_TYPES.includes(k), `stream type ${k}`);
    for (const k of ['time', 'latlng', 'distance', 'altitude', 'velocity_smooth', 'heartrate', 'cadence', 'moving', 'grade_smooth']) {
      assert.ok(s[k], `has ${k}`);
      assert.equal(s[k].data.length, s.time.data.length, `${k} aligned with time`);
      assert.equal(s[k].original_size, s.time.data.length);
      assert.equal(s[k].series_type, 'distance');
      assert.equal(s[k].resolution, 'high');
    }
    assert.equal(s.watts, undefined, 'no power meter on a run');
    assert.equal(s.temp, undefined);
    const time: number[] = s.time.data;
    assert.equal(time[0], 0);
    assert.equal(time.at(-1), run.elapsed_time, 'time ends at elapsed time (pauses included)');
    assert.ok(
      time.every((t, i) => i === 0 || t > time[i - 1]!),
      'time increases',
    );
    assert.ok(Math.abs(s.distance.data.at(-1) - run.distance) < 0.5, 'distance ends at the activity distance');
    assert.ok(haversine(s.latlng.data[0], run.start_latlng) < 1500);
    const detail = await getJson(`${sb.apiBaseUrl}/activities/${run.id}`, token);
    const line = decodePolyline(detail.body.map.polyline);
    assert.ok(haversine(line[0]!, s.latlng.data[0]) < 5, 'detailed polyline and latlng stream share the start');
    let length = 0;
    for (let i = 1; i < s.latlng.data.length; i++) length += haversine(s.latlng.data[i - 1], s.latlng.data[i]);
    assert.ok(Math.abs(length - run.distance) / run.distance < 0.01, `track length ${length} vs ${run.distance}`);
    const hr: number[] = s.heartrate.data;
    const mean = hr.reduce((x, y) => x + y, 0) / hr.length;
    assert.ok(Math.abs(mean - run.average_heartrate) < 1, `mean HR ${mean} vs ${run.average_heartrate}`);
    assert.equal(Math.max(...hr), run.max_heartrate);
    const alt: number[] = s.altitude.data;
    assert.ok(Math.abs(Math.min(...alt) - run.elev_low) < 0.5 && Math.abs(Math.max(...alt) - run.elev_high) < 1);
    let gain = 0;
    for (let i = 1; i < alt.length; i++) gain += Math.max(0, alt[i]! - alt[i - 1]!);
    assert.ok(Math.abs(gain - run.total_elevation_gain) <= Math.max(2, run.total_elevation_gain * 0.05), `gain ${gain}`);
    assert.ok(s.moving.data.includes(false), 'a pause shows as not moving');
  });

  test('virtual rides have power; pool swims and strength sessions have no GPS streams; manual ones none', async () => {
    const get = (a: any, keys = ALL_STREAMS) => getJson(`${sb.apiBaseUrl}/activities/${a.id}/streams?keys=${keys}&key_by_type=true`, token);
    const virtual = activities.find((a) => a.sport_type === 'VirtualRide')!;
    const v = await get(virtual);
    assertSchema('StreamSet', v.body);
    assert.ok(v.body.watts && v.body.latlng, 'virtual ride has watts and (Watopia) latlng');
    assert.ok(Math.abs(v.body.watts.data.reduce((x: number, y: number) => x + y, 0) / v.body.watts.data.length - virtual.average_watts) < 1);

    const swim = activities.find((a) => a.sport_type === 'Swim')!;
    const sw = await get(swim);
    assertSchema('StreamSet', sw.body);
    assert.equal(sw.body.latlng, undefined);
    assert.ok(sw.body.distance && sw.body.time);

    const yoga = activities.find((a) => a.distance === 0 && !a.manual)!;
    const y = await get(yoga);
    assertSchema('StreamSet', y.body);
    assert.equal(y.body.latlng, undefined);
    assert.ok(y.body.time);

    const manual = activities.find((a) => a.manual)!;
    const m = await get(manual);
    assert.equal(m.status, 200);
    assert.deepEqual(m.body, {});
  });

  test('streams honour keys, key_by_type=false and resolution', async () => {
    const ride = activities.find((a) => a.sport_type === 'Ride' && !a.manual)!;
    const keyed = await getJson(`${sb.apiBaseUrl}/activities/${ride.id}/streams?keys=heartrate,altitude&key_by_type=true`, token);
    // Strava adds the distance series stream even when it was not requested.
    assert.deepEqual(Object.keys(keyed.body).sort(), ['altitude', 'distance', 'heartrate']);
    const list = await getJson(`${sb.apiBaseUrl}/activities/${ride.id}/streams?keys=time,latlng&key_by_type=false&resolution=low`, token);
    assert.ok(Array.isArray(list.body));
    assert.deepEqual(list.body.map((x: any) => x.type).sort(), ['distance', 'latlng', 'time']);
    for (const x of list.body) {
      assert.equal(x.data.length, 100);
      assert.equal(x.resolution, 'low');
      assert.ok(x.original_size > 100);
    }
  });

  test('stats count only Everyone activities and match the list', async () => {
    const r = await getJson(`${sb.apiBaseUrl}/athletes/${sb.demoAthleteId}/stats`, token);
    assert.equal(r.status, 200);
    assertSchema('ActivityStats', r.body);
    const everyoneRuns = activities.filter((a) => a.type === 'Run' && a.visibility === 'everyone');
    assert.equal(r.body.all_run_totals.count, everyoneRuns.length);
    assert.ok(Math.abs(r.body.all_run_totals.distance - everyoneRuns.reduce((s, a) => s + a.distance, 0)) < 1);
    const rides = activities.filter((a) => ['Ride', 'VirtualRide'].includes(a.type) && a.visibility === 'everyone');
    assert.equal(r.body.all_ride_totals.count, rides.length);
    assert.equal(r.body.biggest_ride_distance, Math.max(...rides.map((a) => a.distance)));
    const recentFrom = clock.ms() - 28 * 86_400_000;
    assert.equal(r.body.recent_run_totals.count, everyoneRuns.filter((a) => Date.parse(a.start_date) >= recentFrom).length);
    const ytd = everyoneRuns.filter((a) => a.start_date_local.startsWith('2025-'));
    assert.equal(r.body.ytd_run_totals.count, ytd.length);
  });

  test('error bodies are Strava faults', async () => {
    const unauth = await getJson(`${sb.apiBaseUrl}/athlete`);
    assert.equal(unauth.status, 401);
    assertSchema('Fault', unauth.body);
    assert.deepEqual(unauth.body, { message: 'Authorization Error', errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }] });
    const missing = await getJson(`${sb.apiBaseUrl}/activities/123`, token);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, null, 'a real activity 404 can have an empty body');
    const unknownPath = await getJson(`${sb.apiBaseUrl}/nothing/here`, token);
    assertSchema('Fault', unknownPath.body);
  });
});

describe('determinism', () => {
  test('the same seed and clock give identical data; another seed differs', async () => {
    const a = await start({ now: fakeClock(T0).now });
    const b = await start({ now: fakeClock(T0).now });
    const c = await start({ now: fakeClock(T0).now, seed: 7 });
    try {
      const page = async (sb: Sandbox) => {
        const t = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read_all']).access_token;
        const r = await getJson(`${sb.apiBaseUrl}/athlete/activities?per_page=50`, t);
        const s = await getJson(`${sb.apiBaseUrl}/activities/${r.body[3].id}/streams?keys=latlng,heartrate&key_by_type=true`, t);
        return JSON.stringify([r.body, s.body]).replaceAll(sb.url, 'ORIGIN');
      };
      const [pa, pb, pc] = await Promise.all([page(a), page(b), page(c)]);
      assert.equal(pa, pb);
      assert.notEqual(pa, pc);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test('created athletes get exactly activityCount activities, reaching back more than a year if needed', async () => {
    const sb = await start({ now: fakeClock(T0).now });
    try {
      const small = sb.createAthlete({ firstname: 'Ada', lastname: 'Lovelace', measurementPreference: 'feet', activityCount: 12 });
      const big = sb.createAthlete({ activityCount: 400 });
      const none = sb.createAthlete();
      const t = (id: number) => sb.issueTokens(id, ['read', 'activity:read_all']).access_token;
      const me = await getJson(`${sb.apiBaseUrl}/athlete`, t(small));
      assert.equal(me.body.firstname, 'Ada');
      assert.equal(me.body.measurement_preference, 'feet');
      assert.equal((await listAll(sb, t(small))).length, 12);
      const many = await listAll(sb, t(big));
      assert.equal(many.length, 400);
      assert.ok(Date.parse(many.at(-1).start_date) < Date.parse(T0) - 400 * 86_400_000);
      assert.equal((await listAll(sb, t(none))).length, 0);
      const demoIds = new Set((await listAll(sb, t(sb.demoAthleteId))).map((a) => a.id));
      assert.ok(
        many.every((a) => !demoIds.has(a.id)),
        'ids unique across athletes',
      );
    } finally {
      await sb.close();
    }
  });
});
