// The REST API's rules: paging, filters, scopes and privacy, rate limits, fault injection and counters.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../dev/sandbox/server.js';
import { T0, assertSchema, fakeClock, getJson, listAll, postForm, refresh, start } from './helpers.js';

// Strava's 404 for an activity can come with an empty body, and the sandbox answers it that way.
const NOT_FOUND = null;
const RATE_LIMITED = { message: 'Rate Limit Exceeded', errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }] };

describe('api', () => {
  const clock = fakeClock(T0);
  let sb: Sandbox;
  let all: string;
  let publicOnly: string;
  let everything: any[];

  before(async () => {
    sb = await start({ now: clock.now, rateLimits: { overall: [10_000, 100_000], read: [10_000, 100_000] } });
    all = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read_all']).access_token;
    publicOnly = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read']).access_token;
    everything = await listAll(sb, all);
  });
  after(() => sb.close());

  test('paging walks newest first to an empty page, with no overlap and no gaps', async () => {
    const perPage = 100;
    const pages: any[][] = [];
    for (let page = 1; ; page++) {
      const r = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?page=${page}&per_page=${perPage}`, all);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-total-count'), null, 'Strava gives no total');
      if (r.body.length === 0) break;
      pages.push(r.body);
    }
    assert.equal(pages.length, Math.ceil(everything.length / perPage));
    assert.ok(
      pages.slice(0, -1).every((p) => p.length === perPage),
      'full pages until the last',
    );
    const ids = pages.flat().map((a) => a.id);
    assert.deepEqual(
      ids,
      everything.map((a) => a.id),
    );
    const beyond = await getJson(`${sb.apiBaseUrl}/athlete/activities?page=${pages.length + 5}&per_page=${perPage}`, all);
    assert.deepEqual(beyond.body, []);
  });

  test('per_page defaults to 30 and is capped at 200', async () => {
    assert.equal((await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities`, all)).body.length, 30);
    assert.equal((await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?per_page=500`, all)).body.length, 200);
    const bad = await getJson(`${sb.apiBaseUrl}/athlete/activities?before=yesterday`, all);
    assert.equal(bad.status, 400);
    assertSchema('Fault', bad.body);
  });

  test('before and after filter on start_date (epoch seconds, exclusive)', async () => {
    const pivot = everything[40];
    const pivotEpoch = Date.parse(pivot.start_date) / 1000;
    const older = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?before=${pivotEpoch}&per_page=200`, all);
    assert.ok(older.body.length > 0);
    assert.ok(older.body.every((a) => Date.parse(a.start_date) / 1000 < pivotEpoch));
    assert.equal(older.body[0].id, everything[41].id);
    const newer = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?after=${pivotEpoch}&per_page=200`, all);
    assert.deepEqual(
      newer.body.map((a) => a.id),
      everything.slice(0, 40).map((a) => a.id),
    );
    const window = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?after=${pivotEpoch}&before=${Date.parse(everything[20].start_date) / 1000}`, all);
    assert.deepEqual(
      window.body.map((a) => a.id),
      everything.slice(21, 40).map((a) => a.id),
    );
  });

  test('"Only Me" activities need activity:read_all, in lists, details and streams', async () => {
    const hidden = everything.filter((a) => a.private);
    assert.ok(hidden.length >= 2);
    const visible = await listAll(sb, publicOnly);
    assert.equal(visible.length, everything.length - hidden.length);
    assert.ok(visible.every((a) => !a.private));

    const secret = hidden[0];
    const denied = await getJson(`${sb.apiBaseUrl}/activities/${secret.id}`, publicOnly);
    assert.equal(denied.status, 404);
    assert.deepEqual(denied.body, NOT_FOUND);
    assert.equal((await getJson(`${sb.apiBaseUrl}/activities/${secret.id}/streams?keys=time&key_by_type=true`, publicOnly)).status, 404);
    const allowed = await getJson(`${sb.apiBaseUrl}/activities/${secret.id}`, all);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.private, true);
    assert.equal(allowed.body.visibility, 'only_me');

    const followersOnly = everything.find((a) => a.visibility === 'followers_only');
    assert.ok(followersOnly, 'some activities are visible to followers only');
    assert.equal((await getJson(`${sb.apiBaseUrl}/activities/${followersOnly.id}`, publicOnly)).status, 200);
  });

  test("another athlete's activity and stats are not reachable", async () => {
    const other = sb.createAthlete({ activityCount: 3 });
    const otherToken = sb.issueTokens(other, ['read', 'activity:read_all']).access_token;
    const theirs = await listAll(sb, otherToken);
    assert.equal(theirs.length, 3);
    const r = await getJson(`${sb.apiBaseUrl}/activities/${theirs[0].id}`, all);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, NOT_FOUND);

    const stats = await getJson(`${sb.apiBaseUrl}/athletes/${other}/stats`, all);
    assert.equal(stats.status, 403);
    assertSchema('Fault', stats.body);
    assert.equal((await getJson(`${sb.apiBaseUrl}/athletes/42/stats`, all)).status, 404);
    assert.equal((await getJson(`${sb.apiBaseUrl}/athletes/${other}/stats`, otherToken)).status, 200);
  });

  test('tokens without an activity scope can read the profile but not activities', async () => {
    const profileOnly = sb.issueTokens(sb.demoAthleteId, ['read']).access_token;
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, profileOnly)).status, 200);
    for (const path of ['/athlete/activities', `/activities/${everything[0].id}`, `/activities/${everything[0].id}/streams?keys=time`]) {
      const r = await getJson(`${sb.apiBaseUrl}${path}`, profileOnly);
      assert.equal(r.status, 401, path);
      assert.equal(r.body.errors[0].field, 'activity:read_permission');
    }
  });

  test("missing, malformed and unknown tokens get 401 without rate-limit headers (as Strava's); unknown paths 404", async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: 'Basic abc' }] as Array<Record<string, string>>) {
      const r = await fetch(`${sb.apiBaseUrl}/athlete`, { headers });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('x-ratelimit-usage'), null);
      await r.arrayBuffer();
    }
    const viaQuery = await getJson(`${sb.apiBaseUrl}/athlete?access_token=${all}`);
    assert.equal(viaQuery.status, 200, 'access_token in the query string still works');
    const unknown = await getJson(`${sb.apiBaseUrl}/nothing/here`, all);
    assert.equal(unknown.status, 404);
    assertSchema('Fault', unknown.body);
  });

  test('addActivity appears at the top of the list and in detail', async () => {
    const athlete = sb.createAthlete({ activityCount: 5 });
    const token = sb.issueTokens(athlete, ['read', 'activity:read_all']).access_token;
    const id = sb.addActivity(athlete, { name: 'Test <run> & more', sport_type: 'Run', distance: 10_000, moving_time: 3000 });
    const manual = sb.addActivity(athlete, { name: 'Typed in', sport_type: 'Ride', distance: 20_000, moving_time: 3600, manual: true, private: true });
    const list = await listAll(sb, token);
    assert.equal(list.length, 7);
    assert.deepEqual(
      list
        .slice(0, 2)
        .map((a) => a.id)
        .sort(),
      [id, manual].sort(),
    );
    const d = await getJson(`${sb.apiBaseUrl}/activities/${id}`, token);
    assert.equal(d.status, 200);
    assertSchema('DetailedActivity', d.body);
    assert.equal(d.body.name, 'Test <run> & more');
    assert.equal(d.body.distance, 10_000);
    assert.equal(d.body.moving_time, 3000);
    assert.equal(d.body.start_date, new Date(clock.ms() - 3000_000).toISOString().replace('.000', ''));
    const s = await getJson(`${sb.apiBaseUrl}/activities/${id}/streams?keys=latlng,time&key_by_type=true`, token);
    assert.equal(s.body.time.data.at(-1), 3000);
    const m = await getJson(`${sb.apiBaseUrl}/activities/${manual}`, token);
    assert.equal(m.body.manual, true);
    assert.equal(m.body.private, true);
    assert.deepEqual(m.body.start_latlng, []);
    const ms = await getJson(`${sb.apiBaseUrl}/activities/${manual}/streams?keys=latlng&key_by_type=true`, token);
    assert.deepEqual(ms.body, {});
  });

  test('failNext answers the chosen status with Strava’s body for the next N matching requests', async () => {
    sb.failNext({ pathPrefix: '/athlete/activities' }, 500, 2);
    sb.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 503);
    sb.failNext({ method: 'GET', pathPrefix: '/api/v3/activities' }, 429);
    sb.failNext({ pathPrefix: '/athlete' }, 502, 5);
    sb.failNext({ pathPrefix: '/athlete' }, 502, 0);

    for (let i = 0; i < 2; i++) {
      const r = await getJson(`${sb.apiBaseUrl}/athlete/activities`, all);
      assert.equal(r.status, 500);
      assertSchema('Fault', r.body);
      assert.ok(r.headers.get('x-ratelimit-usage'));
    }
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete/activities`, all)).status, 200, 'only twice');
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, all)).status, 200, 'other paths unaffected');

    const limited = await getJson(`${sb.apiBaseUrl}/activities/${everything[0].id}`, all);
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, RATE_LIMITED);

    const issued = sb.issueTokens(sb.demoAthleteId, ['read']);
    const down = await refresh(sb, issued.refresh_token);
    assert.equal(down.status, 503);
    assertSchema('Fault', down.body);
    assert.equal((await refresh(sb, issued.refresh_token)).status, 200, 'the refresh token was not consumed by the failure');
  });

  test('counters count API requests, routes, exchanges and refreshes', async () => {
    const before = { ...sb.counters, byRoute: { ...sb.counters.byRoute } };
    await getJson(`${sb.apiBaseUrl}/athlete`, all);
    await getJson(`${sb.apiBaseUrl}/activities/${everything[1].id}`, all);
    await getJson(`${sb.apiBaseUrl}/activities/${everything[2].id}`, all);
    const issued = sb.issueTokens(sb.demoAthleteId, ['read']);
    await refresh(sb, issued.refresh_token);
    assert.equal(sb.counters.apiRequests, before.apiRequests + 3);
    assert.equal(sb.counters.byRoute['GET /activities/:id'], (before.byRoute['GET /activities/:id'] ?? 0) + 2);
    assert.equal(sb.counters.byRoute['GET /athlete'], (before.byRoute['GET /athlete'] ?? 0) + 1);
    assert.equal(sb.counters.byRoute['POST /oauth/token'], (before.byRoute['POST /oauth/token'] ?? 0) + 1);
    assert.equal(sb.counters.tokenRefreshes, before.tokenRefreshes + 1);
    assert.equal(sb.counters.tokenExchanges, before.tokenExchanges);
  });

  test('setLatency changes nothing but timing', async () => {
    sb.setLatency(5);
    const r = await getJson(`${sb.apiBaseUrl}/athlete`, all);
    sb.setLatency(0);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, sb.demoAthleteId);
  });

  test('the archive export can hold only the N oldest activities; a count that is not one is refused', async () => {
    const exportOf = async (query: string) => {
      const res = await fetch(`${sb.url}/sandbox/athletes/${sb.demoAthleteId}/export.zip${query}`);
      const body = Buffer.from(await res.arrayBuffer());
      // The end-of-central-directory record (the last 22 bytes of an archive without a comment) counts the entries.
      return { status: res.status, entries: res.status === 200 ? body.readUInt16LE(body.length - 22 + 10) : 0 };
    };
    const five = await exportOf('?oldest=5');
    const ten = await exportOf('?oldest=10');
    assert.equal(five.status, 200);
    assert.equal(ten.status, 200);
    // activities.csv, profile.csv, and a file for each activity that is not a manual entry.
    assert.ok(five.entries >= 3 && five.entries <= 7, `${five.entries} entries for 5 activities`);
    assert.ok(ten.entries > five.entries && ten.entries <= 12, `${ten.entries} entries for 10 activities`);
    for (const bad of ['0', '-3', 'ten', '1e3']) assert.equal((await exportOf(`?oldest=${bad}`)).status, 400, bad);
  });
});

describe('rate limits', () => {
  test('headers on every response, 429 over the 15-minute limit, reset on the quarter hour, daily limit, day reset', async () => {
    const clock = fakeClock('2025-03-14T10:13:30Z');
    const sb = await start({ now: clock.now, rateLimits: { overall: [5, 8], read: [3, 6] } });
    try {
      const token = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read_all'], { expiresInSeconds: 3 * 86_400 }).access_token;
      const hit = async () => {
        const r = await getJson(`${sb.apiBaseUrl}/athlete`, token);
        return {
          status: r.status,
          body: r.body,
          limit: r.headers.get('x-ratelimit-limit'),
          usage: r.headers.get('x-ratelimit-usage'),
          readLimit: r.headers.get('x-readratelimit-limit'),
          readUsage: r.headers.get('x-readratelimit-usage'),
        };
      };
      const first = await hit();
      assert.equal(first.status, 200);
      assert.equal(first.limit, '5,8');
      assert.equal(first.readLimit, '3,6');
      assert.equal(first.usage, '1,1');
      assert.equal(first.readUsage, '1,1');
      assert.equal((await hit()).readUsage, '2,2');
      assert.equal((await hit()).readUsage, '3,3');

      const over = await hit();
      assert.equal(over.status, 429);
      assert.deepEqual(over.body, RATE_LIMITED);
      assertSchema('Fault', over.body);
      assert.equal(over.readUsage, '3,4', 'a rejected request counts toward the day, not the quarter hour');
      assert.equal(over.usage, '3,4');

      // OAuth endpoints are not rate limited and do not count.
      const issued = sb.issueTokens(sb.demoAthleteId, ['read']);
      const r = await refresh(sb, issued.refresh_token);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-usage'), null);
      const denied = await postForm(`${sb.oauthBaseUrl}/token`, {
        client_id: sb.clientId,
        client_secret: sb.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: 'x',
      });
      assert.equal(denied.status, 400);

      clock.set('2025-03-14T10:14:59Z');
      assert.equal((await hit()).status, 429, 'still the same window');
      clock.set('2025-03-14T10:15:00Z');
      const fresh = await hit();
      assert.equal(fresh.status, 200, 'windows reset at :15');
      assert.equal(fresh.readUsage, '1,6');
      assert.equal(fresh.usage, '1,6');

      assert.equal((await hit()).status, 429, 'the daily read limit (6) is reached');
      clock.set('2025-03-14T10:30:00Z');
      const stillDaily = await hit();
      assert.equal(stillDaily.status, 429, 'a new quarter hour does not lift the daily limit');
      assert.equal(stillDaily.readUsage, '0,8');

      clock.set('2025-03-15T00:00:00Z');
      const nextDay = await hit();
      assert.equal(nextDay.status, 200, 'the day resets at midnight UTC');
      assert.equal(nextDay.readUsage, '1,1');
    } finally {
      await sb.close();
    }
  });

  test('the overall limit applies when the read limit is higher', async () => {
    const clock = fakeClock('2025-03-14T10:00:00Z');
    const sb = await start({ now: clock.now, rateLimits: { overall: [2, 100], read: [50, 100] } });
    try {
      const token = sb.issueTokens(sb.demoAthleteId, ['read']).access_token;
      assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, token)).status, 200);
      assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, token)).status, 200);
      const third = await getJson(`${sb.apiBaseUrl}/athlete`, token);
      assert.equal(third.status, 429);
      assert.equal(third.headers.get('x-ratelimit-usage'), '2,3');
    } finally {
      await sb.close();
    }
  });

  test('Strava’s default limits apply when none are configured', async () => {
    const sb = await start({ now: fakeClock(T0).now });
    try {
      const token = sb.issueTokens(sb.demoAthleteId, ['read']).access_token;
      const r = await getJson(`${sb.apiBaseUrl}/athlete`, token);
      assert.equal(r.headers.get('x-ratelimit-limit'), '200,2000');
      assert.equal(r.headers.get('x-readratelimit-limit'), '100,1000');
    } finally {
      await sb.close();
    }
  });
});
