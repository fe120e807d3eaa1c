// The event processor against PostgreSQL and the sandbox: each kind of event, redelivery, stale and early events, and which failures retry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { PubSubCloudEvent } from '../../shared/platform/bus.js';
import { createEventHandler } from '../../shared/platform/handlers.js';
import { processWebhookEvent, retryDeferredEvents, type ProcessorDeps } from '../../shared/events/process.js';
import { recentWebhookEvents, webhookEventCounts } from '../../shared/events/store.js';
import type { StravaWebhookEvent } from '../../shared/events/webhook-event.js';
import { createStravaBudget } from '../../shared/strava/budget.js';
import { seedAthlete, startWorld, type Instance, type World } from '../harness.js';
import { sandboxControl, sandboxEvent } from '../helpers/sandbox-control.js';

let world: World;
let deps: ProcessorDeps;
let clockMs = Date.now();

const control = (method: string, path: string, body?: unknown) => sandboxControl(world.sandbox.url, method, path, body);

/** Does something at the sandbox one second later than the last thing, and returns the event it generated. */
async function act(method: string, path: string, body?: unknown): Promise<StravaWebhookEvent> {
  clockMs += 1000;
  return sandboxEvent(world.sandbox.url, method, path, body);
}

function newActivity(athleteId: number, name: string) {
  return act('POST', `/athletes/${athleteId}/activities`, { name, sport_type: 'Run', distance: 5000, moving_time: 1500, start_date: '2025-03-14T12:00:00Z' });
}

async function row(id: number): Promise<{ name: string; sport_type: string; private: boolean } | undefined> {
  const { rows } = await world.db.pool.query('select name, sport_type, private from activities where id = $1::bigint', [id]);
  return rows[0];
}

async function eventRow(event: StravaWebhookEvent): Promise<{ status: string; attempts: number; error: string | null; updates: unknown }> {
  const { rows } = await world.db.pool.query(
    `select status, attempts, error, updates from webhook_events
     where object_id = $1::bigint and aspect_type = $2::text and event_time = to_timestamp($3::bigint) order by id desc limit 1`,
    [event.object_id, event.aspect_type, event.event_time],
  );
  return rows[0];
}

const activityFetches = () => world.sandbox.counters.byRoute['GET /activities/:id'] ?? 0;

