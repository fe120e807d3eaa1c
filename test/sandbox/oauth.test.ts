// OAuth against the sandbox: the consent form, code exchange, refresh rotation and deauthorization.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sandbox } from '../../dev/sandbox/server.js';
import { T0, assertSchema, authorizeUrl, consent, exchangeCode, fakeClock, getJson, parseConsentForm, postForm, refresh, start } from './helpers.js';

const REDIRECT = 'http://localhost:3000/exchange_token';
const INVALID_CODE = { message: 'Bad Request', errors: [{ resource: 'AuthorizationCode', field: 'code', code: 'invalid' }] };
const INVALID_REFRESH = { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] };
const INVALID_TOKEN = { message: 'Authorization Error', errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }] };

describe('oauth', () => {
  const clock = fakeClock(T0);
  let sb: Sandbox;

  before(async () => {
    sb = await start({ now: clock.now });
  });
  after(() => sb.close());

  test('the consent page is a plain form: ticked box per scope, hidden request fields, two buttons, escaped output', async () => {
    const state = `x"><script>alert(1)</script>&y`;
    const res = await fetch(authorizeUrl(sb, { scope: 'activity:read_all,read,profile:read_all', state, approval_prompt: 'force' }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.ok(!html.includes('<script>'), 'state is escaped');
    assert.ok(html.includes('<input type="checkbox" name="scope" value="activity:read_all" checked>'));
    assert.ok(html.includes('<input type="checkbox" name="scope" value="profile:read_all" checked>'));
    assert.ok(html.includes('<button type="submit" name="decision" value="approve">Authorize</button>'));
    assert.ok(html.includes('<button type="submit" name="decision" value="deny">Cancel</button>'));
    assert.match(html, /View data about your private activities/);
    assert.match(html, /Lena Hoffmann/, 'the demo athlete is logged in');

    const form = parseConsentForm(html);
    assert.equal(form.method, 'post');
    assert.equal(form.action, '/oauth/authorize');
    assert.deepEqual(
      form.checkboxes.map((b) => [b.value, b.checked]),
      [
        ['read', true],
        ['profile:read_all', true],
        ['activity:read_all', true],
      ],
    );
    const hidden = new Map(form.hidden);
    assert.equal(hidden.get('state'), state, 'state round-trips through the form unchanged');
    assert.equal(hidden.get('client_id'), sb.clientId);
    assert.equal(hidden.get('redirect_uri'), REDIRECT);
  });

  test('approve → redirect with state, code and scope in Strava order → token exchange → API access', async () => {
    const { location, query } = await consent(sb, { scope: 'activity:read_all,read', state: 'abc 123', approval_prompt: 'force' });
    assert.ok(location.startsWith(`${REDIRECT}?state=abc%20123&code=`), location);
    assert.ok(location.endsWith('&scope=read,activity:read_all'), 'commas and colons stay literal');
    assert.equal(query.get('state'), 'abc 123');
    const code = query.get('code')!;
    assert.match(code, /^[0-9a-f]{40}$/);

    const before = sb.counters.tokenExchanges;
    const t = await exchangeCode(sb, code);
    assert.equal(t.status, 200);
    assert.equal(sb.counters.tokenExchanges, before + 1);
    assert.deepEqual(Object.keys(t.body).sort(), ['access_token', 'athlete', 'expires_at', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(t.body.token_type, 'Bearer');
    assert.equal(t.body.expires_in, 21600);
    assert.equal(t.body.expires_at, Math.floor(clock.ms() / 1000) + 21600);
    assert.match(t.body.access_token, /^[0-9a-f]{40}$/);
    assert.match(t.body.refresh_token, /^[0-9a-f]{40}$/);
    assert.notEqual(t.body.access_token, t.body.refresh_token);
    assertSchema('SummaryAthlete', t.body.athlete);
    assert.equal(t.body.athlete.id, sb.demoAthleteId);
    assert.equal(t.body.athlete.resource_state, 2);

    const me = await getJson(`${sb.apiBaseUrl}/athlete`, t.body.access_token);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, sb.demoAthleteId);
    const list = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?per_page=1`, t.body.access_token);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 1);
  });

  test('a code is single use', async () => {
    const { query } = await consent(sb, { scope: 'read', approval_prompt: 'force' });
    const first = await exchangeCode(sb, query.get('code')!);
    assert.equal(first.status, 200);
    const second = await exchangeCode(sb, query.get('code')!);
    assert.equal(second.status, 400);
    assert.deepEqual(second.body, INVALID_CODE);
  });

  test('a code expires after about ten minutes', async () => {
    const { query } = await consent(sb, { scope: 'read', approval_prompt: 'force' });
    clock.advance(11 * 60);
    const r = await exchangeCode(sb, query.get('code')!);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, INVALID_CODE);
  });

  test('unticked scopes are not granted, and the API enforces what was granted', async () => {
    const { query } = await consent(sb, { scope: 'read,activity:read_all', approval_prompt: 'force' }, 'approve', ['activity:read_all']);
    assert.equal(query.get('scope'), 'read');
    const t = await exchangeCode(sb, query.get('code')!);
    const me = await getJson(`${sb.apiBaseUrl}/athlete`, t.body.access_token);
    assert.equal(me.status, 200);
    const list = await getJson(`${sb.apiBaseUrl}/athlete/activities`, t.body.access_token);
    assert.equal(list.status, 401);
    assert.deepEqual(list.body, {
      message: 'Authorization Error',
      errors: [{ resource: 'AccessToken', field: 'activity:read_permission', code: 'missing' }],
    });
  });

  test('the public-profile scope cannot be unticked', async () => {
    const { query } = await consent(sb, { scope: 'read,activity:read', approval_prompt: 'force' }, 'approve', ['read', 'activity:read']);
    assert.equal(query.get('scope'), 'read');
  });

  test('cancel redirects with error=access_denied and the state, no code', async () => {
    const { location, query } = await consent(sb, { scope: 'read,activity:read_all', state: 's1', approval_prompt: 'force' }, 'deny');
    assert.equal(location, `${REDIRECT}?state=s1&error=access_denied`);
    assert.equal(query.get('code'), null);
  });

  test('approval_prompt=auto skips the page only when a superset was already approved', async () => {
    const athlete = sb.createAthlete({ firstname: 'Auto', lastname: 'Approver' });
    const page = (params: Record<string, string>) => fetch(authorizeUrl(sb, { athlete_id: String(athlete), ...params }), { redirect: 'manual' });

    const firstVisit = await page({ scope: 'read,activity:read_all', approval_prompt: 'auto' });
    assert.equal(firstVisit.status, 200, 'nothing approved yet: the page is shown');
    assert.match(await firstVisit.text(), /Auto Approver/);

    await consent(sb, { athlete_id: String(athlete), scope: 'read,activity:read_all', approval_prompt: 'force' });
    const subset = await page({ scope: 'activity:read_all', approval_prompt: 'auto', state: 'q' });
    assert.equal(subset.status, 302);
    const url = new URL(subset.headers.get('location')!);
    assert.equal(url.searchParams.get('state'), 'q');
    assert.equal(url.searchParams.get('scope'), 'activity:read_all');
    const t = await exchangeCode(sb, url.searchParams.get('code')!);
    assert.equal(t.status, 200);
    assert.equal(t.body.athlete.id, athlete, 'athlete_id acted as that athlete');

    const more = await page({ scope: 'read,profile:read_all', approval_prompt: 'auto' });
    assert.equal(more.status, 200, 'a new scope needs the page');
    await more.arrayBuffer();
    const forced = await page({ scope: 'read', approval_prompt: 'force' });
    assert.equal(forced.status, 200, 'force always shows the page');
    await forced.arrayBuffer();
  });

  test('bad client_id, redirect_uri, response_type or scope → 400 with a Strava error body', async () => {
    const bad = async (params: Record<string, string>) => {
      const r = await getJson(authorizeUrl(sb, params));
      assert.equal(r.status, 400);
      assertSchema('Fault', r.body);
      return r.body;
    };
    assert.deepEqual(await bad({ client_id: '999', scope: 'read' }), {
      message: 'Bad Request',
      errors: [{ resource: 'Application', field: 'client_id', code: 'invalid' }],
    });
    assert.deepEqual(await bad({ redirect_uri: 'https://evil.example.com/cb', scope: 'read' }), {
      message: 'Bad Request',
      errors: [{ resource: 'Application', field: 'redirect_uri', code: 'invalid' }],
    });
    assert.equal((await bad({ response_type: 'token', scope: 'read' })).errors[0].field, 'response_type');
    assert.equal((await bad({ scope: 'read,activity:everything' })).errors[0].field, 'scope');
    // 127.0.0.1 with any port and path is fine.
    const ok = await fetch(authorizeUrl(sb, { redirect_uri: 'http://127.0.0.1:9/x?y=1', scope: 'read', approval_prompt: 'force' }));
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  });

  test('the callback domain option admits that domain and its subdomains', async () => {
    const other = await start({ now: clock.now, callbackDomain: 'training.example.org' });
    try {
      const r = await consent(other, { redirect_uri: 'https://app.training.example.org/cb', scope: 'read', approval_prompt: 'force' });
      assert.ok(r.location.startsWith('https://app.training.example.org/cb?state=&code='));
      const denied = await fetch(authorizeUrl(other, { redirect_uri: 'https://training.example.org.evil.net/cb', scope: 'read' }));
      assert.equal(denied.status, 400);
      await denied.arrayBuffer();
    } finally {
      await other.close();
    }
  });

  test('token exchange: wrong secret 401, wrong client 400, JSON bodies and query parameters accepted', async () => {
    const { query } = await consent(sb, { scope: 'read', approval_prompt: 'force' });
    const code = query.get('code')!;
    const wrongSecret = await postForm(`${sb.oauthBaseUrl}/token`, { client_id: sb.clientId, client_secret: 'nope', code, grant_type: 'authorization_code' });
    assert.equal(wrongSecret.status, 401);
    assertSchema('Fault', wrongSecret.body);
    assert.deepEqual(wrongSecret.body, { message: 'Authorization Error', errors: [{ resource: 'Application', field: 'client_secret', code: 'invalid' }] });
    const wrongClient = await postForm(`${sb.oauthBaseUrl}/token`, { client_id: '1', client_secret: sb.clientSecret, code, grant_type: 'authorization_code' });
    assert.equal(wrongClient.status, 400);

    // The failed attempts did not consume the code (they never got that far).
    const json = await fetch(`${sb.oauthBaseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: Number(sb.clientId), client_secret: sb.clientSecret, code, grant_type: 'authorization_code' }),
    });
    assert.equal(json.status, 200);
    const tokens = (await json.json()) as { refresh_token: string };

    const viaQuery = await fetch(
      `${sb.oauthBaseUrl}/token?${new URLSearchParams({ client_id: sb.clientId, client_secret: sb.clientSecret, refresh_token: tokens.refresh_token, grant_type: 'refresh_token' })}`,
      { method: 'POST' },
    );
    assert.equal(viaQuery.status, 200);
    await viaQuery.arrayBuffer();
  });

  test('refresh: same access token while more than an hour is left, then rotation kills the old refresh token at once', async () => {
    const issued = sb.issueTokens(sb.demoAthleteId, ['read', 'activity:read_all']);
    const refreshesBefore = sb.counters.tokenRefreshes;

    const early = await refresh(sb, issued.refresh_token);
    assert.equal(early.status, 200);
    assert.deepEqual(Object.keys(early.body).sort(), ['access_token', 'expires_at', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(early.body.access_token, issued.access_token);
    assert.equal(early.body.refresh_token, issued.refresh_token);
    assert.equal(early.body.expires_at, issued.expires_at);
    assert.equal(early.body.expires_in, issued.expires_at - Math.floor(clock.ms() / 1000));

    // Exactly one hour left is "one hour or less": a new token.
    clock.set(new Date((issued.expires_at - 3600) * 1000).toISOString());
    const rotated = await refresh(sb, issued.refresh_token);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.access_token, issued.access_token);
    assert.notEqual(rotated.body.refresh_token, issued.refresh_token);
    assert.equal(rotated.body.expires_in, 21600);
    assert.equal(sb.counters.tokenRefreshes, refreshesBefore + 2);

    const stale = await refresh(sb, issued.refresh_token);
    assert.equal(stale.status, 400);
    assert.deepEqual(stale.body, INVALID_REFRESH);

    const again = await refresh(sb, rotated.body.refresh_token);
    assert.equal(again.status, 200);
    assert.equal(again.body.access_token, rotated.body.access_token, 'the new token has hours left, so it is reused');

    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, rotated.body.access_token)).status, 200);
    // The previous access token lives out its six hours; after that it is refused.
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, issued.access_token)).status, 200);
    clock.set(new Date((issued.expires_at + 1) * 1000).toISOString());
    const expired = await getJson(`${sb.apiBaseUrl}/athlete`, issued.access_token);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, INVALID_TOKEN);
    clock.set(T0);
  });

  test('issueTokens with a short lifetime makes the next refresh rotate', async () => {
    const issued = sb.issueTokens(sb.demoAthleteId, ['read'], { expiresInSeconds: 120 });
    assert.equal(issued.expires_at, Math.floor(clock.ms() / 1000) + 120);
    assert.equal(issued.scope, 'read');
    const r = await refresh(sb, issued.refresh_token);
    assert.notEqual(r.body.access_token, issued.access_token);
  });

  test('deauthorize: every token of the athlete for this app stops working and the grant is gone', async () => {
    const athlete = sb.createAthlete();
    const first = await consent(sb, { athlete_id: String(athlete), scope: 'read,activity:read', approval_prompt: 'force' });
    const a = (await exchangeCode(sb, first.query.get('code')!)).body;
    const b = sb.issueTokens(athlete, ['read', 'activity:read']);
    const other = sb.issueTokens(sb.demoAthleteId, ['read']);

    const r = await postForm(`${sb.oauthBaseUrl}/deauthorize`, { access_token: a.access_token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { access_token: a.access_token });

    for (const token of [a.access_token, b.access_token]) {
      const res = await getJson(`${sb.apiBaseUrl}/athlete`, token);
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, INVALID_TOKEN);
    }
    assert.equal((await refresh(sb, a.refresh_token)).status, 400);
    assert.equal((await refresh(sb, b.refresh_token)).status, 400);
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, other.access_token)).status, 200, 'other athletes keep theirs');

    const again = await fetch(authorizeUrl(sb, { athlete_id: String(athlete), scope: 'read', approval_prompt: 'auto' }), { redirect: 'manual' });
    assert.equal(again.status, 200, 'no grant left, so auto shows the page');
    await again.arrayBuffer();

    const twice = await postForm(`${sb.oauthBaseUrl}/deauthorize`, { access_token: a.access_token });
    assert.equal(twice.status, 401);
  });

  test('deauthorize accepts the token as a bearer header', async () => {
    const t = sb.issueTokens(sb.createAthlete(), ['read']);
    const r = await fetch(`${sb.oauthBaseUrl}/deauthorize`, { method: 'POST', headers: { Authorization: `Bearer ${t.access_token}` } });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    assert.equal((await getJson(`${sb.apiBaseUrl}/athlete`, t.access_token)).status, 401);
  });
});
