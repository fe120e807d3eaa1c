// Connecting starts the history import: the sign-in publishes a request and the backfill handler brings in every activity.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createInProcessBus } from '../../shared/platform/in-process-bus.js';
import { createLogger } from '../../shared/log.js';
import { createBackfillHandler } from '../../shared/platform/handlers.js';
import { getImportProgress } from '../../shared/imports/store.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const TOPIC = 'strava-backfill';
let stack: TestStack;
const bus = createInProcessBus({ log: createLogger({ format: 'json', level: 'error', write: () => undefined }), backoffMs: () => 10 });
const published: unknown[] = [];

before(async () => {
  // The stack's runtime exists only once the stack is up; the handler reaches it then, as the function builds its own lazily.
  bus.subscribe(TOPIC, (event) => createBackfillHandler({ ...stack.runtime, publish: (request) => bus.publish(TOPIC, request) })(event));
  const publish = bus.publish.bind(bus);
  bus.publish = async (topic, data, options) => {
    if (topic === TOPIC) published.push(data);
    return publish(topic, data, options);
  };
  stack = await startTestStack({ bus });
});

after(() => stack.close());

async function activityCount(athleteId: number): Promise<number> {
  const { rows } = await stack.db.pool.query<{ n: number }>('select count(*)::int as n from activities where athlete_id = $1::bigint', [athleteId]);
  return rows[0]!.n;
}

test('signing in imports the latest page at once and the whole history in the background', async () => {
  const athleteId = stack.sandbox.createAthlete({ activityCount: 700 });
  const hops = await signIn(stack.client(), stack.baseUrl, {}, athleteId);
  assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');
  assert.deepEqual(published, [{ athleteId, reason: 'connect' }]);

  await bus.idle();
  assert.equal(await activityCount(athleteId), 700);
  const progress = await getImportProgress(stack.db.pool, athleteId);
  assert.equal(progress?.status, 'done');
  assert.equal(progress?.imported, 700);

  // Signing in again does not import the history again.
  await signIn(stack.client(), stack.baseUrl, {}, athleteId);
  await bus.idle();
  assert.equal(published.length, 1);
  assert.equal(await activityCount(athleteId), 700);
});