describe('processStravaEvent logic', () => {
  let athleteId: number;

  before(async () => {
    world = await startWorld({ now: () => new Date(clockMs) });
    const instance: Instance = world.instance();
    const budget = createStravaBudget({ pool: instance.pool, clientId: world.sandbox.clientId, log: instance.log });
    deps = { ...instance, budget };
    ({ athleteId } = await seedAthlete(world, { expiresInSeconds: 6 * 3600 }));
  });
  after(async () => {
    // Closes the instance's pool too.
    await world.close();
  });

  it('create: one GET /activities/{id} and an upsert; a redelivery changes nothing and calls Strava no more', async () => {
    const fetchesBefore = activityFetches();
    const event = await newActivity(athleteId, 'Morning Run');
    assert.deepEqual(await processWebhookEvent(deps, event), { status: 'processed' });
    assert.equal(activityFetches(), fetchesBefore + 1);
    assert.deepEqual(await row(event.object_id), { name: 'Morning Run', sport_type: 'Run', private: false });

    assert.deepEqual(await processWebhookEvent(deps, event), { status: 'duplicate' });
    assert.equal(activityFetches(), fetchesBefore + 1);
    assert.equal((await eventRow(event)).attempts, 1);
    assert.equal((await eventRow(event)).status, 'processed');
  });

  it("update: title, type and privacy come from Strava's answer (one GET), never from the event body", async () => {
    const created = await newActivity(athleteId, 'Ride?');
    await processWebhookEvent(deps, created);
    const fetches = activityFetches();
    const update = await act('PUT', `/activities/${created.object_id}`, { name: 'Evening Ride', sport_type: 'Ride', private: true });
    assert.deepEqual(await processWebhookEvent(deps, update), { status: 'processed', reason: "applied from Strava's answer" });
    assert.equal(activityFetches(), fetches + 1);
    assert.deepEqual(await row(created.object_id), { name: 'Evening Ride', sport_type: 'Ride', private: true });
    // A forged body naming another title changes nothing: Strava's answer still says "Evening Ride".
    const forged = { ...update, event_time: update.event_time + 5, updates: { title: 'Forged', private: 'false' } };
    assert.equal((await processWebhookEvent(deps, forged)).status, 'processed');
    assert.deepEqual(await row(created.object_id), { name: 'Evening Ride', sport_type: 'Ride', private: true });
  });

  it('a TrailRun whose event says the legacy type "Run" is stored as TrailRun, as Strava answers', async () => {
    const created = await newActivity(athleteId, 'Hills');
    await processWebhookEvent(deps, created);
    const toTrail = await act('PUT', `/activities/${created.object_id}`, { sport_type: 'TrailRun' });
    assert.deepEqual(toTrail.updates, { type: 'Run' }, 'the sandbox pushes the legacy type, as Strava does');
    await processWebhookEvent(deps, toTrail);
    assert.equal((await row(created.object_id))?.sport_type, 'TrailRun');
  });

  it('private "false" stores the visibility Strava answers (Followers), not a guess of Everyone', async () => {
    const created = await newActivity(athleteId, 'Secret loop');
    await processWebhookEvent(deps, created);
    const hidden = await act('PUT', `/activities/${created.object_id}`, { private: true });
    await processWebhookEvent(deps, hidden);
    const followers = await act('PUT', `/activities/${created.object_id}`, { visibility: 'followers_only' });
    assert.deepEqual(followers.updates, { private: 'false' });
    await processWebhookEvent(deps, followers);
    const { rows } = await world.db.pool.query('select private, visibility from activities where id = $1::bigint', [created.object_id]);
    assert.deepEqual(rows[0], { private: false, visibility: 'followers_only' });
  });

  it('a stale update never overwrites newer data', async () => {
    const created = await newActivity(athleteId, 'Current name');
    await processWebhookEvent(deps, created);
    const newer = await act('PUT', `/activities/${created.object_id}`, { name: 'Newest name' });
    await processWebhookEvent(deps, newer);
    const stale = { ...newer, event_time: newer.event_time - 1, updates: { title: 'Older name' } };
    const outcome = await processWebhookEvent(deps, stale);
    assert.equal(outcome.status, 'ignored');
    assert.equal((await row(created.object_id))?.name, 'Newest name');
  });

  it('an update within the same second as the stored fetch is fetched again: that fetch may have come just before the change', async () => {
    const created = await newActivity(athleteId, 'Name at creation');
    await processWebhookEvent(deps, created);
    const renamed = await act('PUT', `/activities/${created.object_id}`, { name: 'Name a moment later' });
    const sameSecond = { ...renamed, event_time: created.event_time };
    assert.deepEqual(await processWebhookEvent(deps, sameSecond), { status: 'processed', reason: "applied from Strava's answer" });
    assert.equal((await row(created.object_id))?.name, 'Name a moment later');
  });

  it('an update that arrives before its create is not lost: the activity is fetched, and the late create changes nothing', async () => {
    const created = await newActivity(athleteId, 'First title');
    const update = await act('PUT', `/activities/${created.object_id}`, { name: 'Second title' });
    assert.deepEqual(await processWebhookEvent(deps, update), { status: 'processed', reason: "applied from Strava's answer" });
    assert.equal((await row(created.object_id))?.name, 'Second title');
    const fetches = activityFetches();
    assert.equal((await processWebhookEvent(deps, created)).status, 'ignored');
    assert.equal(activityFetches(), fetches, 'the create finds newer data and does not fetch');
    assert.equal((await row(created.object_id))?.name, 'Second title');
  });

  it('delete removes the activity, and a late create or update does not bring it back', async () => {
    const created = await newActivity(athleteId, 'Doomed');
    await processWebhookEvent(deps, created);
    const update = await act('PUT', `/activities/${created.object_id}`, { name: 'Still doomed' });
    const deleted = await act('DELETE', `/activities/${created.object_id}`);
    assert.deepEqual(await processWebhookEvent(deps, deleted), { status: 'processed', reason: 'Strava has no such activity (404)' });
    assert.equal(await row(created.object_id), undefined);
    // The create again (a replay) and the update arriving after the delete.
    const replayedCreate = { ...created, updates: {} };
    await world.db.pool.query(`update webhook_events set status = 'retrying' where object_id = $1::bigint and aspect_type = 'create'`, [created.object_id]);
    assert.equal((await processWebhookEvent(deps, replayedCreate)).status, 'ignored');
    assert.equal((await processWebhookEvent(deps, update)).status, 'ignored');
    assert.equal(await row(created.object_id), undefined);
  });

  it('an activity Strava no longer has (404) is recorded and acknowledged', async () => {
    const created = await newActivity(athleteId, 'Gone before we looked');
    await control('DELETE', `/activities/${created.object_id}`);
    const outcome = await processWebhookEvent(deps, created);
    assert.equal(outcome.status, 'ignored');
    assert.match((await eventRow(created)).error ?? '', /404/);
  });

  it('5xx throws so Pub/Sub redelivers; a 429 defers the event to the next window; the next delivery applies it', async () => {
    const created = await newActivity(athleteId, 'Flaky Strava');
    world.sandbox.failNext({ method: 'GET', pathPrefix: '/activities' }, 503, 3);
    await assert.rejects(processWebhookEvent(deps, created), /Strava answered 503/);
    assert.equal((await eventRow(created)).status, 'retrying');
    world.sandbox.failNext({ method: 'GET', pathPrefix: '/activities' }, 429, 1);
    assert.equal((await processWebhookEvent(deps, created)).status, 'deferred');
    assert.equal((await eventRow(created)).status, 'deferred');
    assert.deepEqual(await processWebhookEvent(deps, created), { status: 'processed' });
    const recorded = await eventRow(created);
    assert.equal(recorded.status, 'processed');
    assert.equal(recorded.attempts, 3);
    assert.equal((await row(created.object_id))?.name, 'Flaky Strava');
  });

  it('while the Strava application is inactive an event is parked, not redelivered into the dead-letter topic, and applied once Strava answers again', async () => {
    const created = await newActivity(athleteId, 'Paused Run');
    world.sandbox.setApplication({ status: 'inactive' });
    try {
      assert.deepEqual(await processWebhookEvent(deps, created), { status: 'deferred', reason: 'Strava application inactive' });
      const parked = await eventRow(created);
      assert.equal(parked.status, 'deferred');
      assert.equal(await row(created.object_id), undefined, 'nothing applied while paused');
      // Not due yet: the scheduled job leaves it alone.
      assert.deepEqual(await retryDeferredEvents(deps), { retried: 0, deferredAgain: 0 });
    } finally {
      world.sandbox.setApplication({ status: 'active' });
    }
    // The pause's retry time passes (moved in the database rather than waited for).
    await world.db.pool.query(`update webhook_events set retry_at = now() - interval '1 second' where status = 'deferred' and object_id = $1::bigint`, [
      created.object_id,
    ]);
    assert.deepEqual(await retryDeferredEvents(deps), { retried: 1, deferredAgain: 0 });
    assert.equal((await eventRow(created)).status, 'processed');
    assert.equal((await row(created.object_id))?.name, 'Paused Run');
  });

  it('events of athletes we do not know are recorded as ignored, without the titles they carried', async () => {
    const stranger = world.sandbox.createAthlete({ activityCount: 0 });
    const event: StravaWebhookEvent = {
      object_type: 'activity',
      aspect_type: 'update',
      object_id: 42,
      owner_id: stranger,
      subscription_id: 777,
      event_time: Math.floor(clockMs / 1000),
      updates: { title: 'Private words' },
    };
    assert.deepEqual(await processWebhookEvent(deps, event), { status: 'ignored', reason: 'unknown athlete' });
    assert.deepEqual((await eventRow(event)).updates, {});
  });

  it('deauthorization deletes the athlete and everything of theirs, their recorded events included', async () => {
    const other = await seedAthlete(world, { expiresInSeconds: 6 * 3600 });
    const created = await newActivity(other.athleteId, 'Soon gone');
    await processWebhookEvent(deps, created);
    const deauth = await act('POST', `/athletes/${other.athleteId}/deauthorize`);
    assert.equal((await processWebhookEvent(deps, deauth)).status, 'processed');
    const left = await world.db.pool.query(
      `select (select count(*) from athletes where id = $1::bigint)::int as athletes,
              (select count(*) from activities where athlete_id = $1::bigint)::int as activities,
              (select count(*) from tokens where athlete_id = $1::bigint)::int as tokens,
              (select count(*) from webhook_events where owner_id = $1::bigint)::int as events`,
      [other.athleteId],
    );
    assert.deepEqual(left.rows[0], { athletes: 0, activities: 0, tokens: 0, events: 1 });
    assert.equal((await processWebhookEvent(deps, deauth)).status, 'duplicate');
  });

  it('the admin queries report recent events and counts by status', async () => {
    const recent = await recentWebhookEvents(world.db.pool, 5);
    assert.equal(recent.length, 5);
    assert.ok(recent[0]!.receivedAt >= recent[4]!.receivedAt);
    const counts = await webhookEventCounts(world.db.pool);
    assert.ok(counts.processed > 0 && counts.ignored > 0);
    assert.equal(counts.total, counts.received + counts.retrying + counts.deferred + counts.processed + counts.ignored + counts.unconfirmed + counts.failed);
  });

  it('the handler acknowledges a message that is not a webhook event, and throws when the database is down', async () => {
    const envelope = (data: string): PubSubCloudEvent => ({
      specversion: '1.0',
      id: '1',
      source: '//pubsub.googleapis.com/projects/p/topics/strava-events',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      data: { message: { data, messageId: '1', publishTime: new Date().toISOString() }, subscription: 'projects/p/subscriptions/s' },
    });
    const handler = createEventHandler(async () => deps);
    await handler(envelope(Buffer.from('{"hello":"world"}').toString('base64')));
    await handler(envelope('%%% not base64 json'));

    const down = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
    const broken = createEventHandler(async () => ({ ...deps, pool: down }));
    const event = await newActivity(athleteId, 'Database down');
    await assert.rejects(broken(envelope(Buffer.from(JSON.stringify(event)).toString('base64'))));
    await down.end();
  });
});
