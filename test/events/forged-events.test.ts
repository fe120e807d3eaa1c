// Forged webhook events: without the path secret nothing gets in; with it, nothing destructive or costly happens unless Strava confirms it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { subscriptionCache } from '../../app/routes/webhook.js';
import { retryDeferredEvents } from '../../shared/events/process.js';
import type { InProcessBus } from '../../shared/platform/in-process-bus.js';
import { unconfirmedWebhookEvents } from '../../shared/events/store.js';
import { windowStart } from '../../shared/strava/budget.js';
import { ensureSubscription, webhookCallbackUrl } from '../../shared/strava/subscriptions.js';
import { CookieClient } from '../helpers/http.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const VERIFY_TOKEN = `verify-${randomBytes(8).toString('hex')}`;
const PATH_SECRET = randomBytes(18).toString('base64url');
// Limits the budget row can be set against; the sandbox reports the same in its headers.
const LIMIT_15 = 1000;

let stack: TestStack;
let callbackUrl: string;
let subscriptionId: number;
let athlete: number;
let activityIds: number[];

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const now = () => Math.floor(Date.now() / 1000);
const idle = () => (stack.bus as InProcessBus).idle();
const fetchesOfActivities = () => stack.sandbox.counters.byRoute['GET /activities/:id'] ?? 0;

function event(fields: Record<string, unknown>): Record<string, unknown> {
  return { aspect_type: 'create', event_time: now(), object_type: 'activity', owner_id: athlete, subscription_id: subscriptionId, updates: {}, ...fields };
}

/** Everything a forged event could change, in one comparable value. */
async function snapshot(): Promise<unknown> {
  const { rows } = await stack.db.pool.query(
    `select (select count(*) from athletes)::int as athletes, (select count(*) from tokens)::int as tokens,
            (select coalesce(string_agg(id || ':' || name || ':' || sport_type || ':' || private, ',' order by id), '') from activities) as activities`,
  );
  return rows[0];
}

