// Connect with Strava end to end over HTTP: app, sandbox and a real database, no browser.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadTokens } from '../../shared/tokens/store.js';
import type { CookieClient } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let demo: number;
const XSS_NAME = '<script>alert(1)</script>';

before(async () => {
  stack = await startTestStack();
  demo = stack.sandbox.demoAthleteId;
  stack.sandbox.addActivity(demo, {
    name: XSS_NAME,
    sport_type: 'Run',
    distance: 5000,
    moving_time: 1500,
    start_date: new Date(Date.now() - 60_000).toISOString(),
  });
});
after(() => stack.close());

async function count(table: string, athleteId: number): Promise<number> {
  const column = table === 'athletes' ? 'id' : 'athlete_id';
  const { rows } = await stack.db.pool.query<{ n: number }>(`select count(*)::int as n from ${table} where ${column} = $1::bigint`, [athleteId]);
  return rows[0]!.n;
}

describe('connecting', () => {
  test('the home page offers Connect with Strava', async () => {
    const response = await stack.request(`/`);
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(html, /href="\/login"[^>]*>\s*<img[^>]*alt="Connect with Strava"/);
    assert.match(html, /Powered by Strava/);
  });

  test('/login sends the athlete to Strava with the scopes, a state and the callback', async () => {
    const response = await stack.client().request(`${stack.baseUrl}/login`);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin + location.pathname, `${stack.sandbox.oauthBaseUrl}/authorize`);
    assert.equal(location.searchParams.get('scope'), 'read,activity:read_all,profile:read_all');
    assert.equal(location.searchParams.get('redirect_uri'), `${stack.baseUrl}/exchange_token`);
    assert.equal(location.searchParams.get('response_type'), 'code');
    assert.ok((location.searchParams.get('state') ?? '').length >= 24);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('oauth_state='));
    assert.match(cookie ?? '', /HttpOnly/i);
    assert.match(cookie ?? '', /SameSite=Lax/i);
  });

  test('approve → tokens encrypted, athlete and latest page stored, results shown', async () => {
    const client = stack.client();
    const hops = await signIn(client, stack.baseUrl);
    const last = hops.at(-1)!;
    assert.equal(new URL(last.url).pathname, '/results');
    assert.equal(last.status, 200);

    const athlete = (await stack.db.pool.query('select firstname, lastname, status, scopes from athletes where id = $1::bigint', [demo])).rows[0];
    assert.equal(athlete.status, 'connected');
    assert.deepEqual(athlete.scopes, ['read', 'profile:read_all', 'activity:read_all'], 'in Strava\u2019s order, with the optional profile scope for gear');
    assert.ok(last.text.includes(athlete.firstname), 'the page greets the athlete by name');

    const activities = await count('activities', demo);
    assert.ok(activities > 0 && activities <= 200, `imported ${activities}`);
    assert.equal(stack.sandbox.counters.byRoute['GET /athlete/activities'] ?? 1, 1);

    // The session cookie is signed, HttpOnly and SameSite.
    const sessionHop = hops.find((h) => h.headers.getSetCookie().some((c) => c.startsWith('session=')))!;
    const setCookie = sessionHop.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);

    // Results: latest activity, totals, recent table with pace, Strava links and attribution.
    assert.match(last.text, /Latest activity/);
    assert.match(last.text, /This week/);
    assert.match(last.text, /All time/);
    assert.match(last.text, /\/km|km\/h/);
    assert.match(last.text, /View on Strava/);
    assert.match(last.text, /Powered by Strava/);
    assert.match(last.text, /Disconnect and delete my data/);
  });

  test('tokens are encrypted at rest and decrypt to tokens Strava accepts', async () => {
    const raw = (await stack.db.pool.query('select access_token, refresh_token, expires_at from tokens where athlete_id = $1::bigint', [demo])).rows[0];
    const tokens = await loadTokens(stack.db.pool, stack.runtime.cipher, demo);
    assert.ok(tokens);
    assert.ok(tokens.accessToken.length > 10);
    for (const column of [raw.access_token, raw.refresh_token] as Buffer[]) {
      assert.ok(!column.includes(Buffer.from(tokens.accessToken)));
      assert.ok(!column.includes(Buffer.from(tokens.refreshToken)));
    }
    const dump = JSON.stringify((await stack.db.pool.query('select t::text from tokens t')).rows);
    assert.ok(!dump.includes(tokens.accessToken) && !dump.includes(tokens.refreshToken));
    const me = await fetch(`${stack.sandbox.apiBaseUrl}/athlete`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    assert.equal(me.status, 200);
    // Nothing secret reached the logs.
    const logs = stack.logLines.join('\n');
    assert.ok(!logs.includes(tokens.accessToken) && !logs.includes(tokens.refreshToken));
    assert.ok(!logs.includes(stack.sandbox.clientSecret));
  });

  test('an activity name with markup is shown escaped', async () => {
    const client = stack.client();
    const hops = await signIn(client, stack.baseUrl);
    const html = hops.at(-1)!.text;
    assert.ok(!html.includes(XSS_NAME), 'raw script tag must not appear');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('connecting again updates the same rows, never duplicates', async () => {
    const before = { athletes: await count('athletes', demo), tokens: await count('tokens', demo), activities: await count('activities', demo) };
    const client = stack.client();
    const hops = await signIn(client, stack.baseUrl);
    assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');
    assert.equal(await count('athletes', demo), 1);
    assert.equal(await count('tokens', demo), 1);
    assert.equal(await count('activities', demo), before.activities);
    assert.deepEqual(before.athletes, 1);
  });
});

describe('refusals', () => {
  test('deny: a friendly page, nothing stored', async () => {
    const athlete = stack.sandbox.createAthlete({ firstname: 'Dee', lastname: 'Nied' });
    const client = stack.client();
    const hops = await signIn(client, stack.baseUrl, { decision: 'deny' }, athlete);
    const last = hops.at(-1)!;
    assert.equal(new URL(last.url).pathname, '/exchange_token');
    assert.match(last.text, /You chose not to connect/);
    assert.match(last.text, /Try again/);
    assert.equal(await count('athletes', athlete), 0);
  });

  test('an unticked activity scope: a page asking for it, nothing stored', async () => {
    const athlete = stack.sandbox.createAthlete({ firstname: 'Una', lastname: 'Ticked' });
    const client = stack.client();
    const hops = await signIn(client, stack.baseUrl, { scopes: ['read'] }, athlete);
    const last = hops.at(-1)!;
    assert.match(last.text, /We need a little more access/);
    assert.match(last.text, /see your activities/);
    assert.match(last.text, /href="\/login\?force=1"/);
    assert.equal(await count('athletes', athlete), 0);
    assert.equal(await count('tokens', athlete), 0);
  });

  test('a tampered state is refused and nothing is stored', async () => {
    const athlete = stack.sandbox.createAthlete({ firstname: 'Tam', lastname: 'Pered' });
    const client = stack.client();
    const login = await client.request(`${stack.baseUrl}/login`);
    const authorize = new URL(login.headers.get('location')!);
    authorize.searchParams.set('state', 'forged-state-value-0000000000000');
    authorize.searchParams.set('athlete_id', String(athlete));
    const page = await client.request(authorize.toString());
    assert.equal(page.status, 200);
    const hops = await signInFromPage(client, page.text, page.url);
    const last = hops.at(-1)!;
    assert.equal(last.status, 400);
    assert.match(last.text, /could not verify this sign-in/);
    assert.equal(await count('athletes', athlete), 0);
  });

  test('a callback without the state cookie (another browser) is refused', async () => {
    const response = await stack.client().request(`${stack.baseUrl}/exchange_token?state=abc&code=def&scope=read,activity:read_all`);
    assert.equal(response.status, 400);
    assert.match(response.text, /could not verify this sign-in/);
  });

  test('a used or invented code gets a clear page, not a stack trace', async () => {
    const client = stack.client();
    const login = await client.request(`${stack.baseUrl}/login`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const response = await client.request(`${stack.baseUrl}/exchange_token?state=${state}&code=invented&scope=read,activity:read_all`);
    assert.equal(response.status, 400);
    assert.match(response.text, /did not accept this sign-in/);
    assert.doesNotMatch(response.text, /at .*\.ts:\d+|Error:/);
  });

  test('Strava down during the exchange: a 502 page that says so', async () => {
    const client = stack.client();
    const login = await client.request(`${stack.baseUrl}/login`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    // Three failures: the first attempt and both retries.
    stack.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 503, 3);
    const response = await client.request(`${stack.baseUrl}/exchange_token?state=${state}&code=whatever&scope=read,activity:read_all`);
    assert.equal(response.status, 502);
    assert.match(response.text, /Strava is not answering right now/);
  });

  test('Strava over its rate limit during the exchange: a 503 page (try again later), nothing stored', async () => {
    const client = stack.client();
    const login = await client.request(`${stack.baseUrl}/login`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const athletesBefore = (await stack.db.pool.query('select count(*)::int as n from athletes')).rows[0].n;
    // A 429 is not retried at once: the window has to reset first.
    stack.sandbox.failNext({ method: 'POST', pathPrefix: '/oauth/token' }, 429, 1);
    const response = await client.request(`${stack.baseUrl}/exchange_token?state=${state}&code=whatever&scope=read,activity:read_all`);
    assert.equal(response.status, 503);
    assert.match(response.text, /Strava is not answering right now/);
    assert.equal((await stack.db.pool.query('select count(*)::int as n from athletes')).rows[0].n, athletesBefore);
  });
});

async function signInFromPage(client: CookieClient, html: string, url: string) {
  const { parseForm } = await import('../helpers/http.js');
  const form = parseForm(html, url);
  const body = new URLSearchParams(form.hidden);
  for (const box of form.checkboxes) if (box.checked) body.append(box.name, box.value);
  body.set('decision', 'approve');
  return client.follow(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

describe('sessions', () => {
  test('no session: /results sends the visitor to the home page to connect, with no data', async () => {
    const response = await stack.client().request(`${stack.baseUrl}/results`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/?signin=1');
    assert.doesNotMatch(response.text, /View on Strava/);
    const home = await stack.client().request(`${stack.baseUrl}/?signin=1`);
    assert.match(home.text, /Connect with Strava to see that page/);
  });

  test('a forged or foreign-signed session cookie is refused', async () => {
    const host = new URL(stack.baseUrl).host;
    for (const value of [`${demo}.${Date.now()}`, `${demo}.${Date.now()}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D`]) {
      const client = stack.client();
      client.setCookie(host, 'session', value);
      const response = await client.request(`${stack.baseUrl}/results`);
      assert.equal(response.status, 303, `cookie ${value}`);
      assert.doesNotMatch(response.text, /View on Strava/);
    }
    // Signed with a different secret: a valid shape, a wrong signature.
    const { generateSignedCookie } = await import('hono/cookie');
    const foreign = await generateSignedCookie('session', `${demo}.${Date.now()}`, 'another-secret-entirely');
    const client = stack.client();
    client.setCookie(host, 'session', foreign.split(';')[0]!.slice('session='.length));
    assert.equal((await client.request(`${stack.baseUrl}/results`)).status, 303);
  });
  // Logout and every other way a session ends: test/integration/sessions.test.ts.
});

describe('disconnect and delete my data', () => {
  test('without the CSRF token nothing is deleted', async () => {
    const client = stack.client();
    await signIn(client, stack.baseUrl);
    const response = await client.request(`${stack.baseUrl}/account/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=wrong',
    });
    assert.equal(response.status, 403);
    assert.equal(await count('athletes', demo), 1);
  });

  test('deauthorizes at Strava and removes every row of the athlete', async () => {
    const client = stack.client();
    await signIn(client, stack.baseUrl);
    const tokens = await loadTokens(stack.db.pool, stack.runtime.cipher, demo);
    assert.ok(tokens);
    const confirm = await client.request(`${stack.baseUrl}/account/delete`);
    assert.equal(confirm.status, 200);
    const csrf = hiddenValue(confirm.text, 'csrf');
    const done = await client.request(`${stack.baseUrl}/account/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    assert.equal(done.status, 200);
    assert.match(done.text, /Your data was deleted/);
    assert.match(done.text, /access to your Strava account was revoked/);
    for (const table of ['athletes', 'tokens', 'activities']) assert.equal(await count(table, demo), 0, table);
    const me = await fetch(`${stack.sandbox.apiBaseUrl}/athlete`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    assert.equal(me.status, 401, 'the old token no longer works at Strava');
    assert.equal((await client.request(`${stack.baseUrl}/results`)).status, 303);
  });
});

describe('errors', () => {
  test('an unknown page is a plain 404 page', async () => {
    const response = await stack.request(`/no/such/page`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /There is no page here/);
  });
});
