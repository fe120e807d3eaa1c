// Streams fetched when the athlete opens an activity are searched for best efforts as they arrive, through the app as it runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { effortsFromStreams, runEnrichment } from '../../shared/efforts/index.js';
import type { CookieClient } from '../helpers/http.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let client: CookieClient;

before(async () => {
  stack = await startTestStack();
  client = stack.client();
  await signIn(client, stack.baseUrl);
});
after(async () => {
  await stack?.close();
});

/** The newest run of the demo athlete nobody has fetched streams for or searched yet. */
async function unsearchedRun(): Promise<number> {
  const { rows } = await stack.db.pool.query<{ id: string }>(
    `select a.id from activities a
     where a.athlete_id = $1::bigint and a.sport_type = 'Run' and not a.manual and a.distance >= 1000
       and not exists (select 1 from activity_streams s where s.activity_id = a.id)
       and not exists (select 1 from effort_scans e where e.activity_id = a.id)
     order by a.start_date desc limit 1`,
    [DEMO_ATHLETE_ID],
  );
  assert.ok(rows[0], 'the demo athlete has a run with a recording');
  return Number(rows[0].id);
}

test('opening an activity fetches its streams once and finds its best efforts at once, with no scheduled run', async () => {
  const id = await unsearchedRun();
  const requestsBefore = stack.sandbox.counters.apiRequests;
  // The page answers at once from the summary; its script then asks for the streams, which waits on Strava.
  const page = await client.request(`${stack.baseUrl}/activities/${id}`);
  assert.equal(page.status, 200);
  assert.equal(stack.sandbox.counters.apiRequests - requestsBefore, 0, 'the page itself waits on nothing');
  const streams = await client.request(`${stack.baseUrl}/activities/${id}/streams`);
  assert.equal(streams.status, 200);
  assert.equal(stack.sandbox.counters.apiRequests - requestsBefore, 1, 'one streams request');

  const { rows: scans } = await stack.db.pool.query<{ source: string }>('select source from effort_scans where activity_id = $1::bigint', [id]);
  assert.deepEqual(
    scans.map((s) => s.source),
    ['streams'],
    'searched as soon as the streams were kept',
  );
  // The known answer: what the kept streams hold, computed directly.
  const { rows: kept } = await stack.db.pool.query('select streams from activity_streams where activity_id = $1::bigint', [id]);
  const expected = effortsFromStreams(kept[0].streams, 'run')
    .map((e) => [e.effort, e.elapsedTime])
    .sort();
  assert.ok(expected.length > 0, 'a run of a kilometre or more holds at least the 400 m and 1 km');
  const { rows: saved } = await stack.db.pool.query<{ effort: string; elapsed: number }>(
    'select effort, elapsed_time as elapsed from best_efforts where activity_id = $1::bigint order by effort',
    [id],
  );
  assert.deepEqual(
    saved.map((r) => [r.effort, r.elapsed]),
    expected,
  );

  // The results page shows them now, linked to the activity.
  const results = await client.request(`${stack.baseUrl}/results?sport=run`);
  assert.match(results.text, /<tr data-effort="run_400m">[\s\S]*?href="\/activities\/\d+"/);

  // The scheduled enrichment neither searches nor pays for this activity again.
  const seen: number[] = [];
  const strava = Object.create(stack.runtime.strava) as typeof stack.runtime.strava;
  strava.getStreams = (token, activityId, keys) => {
    seen.push(activityId);
    return stack.runtime.strava.getStreams(token, activityId, keys);
  };
  await runEnrichment({ ...stack.runtime, strava }, { deadlineAt: Date.now() + 60_000 });
  assert.ok(!seen.includes(id), 'no second streams request for it');
  const { rows: after } = await stack.db.pool.query('select count(*)::integer as n from effort_scans where activity_id = $1::bigint', [id]);
  assert.equal(after[0].n, 1);
});
