// The sandbox's webhook side: push subscriptions with Strava's validation round trip, the control API and its event pushes with retries.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../dev/sandbox/server.js';
import { start } from './helpers.js';

interface Received {
  method: string;
  url: string;
  body: unknown;
}

/** A stand-in for the app's callback: answers the hub.challenge with `verifyToken`, and events with `eventStatus`. */
async function callbackServer(verifyToken: string): Promise<{ url: string; received: Received[]; eventStatus: { next: number[] }; close(): Promise<void> }> {
  const received: Received[] = [];
  const eventStatus = { next: [] as number[] };
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => resolve(text));
    });
  const server: Server = createServer(async (req, res) => {
    const text = await read(req);
    const url = new URL(req.url ?? '/', 'http://x');
    received.push({ method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : null });
    if (req.method === 'GET') {
      const ok = url.searchParams.get('hub.verify_token') === verifyToken && url.searchParams.get('hub.mode') === 'subscribe';
      res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { 'hub.challenge': url.searchParams.get('hub.challenge') } : { error: 'no' }));
      return;
    }
    res.writeHead(eventStatus.next.shift() ?? 200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    received,
    eventStatus,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function call(method: string, url: string, body?: unknown, form?: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    ...(form ? { body: new URLSearchParams(form) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('sandbox push subscriptions', () => {
  let sb: Sandbox;
  let app: Awaited<ReturnType<typeof callbackServer>>;
  const creds = () => new URLSearchParams({ client_id: sb.clientId, client_secret: sb.clientSecret });

  before(async () => {
    sb = await start({ webhooks: { retryDelayMs: () => 20 } });
    app = await callbackServer('verify-me');
  });
  after(async () => {
    await sb.close();
    await app.close();
  });

  it('view lists nothing before a subscription exists and refuses a wrong client secret', async () => {
    assert.deepEqual((await call('GET', `${sb.apiBaseUrl}/push_subscriptions?${creds()}`)).body, []);
    const wrong = await call('GET', `${sb.apiBaseUrl}/push_subscriptions?client_id=${sb.clientId}&client_secret=nope`);
    assert.equal(wrong.status, 401);
  });

  it('create fails when the callback does not echo the challenge (wrong verify token), and records nothing', async () => {
    const res = await call('POST', `${sb.apiBaseUrl}/push_subscriptions`, undefined, {
      client_id: sb.clientId,
      client_secret: sb.clientSecret,
      callback_url: app.url,
      verify_token: 'not-what-the-app-expects',
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors[0].resource, 'PushSubscription');
    assert.equal(sb.webhookSubscription(), null);
  });

  it('create validates the callback with hub.mode, hub.challenge and hub.verify_token, then answers the id; one per application', async () => {
    const form = { client_id: sb.clientId, client_secret: sb.clientSecret, callback_url: app.url, verify_token: 'verify-me' };
    const res = await call('POST', `${sb.apiBaseUrl}/push_subscriptions`, undefined, form);
    assert.equal(res.status, 201);
    assert.equal(typeof res.body.id, 'number');
    const validation = app.received.filter((r) => r.method === 'GET').at(-1)!;
    const query = new URL(validation.url, 'http://x').searchParams;
    assert.equal(query.get('hub.mode'), 'subscribe');
    assert.equal(query.get('hub.verify_token'), 'verify-me');
    assert.ok(query.get('hub.challenge'));

    const list = await call('GET', `${sb.apiBaseUrl}/push_subscriptions?${creds()}`);
    assert.equal(list.body.length, 1);
    assert.equal(list.body[0].id, res.body.id);
    assert.equal(list.body[0].callback_url, app.url);
    assert.equal(list.body[0].application_id, Number(sb.clientId));

    const second = await call('POST', `${sb.apiBaseUrl}/push_subscriptions`, undefined, form);
    assert.equal(second.status, 400);
    assert.equal(second.body.errors[0].code, 'already exists');
  });

  it('the control API lists athletes, and creating, editing and deleting an activity pushes create, update and delete events', async () => {
    const athletes = (await call('GET', `${sb.url}/sandbox/athletes`)).body as { id: number; authorized: boolean }[];
    assert.ok(athletes.some((a) => a.id === sb.demoAthleteId));
    // Strava pushes events only for athletes who authorized the application.
    sb.issueTokens(sb.demoAthleteId);
    const subscriptionId = sb.webhookSubscription()!.id;

    const created = await call('POST', `${sb.url}/sandbox/athletes/${sb.demoAthleteId}/activities`, {
      name: 'Lunch Run',
      sport_type: 'TrailRun',
      distance: 5000,
      moving_time: 1500,
      start_date: '2025-03-14T12:00:00Z',
    });
    assert.equal(created.status, 201);
    const id = created.body.activity.id as number;
    assert.equal(created.body.activity.name, 'Lunch Run');

    const token = sb.issueTokens(sb.demoAthleteId).access_token;
    const fetched = await fetch(`${sb.apiBaseUrl}/activities/${id}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(fetched.status, 200);

    const edited = await call('PUT', `${sb.url}/sandbox/activities/${id}`, { name: 'Messy', sport_type: 'Ride', private: true });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.activity.private, true);
    const deleted = await call('DELETE', `${sb.url}/sandbox/activities/${id}`);
    assert.equal(deleted.status, 200);
    assert.equal((await fetch(`${sb.apiBaseUrl}/activities/${id}`, { headers: { authorization: `Bearer ${token}` } })).status, 404);

    await sb.webhooksIdle();
    const events = app.received.filter((r) => r.method === 'POST').map((r) => r.body as Record<string, unknown>);
    const mine = events.filter((e) => e.object_id === id);
    assert.deepEqual(
      mine.map((e) => [e.aspect_type, e.object_type, e.owner_id, e.subscription_id]),
      [
        ['create', 'activity', sb.demoAthleteId, subscriptionId],
        ['update', 'activity', sb.demoAthleteId, subscriptionId],
        ['delete', 'activity', sb.demoAthleteId, subscriptionId],
      ],
    );
    // Strava's update carries the changed fields as strings, the sport as the older `type`.
    assert.deepEqual(mine[1]!.updates, { title: 'Messy', type: 'Ride', private: 'true' });
    for (const e of mine) assert.equal(Number.isInteger(e.event_time), true);
  });

  it('control API input errors are 400s that change nothing', async () => {
    const before = sb.webhookEvents.length;
    const bad = await call('POST', `${sb.url}/sandbox/athletes/${sb.demoAthleteId}/activities`, {
      name: 'x',
      sport_type: 'Run',
      distance: -1,
      moving_time: 60,
      start_date: '2025-01-01T00:00:00Z',
    });
    assert.equal(bad.status, 400);
    assert.equal((await call('PUT', `${sb.url}/sandbox/activities/1`, { name: 'x' })).status, 404);
    assert.equal((await call('POST', `${sb.url}/sandbox/athletes/999999999/activities`, { name: 'x' })).status, 404);
    assert.equal(sb.webhookEvents.length, before);
  });

  it('a push the callback refuses is retried, three attempts in all', async () => {
    app.eventStatus.next = [500, 500, 500];
    const created = await call('POST', `${sb.url}/sandbox/athletes/${sb.demoAthleteId}/activities`, {
      name: 'Retried',
      sport_type: 'Run',
      distance: 1000,
      moving_time: 300,
      start_date: '2025-03-14T13:00:00Z',
    });
    await sb.webhooksIdle();
    const delivery = sb.webhookDeliveries.find((d) => d.event.object_id === created.body.activity.id)!;
    assert.deepEqual(delivery.attempts, [500, 500, 500]);
    assert.equal(delivery.delivered, false);

    app.eventStatus.next = [503];
    const second = await call('PUT', `${sb.url}/sandbox/activities/${created.body.activity.id}`, { name: 'Retried again' });
    await sb.webhooksIdle();
    const again = sb.webhookDeliveries.find((d) => d.event.object_id === second.body.activity.id && d.event.aspect_type === 'update')!;
    assert.deepEqual(again.attempts, [503, 200]);
    assert.equal(again.delivered, true);
  });

  it('deauthorizing pushes the athlete event and the tokens stop working', async () => {
    const token = sb.issueTokens(sb.demoAthleteId).access_token;
    const res = await call('POST', `${sb.url}/sandbox/athletes/${sb.demoAthleteId}/deauthorize`);
    assert.equal(res.status, 200);
    await sb.webhooksIdle();
    const last = app.received.filter((r) => r.method === 'POST').at(-1)!.body as Record<string, unknown>;
    assert.equal(last.object_type, 'athlete');
    assert.equal(last.object_id, sb.demoAthleteId);
    assert.deepEqual(last.updates, { authorized: 'false' });
    assert.equal((await fetch(`${sb.apiBaseUrl}/athlete`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  it('delete removes the subscription; events are then recorded but not pushed', async () => {
    const id = sb.webhookSubscription()!.id;
    const res = await fetch(`${sb.apiBaseUrl}/push_subscriptions/${id}?${creds()}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.deepEqual((await call('GET', `${sb.apiBaseUrl}/push_subscriptions?${creds()}`)).body, []);
    const posts = app.received.filter((r) => r.method === 'POST').length;
    sb.issueTokens(sb.demoAthleteId);
    await call('POST', `${sb.url}/sandbox/athletes/${sb.demoAthleteId}/activities`, {
      name: 'Quiet',
      sport_type: 'Run',
      distance: 1,
      moving_time: 60,
      start_date: '2025-03-14T14:00:00Z',
    });
    await sb.webhooksIdle();
    assert.equal(app.received.filter((r) => r.method === 'POST').length, posts);
    assert.equal(sb.webhookEvents.at(-1)!.aspect_type, 'create');
  });
});
