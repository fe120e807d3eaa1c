// Delivery of new activities against PostgreSQL, the Strava sandbox and the Slack/Discord and Telegram stand-ins:
// notices from applied events only, one message per destination, edits, deletes, switching off, rate limits, deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ChatWebhookStandIn, startChatWebhookStandIn } from '../../dev/chat-webhooks/server.js';
import { startTelegramStandIn, type TelegramStandIn } from '../../dev/telegram/server.js';
import { insertArchiveActivity } from '../../shared/activities/index.js';
import { deleteAthlete } from '../../shared/athletes/index.js';
import {
  connectWebhook,
  type DeliveryDeps,
  type DeliveryNotice,
  deliverNotice,
  enableTelegramDestination,
  InvalidWebhookUrlError,
  listDestinations,
  publishWaitingNotices,
  saveDeliveryPreferences,
  telegramDelivery,
  WebhookTestFailedError,
  webhookOrigins,
} from '../../shared/delivery/index.js';
import { type ProcessorDeps, processWebhookEvent } from '../../shared/events/index.js';
import type { StravaWebhookEvent } from '../../shared/events/index.js';
import { importRecentActivities } from '../../shared/imports/index.js';
import type { PubSubCloudEvent } from '../../shared/platform/bus.js';
import { createEventHandler } from '../../shared/platform/handlers.js';
import { pauseKey, reserveSlot } from '../../shared/delivery/pacing.js';
import { discordTarget, TargetError } from '../../shared/delivery/targets.js';
import { createStravaBudget } from '../../shared/strava/index.js';
import { createStartCode, createTelegramBotApi, redeemStartCode } from '../../shared/telegram/index.js';
import { seedAthlete, startWorld, type World } from '../harness.js';
import { sandboxEvent } from '../helpers/sandbox-control.js';

let world: World;
let hooks: ChatWebhookStandIn;
let telegram: TelegramStandIn;
let processor: ProcessorDeps;
let delivery: DeliveryDeps;
let clockMs = Date.now() - 60_000;
const published: DeliveryNotice[] = [];

/** Does something at the sandbox one second later than the last thing, and returns the event it generated. */
async function act(method: string, path: string, body?: unknown): Promise<StravaWebhookEvent> {
  clockMs += 1000;
  return sandboxEvent(world.sandbox.url, method, path, body);
}

/** As the processor function runs it: the event applied, then the athlete's waiting notices published. */
async function apply(event: StravaWebhookEvent): Promise<DeliveryNotice[]> {
  const from = published.length;
  const handler = createEventHandler(
    async () => processor,
    async (notice) => {
      published.push(notice);
      return String(published.length);
    },
  );
  const data = Buffer.from(JSON.stringify(event)).toString('base64');
  await handler({
    id: `m${clockMs}`,
    data: { message: { data, messageId: `m${clockMs}`, publishTime: new Date().toISOString() }, subscription: 's' },
  } as PubSubCloudEvent);
  return published.slice(from);
}

async function newActivity(athleteId: number, name: string, extra: Record<string, unknown> = {}): Promise<StravaWebhookEvent> {
  return act('POST', `/athletes/${athleteId}/activities`, {
    name,
    sport_type: 'Run',
    distance: 10_000,
    moving_time: 2700,
    start_date: new Date(clockMs - 3_600_000).toISOString(),
    ...extra,
  });
}

async function linkTelegram(athleteId: number, chatId: number): Promise<void> {
  const code = await createStartCode(world.db.pool, athleteId);
  // The person opens the bot with the start code: Telegram now has the chat (no webhook here, so the update waits).
  await telegram.userSays(chatId, `/start ${code}`);
  const outcome = await redeemStartCode(world.db.pool, code, { chatId, title: 'demo' });
  assert.equal(outcome.linked, true);
}

/** An athlete with their Telegram chat linked and on, and a Slack and a Discord webhook saved (each got its test message). */
async function athleteWithEveryDestination(chatId: number): Promise<{ athleteId: number; slack: string; discord: string }> {
  const { athleteId } = await seedAthlete(world);
  await linkTelegram(athleteId, chatId);
  await enableTelegramDestination(world.db.pool, athleteId);
  const slack = hooks.createHook('slack');
  const discord = hooks.createHook('discord');
  await connectWebhook(delivery, athleteId, 'slack', slack, 'en');
  await connectWebhook(delivery, athleteId, 'discord', discord, 'en');
  return { athleteId, slack, discord };
}