async function statuses(): Promise<Record<string, number>> {
  const { rows } = await stack.db.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from webhook_events group by status');
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

before(async () => {
  stack = await startTestStack({
    env: { STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, WEBHOOK_PATH_SECRET: PATH_SECRET },
    sandbox: { rateLimits: { overall: [LIMIT_15, 10 * LIMIT_15], read: [LIMIT_15, 10 * LIMIT_15] } },
  });
  callbackUrl = webhookCallbackUrl(stack.baseUrl, PATH_SECRET);
  const options = stack.deps.stravaApplication;
  subscriptionId = (await ensureSubscription(options, callbackUrl, VERIFY_TOKEN, {}, stack.runtime.pool)).id;
  await subscriptionCache(stack.deps).invalidate();
  athlete = stack.sandbox.createAthlete({ activityCount: 3 });
  await signIn(new CookieClient(), stack.baseUrl, {}, athlete);
  const { rows } = await stack.db.pool.query<{ id: string }>('select id::text from activities where athlete_id = $1::bigint order by id', [athlete]);
  activityIds = rows.map((row) => Number(row.id));
  assert.equal(activityIds.length, 3);
});
after(async () => {
  await stack.close();
});

describe('forged webhook events', () => {
  it('with the path secret unknown, every forged event is answered without effect', async () => {
    const before = { db: await snapshot(), events: await statuses() };
    const forged = [
      event({ object_type: 'athlete', object_id: athlete, aspect_type: 'update', updates: { authorized: 'false' } }),
      event({ object_id: activityIds[0], aspect_type: 'delete' }),
      event({ object_id: activityIds[1], aspect_type: 'update', updates: { title: 'Pwned', private: 'true' } }),
      event({ object_id: 9_000_000_001 }),
    ];
    for (const body of forged) {
      for (const url of [`${stack.baseUrl}/webhook`, `${stack.baseUrl}/webhook/${'a'.repeat(24)}`, `${callbackUrl}x`]) {
        const response = await post(url, body);
        assert.ok(response.status === 404 || response.status === 429, `${url} answered ${response.status}`);
      }
    }
    await idle();
    assert.deepEqual(await snapshot(), before.db);
    assert.deepEqual(await statuses(), before.events, 'nothing was even recorded');
  });

  it("guessing the path is throttled per source, while Strava's pushes on the right path never are", async () => {
    let throttled = 0;
    for (let i = 0; i < 60; i++) if ((await post(`${stack.baseUrl}/webhook/guess${i}xxxxxxxxxxxxxx`, {})).status === 429) throttled++;
    assert.ok(throttled > 0, 'a burst of wrong paths is slowed down');
    // Same source, right path: accepted at once.
    const real = await post(callbackUrl, event({ object_id: 9_000_000_002, owner_id: 424242 }));
    assert.equal(real.status, 200);
    await idle();
  });

  it('a forged deauthorization changes nothing; it is recorded as unconfirmed and shown on the admin page', async () => {
    const before = await snapshot();
    const response = await post(callbackUrl, event({ object_type: 'athlete', object_id: athlete, aspect_type: 'update', updates: { authorized: 'false' } }));
    assert.equal(response.status, 200);
    await idle();
    assert.deepEqual(await snapshot(), before);
    const { rows } = await stack.db.pool.query(`select status, error from webhook_events where object_type = 'athlete' and owner_id = $1::bigint`, [athlete]);
    assert.equal(rows[0].status, 'unconfirmed');
    assert.match(rows[0].error, /not confirmed/);
    // What the admin page's "Events Strava did not confirm" panel lists.
    const listed = await unconfirmedWebhookEvents(stack.db.pool);
    assert.ok(listed.some((row) => row.objectType === 'athlete' && Number(row.ownerId) === athlete));
  });

  it('a forged delete and a forged update change nothing: Strava still has the activity, as it was', async () => {
    const before = await snapshot();
    assert.equal((await post(callbackUrl, event({ object_id: activityIds[0], aspect_type: 'delete' }))).status, 200);
    assert.equal(
      (await post(callbackUrl, event({ object_id: activityIds[1], aspect_type: 'update', updates: { title: 'Pwned', type: 'Ride', private: 'true' } }))).status,
      200,
    );
    await idle();
    assert.deepEqual(await snapshot(), before);
    const { rows } = await stack.db.pool.query(`select status from webhook_events where object_id = $1::bigint and aspect_type = 'delete'`, [activityIds[0]]);
    assert.equal(rows[0].status, 'unconfirmed');
  });

  it('a real deauthorization and a real delete, confirmed by the sandbox (401, 404), do take effect', async () => {
    const other = stack.sandbox.createAthlete({ activityCount: 2 });
    await signIn(new CookieClient(), stack.baseUrl, {}, other);
    const { rows } = await stack.db.pool.query<{ id: string }>('select id::text from activities where athlete_id = $1::bigint', [other]);
    // Strava's own pushes, from the sandbox, to our callback.
    await fetch(`${stack.sandbox.url}/sandbox/activities/${rows[0]!.id}`, { method: 'DELETE' });
    await stack.sandbox.webhooksIdle();
    await idle();
    assert.equal((await stack.db.pool.query('select 1 from activities where id = $1::bigint', [rows[0]!.id])).rows.length, 0);
    await fetch(`${stack.sandbox.url}/sandbox/athletes/${other}/deauthorize`, { method: 'POST' });
    await stack.sandbox.webhooksIdle();
    await idle();
    assert.equal((await stack.db.pool.query('select 1 from athletes where id = $1::bigint', [other])).rows.length, 0);
  });

  it('a burst of forged creates spends no more than the background share; the rest is deferred, then retried, never lost', async () => {
    const cap = Math.floor((LIMIT_15 * 70) / 100);
    const at = new Date();
    await stack.db.pool.query(
      `update strava_budget set window_start = $2::timestamptz, usage_15 = $3::integer, read_usage_15 = $3::integer where client_id = $1::text`,
      [stack.sandbox.clientId, windowStart(at), cap - 3],
    );
    const before = await snapshot();
    const fetches = fetchesOfActivities();
    const ids = Array.from({ length: 10 }, (_, i) => 9_100_000_000 + i);
    for (const id of ids) assert.equal((await post(callbackUrl, event({ object_id: id }))).status, 200);
    await idle();
    assert.deepEqual(await snapshot(), before, 'Strava has none of them: nothing stored');
    assert.equal(fetchesOfActivities() - fetches, 3, 'three requests were left in the background share');
    const { rows } = await stack.db.pool.query('select usage_15, read_usage_15 from strava_budget where client_id = $1::text', [stack.sandbox.clientId]);
    assert.ok(rows[0].usage_15 <= cap && rows[0].read_usage_15 <= cap, 'the share kept for sign-ins is untouched');
    const deferred = await stack.db.pool.query(`select count(*)::int as n from webhook_events where status = 'deferred' and object_id = any($1::bigint[])`, [
      ids,
    ]);
    assert.equal(deferred.rows[0].n, 7);

    // The next window: the scheduled job applies what waited.
    await stack.db.pool.query(`update strava_budget set usage_15 = 0, read_usage_15 = 0 where client_id = $1::text`, [stack.sandbox.clientId]);
    await stack.db.pool.query(`update webhook_events set retry_at = now() where status = 'deferred'`);
    const { retried } = await retryDeferredEvents(stack.runtime);
    assert.equal(retried, 7);
    const after = await stack.db.pool.query(`select status, count(*)::int as n from webhook_events where object_id = any($1::bigint[]) group by status`, [ids]);
    assert.deepEqual(after.rows, [{ status: 'ignored', n: 10 }]);
  });

  it("a flood in one athlete's name stops at that athlete's share; unknown athletes cost no Strava request at all", async () => {
    await stack.db.pool.query(`update strava_budget set usage_15 = 0, read_usage_15 = 0 where client_id = $1::text`, [stack.sandbox.clientId]);
    await stack.db.pool.query('delete from webhook_event_spend');
    const fetches = fetchesOfActivities();
    for (let i = 0; i < 40; i++) await post(callbackUrl, event({ object_id: 9_200_000_000 + i }));
    for (let i = 0; i < 40; i++) await post(callbackUrl, event({ object_id: 9_300_000_000 + i, owner_id: 5_000_000 + i }));
    await idle();
    assert.equal(fetchesOfActivities() - fetches, 30);
    const { rows } = await stack.db.pool.query(
      `select count(*) filter (where status = 'deferred')::int as deferred, count(*) filter (where status = 'ignored' and owner_id >= 5000000)::int as strangers
       from webhook_events where object_id >= 9200000000`,
    );
    assert.deepEqual(rows[0], { deferred: 10, strangers: 40 });
  });

  it('1,000 subscription-id guesses cannot tell the right id from the wrong ones', async () => {
    const answers = new Set<string>();
    const right = Math.floor(Math.random() * 1000);
    for (let i = 0; i < 1000; i++) {
      const id = i === right ? subscriptionId : subscriptionId + 1 + i;
      const response = await post(callbackUrl, event({ subscription_id: id, object_id: 9_400_000_000 + i, owner_id: 7_000_000 }));
      const names: string[] = [];
      response.headers.forEach((_value, name) => {
        names.push(name);
      });
      const headers = names
        .filter((name) => name !== 'date')
        .sort()
        .join(',');
      answers.add(`${response.status} ${response.headers.get('content-type')} ${headers} ${await response.text()}`);
    }
    await idle();
    assert.equal(answers.size, 1, [...answers].join('\n'));
    // Only the right one went any further.
    const { rows } = await stack.db.pool.query('select count(*)::int as n from webhook_events where owner_id = 7000000');
    assert.equal(rows[0].n, 1);
  });
});

describe('the sandbox confirms as Strava does', () => {
  it('answers 401 to the old token and refuses the refresh after a revocation, 404 after a delete', async () => {
    const someone = stack.sandbox.createAthlete({ activityCount: 1 });
    const tokens = stack.sandbox.issueTokens(someone, ['read', 'activity:read_all']);
    const api = (path: string) => fetch(`${stack.sandbox.apiBaseUrl}${path}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const list = (await (await api('/athlete/activities')).json()) as { id: number }[];
    await fetch(`${stack.sandbox.url}/sandbox/activities/${list[0]!.id}`, { method: 'DELETE' });
    assert.equal((await api(`/activities/${list[0]!.id}`)).status, 404);
    await fetch(`${stack.sandbox.url}/sandbox/athletes/${someone}/deauthorize`, { method: 'POST' });
    assert.equal((await api('/athlete')).status, 401);
    const refresh = await fetch(`${stack.sandbox.oauthBaseUrl}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: stack.sandbox.clientId,
        client_secret: stack.sandbox.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    });
    assert.ok(refresh.status === 400 || refresh.status === 401, `refresh answered ${refresh.status}`);
  });
});
