// The results pages in process (app.request): results, activities, one activity with GPX and CSV, privacy zones, settings, admin
// (the AI notes are test/insights/notes.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { decodePolyline } from '../../shared/activities/polyline.js';
import { upsertActivities } from '../../shared/activities/store.js';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { distanceM } from '../../shared/privacy/zones.js';
import { type CookieClient, parseForm } from '../helpers/http.js';
import { pageRequests } from '../helpers/pages.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { latestRecorded, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: CookieClient;
const OTHER_ATHLETE = 77_000_001;
const OTHER_ACTIVITY = 77_000_000_001;

const { get, post, csrf } = pageRequests(() => ({ baseUrl: stack.baseUrl, client }));

/** Signs in a given sandbox athlete by adding athlete_id to the authorize URL, as the sandbox allows. */
async function signInAs(athleteId: number): Promise<CookieClient> {
  const c = stack.client();
  const login = await c.request(`${stack.baseUrl}/login`);
  const authorize = new URL(login.headers.get('location')!);
  authorize.searchParams.set('athlete_id', String(athleteId));
  const consent = await c.request(authorize.toString());
  // Already approved: Strava skips its page and sends the browser straight back.
  if (consent.status >= 300 && consent.status < 400) {
    await c.follow(new URL(consent.headers.get('location')!, consent.url).toString());
    return c;
  }
  const form = parseForm(consent.text, consent.url);
  const body = new URLSearchParams(form.hidden);
  for (const box of form.checkboxes) if (box.checked) body.append(box.name, box.value);
  body.set('decision', 'approve');
  await c.follow(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return c;
}

function trackPoints(gpx: string): [number, number][] {
  return [...gpx.matchAll(/<trkpt lat="([-\d.]+)" lon="([-\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

before(async () => {
  stack = await startTestStack({ env: { ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID) } });
  client = stack.client();
  const hops = await signIn(client, stack.baseUrl);
  assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');
  // Someone else's data, to prove it never shows.
  await upsertConnectedAthlete(stack.db.pool, { id: OTHER_ATHLETE, firstname: 'Other', lastname: 'Person' }, ['read', 'activity:read_all']);
  await upsertActivities(
    stack.db.pool,
    OTHER_ATHLETE,
    [
      {
        id: OTHER_ACTIVITY,
        athlete: { id: OTHER_ATHLETE },
        name: 'Secret run',
        sport_type: 'Run',
        start_date: '2025-01-01T08:00:00Z',
        start_date_local: '2025-01-01T09:00:00Z',
        distance: 5000,
        moving_time: 1500,
      },
    ],
    new Date(),
  );
});
after(async () => {
  await stack?.close();
});

describe('results', () => {
  test('every section renders, with SVG charts and no inline script or style', async () => {
    const page = await get('/results');
    assert.equal(page.status, 200);
    for (const text of [
      'Latest activity',
      'Totals',
      'This week',
      'All time',
      'Weekly average',
      'Year-end forecast',
      'How this is computed',
      'Eddington number, rides',
      'Eddington number, runs',
      'Longest activity',
      'Biggest climb',
      'Current streak',
      'Longest streak',
      'Best week',
      'The last 52 weeks',
      'By sport this year',
    ]) {
      assert.ok(page.text.includes(text), `has "${text}"`);
    }
    assert.match(page.text, /<svg class="chart" id="weekly-chart"[\s\S]*?<rect /);
    assert.match(page.text, /<svg class="chart" id="sport-chart"/);
    assert.match(page.text, /<svg class="thumb"[^>]*><path d="M/);
    assert.doesNotMatch(page.text, /\sstyle="/, 'no inline style attributes (CSP style-src self)');
    assert.doesNotMatch(page.text, /<script>(?!<\/script>)/, 'no inline scripts');
    assert.doesNotMatch(page.text, /https?:\/\/(cdn|unpkg|cdnjs)/);
    const ride = Number(/data-stat="eddington-ride">(\d+)</.exec(page.text)?.[1]);
    assert.ok(ride > 0, 'the demo athlete rides, so the Eddington number is positive');
  });

  test('Russian from Accept-Language, the switch overrides it and is remembered', async () => {
    const ru = await client.request(`${stack.baseUrl}/results`, { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' } });
    assert.match(ru.text, /<html lang="ru">/);
    assert.match(ru.text, /Последняя тренировка/);
    assert.match(ru.text, /км/);
    const en = await client.request(`${stack.baseUrl}/results?lang=en`, { headers: { 'accept-language': 'ru' } });
    assert.match(en.text, /Latest activity/);
    const again = await client.request(`${stack.baseUrl}/results`, { headers: { 'accept-language': 'ru' } });
    assert.match(again.text, /Latest activity/, 'the cookie from the switch wins over the header');
  });

  test('error and sign-in pages speak the reader\u2019s language too: one keyed message per sentence', async () => {
    const stranger = stack.client();
    const ru = { headers: { 'accept-language': 'ru' } };
    const unverified = await stranger.request(`${stack.baseUrl}/exchange_token?code=x&state=forged`, ru);
    assert.equal(unverified.status, 400);
    assert.match(unverified.text, /Мы не смогли проверить этот вход/);
    assert.match(unverified.text, /Попробовать снова/);
    const missing = await stranger.request(`${stack.baseUrl}/no-such-page`, ru);
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Здесь нет страницы\./);
    // Signed out, a private page sends the reader home, where the sign-in button says why, in their language.
    const signedOut = await stranger.request(`${stack.baseUrl}/results`, ru);
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.headers.get('location'), '/?signin=1');
    const home = await stranger.request(`${stack.baseUrl}/?signin=1`, ru);
    assert.equal(home.status, 200);
    assert.match(home.text, /Подключите Strava, чтобы открыть эту страницу\./);
    const english = await stranger.request(`${stack.baseUrl}/exchange_token?code=x&state=forged`, { headers: { 'accept-language': 'en' } });
    assert.match(english.text, /We could not verify this sign-in/);
  });

  test('the units switch shows miles and back', async () => {
    const token = await csrf();
    await post('/settings/units', { csrf: token, units: 'imperial', back: '/results' });
    const miles = await get('/results');
    assert.match(miles.text, /\d mi\b/);
    assert.match(miles.text, /in miles and feet/);
    await post('/settings/units', { csrf: token, units: 'metric', back: '/results' });
    assert.match((await get('/results')).text, /\d km\b/);
    assert.equal((await post('/settings/units', { csrf: 'forged', units: 'imperial' })).status, 403);
  });

  test('without a Telegram bot token the site works and settings offer no Telegram; its webhook path is not there', async () => {
    const settings = await get('/settings');
    assert.equal(settings.status, 200);
    assert.doesNotMatch(settings.text, /Telegram/);
    assert.doesNotMatch(settings.headers.get('content-security-policy') ?? '', /t\.me/);
    const connect = await post('/settings/telegram/connect', { csrf: await csrf() });
    assert.equal(connect.headers.get('location'), '/settings#telegram', 'no code made, nowhere to go');
    const webhook = await stack.request(`/telegram/anything`, {
      method: 'POST',
      body: '{"update_id":1}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(webhook.status, 404);
  });
});

describe('heatmap', () => {
  test("the page decodes the routes with the server's own decoder, served as /static/polyline.js", async () => {
    const served = await get('/static/polyline.js');
    assert.equal(served.status, 200);
    assert.match(served.headers.get('content-type') ?? '', /^text\/javascript/);
    // Imported as the browser imports it: an ES module, as served.
    const browserSide = (await import(
      `data:text/javascript;base64,${Buffer.from(served.text).toString('base64')}`
    )) as typeof import('../../shared/activities/polyline.js');
    const { routes } = JSON.parse((await get('/heatmap/routes.json')).text) as { routes: string[] };
    assert.ok(routes.length > 0);
    for (const route of routes) {
      const points = browserSide.decodePolyline(route);
      assert.ok(points.length >= 2);
      assert.deepEqual(points, decodePolyline(route));
    }
  });
});

describe('activities', () => {
  test('filter by sport, search by name, date range and pages', async () => {
    const all = await get('/activities');
    assert.equal(all.status, 200);
    const total = Number(/(\d+) activities/.exec(all.text)?.[1]);
    assert.ok(total > 25, `total ${total}`);
    assert.match(all.text, /rel="next"/);
    assert.equal((all.text.match(/<tr>\s*<td class="thumb-cell">/g) ?? []).length, 25);

    const rides = await get('/activities?sport=Ride');
    const sports = [...rides.text.matchAll(/<td class="name grow">[\s\S]*?<\/td>\s*<td class="wide-only">([^<]+)<\/td>/g)].map((m) => m[1]);
    assert.ok(sports.length > 0 && sports.every((s) => s === 'Ride'), `only rides: ${sports.join(',')}`);

    // A word from the latest name that ends in one (the latest may end in an emoji, as "Forgot my watch 🙈" does).
    const { rows } = await stack.db.pool.query<{ name: string }>(
      `select name from activities where athlete_id = $1::bigint and name ~ ' [[:alpha:]]{3,}$' order by start_date desc limit 1`,
      [DEMO_ATHLETE_ID],
    );
    const word = rows[0]!.name.split(' ').at(-1)!;
    const searched = await get(`/activities?q=${encodeURIComponent(word.toLowerCase())}`);
    const names = [...searched.text.matchAll(/<td class="name grow"><a href="\/activities\/\d+" translate="no">([^<]+)<\/a>/g)].map((m) => m[1]!);
    assert.ok(names.length > 0 && names.every((n) => n.toLowerCase().includes(word.toLowerCase())));

    const { rows: dates } = await stack.db.pool.query<{ day: string; n: number }>(
      `select start_date_local::date::text as day, count(*)::int as n from activities where athlete_id = $1::bigint group by 1 order by 1 desc limit 1`,
      [DEMO_ATHLETE_ID],
    );
    const day = dates[0]!;
    const oneDay = await get(`/activities?from=${day.day}&to=${day.day}`);
    assert.match(oneDay.text, new RegExp(`\\b${day.n} activit`));

    const page2 = await get('/activities?page=2');
    assert.match(page2.text, /Page 2 of/);
    assert.match(page2.text, /rel="prev"/);
    const wildcard = await get('/activities?q=%25');
    assert.match(wildcard.text, /No activities match/);
  });

  test('another athlete\u2019s activity is a 404, on the page and on the downloads', async () => {
    for (const path of [`/activities/${OTHER_ACTIVITY}`, `/activities/${OTHER_ACTIVITY}/gpx`, `/activities/${OTHER_ACTIVITY}/csv`, '/activities/abc']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.text, /Secret run/);
    }
    assert.doesNotMatch((await get('/activities?q=Secret')).text, /Secret run/);
  });

  test('an activity: details, charts, splits; streams fetched once and kept', async () => {
    const id = await latestRecorded(stack, 'Run');
    const before = stack.sandbox.counters.apiRequests;
    // The first open answers at once from the summary and says the detailed recording is on its way.
    const fetching = await get(`/activities/${id}`);
    assert.equal(fetching.status, 200);
    assert.match(fetching.text, new RegExp(`id="streams-fetching" data-wait="/activities/${id}/streams"`));
    assert.match(fetching.text, /Fetching the detailed recording from Strava/);
    assert.match(fetching.text, /id="route-map"/, 'the route from the summary is drawn meanwhile');
    assert.doesNotMatch(fetching.text, /id="chart-|splits-table|Download GPX/);
    assert.equal(stack.sandbox.counters.apiRequests, before, 'the page itself waits on nothing');
    const ready = await get(`/activities/${id}/streams`);
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { state: 'ready' });
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    const first = await get(`/activities/${id}`);
    assert.equal(first.status, 200);
    assert.doesNotMatch(first.text, /streams-fetching/);
    for (const chart of ['chart-elevation', 'chart-pace', 'chart-heartrate', 'chart-cadence']) assert.match(first.text, new RegExp(`id="${chart}"`));
    assert.match(first.text, /<table class="splits-table">/);
    assert.match(first.text, /id="route-map"/);
    assert.match(first.text, /Download GPX/);
    const afterFirst = stack.sandbox.counters.apiRequests;
    assert.equal(afterFirst - before, 1, 'one call to Strava for the streams');
    await get(`/activities/${id}`);
    await get(`/activities/${id}/gpx`);
    await get(`/activities/${id}/csv`);
    assert.equal(stack.sandbox.counters.apiRequests, afterFirst, 'kept streams are reused');
    const { rows } = await stack.db.pool.query('select count(*)::int as n from activity_streams where activity_id = $1::bigint', [id]);
    assert.equal(rows[0].n, 1);
  });

  test('Strava failing: the activity page still renders and says the recording is unavailable', async () => {
    const { rows } = await stack.db.pool.query<{ id: number }>(
      `select a.id from activities a where a.athlete_id = $1::bigint and not a.manual and a.summary_polyline is not null
         and not exists (select 1 from activity_streams s where s.activity_id = a.id) order by a.start_date desc limit 1`,
      [DEMO_ATHLETE_ID],
    );
    stack.sandbox.failNext({ pathPrefix: '/api/v3/activities' }, 503, 10);
    try {
      const id = rows[0]!.id;
      assert.match((await get(`/activities/${id}`)).text, /id="streams-fetching"/);
      assert.deepEqual(JSON.parse((await get(`/activities/${id}/streams`)).text), { state: 'unavailable' });
      // Nothing was kept, so the next open asks again; the no-JavaScript link waits within the request.
      assert.match((await get(`/activities/${id}`)).text, /id="streams-fetching"/);
      const response = await get(`/activities/${id}?wait=1`);
      assert.equal(response.status, 200);
      assert.match(response.text, /cannot be fetched from Strava right now/);
    } finally {
      stack.sandbox.failNext({ pathPrefix: '/api/v3/activities' }, 503, 0);
    }
  });

  test('GPX parses and CSV has the streams; a privacy zone removes every point inside it everywhere', async () => {
    const id = await latestRecorded(stack, 'Run');
    const gpxResponse = await get(`/activities/${id}/gpx`);
    assert.equal(gpxResponse.status, 200);
    assert.match(gpxResponse.headers.get('content-type') ?? '', /application\/gpx\+xml/);
    assert.match(gpxResponse.headers.get('content-disposition') ?? '', /attachment; filename="activity-\d{4}-\d\d-\d\d-\d+\.gpx"/);
    const points = trackPoints(gpxResponse.text);
    assert.ok(points.length > 100, `GPX has ${points.length} points`);
    assert.match(gpxResponse.text, /<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/time>/);
    const csv = (await get(`/activities/${id}/csv`)).text.trim().split('\n');
    assert.equal(csv[0], 'time_s,timestamp,lat,lng,distance_m,altitude_m,speed_m_s,heartrate_bpm,cadence,watts');
    assert.ok(csv.length > 100);
    const thumbBefore = /<svg class="thumb"[^>]*><path d="([^"]+)"/.exec((await get('/activities')).text)?.[1];

    // A zone around the start (the athlete's home): every point within 400 m must go.
    const start = points[0]!;
    const radius = 400;
    const token = await csrf();
    const added = await post('/settings/zones', { csrf: token, lat: String(start[0]), lng: String(start[1]), radius: String(radius) });
    assert.equal(added.status, 303);
    const inside = (p: readonly [number, number]) => distanceM(p, start) <= radius;
    assert.ok(points.some(inside), 'the track passed through the zone before');

    const gpxAfter = (await get(`/activities/${id}/gpx`)).text;
    const after = trackPoints(gpxAfter);
    assert.ok(after.length > 0 && after.length < points.length);
    assert.equal(after.filter(inside).length, 0, 'no GPX point inside the zone');
    const csvAfter = (await get(`/activities/${id}/csv`)).text.trim().split('\n').slice(1);
    const csvPoints = csvAfter
      .map((line) => line.split(','))
      .filter((cells) => cells[2])
      .map((cells) => [Number(cells[2]), Number(cells[3])] as [number, number]);
    assert.ok(csvPoints.length > 0);
    assert.equal(csvPoints.filter(inside).length, 0, 'no CSV row inside the zone');
    const thumbAfter = /<svg class="thumb"[^>]*><path d="([^"]+)"/.exec((await get('/activities')).text)?.[1];
    assert.notEqual(thumbAfter, thumbBefore, 'the thumbnail changed');

    // Zones are the athlete's own: deleting another id deletes nothing; deleting theirs restores the track.
    const zoneId = Number(/action="\/settings\/zones\/(\d+)\/delete"/.exec((await get('/settings')).text)?.[1]);
    await post(`/settings/zones/${zoneId}/delete`, { csrf: token });
    assert.equal(trackPoints((await get(`/activities/${id}/gpx`)).text).length, points.length);
    // A wrong field: the form comes back with what was typed and why each wrong field is wrong.
    const refused = await post('/settings/zones', { csrf: token, lat: '95', lng: 'abc', radius: '500' });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /value="95" aria-invalid="true"/);
    assert.match(refused.text, /value="abc" aria-invalid="true"/);
    assert.match(refused.text, /A latitude is between -90 and 90\./);
    assert.match(refused.text, /Enter a number, such as 52\.52\./);
    assert.doesNotMatch(refused.text, /id="radius-error"/);
  });
});

describe('admin', () => {
  test('a panel that cannot load says so and shows no figures; the other panels still load', async () => {
    const { loadAdminPanels, registerAdminPanel } = await import('../../shared/admin/panels.js');
    let loaded = false;
    registerAdminPanel({
      id: 'future',
      title: 'Future',
      order: 99,
      load: async () => {
        loaded = true;
        throw new Error('relation "no_such_table" does not exist');
      },
    });
    const panels = await loadAdminPanels(stack.db.pool, DEMO_ATHLETE_ID, stack.runtime.log);
    assert.deepEqual(panels.find((p) => p.id === 'future')?.content, { kind: 'unavailable', reason: 'This panel could not be loaded; see the logs.' });
    assert.equal(loaded, true);
    assert.ok(panels.some((p) => p.id !== 'future' && p.content.kind !== 'unavailable'));
  });

  test('a non-admin gets 403 on /admin and its actions', async () => {
    const other = stack.sandbox.createAthlete({ firstname: 'Norma', lastname: 'User', activityCount: 3 });
    const c = await signInAs(other);
    assert.equal((await get('/results', c)).status, 200);
    assert.equal((await get('/admin', c)).status, 403);
    const token = await csrf(c);
    assert.equal((await post(`/admin/athletes/${OTHER_ATHLETE}/ban`, { csrf: token }, c)).status, 403);
    assert.doesNotMatch((await get('/results', c)).text, /href="\/admin"/);
    assert.equal((await get('/admin', stack.client())).status, 303);
  });

  test('the admin sees athletes, bans and unbans with CSRF; a banned athlete cannot sign in; actions are logged', async () => {
    await stack.db.pool.query(`insert into imports (athlete_id, status, imported) values ($1::bigint, 'running', 40)`, [OTHER_ATHLETE]);
    const page = await get('/admin');
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`data-athlete="${OTHER_ATHLETE}"[\\s\\S]*?running · 40`), 'import progress from the imports table');
    assert.match(page.text, /id="panel-webhook-subscription"/);
    const token = hiddenValue(page.text, 'csrf');

    assert.equal((await post(`/admin/athletes/${OTHER_ATHLETE}/ban`, { csrf: 'forged' })).status, 403);
    const victim = stack.sandbox.createAthlete({ firstname: 'Banned', lastname: 'Soon', activityCount: 2 });
    const victimClient = await signInAs(victim);
    assert.equal((await get('/results', victimClient)).status, 200);

    assert.equal((await post(`/admin/athletes/${victim}/ban`, { csrf: token, reason: 'spam' })).status, 303);
    const status = await stack.db.pool.query('select status, status_reason from athletes where id = $1::bigint', [victim]);
    assert.deepEqual(status.rows[0], { status: 'banned', status_reason: 'spam' });
    // The ban ends the session itself (a new session epoch): the open cookie is signed out.
    assert.equal((await get('/results', victimClient)).status, 303, 'the open session stops working');
    const retry = await signInAs(victim);
    assert.equal((await get('/results', retry)).status, 303, 'and signing in again is refused');

    assert.equal((await post(`/admin/athletes/${victim}/unban`, { csrf: token })).status, 303);
    const unbanned = await stack.db.pool.query('select status from athletes where id = $1::bigint', [victim]);
    assert.equal(unbanned.rows[0].status, 'connected');
    const audit = await stack.db.pool.query('select action, target_athlete_id, admin_athlete_id from admin_audit order by id');
    assert.deepEqual(
      audit.rows.map((r) => [r.action, r.target_athlete_id, r.admin_athlete_id]),
      [
        ['ban', victim, DEMO_ATHLETE_ID],
        ['unban', victim, DEMO_ATHLETE_ID],
      ],
    );
    assert.ok(stack.logLines.some((line) => line.includes('Admin banned an athlete')));
    assert.match((await get('/admin')).text, /spam/);
  });
});
