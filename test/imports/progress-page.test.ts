// The history import's progress on /results over HTTP: each import state's line in English and Russian, and a real import seen mid-way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createInProcessBus, type InProcessBus } from '../../shared/platform/in-process-bus.js';
import { createBackfillHandler } from '../../shared/platform/handlers.js';
import { getImportProgress } from '../../shared/imports/store.js';
import { createLogger } from '../../shared/log.js';
import type { CookieClient } from '../helpers/http.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const TOPIC = 'strava-backfill';
/** The page the held import stops after, and how many activities the athlete has in all. */
const HOLD_AT_PAGE = 7;
const MANY = 1500;

let stack: TestStack;
let bus: InProcessBus;
/** The athlete whose import is held after HOLD_AT_PAGE pages; others run straight through. */
let heldAthlete: number | undefined;
let reached: () => void = () => undefined;
const reachedHold = new Promise<void>((resolve) => (reached = resolve));
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => (release = resolve));

before(async () => {
  bus = createInProcessBus({ log: createLogger({ format: 'json', level: 'error', write: () => undefined }), backoffMs: () => 10 });
  // The backfill function's handler on the app's bus, as `npm start` wires it, with a hook that holds one athlete's import.
  bus.subscribe(TOPIC, (event) =>
    createBackfillHandler(
      { ...stack.runtime, publish: (request) => bus.publish(TOPIC, request) },
      {
        hooks: {
          afterSave: async (athleteId, page) => {
            if (athleteId !== heldAthlete || page !== HOLD_AT_PAGE) return;
            reached();
            await released;
          },
        },
      },
    )(event),
  );
  stack = await startTestStack({ bus });
});

after(async () => {
  release();
  await bus.close();
  await stack.close();
});

async function section(client: CookieClient, language: 'en' | 'ru' = 'en'): Promise<{ status: string; text: string; html: string } | undefined> {
  const res = await client.request(`${stack.baseUrl}/results`, { headers: { 'accept-language': language } });
  assert.equal(res.status, 200);
  const match = /<section class="banner [a-z]+ import-progress" id="import-progress" data-import-status="([a-z]+)"[^>]*>([\s\S]*?)<\/section>/.exec(res.text);
  if (!match) {
    assert.doesNotMatch(res.text, /import-progress|Importing your history|Загружаем/);
    return undefined;
  }
  return {
    status: match[1]!,
    html: match[2]!,
    text: match[2]!
      .replace(/<[^>]+>/g, '')
      .replace(/[ \t\r\n]+/g, ' ')
      .trim(),
  };
}

describe('each import state', () => {
  let client: CookieClient;
  let athleteId: number;

  before(async () => {
    athleteId = stack.sandbox.createAthlete({ activityCount: 30 });
    client = stack.client();
    await signIn(client, stack.baseUrl, {}, athleteId);
    await bus.idle();
    assert.equal((await getImportProgress(stack.db.pool, athleteId))?.status, 'done');
  });

  async function setImport(status: string, imported: number, nextAttemptAt: Date | null = null): Promise<void> {
    const { rowCount } = await stack.db.pool.query(
      `update imports set status = $2::text, imported = $3::integer, next_attempt_at = $4::timestamptz where athlete_id = $1::bigint`,
      [athleteId, status, imported, nextAttemptAt],
    );
    assert.equal(rowCount, 1);
  }

  test('pending and running: the count so far in the reader\u2019s number format, or that it has begun', async () => {
    await setImport('pending', 0);
    const pending = await section(client);
    assert.equal(pending?.status, 'pending');
    assert.equal(pending?.text, 'Importing your history\u2026');
    assert.equal((await section(client, 'ru'))?.text, 'Загружаем вашу историю\u2026');

    await setImport('running', 1400);
    assert.equal((await section(client))?.text, 'Importing your history: 1,400 activities so far.');
    assert.equal((await section(client, 'ru'))?.text, 'Загружаем вашу историю: уже 1\u00a0400 тренировок.');

    await setImport('pending', 1);
    assert.equal((await section(client))?.text, 'Importing your history: 1 activity so far.');
    assert.equal((await section(client, 'ru'))?.text, 'Загружаем вашу историю: уже 1 тренировка.');
    await setImport('running', 22);
    assert.equal((await section(client, 'ru'))?.text, 'Загружаем вашу историю: уже 22 тренировки.');
  });

  test('with Strava\u2019s all-time count: "412 of about 1,180" and a bar; past the estimate, the count so far', async () => {
    await setImport('running', 412);
    // A cursor after every activity: nothing counted is in yet, so the estimate is Strava's count, rounded.
    await stack.db.pool.query(
      `update imports set stats_count = 1183, cursor_before = extract(epoch from now())::bigint + 86400 where athlete_id = $1::bigint`,
      [athleteId],
    );
    try {
      const en = await section(client);
      assert.equal(en?.text, 'Importing your history: 412 of about 1,180 activities. 34%');
      assert.match(en!.html, /<progress class="progress" max="100" value="34" aria-label="Importing your history: 412 of about 1,180 activities\.">/);
      assert.equal((await section(client, 'ru'))?.text, 'Загружаем вашу историю: 412 из примерно 1\u00a0180 тренировок. 34%');
      await setImport('running', 1250);
      assert.equal((await section(client))?.text, 'Importing your history: 1,250 activities so far.');
    } finally {
      await stack.db.pool.query('update imports set stats_count = null where athlete_id = $1::bigint', [athleteId]);
    }
  });

  test('waiting: the count and that it goes on by itself after Strava\u2019s rate limit', async () => {
    await setImport('waiting', 1400, new Date(Date.now() + 15 * 60_000));
    const en = await section(client);
    assert.equal(en?.status, 'waiting');
    assert.equal(en?.text, 'Importing your history: 1,400 activities so far. Paused for Strava\u2019s rate limit; it carries on by itself.');
    assert.doesNotMatch(en!.html, /login/, 'nothing for the athlete to do');
    assert.equal(
      (await section(client, 'ru'))?.text,
      'Загружаем вашу историю: уже 1\u00a0400 тренировок. Пауза из-за лимита запросов Strava, загрузка продолжится сама.',
    );
  });

  test('failed: says so and links to connecting again', async () => {
    await setImport('failed', 600);
    const en = await section(client);
    assert.equal(en?.status, 'failed');
    assert.match(en!.text, /^Your history import stopped\. Connect with Strava again to finish it\./);
    assert.match(en!.html, /<a class="button" href="\/login\?force=1">/);
    const ru = await section(client, 'ru');
    assert.match(ru!.text, /^Загрузка истории остановилась\. Подключитесь к Strava заново, чтобы её завершить\./);
    assert.match(ru!.html, /href="\/login\?force=1"/);
  });

  test('done: said for a day after it finished, then nothing; no import at all: nothing', async () => {
    await setImport('done', 30);
    await stack.db.pool.query(`update imports set finished_at = now() where athlete_id = $1::bigint`, [athleteId]);
    assert.equal((await section(client))?.text, 'Your whole history is in: 30 activities.');
    assert.equal((await section(client, 'ru'))?.text, 'Вся история загружена: 30 тренировок.');
    await stack.db.pool.query(`update imports set finished_at = now() - interval '2 days' where athlete_id = $1::bigint`, [athleteId]);
    assert.equal(await section(client), undefined);
    await stack.db.pool.query('delete from imports where athlete_id = $1::bigint', [athleteId]);
    assert.equal(await section(client), undefined);
    assert.equal(await section(client, 'ru'), undefined);
  });
});

