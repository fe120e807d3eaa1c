// The admin page's live-updates panels over HTTP: the Strava webhook subscription (view, create, delete), recent events with dead letters, the rate-limit budget; admins only, CSRF, audit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { isInProcessBus } from '../../shared/platform/pubsub-bus.js';
import type { InProcessBus } from '../../shared/platform/in-process-bus.js';
import { CookieClient, type HopResponse } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const VERIFY_TOKEN = `verify-${randomBytes(8).toString('hex')}`;
const PATH_SECRET = randomBytes(18).toString('base64url');
const FAILING_ACTIVITY = { pathPrefix: '/activities/' };

let stack: TestStack;
let bus: InProcessBus;
let admin: CookieClient;
/** The subscription the admin created, once created. */
let subscriptionId = 0;

before(async () => {
  stack = await startTestStack({
    env: { ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID), STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, WEBHOOK_PATH_SECRET: PATH_SECRET },
  });
  assert.ok(isInProcessBus(stack.bus));
  bus = stack.bus;
  admin = new CookieClient();
  const hops = await signIn(admin, stack.baseUrl);
  assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');
});

after(async () => {
  await stack.close();
});

const get = (path: string, c = admin, headers: Record<string, string> = {}) => c.request(stack.baseUrl + path, { headers });

