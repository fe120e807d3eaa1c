// Strava as it is in 2026 and 2027, against the sandbox: revoke, both API hosts, an inactive application, the athlete cap, real answer shapes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runImportSlice } from '../../shared/imports/run.js';
import { requestImport } from '../../shared/imports/store.js';
import { ApiHostSelector } from '../../shared/strava/api-host.js';
import { readApplicationStatus } from '../../shared/strava/application.js';
import { StravaClient } from '../../shared/strava/client.js';
import { StravaError, StravaNotFoundError } from '../../shared/strava/errors.js';
import { viewSubscription } from '../../shared/strava/subscriptions.js';
import { getAccessToken } from '../../shared/tokens/access.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { ADMIN_ATHLETE_IDS: '1000001', STRAVA_ATHLETE_LIMIT: '2' } });
});
after(() => stack.close());

const control = (path: string, body: unknown) =>
  fetch(`${stack.sandbox.url}/sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function athleteRows(): Promise<{ id: number; status: string }[]> {
  return (await stack.db.pool.query<{ id: number; status: string }>('select id, status from athletes order by id')).rows;
}

describe('the API host across 2027-06-01', () => {
  function clientAt(now: Date) {
    const selector = new ApiHostSelector({ legacy: stack.sandbox.apiBaseUrl, next: stack.sandbox.nextApiBaseUrl, now: () => now });
    const client = new StravaClient({
      apiBaseUrl: selector,
      oauthBaseUrl: stack.sandbox.oauthBaseUrl,
      clientId: stack.sandbox.clientId,
      clientSecret: stack.sandbox.clientSecret,
      retries: 0,
    });
    return { selector, client };
  }
  const token = () => stack.sandbox.issueTokens(stack.sandbox.demoAthleteId).access_token;

  test('before the date the old host, from the date the new one, with no configuration', async () => {
    const before = clientAt(new Date('2027-05-31T23:59:59Z'));
    assert.equal((await before.client.getAthlete(token())).id, stack.sandbox.demoAthleteId);
    assert.deepEqual(before.selector.current(), { baseUrl: stack.sandbox.apiBaseUrl, reason: 'scheduled' });
    const afterDate = clientAt(new Date('2027-06-01T00:00:00Z'));
    const nextCalls = stack.sandbox.counters.byRoute['GET (next host)'] ?? 0;
    assert.equal((await afterDate.client.getAthlete(token())).id, stack.sandbox.demoAthleteId);
    assert.equal(afterDate.selector.current().baseUrl, stack.sandbox.nextApiBaseUrl);
    assert.equal((stack.sandbox.counters.byRoute['GET (next host)'] ?? 0) - nextCalls, 1, 'the call went to the new host');
  });

  test('the new host is not up yet on the date: the old one answers and is kept', async () => {
    stack.sandbox.setApplication({ nextHost: 'down' });
    try {
      const { client, selector } = clientAt(new Date('2027-06-01T08:00:00Z'));
      assert.equal((await client.getAthlete(token())).id, stack.sandbox.demoAthleteId);
      assert.equal(selector.current().baseUrl, stack.sandbox.apiBaseUrl);
      assert.equal(selector.current().reason, 'fallback');
    } finally {
      stack.sandbox.setApplication({ nextHost: 'serve' });
    }
  });

  test('the old host is retired early, or redirects: the new one answers, with the token in the header', async () => {
    for (const legacyHost of ['gone', 'redirect'] as const) {
      stack.sandbox.setApplication({ legacyHost });
      try {
        const { client, selector } = clientAt(new Date('2027-01-15T00:00:00Z'));
        assert.equal((await client.getAthlete(token())).id, stack.sandbox.demoAthleteId, legacyHost);
        assert.equal(selector.current().baseUrl, stack.sandbox.nextApiBaseUrl, legacyHost);
      } finally {
        stack.sandbox.setApplication({ legacyHost: 'serve' });
      }
    }
  });

  test('the new host accepts tokens only in headers', async () => {
    const response = await fetch(`${stack.sandbox.nextApiBaseUrl}/athlete?access_token=${token()}`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-ratelimit-usage'), null, '401s carry no rate-limit headers');
    assert.deepEqual((await response.json()).errors, [{ resource: 'Application', field: '', code: 'invalid' }]);
  });

  test('the webhook subscription calls go to the same host as every other call, through the one selector', async () => {
    const { selector } = clientAt(new Date('2027-06-01T00:00:00Z'));
    const nextCalls = stack.sandbox.counters.byRoute['GET (next host)'] ?? 0;
    await viewSubscription({ apiBaseUrl: selector, clientId: stack.sandbox.clientId, clientSecret: stack.sandbox.clientSecret });
    assert.equal((stack.sandbox.counters.byRoute['GET (next host)'] ?? 0) - nextCalls, 1, 'the subscription view went to the new host');
    // The app's own subscription calls share its client's selector, not a host fixed when the instance started.
    assert.equal(stack.deps.stravaApplication.apiBaseUrl, stack.runtime.strava.apiHost);
  });

  test('STRAVA_API_BASE_URL is used as it is, never switched', async () => {
    assert.deepEqual(stack.runtime.strava.apiHost.current(), { baseUrl: stack.sandbox.apiBaseUrl, reason: 'configured' });
    assert.equal(stack.runtime.strava.apiHost.alternative(stack.sandbox.apiBaseUrl), undefined);
  });
});

describe('signing in, disconnecting, the athlete cap and an inactive application', () => {
  test('disconnecting revokes at Strava (no deauthorize) and counts toward usage', async () => {
    const client = stack.client();
    await signIn(client, stack.baseUrl);
    const demo = stack.sandbox.demoAthleteId;
    const results = await client.request(`${stack.baseUrl}/account/delete`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(results.text)![1]!;
    const revokes = stack.sandbox.counters.byRoute['POST /oauth/revoke'] ?? 0;
    const done = await client.request(`${stack.baseUrl}/account/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    assert.equal(done.status, 200);
    assert.equal((stack.sandbox.counters.byRoute['POST /oauth/revoke'] ?? 0) - revokes, 1);
    assert.equal(stack.sandbox.counters.byRoute['POST /oauth/deauthorize'] ?? 0, 0);
    const sandboxAthletes = (await (await fetch(`${stack.sandbox.url}/sandbox/athletes`)).json()) as { id: number; authorized: boolean }[];
    assert.equal(sandboxAthletes.find((a) => a.id === demo)!.authorized, false, 'the grant is gone at Strava');
    assert.ok(!(await athleteRows()).some((row) => row.id === demo));
  });

  test('at the cap, an athlete Strava turns away sees that the site is full; nothing is stored', async () => {
    const first = stack.sandbox.createAthlete({ activityCount: 3 });
    const second = stack.sandbox.createAthlete({ activityCount: 3 });
    await signIn(stack.client(), stack.baseUrl, {}, first);
    await signIn(stack.client(), stack.baseUrl, {}, second);
    assert.equal((await control('/application', { athlete_limit: 2 })).status, 200);
    try {
      const third = stack.sandbox.createAthlete({ activityCount: 3 });
      const hops = await signIn(stack.client(), stack.baseUrl, {}, third);
      const last = hops.at(-1)!;
      assert.equal(last.status, 403);
      assert.match(last.text, /This site is full/);
      assert.ok(!(await athleteRows()).some((row) => row.id === third));
      // A plain refusal below the cap still reads as the athlete's own choice.
      stack.sandbox.setApplication({ athleteLimit: null });
      const denied = (await signIn(stack.client(), stack.baseUrl, { decision: 'deny' }, third)).at(-1)!;
      assert.match(denied.text, /This site is full/, 'still at STRAVA_ATHLETE_LIMIT=2, so a refusal is taken as the cap');
    } finally {
      stack.sandbox.setApplication({ athleteLimit: null });
    }
  });

  test('inactive: nobody disconnected, import waits, status shared and logged once, sign-in paused, admin says what to do; then all resumes', async () => {
    const athletes = (await athleteRows()).filter((row) => row.status === 'connected');
    assert.ok(athletes.length >= 2);
    const target = athletes[0]!.id;
    await stack.db.pool.query('delete from imports where athlete_id = $1::bigint', [target]);
    await requestImport(stack.db.pool, target);
    const admin = stack.client();
    await signIn(admin, stack.baseUrl, {}, stack.sandbox.demoAthleteId);
    const activePage = await admin.request(`${stack.baseUrl}/admin`);
    assert.match(activePage.text, /API host in use<\/dt><dd>[^<]*\/api\/v3 \(set by STRAVA_API_BASE_URL\)/);
    assert.match(activePage.text, /Application status at Strava<\/dt><dd>active</);
    assert.match(activePage.text, /Connected athletes<\/dt><dd>\d+ of 2 \(STRAVA_ATHLETE_LIMIT\)/);
    assert.equal((await control('/application', { status: 'inactive' })).status, 200);
    try {
      const outcome = await runImportSlice(stack.runtime, target, { timeBudgetMs: 60_000 });
      assert.equal(outcome.kind, 'waiting');
      assert.equal(outcome.kind === 'waiting' && outcome.reason, 'application_inactive');
      // A second request during the same pause.
      await assert.rejects(stack.runtime.strava.listActivities(await getAccessToken(stack.runtime, target)));
      await stack.runtime.application.flush();
      const status = await readApplicationStatus(stack.db.pool, stack.runtime.config.strava.clientId);
      assert.equal(status.status, 'inactive');
      assert.ok(status.inactiveSince instanceof Date);
      assert.deepEqual(new Set((await athleteRows()).filter((r) => athletes.some((a) => a.id === r.id)).map((r) => r.status)), new Set(['connected']));
      const pauseLines = stack.logLines.filter((line) => line.includes('application is inactive'));
      assert.equal(pauseLines.length, 1, 'logged once per pause, not per request');

      const login = await stack.client().request(`${stack.baseUrl}/login`);
      assert.equal(login.status, 503);
      assert.match(login.text, /Strava connection is paused/);
      const adminPage = await admin.request(`${stack.baseUrl}/admin`);
      // On the admin's wall clock, written as every page writes a date and a time.
      assert.match(adminPage.text, /inactive since \d{1,2} [A-Z][a-z]{2,3} \d{4} \d\d:\d\d:/);
      assert.match(adminPage.text, /needs an active Strava subscription/);
    } finally {
      await control('/application', { status: 'active' });
    }
    // Every status the pause's calls reported is written first (the admin page's subscription view is one of them), so
    // none lands after the check time is moved back.
    await stack.runtime.application.flush();
    await stack.db.pool.query(`update strava_application set checked_at = now() - interval '1 hour'`);
    assert.equal((await stack.client().request(`${stack.baseUrl}/login`)).status, 302, 'sign-in goes to Strava again once the pause may be over');
    await stack.runtime.strava.listActivities(await getAccessToken(stack.runtime, target));
    await stack.runtime.application.flush();
    assert.equal((await readApplicationStatus(stack.db.pool, stack.runtime.config.strava.clientId)).status, 'active');
    assert.equal(stack.logLines.filter((line) => line.includes('application is active')).length, 1);
  });

  test('a webhook subscription call that meets an inactive application pauses everything like any other call', async () => {
    assert.equal((await control('/application', { status: 'inactive' })).status, 200);
    try {
      await assert.rejects(viewSubscription(stack.deps.stravaApplication), (error) => error instanceof StravaError && error.kind === 'application_inactive');
      await stack.runtime.application.flush();
      assert.equal((await readApplicationStatus(stack.db.pool, stack.runtime.config.strava.clientId)).status, 'inactive');
    } finally {
      await control('/application', { status: 'active' });
    }
    await viewSubscription(stack.deps.stravaApplication);
    await stack.runtime.application.flush();
    assert.equal((await readApplicationStatus(stack.db.pool, stack.runtime.config.strava.clientId)).status, 'active');
  });
});

