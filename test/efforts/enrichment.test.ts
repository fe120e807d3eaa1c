// The background search for best efforts against the sandbox: its budget share, newest first, pause and resume, imports first, crashes, and the live detail path.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ensureStreams } from '../../shared/activities/streams.js';
import { effortsFromDetail, enrichmentProgress, ENRICHMENT_POLICY, runEnrichment, type EnrichmentDeps } from '../../shared/efforts/index.js';
import { processWebhookEvent } from '../../shared/events/process.js';
import { handleImportRequest } from '../../shared/imports/requests.js';
import { requestImport } from '../../shared/imports/store.js';
import { DEFAULT_BUDGET_POLICY, QUARTER_HOUR_MS, windowStart } from '../../shared/strava/budget.js';
import { seedAthlete, startWorld, type Instance, type World } from '../harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const LIMIT_15 = 40;
const HOUR = 3_600_000;

async function setUp(activities: number) {
  world = await startWorld({ rateLimits: { overall: [LIMIT_15, 100_000], read: [LIMIT_15, 100_000] } }, { movableClock: true });
  const { athleteId, accessToken } = await seedAthlete(world, { activities });
  const instance = world.instance();
  await requestImport(world.db.pool, athleteId);
  assert.equal((await handleImportRequest(instance, { athleteId }, { timeBudgetMs: HOUR })).kind, 'done');
  const deps: EnrichmentDeps = { ...instance, config: { strava: { clientId: world.sandbox.clientId } } };
  return { athleteId, accessToken, instance, deps, world };
}

const streamRequests = (instance: Instance) => instance.requests.filter((r) => r.path.endsWith('/streams')).map((r) => Number(r.path.split('/')[2]));

async function searchedIds(w: World, athleteId: number): Promise<number[]> {
  const { rows } = await w.db.pool.query<{ id: number }>('select activity_id as id from effort_scans where athlete_id = $1::bigint', [athleteId]);
  return rows.map((r) => Number(r.id));
}

test('it spends only its share of the 15-minute window, newest first; imports, live events and sign-ins keep theirs', async () => {
  const { athleteId, accessToken, instance, deps, world: w } = await setUp(120);
  const summary = await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  const fetched = streamRequests(instance);
  assert.ok(fetched.length > 5, `fetched ${fetched.length}`);
  assert.equal(summary.fetched, fetched.length);
  assert.deepEqual(summary.pausedUntil, new Date(windowStart(w.clock.now()).getTime() + QUARTER_HOUR_MS), 'paused until the window resets');

  await instance.budget.flush();
  const usage = (await instance.budget.snapshot())!.usage15;
  const enrichmentCap = (LIMIT_15 * ENRICHMENT_POLICY.backgroundPercent15) / 100;
  assert.ok(usage <= enrichmentCap, `usage ${usage} within the enrichment's ${enrichmentCap}`);

  // Newest first: the activities fetched, in order, go back in time.
  const { rows } = await w.db.pool.query<{ id: number; start: Date }>('select id, start_date as start from activities where id = any($1::bigint[])', [fetched]);
  const start = new Map(rows.map((r) => [Number(r.id), r.start.getTime()]));
  const times = fetched.map((id) => start.get(id)!);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );

  // A live event (the same background share, at its higher cap) still gets its request, and a sign-in (no share) too.
  assert.ok(enrichmentCap < (LIMIT_15 * DEFAULT_BUDGET_POLICY.backgroundPercent15) / 100);
  assert.deepEqual(await instance.budget.reserveBackground(), { granted: true });
  const athlete = await instance.strava.getAthlete(accessToken);
  assert.equal(athlete.id, athleteId);
  assert.ok(
    instance.requests.every((r) => r.status !== 429),
    'Strava never had to say no',
  );
});

test('pause and resume: nothing spent before the reset, then on from where it stopped; every activity searched once, with progress', async () => {
  const { athleteId, instance, deps, world: w } = await setUp(90);
  await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  const first = streamRequests(instance).length;
  const before = await enrichmentProgress(w.db.pool, athleteId);
  assert.ok(before.runs.searched + before.rides.searched < before.runs.total + before.rides.total, 'not done in one window');

  const again = await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  assert.equal(again.fetched, 0, 'paused: nothing before the reset');
  assert.equal(streamRequests(instance).length, first);

  for (let window = 0; window < 12; window++) {
    w.clock.advance(QUARTER_HOUR_MS);
    await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
    const p = await enrichmentProgress(w.db.pool, athleteId);
    if (p.runs.searched === p.runs.total && p.rides.searched === p.rides.total) break;
  }
  const progress = await enrichmentProgress(w.db.pool, athleteId);
  assert.equal(progress.runs.searched, progress.runs.total);
  assert.equal(progress.rides.searched, progress.rides.total);
  const all = streamRequests(instance);
  assert.equal(new Set(all).size, all.length, 'no activity fetched twice');
  assert.ok((await w.db.pool.query('select 1 from best_efforts where athlete_id = $1::bigint', [athleteId])).rows.length > 0);
  // Once everything is searched, a run spends nothing.
  w.clock.advance(QUARTER_HOUR_MS);
  assert.equal((await runEnrichment(deps, { deadlineAt: Date.now() + HOUR })).fetched, 0);
});