const botTexts = (chatId: number) => telegram.botMessages(chatId).map((m) => m.text);
const rows = async (sql: string, params: unknown[]) => (await world.db.pool.query(sql, params)).rows;

describe('delivery of new activities', () => {
  before(async () => {
    world = await startWorld({ now: () => new Date(clockMs) });
    hooks = await startChatWebhookStandIn({ port: 0 });
    telegram = await startTelegramStandIn({ port: 0 });
    const instance = world.instance();
    processor = { ...instance, budget: createStravaBudget({ pool: instance.pool, clientId: world.sandbox.clientId, log: instance.log }) };
    delivery = {
      ...instance.delivery,
      origins: webhookOrigins({ slack: hooks.baseUrl, discord: hooks.baseUrl }),
      telegram: telegramDelivery(createTelegramBotApi({ baseUrl: telegram.baseUrl, token: telegram.token })),
    };
  });
  after(async () => {
    await hooks?.close();
    await telegram?.close();
    await world?.close();
  });

  it('a new activity goes once to each destination; an edit within minutes edits, a delete deletes where the service allows', async () => {
    const chatId = 900_001;
    const { athleteId, slack, discord } = await athleteWithEveryDestination(chatId);
    // The test message, and only it, arrived before anything was saved.
    assert.equal(hooks.visible(slack).length, 1);
    assert.equal(hooks.visible(discord).length, 1);

    const created = await newActivity(athleteId, 'Tempo <b>run</b> & <!channel> @everyone');
    const [notice] = await apply(created);
    assert.deepEqual(notice && { change: notice.change, activityId: notice.activityId }, { change: 'created', activityId: created.object_id });
    assert.deepEqual(await deliverNotice(delivery, notice!), { discord: 'sent', slack: 'sent', telegram: 'sent' });

    // The at-least-once topic delivers it again: nothing is sent twice.
    assert.deepEqual(await deliverNotice(delivery, notice!), { discord: 'duplicate', slack: 'duplicate', telegram: 'duplicate' });
    assert.equal(hooks.visible(slack).length, 2);
    assert.equal(hooks.visible(discord).length, 2);
    assert.equal(botTexts(chatId).length, 1);

    // Escaped for each service: no markup, link or mention from the athlete's own text.
    assert.match(hooks.visible(slack)[1]!.text, /^\*Tempo &lt;b&gt;run&lt;\/b&gt; &amp; &lt;!channel&gt; @everyone\*\n/);
    assert.match(hooks.visible(discord)[1]!.text, /^\*\*Tempo \\<b\\>run\\<\/b\\> & \\<\\!channel\\> \\@everyone\*\*\n/);
    assert.deepEqual(hooks.visible(discord)[1]!.allowedMentions, { parse: [] });
    assert.match(botTexts(chatId)[0]!, /^<b>Tempo &lt;b&gt;run&lt;\/b&gt; &amp; &lt;!channel&gt; @everyone<\/b>\n/);
    assert.match(botTexts(chatId)[0]!, /Run · 10\.0 km · 45:00 · ↑ \d+ m/);

    // Renamed a minute later: Discord and Telegram edit their message; Slack's webhook cannot, and posts nothing more.
    const renamed = await act('PUT', `/activities/${created.object_id}`, { name: 'Tempo run, renamed' });
    const [update] = await apply(renamed);
    assert.equal(update?.change, 'updated');
    assert.deepEqual(await deliverNotice(delivery, update!), { discord: 'edited', slack: 'skipped', telegram: 'edited' });
    assert.deepEqual(await deliverNotice(delivery, update!), { discord: 'duplicate', slack: 'skipped', telegram: 'duplicate' });
    assert.match(hooks.visible(discord)[1]!.text, /^\*\*Tempo run, renamed\*\*/);
    assert.equal(hooks.visible(discord)[1]!.edited, true);
    assert.match(botTexts(chatId)[0]!, /^<b>Tempo run, renamed<\/b>/);
    assert.equal(hooks.visible(slack).length, 2);
    assert.equal(botTexts(chatId).length, 1);

    // Deleted at Strava: the message goes from Discord and Telegram; Slack keeps what a webhook posted.
    const deleted = await act('DELETE', `/activities/${created.object_id}`);
    const [removal] = await apply(deleted);
    assert.equal(removal?.change, 'deleted');
    assert.deepEqual(await deliverNotice(delivery, removal!), { discord: 'deleted', slack: 'skipped', telegram: 'deleted' });
    assert.equal(hooks.visible(discord).length, 1);
    assert.equal(botTexts(chatId).length, 0);
    assert.equal(hooks.visible(slack).length, 2);
  });

  it('history and archive imports deliver nothing: an activity already stored is not new when its event comes', async () => {
    const { athleteId, accessToken } = await seedAthlete(world, { activities: 3 });
    const slack = hooks.createHook('slack');
    await connectWebhook(delivery, athleteId, 'slack', slack, 'en');
    assert.equal(await importRecentActivities(world.db.pool, processor.strava, athleteId, accessToken), 3);
    assert.deepEqual(await rows('select count(*)::int as n from delivery_notices where athlete_id = $1::bigint', [athleteId]), [{ n: 0 }]);
    // Strava's event for one of them (an edit of an imported activity) writes no notice either.
    const [imported] = await rows('select id from activities where athlete_id = $1::bigint limit 1', [athleteId]);
    const edit = await act('PUT', `/activities/${imported.id}`, { name: 'Old run, renamed' });
    assert.deepEqual(await apply(edit), []);

    // An archive import stored this one from the athlete's export before Strava's event for it came: not new either.
    const fromArchive = await newActivity(athleteId, 'Run from the export');
    const inserted = await insertArchiveActivity(world.db.pool, athleteId, fromArchive.object_id, {
      name: 'Run from the export',
      sportType: 'Run',
      startDate: new Date(clockMs - 3_600_000),
      startDateLocal: new Date(clockMs - 3_600_000).toISOString().slice(0, 19),
      timezone: null,
      distance: 10_000,
      movingTime: 2700,
      elapsedTime: 2800,
      totalElevationGain: 0,
      averageSpeed: null,
      maxSpeed: null,
      averageHeartrate: null,
      maxHeartrate: null,
      manual: false,
      summaryPolyline: null,
      origin: { file: 'activities/1.fit' },
    });
    assert.equal(inserted, true);
    assert.deepEqual(await apply(fromArchive), []);
    assert.equal(hooks.visible(slack).length, 1, 'only the test message');
  });

  it('an athlete without destinations gets no notices; other sports and activities kept to oneself are not sent', async () => {
    const { athleteId } = await seedAthlete(world);
    assert.deepEqual(await apply(await newActivity(athleteId, 'Nobody listens')), []);

    const slack = hooks.createHook('slack');
    await connectWebhook(delivery, athleteId, 'slack', slack, 'ru');
    await saveDeliveryPreferences(world.db.pool, athleteId, { sports: ['Ride'], locale: 'ru', units: 'metric' });
    const [run] = await apply(await newActivity(athleteId, 'A run'));
    assert.deepEqual(await deliverNotice(delivery, run!), { slack: 'skipped' });
    const [hidden] = await apply(await newActivity(athleteId, 'Secret ride', { sport_type: 'Ride', private: true }));
    assert.deepEqual(await deliverNotice(delivery, hidden!), { slack: 'skipped' });
    const [ride] = await apply(await newActivity(athleteId, 'A ride', { sport_type: 'Ride', distance: 40_000 }));
    assert.deepEqual(await deliverNotice(delivery, ride!), { slack: 'sent' });
    assert.deepEqual(
      hooks.visible(slack).map((m) => m.text.split('\n')[0]),
      ['Training Room подключён: ваши новые тренировки будут появляться здесь.', '*A ride*'],
    );
    assert.match(hooks.visible(slack)[1]!.text, /40,0 км/);
  });

  it('a destination that answers blocked, gone or archived is switched off, and says why', async () => {
    const chatId = 900_002;
    const { athleteId, slack, discord } = await athleteWithEveryDestination(chatId);
    telegram.blockBot(chatId);
    hooks.archiveChannel(slack);
    hooks.removeHook(discord);
    const [notice] = await apply(await newActivity(athleteId, 'Into the void'));
    assert.deepEqual(await deliverNotice(delivery, notice!), { discord: 'disabled', slack: 'disabled', telegram: 'disabled' });
    const shown = (await listDestinations(world.db.pool, athleteId)).map((d) => [d.service, d.enabled, d.disabledReason]);
    assert.deepEqual(shown, [
      ['discord', false, 'webhook_gone'],
      ['slack', false, 'channel_archived'],
      ['telegram', false, 'blocked'],
    ]);
    // Switched off: the next activity writes no notice at all, and nothing more is tried.
    const calls = hooks.requests.length;
    assert.deepEqual(await apply(await newActivity(athleteId, 'Still nobody')), []);
    assert.equal(hooks.requests.length, calls);

    // Telegram's "chat not found" switches off too.
    const { athleteId: other } = await seedAthlete(world);
    await linkTelegram(other, 900_003);
    await enableTelegramDestination(world.db.pool, other);
    telegram.forgetChat(900_003);
    const [lost] = await apply(await newActivity(other, 'Lost chat'));
    assert.deepEqual(await deliverNotice(delivery, lost!), { telegram: 'disabled' });
    assert.equal((await listDestinations(world.db.pool, other))[0]?.disabledReason, 'chat_not_found');
  });

  it('rate limits and failures: a 429 or a 5xx leaves the message for the redelivery, which sends it once', async () => {
    const chatId = 900_004;
    const { athleteId, slack, discord } = await athleteWithEveryDestination(chatId);
    hooks.failNext(slack, 1, 429, 1);
    hooks.failNext(discord, 1, 429, 1);
    telegram.failNext(1, { errorCode: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1, method: 'sendMessage' });
    const [notice] = await apply(await newActivity(athleteId, 'Paced'));
    await assert.rejects(deliverNotice(delivery, notice!), { name: 'DeliveryRetryError' });
    assert.equal(hooks.visible(slack).length, 1);
    assert.equal(botTexts(chatId).length, 0);
    // Pub/Sub redelivers after its backoff; the services' pause (written to the shared pacing) is waited out.
    assert.deepEqual(await deliverNotice(delivery, notice!), { discord: 'sent', slack: 'sent', telegram: 'sent' });
    assert.equal(hooks.visible(slack).length, 2);
    assert.equal(hooks.visible(discord).length, 2);
    assert.equal(botTexts(chatId).length, 1);

    // A service failing: only the failing destination is retried.
    hooks.failNext(discord, 1, 503);
    const [second] = await apply(await newActivity(athleteId, 'Flaky'));
    await assert.rejects(deliverNotice(delivery, second!), { name: 'DeliveryRetryError' });
    assert.deepEqual(await deliverNotice(delivery, second!), { discord: 'sent', slack: 'duplicate', telegram: 'duplicate' });
    assert.equal(hooks.visible(discord).length, 3);
    assert.equal(hooks.visible(slack).length, 3);

    // A timeout (408) is the service's trouble too, not a refusal: retried like a 5xx.
    hooks.failNext(slack, 1, 408);
    const [third] = await apply(await newActivity(athleteId, 'Timed out'));
    await assert.rejects(deliverNotice(delivery, third!), { name: 'DeliveryRetryError' });
    assert.deepEqual(await deliverNotice(delivery, third!), { discord: 'duplicate', slack: 'sent', telegram: 'duplicate' });
  });

  it("Discord's X-RateLimit headers: an emptied bucket pauses that webhook for every instance until it refills", async () => {
    const url = hooks.createHook('discord');
    hooks.setLimits({ discord: { limit: 2, windowMs: 4_000 } });
    try {
      const target = discordTarget(new URL(url), 'discord:bucket-test');
      assert.equal((await target.send({ text: 'one' })).pauseMs, undefined);
      const second = await target.send({ text: 'two' });
      // Remaining 0: the answer says when the bucket resets, and the pacing key is pushed back to then.
      assert.ok(second.pauseMs !== undefined && second.pauseMs > 0 && second.pauseMs <= 4_000, String(second.pauseMs));
      await pauseKey(world.db.pool, 'discord:bucket-test', second.pauseMs);
      assert.equal(await reserveSlot(world.db.pool, { key: 'discord:bucket-test', intervalMs: 2_000 }, 1_000), undefined, 'too far off to wait for');
      // A third request anyway is refused as Discord refuses it: 429 with retry_after in the body.
      await assert.rejects(target.send({ text: 'three' }), (error: unknown) => {
        assert.ok(error instanceof TargetError);
        assert.equal(error.failure.kind, 'rate-limited');
        return true;
      });
      assert.equal(hooks.visible(url).length, 2);
    } finally {
      hooks.setLimits({ discord: { limit: 5, windowMs: 2_000 } });
    }
  });

  it('saving a webhook: hostile or wrong URLs are refused before any request; a webhook that refuses the test is not saved', async () => {
    const { athleteId } = await seedAthlete(world);
    const calls = hooks.requests.length;
    for (const url of [
      `${hooks.baseUrl.replace('127.0.0.1', 'localhost')}/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx`,
      'http://169.254.169.254/latest/meta-data',
    ]) {
      await assert.rejects(connectWebhook(delivery, athleteId, 'slack', url, 'en'), InvalidWebhookUrlError);
    }
    assert.equal(hooks.requests.length, calls);
    const gone = hooks.createHook('slack');
    hooks.removeHook(gone);
    await assert.rejects(connectWebhook(delivery, athleteId, 'slack', gone, 'en'), (error: unknown) => {
      assert.ok(error instanceof WebhookTestFailedError);
      assert.deepEqual(error.failure, { kind: 'gone', reason: 'webhook_gone' });
      return true;
    });
    assert.deepEqual(await listDestinations(world.db.pool, athleteId), []);

    // Stored encrypted: the URL's secret part is nowhere in the row.
    const live = hooks.createHook('discord');
    await connectWebhook(delivery, athleteId, 'discord', live, 'en');
    const [stored] = await rows('select webhook_url, url_hint from delivery_destinations where athlete_id = $1::bigint', [athleteId]);
    const token = live.split('/').pop()!;
    assert.ok(!Buffer.from(stored.webhook_url).toString('latin1').includes(token));
    assert.ok(!stored.url_hint.includes(token));
  });

  it('a notice no handler published (a deferred event the scheduled job applied) is published by the job, once', async () => {
    const { athleteId } = await seedAthlete(world);
    const slack = hooks.createHook('slack');
    await connectWebhook(delivery, athleteId, 'slack', slack, 'en');
    // Applied the way retryDeferredEvents applies it: no Pub/Sub handler around it, so nothing is published.
    const event = await newActivity(athleteId, 'Deferred run');
    assert.equal((await processWebhookEvent(processor, event)).status, 'processed');
    const sweep: DeliveryNotice[] = [];
    const publish = async (notice: DeliveryNotice) => String(sweep.push(notice));
    assert.equal(await publishWaitingNotices(world.db.pool, publish, 0), 1);
    assert.deepEqual(
      sweep.map((n) => [n.activityId, n.change]),
      [[event.object_id, 'created']],
    );
    assert.equal(await publishWaitingNotices(world.db.pool, publish, 0), 0);
    assert.deepEqual(await deliverNotice(delivery, sweep[0]!), { slack: 'sent' });
  });

  it("deleting the athlete's data removes their destinations, deliveries and notices", async () => {
    const { athleteId } = await seedAthlete(world);
    const slack = hooks.createHook('slack');
    await connectWebhook(delivery, athleteId, 'slack', slack, 'en');
    const [notice] = await apply(await newActivity(athleteId, 'Last one'));
    await deliverNotice(delivery, notice!);
    assert.equal(await deleteAthlete(world.db.pool, athleteId), true);
    for (const table of ['delivery_destinations', 'deliveries', 'delivery_notices', 'delivery_preferences']) {
      assert.deepEqual(await rows(`select count(*)::int as n from ${table} where athlete_id = $1::bigint`, [athleteId]), [{ n: 0 }], table);
    }
    // A notice still on the topic finds nothing to deliver.
    assert.deepEqual(await deliverNotice(delivery, notice!), {});
  });
});
