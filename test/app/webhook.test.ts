// The webhook receiver over HTTP: Strava's validation GET, and POSTs that are published, refused (4xx) or left for Strava to retry (5xx).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeMessage, type PubSubCloudEvent } from '../../shared/platform/bus.js';
import { createInProcessBus, type InProcessBus } from '../../shared/platform/in-process-bus.js';
import { createLogger } from '../../shared/log.js';
import { ensureSubscription, viewSubscription, webhookCallbackUrl } from '../../shared/strava/subscriptions.js';
import { subscriptionCache } from '../../app/routes/webhook.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const VERIFY_TOKEN = `verify-${randomBytes(8).toString('hex')}`;
const PATH_SECRET = randomBytes(18).toString('base64url');
const quietLog = () => createLogger({ format: 'json', level: 'error', write: () => undefined });

function activityEvent(subscriptionId: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aspect_type: 'update',
    event_time: 1_741_950_000,
    object_id: 1_360_128_428,
    object_type: 'activity',
    owner_id: 134_815,
    subscription_id: subscriptionId,
    updates: { title: 'Messy' },
    ...overrides,
  };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('webhook receiver with a path secret', () => {
  let stack: TestStack;
  let bus: InProcessBus;
  const published: PubSubCloudEvent[] = [];
  let callbackUrl: string;
  let subscriptionId: number;

  before(async () => {
    bus = createInProcessBus({ log: quietLog() });
    bus.subscribe('strava-events', async (event) => {
      published.push(event);
    });
    stack = await startTestStack({ bus, env: { STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, WEBHOOK_PATH_SECRET: PATH_SECRET } });
    callbackUrl = webhookCallbackUrl(stack.baseUrl, PATH_SECRET);
    // The real round trip: the sandbox calls the running app's GET /webhook/<secret> before it answers.
    const options = stack.deps.stravaApplication;
    subscriptionId = (await ensureSubscription(options, callbackUrl, VERIFY_TOKEN, {}, stack.runtime.pool)).id;
    // As the admin page and npm start do after subscribing: the receiver reads the recorded id.
    await subscriptionCache(stack.deps).invalidate();
    assert.equal((await viewSubscription(options))?.callback_url, callbackUrl);
  });
  after(async () => {
    await stack.close();
    await bus.close();
  });

  it('answers the validation GET with the challenge, 403 for a wrong verify token, 400 when incomplete', async () => {
    const ok = await fetch(`${callbackUrl}?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=${VERIFY_TOKEN}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { 'hub.challenge': 'abc123' });
    const wrong = await fetch(`${callbackUrl}?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=guess`);
    assert.equal(wrong.status, 403);
    const incomplete = await fetch(`${callbackUrl}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`);
    assert.equal(incomplete.status, 400);
  });

  it('is not found without the path secret or with a wrong one, and publishes nothing', async () => {
    const before = published.length;
    assert.equal((await post(`${stack.baseUrl}/webhook`, activityEvent(subscriptionId))).status, 404);
    assert.equal((await post(`${stack.baseUrl}/webhook/${'x'.repeat(24)}`, activityEvent(subscriptionId))).status, 404);
    assert.equal((await fetch(`${stack.baseUrl}/webhook?hub.mode=subscribe&hub.challenge=a&hub.verify_token=${VERIFY_TOKEN}`)).status, 404);
    await bus.idle();
    assert.equal(published.length, before);
  });

  it('publishes a valid event to strava-events without an ordering key, and answers 200', async () => {
    const before = published.length;
    const res = await post(callbackUrl, activityEvent(subscriptionId));
    assert.equal(res.status, 200);
    await bus.idle();
    assert.equal(published.length, before + 1);
    const event = published.at(-1)!;
    assert.equal(event.type, 'google.cloud.pubsub.topic.v1.messagePublished');
    assert.equal(event.data!.message.orderingKey, undefined, 'unordered, as the subscription (pubsub.tf)');
    assert.deepEqual(decodeMessage(event), activityEvent(subscriptionId));
  });

  it('refuses malformed and oversized events (NUL, lone surrogates included) with a 4xx, never publishing them', async () => {
    const before = published.length;
    const cases: [unknown, number][] = [
      ['not json', 400],
      [[], 400],
      [activityEvent(subscriptionId, { object_type: 'route' }), 400],
      [activityEvent(subscriptionId, { aspect_type: 'rename' }), 400],
      [activityEvent(subscriptionId, { object_id: '1360128428' }), 400],
      [activityEvent(subscriptionId, { owner_id: -4 }), 400],
      [activityEvent(subscriptionId, { event_time: 1_741_950_000_000 }), 400],
      [activityEvent(subscriptionId, { updates: { private: 'maybe' } }), 400],
      [activityEvent(subscriptionId, { aspect_type: 'create', updates: { title: 'x' } }), 400],
      [activityEvent(subscriptionId, { object_type: 'athlete', object_id: 5, owner_id: 6, updates: { authorized: 'false' } }), 400],
      [activityEvent(subscriptionId, { updates: { title: 'x'.repeat(20_000) } }), 413],
      [activityEvent(subscriptionId, { updates: { title: 'nul\u0000byte' } }), 400],
      [activityEvent(subscriptionId, { updates: { title: 'lone \ud800 surrogate' } }), 400],
      [
        '{"aspect_type":"update","event_time":1741950000,"object_id":1,"object_type":"activity","owner_id":2,"subscription_id":3,"updates":{"title":"\\udc00"}}',
        400,
      ],
    ];
    for (const [body, status] of cases) {
      const res = await post(callbackUrl, body);
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 120)} should get ${status}`);
    }
    await bus.idle();
    assert.equal(published.length, before);
    assert.ok(stack.logLines.some((line) => line.includes('Webhook event refused')));
  });

  it('refuses an oversized body sent without a length (chunked) as it does one that declares its length', async () => {
    const before = published.length;
    const big = new TextEncoder().encode(JSON.stringify(activityEvent(subscriptionId, { updates: { title: 'x'.repeat(20_000) } })));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < big.length; at += 1_000) controller.enqueue(big.subarray(at, at + 1_000));
        controller.close();
      },
    });
    const res = await fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    const small = new TextEncoder().encode(JSON.stringify(activityEvent(subscriptionId, { object_id: 91 })));
    const smallChunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(small);
        controller.close();
      },
    });
    const ok = await fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: smallChunked, duplex: 'half' } as RequestInit);
    assert.equal(ok.status, 200);
    await bus.idle();
    assert.equal(published.length, before + 1);
  });

  it("answers with an API's security headers, and logs one line per published event", async () => {
    const linesBefore = stack.logLines.length;
    const res = await post(callbackUrl, activityEvent(subscriptionId, { object_id: 4_242 }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const refused = await post(`${stack.baseUrl}/webhook/${'y'.repeat(24)}`, activityEvent(subscriptionId));
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff');
    const lines = stack.logLines.slice(linesBefore).filter((line) => line.includes('4242'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /published/);
    assert.ok(!lines[0]!.includes(PATH_SECRET), 'the path secret never reaches the log');
  });

  it('answers an event for another subscription exactly like an accepted one, and drops it', async () => {
    const before = published.length;
    const ours = await post(callbackUrl, activityEvent(subscriptionId, { object_id: 77 }));
    const foreign = await post(callbackUrl, activityEvent(subscriptionId + 1, { object_id: 78 }));
    assert.equal(foreign.status, ours.status);
    assert.equal(await foreign.text(), await ours.text());
    await bus.idle();
    assert.equal(published.length, before + 1);
    assert.equal((decodeMessage(published.at(-1)!) as { object_id: number }).object_id, 77);
    assert.ok(stack.logLines.some((line) => line.includes('Webhook event dropped: not for our subscription')));
  });

  it('never logs the verify token or the path secret', () => {
    const all = stack.logLines.join('\n');
    assert.ok(!all.includes(VERIFY_TOKEN));
    assert.ok(!all.includes(PATH_SECRET));
  });
});

describe('webhook receiver when publishing fails', () => {
  it('answers 5xx, so Strava retries', async () => {
    const closed = createInProcessBus({ log: quietLog() });
    await closed.close();
    const stack = await startTestStack({ bus: closed, env: { STRAVA_VERIFY_TOKEN: VERIFY_TOKEN } });
    try {
      const options = stack.deps.stravaApplication;
      const { id } = await ensureSubscription(options, `${stack.baseUrl}/webhook`, VERIFY_TOKEN);
      const res = await post(`${stack.baseUrl}/webhook`, activityEvent(id));
      assert.ok(res.status >= 500, `got ${res.status}`);
      assert.ok(stack.logLines.some((line) => line.includes('Webhook event not published')));
    } finally {
      await stack.close();
    }
  });
});

describe('webhook receiver when Strava answers slowly', () => {
  it("acknowledges the first event within Strava's two seconds: the subscription id comes from the database, never from Strava on the request path", async () => {
    const bus = createInProcessBus({ log: quietLog() });
    const published: PubSubCloudEvent[] = [];
    bus.subscribe('strava-events', async (event) => {
      published.push(event);
    });
    const stack = await startTestStack({ bus, env: { STRAVA_VERIFY_TOKEN: VERIFY_TOKEN, WEBHOOK_PATH_SECRET: PATH_SECRET } });
    try {
      const options = stack.deps.stravaApplication;
      // Created and recorded (as npm start and the admin page do) before this app instance has seen any event.
      const { id } = await ensureSubscription(options, webhookCallbackUrl(stack.baseUrl, PATH_SECRET), VERIFY_TOKEN, {}, stack.runtime.pool);
      const lookUps = () => stack.sandbox.counters.byRoute['GET /push_subscriptions'] ?? 0;
      const before = lookUps();
      stack.sandbox.setLatency(2_500);
      // What the server does before it listens: read the record (a database read, bounded; Strava is not waited on).
      await subscriptionCache(stack.deps).ready();
      // Strava's own push: two seconds per attempt, three attempts.
      stack.sandbox.pushToWebhook(activityEvent(id));
      await stack.sandbox.webhooksIdle();
      await bus.idle();
      const delivery = stack.sandbox.webhookDeliveries.at(-1)!;
      assert.deepEqual(delivery.attempts, [200], 'answered on the first attempt');
      assert.equal(published.length, 1);
      assert.equal(lookUps(), before, 'Strava was not asked for the subscription id');
      assert.ok(!stack.logLines.some((line) => line.includes('before the subscription id is known')), 'the id was known for the first event');
      // The id is known: another subscription's event is dropped, not published.
      stack.sandbox.setLatency(0);
      assert.equal((await post(webhookCallbackUrl(stack.baseUrl, PATH_SECRET), activityEvent(id + 1))).status, 200);
      await bus.idle();
      assert.equal(published.length, 1);
    } finally {
      await stack.close();
      await bus.close();
    }
  });
});
