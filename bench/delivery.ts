// Benchmark: 1,000 new-activity notices through the delivery function's handler (CloudEvents as Pub/Sub pushes them, a
// few instances at once, some redelivered) to the Telegram Bot API stand-in enforcing Telegram's rate limits. Prints
// the time taken against the least Telegram's limit allows (the baseline, from the same limits) and checks that every
// message arrived exactly once.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { startTelegramStandIn, TELEGRAM_RATE_LIMITS } from '../dev/telegram/server.js';
import { upsertActivities } from '../shared/activities/index.js';
import { upsertConnectedAthlete } from '../shared/athletes/index.js';
import { type DeliveryNotice, enableTelegramDestination } from '../shared/delivery/index.js';
import { createLogger } from '../shared/log.js';
import type { PubSubCloudEvent } from '../shared/platform/bus.js';
import { loadConfig } from '../shared/platform/config.js';
import { createRuntime } from '../shared/platform/runtime.js';
import { loadSecrets } from '../shared/platform/secrets.js';
import { createServices } from '../shared/services.js';
import { createStartCode, redeemStartCode } from '../shared/telegram/index.js';
import { freshDatabase } from '../test/helpers/database.js';
import { productEnvironment } from '../test/helpers/environment.js';

const NOTICES = Number(process.env.BENCH_NOTICES ?? 1000);
const ATHLETES = Number(process.env.BENCH_ATHLETES ?? 200);
/** Pushes in flight at once: the delivery function's max_instance_count in Terraform (one request per instance). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
/** Pub/Sub is at-least-once: this share of the notices is pushed a second time. */
const REDELIVERED = Number(process.env.BENCH_REDELIVERED ?? 0.05);

function pushOf(notice: DeliveryNotice, attempt: number): PubSubCloudEvent {
  const messageId = `${notice.noticeId}-${attempt}`;
  return {
    id: messageId,
    specversion: '1.0',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/bench/topics/activity-deliveries',
    data: {
      message: { data: Buffer.from(JSON.stringify(notice)).toString('base64'), messageId, publishTime: new Date().toISOString() },
      subscription: 'projects/bench/subscriptions/activity-deliveries-to-deliver-activities',
    },
  } as PubSubCloudEvent;
}