describe('real answer shapes from the sandbox', () => {
  test('a 404 for an activity has an empty body and no rate-limit headers; the client reads it', async () => {
    const token = stack.sandbox.issueTokens(stack.sandbox.demoAthleteId).access_token;
    const response = await fetch(`${stack.sandbox.apiBaseUrl}/activities/1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '');
    assert.equal(response.headers.get('x-ratelimit-usage'), null);
    await assert.rejects(stack.runtime.strava.getActivity(token, 1), StravaNotFoundError);
  });

  test('older list shapes map; the detail wins over a list that disagrees', async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 0 });
    await signIn(stack.client(), stack.baseUrl, {}, athlete);
    const id = stack.sandbox.addActivity(athlete, {
      name: 'Old ride',
      sport_type: 'Ride',
      distance: 101_529,
      moving_time: 14_000,
      start_date: '2026-03-01T08:00:00Z',
      legacy: true,
    });
    assert.equal((await control(`/activities/${id}/list-distance`, { distance: 0 })).status, 200);
    const token = await getAccessToken(stack.runtime, athlete);
    const listed = (await stack.runtime.strava.listActivities(token)).find((a) => a.id === id)!;
    assert.equal(listed.sport_type, undefined);
    assert.equal(listed.start_latlng, null);
    assert.ok(listed.map && !('summary_polyline' in listed.map));
    assert.equal(listed.distance, 0);

    const { upsertActivities } = await import('../../shared/activities/store.js');
    const detail = await stack.runtime.strava.getActivity(token, id);
    await upsertActivities(stack.db.pool, athlete, [detail], new Date(Date.now() - 60_000));
    // A later list import of the same activity must not put the list's 0 m over the detail's 101 km.
    await upsertActivities(stack.db.pool, athlete, [listed], new Date());
    const { rows } = await stack.db.pool.query<{ distance: number; sport_type: string }>('select distance, sport_type from activities where id = $1::bigint', [
      id,
    ]);
    assert.equal(rows[0]!.distance, detail.distance);
    assert.equal(rows[0]!.sport_type, 'Ride');
  });
});

describe('hidden start times (00:00:01 local)', () => {
  test('the date counts toward streaks; no time of day is shown', async () => {
    const { streaks } = await import('../../shared/stats/results.js');
    const { startTimeOfDay } = await import('../../shared/stats/calendar.js');
    const { upsertActivities } = await import('../../shared/activities/store.js');
    const { upsertConnectedAthlete } = await import('../../shared/athletes/store.js');
    const athlete = 4_200_001;
    await upsertConnectedAthlete(stack.db.pool, { id: athlete, firstname: 'Hidden' }, ['read']);
    const at = (day: string, time: string) => ({
      id: Number(`42${day.replaceAll('-', '')}`),
      athlete: { id: athlete },
      name: 'Run',
      sport_type: 'Run',
      start_date: `${day}T${time}Z`,
      start_date_local: `${day}T${time}Z`,
      distance: 5000,
      moving_time: 1500,
    });
    await upsertActivities(stack.db.pool, athlete, [at('2026-05-01', '00:00:01'), at('2026-05-02', '07:30:00'), at('2026-05-03', '00:00:01')], new Date());
    const result = await streaks(stack.db.pool, athlete, '2026-05-03', '2026-05-03T00:00:00');
    assert.equal(result.current, 3, 'a hidden start on today still counts, even before "now" reaches 00:00:01');
    assert.equal(startTimeOfDay('2026-05-03T00:00:01'), undefined);
    assert.equal(startTimeOfDay('2026-05-02T07:30:00'), '07:30');
  });
});