const post = (path: string, fields: Record<string, string>, c = admin) =>
  c.request(stack.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

async function csrf(c = admin): Promise<string> {
  return hiddenValue((await get('/settings', c)).text, 'csrf');
}

function panel(html: string, id: string): string {
  const match = new RegExp(`<section class="admin-panel" id="panel-${id}">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(match, `no ${id} panel on the page`);
  return match[1]!;
}

/** The value shown beside a label in a panel's figures. */
function fact(html: string, label: string): string {
  const match = new RegExp(`<dt>${label}</dt><dd>([^<]*)</dd>`).exec(html);
  assert.ok(match, `no "${label}" figure in ${html.slice(0, 300)}`);
  return match[1]!;
}

function notice(page: HopResponse): string | undefined {
  return /<section class="banner [a-z]+ admin-notice"[^>]*>\s*<p>([^<]*)<\/p>/.exec(page.text)?.[1];
}

async function audit(): Promise<{ action: string; outcome: string; admin: number }[]> {
  const { rows } = await stack.db.pool.query<{ action: string; outcome: string; admin: number }>(
    `select action, detail->>'outcome' as outcome, admin_athlete_id as admin from admin_audit order by id`,
  );
  return rows.map((row) => ({ ...row, admin: Number(row.admin) }));
}

async function pushActivity(name: string): Promise<number> {
  const res = await fetch(`${stack.sandbox.url}/sandbox/athletes/${DEMO_ATHLETE_ID}/activities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, sport_type: 'Run', distance: 5000, moving_time: 1500, start_date: new Date(Date.now() - 3_600_000).toISOString() }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { activity: { id: number } };
  // Strava's push, the webhook, the bus and the processor, all finished before the test looks.
  await stack.sandbox.webhooksIdle();
  await bus.idle();
  return body.activity.id;
}

test('a non-admin gets 403 on every admin route, POSTs included, and nothing changes', async () => {
  const other = stack.sandbox.createAthlete({ firstname: 'Norma', lastname: 'User', activityCount: 2 });
  const c = new CookieClient();
  await signIn(c, stack.baseUrl, {}, other);
  const token = await csrf(c);
  assert.equal((await get('/admin', c)).status, 403);
  assert.equal((await post('/admin/webhook-subscription/create', { csrf: token }, c)).status, 403);
  assert.equal((await post('/admin/webhook-subscription/delete', { csrf: token, id: '123456' }, c)).status, 403);
  assert.equal((await post(`/admin/athletes/${DEMO_ATHLETE_ID}/ban`, { csrf: token }, c)).status, 403);
  assert.equal((await post(`/admin/athletes/${DEMO_ATHLETE_ID}/unban`, { csrf: token }, c)).status, 403);
  const anonymous = new CookieClient();
  assert.equal((await get('/admin', anonymous)).status, 303);
  assert.equal((await post('/admin/webhook-subscription/create', { csrf: 'x' }, anonymous)).status, 303);
  assert.equal((await post('/admin/webhook-subscription/delete', { csrf: 'x', id: '1' }, anonymous)).status, 303);

  assert.equal(stack.sandbox.webhookSubscription(), null);
  assert.deepEqual(await audit(), []);
  assert.ok(stack.logLines.some((line) => line.includes('Admin page refused to a non-admin')));
});

test('the admin creates the subscription through Strava\u2019s validation round trip and sees it', async () => {
  const before = await get('/admin');
  assert.equal(before.status, 200);
  const empty = panel(before.text, 'webhook-subscription');
  assert.match(empty, /No subscription: Strava sends no events/);
  assert.match(empty, /action="\/admin\/webhook-subscription\/create"/);
  assert.equal(fact(empty, 'This site\u2019s callback'), `${stack.baseUrl}/webhook/\u2022\u2022\u2022`, 'the path secret stays off the page');
  assert.ok(!before.text.includes(PATH_SECRET));

  const created = await post('/admin/webhook-subscription/create', { csrf: hiddenValue(before.text, 'csrf') });
  assert.equal(created.status, 303);
  const location = new URL(created.headers.get('location')!, stack.baseUrl);
  const atStrava = stack.sandbox.webhookSubscription();
  assert.ok(atStrava, 'Strava has the subscription');
  assert.equal(atStrava.callbackUrl, `${stack.baseUrl}/webhook/${PATH_SECRET}`);
  subscriptionId = atStrava.id;
  assert.equal(location.searchParams.get('id'), String(subscriptionId));
  assert.ok(
    stack.logLines.some((line) => line.includes('Webhook subscription validated')),
    'Strava called the running app back',
  );

  const after = await get(location.pathname + location.search);
  assert.equal(notice(after), `Subscription ${subscriptionId} created: Strava validated this site\u2019s callback.`);
  const shown = panel(after.text, 'webhook-subscription');
  assert.equal(fact(shown, 'Subscription id'), String(subscriptionId));
  assert.equal(fact(shown, 'Points at this site'), 'yes');
  assert.equal(fact(shown, 'Callback URL'), `${stack.baseUrl}/webhook/\u2022\u2022\u2022`);
  assert.match(shown, new RegExp(`action="/admin/webhook-subscription/delete"[\\s\\S]*name="id" value="${subscriptionId}"`));
  assert.ok(!after.text.includes(PATH_SECRET));

  const ru = await get('/admin', admin, { 'accept-language': 'ru' });
  assert.match(ru.text, /<h2>Подписка на вебхуки Strava<\/h2>/);
  assert.equal(fact(panel(ru.text, 'webhook-subscription'), 'Ведёт на этот сайт'), 'да');
});

test('creating a second one: Strava\u2019s refusal is shown on the admin page, not an error page, and nothing changes', async () => {
  const refused = await post('/admin/webhook-subscription/create', { csrf: await csrf() });
  assert.equal(refused.status, 400);
  assert.match(notice(refused) ?? '', /^The subscription was not created\. Strava refused the request \(400.*already exists/);
  assert.match(refused.text, /id="panel-webhook-subscription"/, 'the admin page itself');
  assert.doesNotMatch(refused.text, /class="status">Error/);
  assert.equal(stack.sandbox.webhookSubscription()?.id, subscriptionId);
});

test('forms without the right CSRF token are refused and change nothing', async () => {
  const auditBefore = await audit();
  assert.equal((await post('/admin/webhook-subscription/delete', { csrf: 'forged', id: String(subscriptionId) })).status, 403);
  assert.equal((await post('/admin/webhook-subscription/delete', { id: String(subscriptionId) })).status, 403);
  assert.equal((await post('/admin/webhook-subscription/create', { csrf: 'forged' })).status, 403);
  assert.equal(stack.sandbox.webhookSubscription()?.id, subscriptionId);
  assert.deepEqual(await audit(), auditBefore);
});

test('deleting with a malformed or unknown id: a clear message and nothing changes', async () => {
  const token = await csrf();
  const malformed = await post('/admin/webhook-subscription/delete', { csrf: token, id: '12abc' });
  assert.equal(malformed.status, 400);
  assert.equal(notice(malformed), 'That is not a subscription id. Nothing was changed.');
  const unknown = await post('/admin/webhook-subscription/delete', { csrf: token, id: String(subscriptionId + 1) });
  assert.equal(unknown.status, 400);
  assert.match(notice(unknown) ?? '', /^The subscription was not deleted\. Strava has no such record/);
  assert.equal(stack.sandbox.webhookSubscription()?.id, subscriptionId);
});

test('an activity pushed by Strava is listed with its status; the budget shows what Strava last reported', async () => {
  await stack.runtime.budget.flush();
  await stack.db.pool.query('delete from strava_budget');
  const none = await get('/admin');
  assert.match(panel(none.text, 'rate-limit-budget'), /No Strava answer recorded yet\./);
  assert.match(panel(none.text, 'webhook-events'), /No webhook events yet\./);

  // The processor fetches the activity from Strava: that call's rate-limit headers are what the budget records.
  const id = await pushActivity('Panel run');
  await stack.runtime.budget.flush();
  const { rows } = await stack.db.pool.query<{
    usage_15: number;
    usage_day: number;
    limit_15: number;
    limit_day: number;
    read_usage_15: number;
    read_limit_15: number;
  }>('select usage_15, usage_day, limit_15, limit_day, read_usage_15, read_limit_15 from strava_budget');
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.ok(row.usage_15 > 0 && row.usage_day >= row.usage_15);

  const page = await get('/admin');
  const events = panel(page.text, 'webhook-events');
  assert.match(events, new RegExp(`<td[^>]*>activity ${id}</td><td[^>]*>create</td><td[^>]*>${DEMO_ATHLETE_ID}</td><td[^>]*>processed</td><td[^>]*>1</td>`));
  assert.equal(fact(events, 'Events by status'), 'processed 1 · ignored 0 · unconfirmed 0 · deferred 0 · failed 0 · retrying 0 · received 0');
  assert.equal(fact(events, 'Events that failed every delivery attempt'), '0 (dead-lettered by this machine\u2019s in-process bus)');
  const budget = panel(page.text, 'rate-limit-budget');
  assert.equal(fact(budget, 'This 15 minutes'), `${row.usage_15} of ${row.limit_15} requests · reads ${row.read_usage_15} of ${row.read_limit_15}`);
  assert.match(fact(budget, 'Today \\(UTC\\)'), new RegExp(`^${row.usage_day} of ${row.limit_day.toLocaleString('en-US')} requests`));
  assert.equal(fact(budget, 'History imports may use'), '70% of each 15 minutes, 80% of each day');
});

test('an event that fails every delivery attempt is counted as a dead letter', async () => {
  // Strava answers 500 to every fetch of an activity: each delivery fails for now, until the bus gives up.
  stack.sandbox.failNext(FAILING_ACTIVITY, 500, 1000);
  let id: number;
  try {
    id = await pushActivity('Doomed run');
  } finally {
    stack.sandbox.failNext(FAILING_ACTIVITY, 500, 0);
  }
  assert.equal(bus.deadLetters.length, 1);
  const events = panel((await get('/admin')).text, 'webhook-events');
  assert.equal(fact(events, 'Events that failed every delivery attempt'), '1 (dead-lettered by this machine\u2019s in-process bus)');
  assert.match(
    events,
    new RegExp(
      `<td[^>]*>activity ${id}</td><td[^>]*>create</td><td[^>]*>${DEMO_ATHLETE_ID}</td><td[^>]*>retrying</td><td[^>]*>5</td><td[^>]*>StravaServerError: Strava answered 500</td>`,
    ),
  );
});

test('delete, then create again: Strava has the new one and its events are accepted', async () => {
  const deleted = await post('/admin/webhook-subscription/delete', { csrf: await csrf(), id: String(subscriptionId) });
  assert.equal(deleted.status, 303);
  assert.equal(stack.sandbox.webhookSubscription(), null);
  const after = await get(new URL(deleted.headers.get('location')!, stack.baseUrl).pathname + new URL(deleted.headers.get('location')!, stack.baseUrl).search);
  assert.equal(notice(after), `Subscription ${subscriptionId} deleted: Strava sends no more events.`);
  assert.match(panel(after.text, 'webhook-subscription'), /No subscription/);

  const created = await post('/admin/webhook-subscription/create', { csrf: await csrf() });
  assert.equal(created.status, 303);
  const again = stack.sandbox.webhookSubscription();
  assert.ok(again && again.id !== subscriptionId);
  assert.equal(fact(panel((await get('/admin')).text, 'webhook-subscription'), 'Subscription id'), String(again.id));

  // Events now carry the new id: the webhook's check of it must know about the new subscription at once.
  const id = await pushActivity('After the new subscription');
  const { rows } = await stack.db.pool.query(`select status from webhook_events where object_id = $1::bigint`, [id]);
  assert.deepEqual(rows, [{ status: 'processed' }]);
  subscriptionId = again.id;
});

test('every admin action left an audit row and a log line, and no secret was logged', async () => {
  const rows = await audit();
  assert.deepEqual(
    rows.map((row) => [row.action, row.outcome]),
    [
      ['webhook_subscription_create', 'created'],
      ['webhook_subscription_create', 'refused'],
      ['webhook_subscription_delete', 'refused'],
      ['webhook_subscription_delete', 'refused'],
      ['webhook_subscription_delete', 'deleted'],
      ['webhook_subscription_create', 'created'],
    ],
  );
  assert.ok(rows.every((row) => row.admin === DEMO_ATHLETE_ID));
  const logged = (action: string) => stack.logLines.filter((line) => line.includes(`"Admin action: ${action}"`)).length;
  assert.equal(logged('webhook_subscription_create'), 3);
  assert.equal(logged('webhook_subscription_delete'), 3);
  const page = await get('/admin');
  assert.match(page.text, /<td[^>]*>webhook subscription<\/td>/, 'the audit is on the page');
  const all = stack.logLines.join('\n');
  assert.ok(!all.includes(VERIFY_TOKEN));
  assert.ok(!all.includes(PATH_SECRET));
});
