// Activities deleted through a webhook event stay deleted: neither a later history import page nor reconnecting brings them back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { processWebhookEvent, type ProcessorDeps } from '../../shared/events/process.js';
import { parseWebhookEvent } from '../../shared/events/webhook-event.js';
import { handleImportRequest } from '../../shared/imports/requests.js';
import { getImport, requestImport } from '../../shared/imports/store.js';
import { signIn } from '../helpers/oauth.js';
import type { Sandbox } from '../../dev/sandbox/server.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { activityStats, seedAthlete, startWorld, type World } from '../harness.js';

const HOUR = 3_600_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * An activity event as Strava pushes it, applied by the event processor. The sandbox keeps listing the activity: it
 * stands for Strava still listing one whose delete was already applied here (its list lags, or the page was fetched
 * just before the delete), which is exactly what an importer must not write back. Its detail answers 404 once for a
 * delete: the processor applies a delete only when Strava confirms it (test/events/forged-events.test.ts).
 */
let sandbox: Sandbox;
async function applyEvent(deps: ProcessorDeps, aspect: 'create' | 'delete', activityId: number, ownerId: number, eventTime: number) {
  if (aspect === 'delete') sandbox.failNext({ method: 'GET', pathPrefix: `/activities/${activityId}` }, 404, 1);
  const event = parseWebhookEvent({
    aspect_type: aspect,
    event_time: eventTime,
    object_id: activityId,
    object_type: 'activity',
    owner_id: ownerId,
    subscription_id: 1,
    updates: {},
  });
  return processWebhookEvent(deps, event);
}

async function stored(pool: pg.Pool, id: number): Promise<{ name: string } | undefined> {
  const { rows } = await pool.query<{ name: string }>('select name from activities where id = $1::bigint', [id]);
  return rows[0];
}

describe('the history import', () => {
  let world: World;

  before(async () => {
    world = await startWorld({ rateLimits: { overall: [1e6, 1e7], read: [1e6, 1e7] } }, { movableClock: true });
    sandbox = world.sandbox;
  });
  after(async () => {
    await world.close();
  });

  test('a page never re-inserts an activity a webhook delete removed; one created again after its delete stays', async () => {
    const { athleteId, accessToken } = await seedAthlete(world, { activities: 450 });
    const instance = world.instance();
    // Three activities on different pages (200 per page, newest first).
    const listed = [
      ...(await instance.strava.listActivities(accessToken, { page: 1, perPage: 200 })),
      ...(await instance.strava.listActivities(accessToken, { page: 2, perPage: 200 })),
      ...(await instance.strava.listActivities(accessToken, { page: 3, perPage: 200 })),
    ];
    assert.equal(listed.length, 450);
    const neverStored = listed[10]!.id;
    const storedThenDeleted = listed[250]!.id;
    const recreated = listed[420]!.id;

    // Deleted before the import ever saw it: the processed delete is all there is.
    assert.deepEqual(await applyEvent(instance, 'delete', neverStored, athleteId, nowSeconds() - 300), {
      status: 'processed',
      reason: 'Strava has no such activity (404)',
    });
    // Strava turns "Only You" into delete + create: the later create brings that one back, and imports keep it.
    assert.deepEqual(await applyEvent(instance, 'delete', recreated, athleteId, nowSeconds() - 200), {
      status: 'processed',
      reason: 'Strava has no such activity (404)',
    });
    assert.deepEqual(await applyEvent(instance, 'create', recreated, athleteId, nowSeconds() - 100), { status: 'processed' });
    await world.db.pool.query(`update activities set name = 'before the import' where id = $1::bigint`, [recreated]);

    await requestImport(world.db.pool, athleteId);
    const first = await handleImportRequest(instance, { athleteId }, { timeBudgetMs: HOUR });
    assert.equal(first.kind, 'done');
    assert.equal(await stored(world.db.pool, neverStored), undefined, 'the import skips the deleted activity');
    assert.equal((await stored(world.db.pool, recreated))?.name, listed[420]!.name, 'the re-created activity is refreshed by the import');
    assert.equal((await activityStats(world.db.pool, athleteId)).count, 449);
    assert.ok(await stored(world.db.pool, storedThenDeleted));

    // Deleted after the import stored it (a delete applies to data fetched before it, hence "now"): the row goes,
    // and a restarted import, fetching every page again, does not put it back.
    assert.deepEqual(await applyEvent(instance, 'delete', storedThenDeleted, athleteId, nowSeconds()), {
      status: 'processed',
      reason: 'Strava has no such activity (404)',
    });
    assert.equal(await stored(world.db.pool, storedThenDeleted), undefined);

    const again = await handleImportRequest(instance, { athleteId, restart: true }, { timeBudgetMs: HOUR });
    assert.equal(again.kind, 'done');
    assert.equal(await stored(world.db.pool, neverStored), undefined);
    assert.equal(await stored(world.db.pool, storedThenDeleted), undefined, 'the restarted import skips it too');
    assert.ok(await stored(world.db.pool, recreated));
    const stats = await activityStats(world.db.pool, athleteId);
    assert.equal(stats.count, 448);
    assert.equal(stats.distinct, 448);
    assert.equal((await getImport(world.db.pool, athleteId))?.imported, 448, 'the progress counts what is stored');
  });
});

describe('reconnecting', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
    sandbox = stack.sandbox;
  });
  after(async () => {
    await stack.close();
  });

  test('the first import on connect does not bring back an activity deleted while connected', async () => {
    const athleteId = stack.sandbox.createAthlete({ activityCount: 30 });
    const client = stack.client();
    await signIn(client, stack.baseUrl, {}, athleteId);
    const { rows } = await stack.db.pool.query<{ id: string }>('select id from activities where athlete_id = $1::bigint order by start_date desc', [athleteId]);
    assert.equal(rows.length, 30);
    const deleted = Number(rows[3]!.id);

    assert.deepEqual(await applyEvent(stack.runtime, 'delete', deleted, athleteId, nowSeconds()), {
      status: 'processed',
      reason: 'Strava has no such activity (404)',
    });
    assert.equal(await stored(stack.db.pool, deleted), undefined);

    // Connecting again, through Strava's consent page as an athlete would after "Connect with Strava".
    const hops = await signIn(stack.client(), stack.baseUrl, {}, athleteId);
    assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');
    assert.equal(await stored(stack.db.pool, deleted), undefined, 'still deleted after reconnecting');
    const count = await stack.db.pool.query<{ n: number }>('select count(*)::int as n from activities where athlete_id = $1::bigint', [athleteId]);
    assert.equal(count.rows[0]!.n, 29, 'everything else is still in');
  });
});