async function main(): Promise<void> {
  const telegram = await startTelegramStandIn({ port: 0 });
  const db = await freshDatabase();
  const env = {
    ...productEnvironment({
      sandbox: { clientId: '1', clientSecret: 'unused', apiBaseUrl: 'http://127.0.0.1:9/api/v3', oauthBaseUrl: 'http://127.0.0.1:9/oauth' },
      databaseUrl: db.url,
      encryptionKey: randomBytes(32).toString('base64'),
    }),
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_BASE_URL: telegram.baseUrl,
  };
  // The function's own secrets: what Terraform grants deliver-activities.
  const secrets = await loadSecrets({ env, reader: 'deliver-activities', need: ['tokenEncryptionKey'] });
  const runtime = await createRuntime(loadConfig(env), secrets, {
    log: createLogger({ format: 'json', level: 'error', write: () => undefined }),
    poolMax: INSTANCES * 2 + 2,
  });
  const services = createServices(runtime);

  // Athletes with a linked chat and Telegram delivery on, each with their share of new activities.
  const notices: DeliveryNotice[] = [];
  const chatOf = new Map<number, number>();
  for (let a = 0; a < ATHLETES; a++) {
    const athleteId = 5_000_000 + a;
    const chatId = 800_000 + a;
    chatOf.set(athleteId, chatId);
    await upsertConnectedAthlete(db.pool, { id: athleteId, firstname: 'Bench', lastname: String(a) }, ['read', 'activity:read_all']);
    const code = await createStartCode(db.pool, athleteId);
    await telegram.userSays(chatId, `/start ${code}`);
    await redeemStartCode(db.pool, code, { chatId, title: `bench ${a}` });
    await enableTelegramDestination(db.pool, athleteId);
  }
  const activities = new Map<number, { athleteId: number; name: string }>();
  for (let n = 0; n < NOTICES; n++) {
    // Round robin over athletes, as many athletes' uploads arrive interleaved.
    const athleteId = 5_000_000 + (n % ATHLETES);
    const id = 90_000_000_000 + n;
    const name = `Bench activity ${n}`;
    activities.set(id, { athleteId, name });
    await upsertActivities(
      db.pool,
      athleteId,
      [
        {
          id,
          athlete: { id: athleteId },
          name,
          sport_type: 'Run',
          start_date: new Date(Date.now() - 3_600_000).toISOString(),
          start_date_local: new Date(Date.now() - 3_600_000).toISOString().slice(0, 19),
          distance: 5000 + n,
          moving_time: 1500,
        },
      ],
      new Date(),
    );
    notices.push({ noticeId: n + 1, athleteId, activityId: id, change: 'created' });
  }
  // The pushes as Pub/Sub sends them: every notice once, some twice (the second a little later).
  const pushes = notices.map((notice) => pushOf(notice, 1));
  notices.forEach((notice, i) => {
    if (i % Math.round(1 / REDELIVERED) === 0) pushes.splice(Math.min(pushes.length, i + 2 * INSTANCES), 0, pushOf(notice, 2));
  });

  let retried = 0;
  const started = performance.now();
  let next = 0;
  const queue = [...pushes];
  async function instance(): Promise<void> {
    for (;;) {
      const push = queue[next++];
      if (!push) return;
      try {
        await services.handlers.deliveries(push);
      } catch {
        // Pub/Sub redelivers a push that failed (paced, a 429): it goes to the back of the queue.
        retried++;
        queue.push(push);
      }
    }
  }
  await Promise.all(Array.from({ length: INSTANCES }, () => instance()));
  const seconds = (performance.now() - started) / 1000;

  // What each chat received, against what each should have received.
  let lost = 0;
  let duplicated = 0;
  const delivered = telegram.sent.filter((s) => s.method === 'sendMessage');
  const byText = new Map<string, number>();
  for (const sent of delivered) {
    const title = /^<b>(.*?)<\/b>/.exec(sent.text ?? '')?.[1] ?? '';
    byText.set(`${sent.chatId}|${title}`, (byText.get(`${sent.chatId}|${title}`) ?? 0) + 1);
  }
  for (const { athleteId, name } of activities.values()) {
    const count = byText.get(`${chatOf.get(athleteId)}|${name}`) ?? 0;
    if (count === 0) lost++;
    if (count > 1) duplicated += count - 1;
  }
  const refused = telegram.calls.filter((c) => c.method === 'sendMessage' && c.errorCode === 429).length;
  const limit = TELEGRAM_RATE_LIMITS.global;
  const minimum = (NOTICES / limit.limit) * (limit.windowMs / 1000);

  console.log(`delivery of ${NOTICES.toLocaleString('en-US')} new-activity notices to ${ATHLETES} Telegram chats through the delivery handler`);
  console.log(`  ${INSTANCES} instances at once, ${pushes.length - NOTICES} notices pushed twice, ${retried} pushes retried after a failure`);
  console.log(`  Telegram's limit: ${limit.limit} messages per ${limit.windowMs / 1000} s across chats, so at best ${minimum.toFixed(1)} s`);
  console.log(`  took ${seconds.toFixed(1)} s: ratio to the limit's minimum ${(seconds / minimum).toFixed(2)}`);
  console.log(`  messages: ${delivered.length} sent, ${lost} lost, ${duplicated} duplicated, ${refused} refused with 429`);

  await services.close();
  await db.close();
  await telegram.close();
  if (lost > 0 || duplicated > 0) {
    console.error(`FAILED: ${lost} lost, ${duplicated} duplicated`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