test('a real import: the page shows the running count while the history is still coming in, then that it is done', async () => {
  heldAthlete = stack.sandbox.createAthlete({ activityCount: MANY });
  const client = stack.client();
  const hops = await signIn(client, stack.baseUrl, {}, heldAthlete);
  assert.equal(new URL(hops.at(-1)!.url).pathname, '/results');

  // The import has saved its seventh page and waits in the hook: the state is fixed until the test lets it go.
  await reachedHold;
  const progress = await getImportProgress(stack.db.pool, heldAthlete);
  assert.equal(progress?.status, 'running');
  // Each page after the first repeats the boundary second's activity, so seven pages hold a little under 1,400.
  const imported = progress!.imported;
  assert.ok(imported > 1000 && imported <= HOLD_AT_PAGE * 200 && imported < MANY, `imported ${imported}`);
  const during = await section(client);
  assert.equal(during?.status, 'running');
  // Strava's all-time totals (asked once, when the import began) give the estimate of the whole.
  const row = await stack.db.pool.query<{ stats_count: number | null; stats_asked_at: Date | null }>(
    'select stats_count, stats_asked_at from imports where athlete_id = $1::bigint',
    [heldAthlete],
  );
  assert.ok(row.rows[0]!.stats_asked_at instanceof Date);
  const statsCount = row.rows[0]!.stats_count!;
  assert.ok(statsCount > 0 && statsCount < MANY, `Strava counts only public runs, rides and swims: ${statsCount}`);
  // The sentence, then the bar's own fallback text ("92%").
  const estimate = /^Importing your history: ([\d,]+) of about ([\d,]+) activities\. \d+%$/.exec(during!.text);
  assert.ok(estimate, during!.text);
  assert.equal(Number(estimate[1]!.replace(/,/g, '')), imported);
  const about = Number(estimate[2]!.replace(/,/g, ''));
  // Scaled by what the imported part shows, the estimate lands near the real 1,500, where the raw count would not.
  assert.ok(Math.abs(about - MANY) / MANY < 0.15, `about ${about} of ${MANY}`);
  assert.equal(about % 10, 0, 'rounded, so it does not read as exact');
  const bar = /<progress class="progress" max="100" value="(\d+)"/.exec(during!.html);
  assert.equal(Number(bar?.[1]), Math.floor((imported / about) * 100));
  // Usable meanwhile: the rest of the page is built from what is in.
  const page = await client.request(`${stack.baseUrl}/results`);
  assert.match(page.text, /<table class="cards activities">/);
  const { rows } = await stack.db.pool.query<{ n: number }>('select count(*)::int as n from activities where athlete_id = $1::bigint', [heldAthlete]);
  assert.ok(rows[0]!.n < MANY, 'the history is not all in yet');

  release();
  await bus.idle();
  assert.equal((await getImportProgress(stack.db.pool, heldAthlete))?.status, 'done');
  const counted = await stack.db.pool.query<{ n: number }>('select count(*)::int as n from activities where athlete_id = $1::bigint', [heldAthlete]);
  assert.equal(counted.rows[0]!.n, MANY);
  // Finished: said once, for the day after, with the whole count.
  const done = await section(client);
  assert.equal(done?.status, 'done');
  assert.equal(done?.text, `Your whole history is in: ${MANY.toLocaleString('en-US')} activities.`);
});