test('a history import with work to do goes first: the enrichment spends nothing meanwhile', async () => {
  const { athleteId, instance, deps, world: w } = await setUp(30);
  await requestImport(w.db.pool, athleteId, { restart: true });
  const summary = await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  assert.equal(summary.skipped, 'imports_first');
  assert.deepEqual(streamRequests(instance), []);
});

test('a crash loses nothing: a dead worker\u2019s lease runs out, streams kept before a crash are searched for free, a failed request is retried', async () => {
  const { athleteId, instance, deps, world: w } = await setUp(40);
  // A worker died holding the athlete's lease: nobody else works on them until it runs out.
  await w.db.pool.query(`insert into effort_enrichment (athlete_id, claim_id, claimed_until) values ($1::bigint, gen_random_uuid(), $2::timestamptz)`, [
    athleteId,
    new Date(w.clock.now().getTime() + 5 * 60_000),
  ]);
  assert.equal((await runEnrichment(deps, { deadlineAt: Date.now() + HOUR })).fetched, 0);

  // A worker died after Strava answered and the streams were kept, before the efforts were saved.
  const { rows } = await w.db.pool.query<{ id: number }>(
    `select id from activities where athlete_id = $1::bigint and sport_type = 'Run' and distance > 1000 and not manual order by start_date desc limit 1`,
    [athleteId],
  );
  const kept = Number(rows[0]!.id);
  // The streams were kept, then the worker died before searching them (where the live search would have run).
  await ensureStreams(
    {
      ...instance,
      onStreamsFetched: () => Promise.reject(new Error('the worker died here')),
    },
    athleteId,
    kept,
  );
  assert.ok(!(await searchedIds(w, athleteId)).includes(kept), 'not searched yet');
  const spentBefore = instance.requests.length;

  // The connection dies on the third streams request of the next run.
  let calls = 0;
  const flaky = Object.create(instance.strava) as typeof instance.strava;
  flaky.getStreams = (token, id, keys) => {
    calls++;
    if (calls === 3) return Promise.reject(new Error('socket hang up'));
    return instance.strava.getStreams(token, id, keys);
  };
  w.clock.advance(6 * 60_000);
  const crashed = await runEnrichment({ ...deps, strava: flaky }, { deadlineAt: Date.now() + HOUR });
  assert.ok(crashed.fromStored >= 1, 'the kept streams were searched without a request');
  assert.equal(crashed.fetched, 2, 'stopped at the failure');
  assert.ok((await searchedIds(w, athleteId)).includes(kept));
  assert.equal(instance.requests.slice(spentBefore).filter((r) => r.path === `/activities/${kept}/streams`).length, 0);

  for (let window = 0; window < 8; window++) {
    w.clock.advance(QUARTER_HOUR_MS);
    await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  }
  const progress = await enrichmentProgress(w.db.pool, athleteId);
  assert.equal(progress.runs.searched + progress.rides.searched, progress.runs.total + progress.rides.total);
  const fetched = streamRequests(instance);
  assert.equal(new Set(fetched).size, fetched.length, 'nothing fetched twice');
});

test('a run arriving by webhook keeps Strava\u2019s own best efforts from the detail the processor fetched', async () => {
  const { athleteId, instance, deps, world: w } = await setUp(5);
  const id = w.sandbox.addActivity(athleteId, {
    name: 'Tempo',
    sport_type: 'Run',
    distance: 10_500,
    moving_time: 2900,
    start_date: new Date(w.clock.now().getTime() - HOUR).toISOString(),
  });
  const outcome = await processWebhookEvent(instance, {
    aspect_type: 'create',
    object_type: 'activity',
    object_id: id,
    owner_id: athleteId,
    event_time: Math.floor(w.clock.now().getTime() / 1000),
    subscription_id: 1,
    updates: {},
  });
  assert.equal(outcome.status, 'processed');
  const detail = await instance.strava.getActivity((await w.sandbox.issueTokens(athleteId, ['read', 'activity:read_all'])).access_token, id);
  const expected = effortsFromDetail(detail)!;
  assert.ok(
    expected.some((e) => e.effort === 'run_10k'),
    'the sandbox, like Strava, lists a 10k for a 10.5 km run',
  );
  const { rows } = await w.db.pool.query<{ effort: string; elapsedTime: number; source: string }>(
    'select effort, elapsed_time as "elapsedTime", source from best_efforts where activity_id = $1::bigint order by effort',
    [id],
  );
  assert.deepEqual(
    rows,
    expected.map((e) => ({ ...e, source: 'strava' })).sort((a, b) => a.effort.localeCompare(b.effort)),
  );
  // Already searched: the history enrichment never pays for it.
  await runEnrichment(deps, { deadlineAt: Date.now() + HOUR });
  assert.ok(!streamRequests(instance).includes(id));
});
