// The bot end to end: the stand-in delivers updates to the app's webhook over HTTP, the app answers from a real database, and every answer is checked against hand-built data.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatMessage, TelegramStandIn } from '../../dev/telegram/server.js';
import { attachFileStreams } from '../../shared/activities/index.js';
import { upsertConnectedAthlete } from '../../shared/athletes/index.js';
import { addZone } from '../../shared/privacy/index.js';
import { claimUpdate, createStartCode, linkedChatId, markUpdateFailed, parseTelegramHtml, telegramWebhookPath } from '../../shared/telegram/index.js';
import { CookieClient } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import type { TestStack } from '../helpers/stack.js';
import { startTelegramTestStack, type TelegramTestStack } from '../helpers/telegram.js';
import { activityMaker, athleteMaker } from '../stats/fixtures.js';

// Wednesday 10 June 2026, 14:00 in Berlin: this week began Monday 8 June; day 161 of 365.
const NOW = new Date('2026-06-10T12:00:00Z');
const HOSTILE = 'Morning <b>Run</b> & "<script>alert(1)</script>" &amp;';

let standIn: TelegramStandIn;
let stack: TestStack;
const act = activityMaker(9_100_000, { sport_type: 'Run', moving_time: 3000, total_elevation_gain: 50 });
let athleteWith: ReturnType<typeof athleteMaker>;
let runner: number;
let admin: number;
const RUNNER_CHAT = 810_001;
const ADMIN_CHAT = 810_002;
const STRANGER_CHAT = 810_003;
const ADMIN_ID = 4_400;

const visible = (message: ChatMessage | undefined) => {
  assert.ok(message, 'the bot answered');
  const parsed = parseTelegramHtml(message.text);
  assert.ok(parsed.ok, `the bot sent markup Telegram accepts: ${message.text}`);
  return parsed.text;
};

/** The person writes; the answer is every bot message that appeared after it. */
async function ask(chatId: number, words: string): Promise<ChatMessage[]> {
  const before = standIn.conversation(chatId).length;
  const outcome = await standIn.userSays(chatId, words, { firstName: 'Tester', languageCode: 'en' });
  assert.equal(outcome.delivered, true, `delivered (${outcome.status})`);
  return standIn.conversation(chatId).slice(before + 1);
}

async function press(chatId: number, message: ChatMessage, data: string): Promise<ChatMessage[]> {
  const before = standIn.conversation(chatId).length;
  const outcome = await standIn.pressButton(chatId, message.messageId, data);
  assert.equal(outcome.delivered, true);
  return standIn.conversation(chatId).slice(before);
}

async function link(chatId: number, athleteId: number): Promise<void> {
  const code = await createStartCode(stack.db.pool, athleteId);
  const [welcome] = await ask(chatId, `/start ${code}`);
  assert.match(visible(welcome), /linked to your Training Room account/);
}

let world: TelegramTestStack;
let WEBHOOK_SECRET: string;

before(async () => {
  world = await startTelegramTestStack({
    standIn: { redeliveryDelayMs: 50, rateLimits: { perChat: { limit: 1000, windowMs: 1000 } } },
    stack: { now: () => NOW, env: { ADMIN_ATHLETE_IDS: String(ADMIN_ID), STRAVA_VERIFY_TOKEN: 'verify-me', WEBHOOK_PATH_SECRET: 'strava-path-secret' } },
  });
  ({ standIn, stack, webhookSecret: WEBHOOK_SECRET } = world);
  athleteWith = athleteMaker(() => stack.db.pool, 4_000);
  runner = await athleteWith([
    act('2026-06-09T07:00:00', { name: HOSTILE, distance: 10_000 }),
    act('2026-06-02T07:00:00', { name: 'Commute', sport_type: 'Ride', distance: 30_000, moving_time: 3600, total_elevation_gain: 200 }),
    act('2026-02-15T09:00:00', { name: 'Winter run', distance: 5_000, moving_time: 1800, total_elevation_gain: 10 }),
    act('2025-12-31T10:00:00', { name: 'Old year', distance: 21_100, moving_time: 7200, total_elevation_gain: 100 }),
  ]);
  await upsertConnectedAthlete(stack.db.pool, { id: ADMIN_ID, firstname: 'Ada' }, ['read']);
  admin = ADMIN_ID;
  await link(RUNNER_CHAT, runner);
  await link(ADMIN_CHAT, admin);
});
after(() => world?.close());

describe('commands on hand-built data', () => {
  test('/stats: this week per sport, and the period buttons edit the message to month, year and all time', async () => {
    const [week] = await ask(RUNNER_CHAT, '/stats');
    assert.equal(visible(week), ['This week', 'All sports: 1 act. · 10.0 km · 50:00 · ↑ 50 m', 'Run: 1 act. · 10.0 km · 50:00 · ↑ 50 m'].join('\n'));
    const buttons = week!.replyMarkup!.inline_keyboard.flat().map((b) => b.callback_data);
    assert.deepEqual(buttons, ['stats:week', 'stats:month', 'stats:year', 'stats:all']);
    await press(RUNNER_CHAT, week!, 'stats:month');
    const edited = standIn.conversation(RUNNER_CHAT).find((m) => m.messageId === week!.messageId)!;
    assert.equal(edited.edited, true, 'the same message, edited');
    assert.equal(
      visible(edited),
      [
        'This month',
        'All sports: 2 act. · 40.0 km · 1:50:00 · ↑ 250 m',
        'Ride: 1 act. · 30.0 km · 1:00:00 · ↑ 200 m',
        'Run: 1 act. · 10.0 km · 50:00 · ↑ 50 m',
      ].join('\n'),
    );
    await press(RUNNER_CHAT, edited, 'stats:year');
    assert.match(
      visible(standIn.conversation(RUNNER_CHAT).find((m) => m.messageId === week!.messageId)),
      /All sports: 3 act\. · 45\.0 km · 2:20:00 · ↑ 260 m\nRun: 2 act\. · 15\.0 km · 1:20:00 · ↑ 60 m/,
    );
    const [all] = await ask(RUNNER_CHAT, '/stats all');
    assert.match(visible(all), /^All time\nAll sports: 4 act\. · 66\.1 km · 4:20:00 · ↑ 360 m/);
    // The button press was answered, so Telegram stops its spinner.
    assert.ok(standIn.sent.some((s) => s.method === 'answerCallbackQuery' && s.chatId === RUNNER_CHAT));
  });

  test("/weekavg and /forecast: the stats face's figures for the year (day 161 of 365, 23 weeks)", async () => {
    const [weekly] = await ask(RUNNER_CHAT, '/weekavg');
    // 45 km, 2:20:00 and 260 m over 161 / 7 = 23 weeks.
    assert.equal(
      visible(weekly),
      ['Weekly average in 2026 (over 23.0 weeks)', 'All sports: 2.0 km · 6:05 · ↑ 11 m', 'Run: 0.7 km · 3:29 · ↑ 3 m', 'Ride: 1.3 km · 2:37 · ↑ 9 m'].join(
        '\n',
      ),
    );
    const [forecast] = await ask(RUNNER_CHAT, '/forecast');
    // × 365 / 161: 102.0 km, 5:17:23 (19,043 s), 589 m.
    assert.match(visible(forecast), /^Year-end forecast for 2026, keeping your pace so far\nAll sports: 102\.0 km · 5:17:23 · ↑ 589 m\n/);
    assert.match(visible(forecast), /Figures so far ÷ 161 days gone × 365 days in the year/);
  });

  test("/recent lists the latest first with a button each; an activity's details, GPX (privacy zone cut) and share card", async () => {
    const [recent] = await ask(RUNNER_CHAT, '/recent');
    const lines = visible(recent).split('\n');
    assert.equal(lines[0], 'Recent activities');
    assert.equal(lines[1], `1. ${HOSTILE}`, 'the hostile name arrives as the athlete typed it, as text');
    assert.equal(lines[2], '9 Jun 2026 · Run · 10.0 km · 50:00');
    assert.equal(lines[3], '2. Commute');
    assert.equal(recent!.replyMarkup!.inline_keyboard.length, 4);
    const firstId = Number(recent!.replyMarkup!.inline_keyboard[0]![0]!.callback_data!.split(':')[1]);

    const [detail] = await press(RUNNER_CHAT, recent!, `act:${firstId}`);
    assert.equal(
      visible(detail),
      [HOSTILE, 'Run · 9 Jun 2026 07:00', 'Distance: 10.0 km', 'Moving time: 50:00', 'Pace / speed: 5:00 /km', 'Elevation: 50 m'].join('\n'),
    );

    // A track that runs through a privacy zone: the points inside it are not in the file.
    const latlng: [number, number][] = [
      [52.5, 13.4],
      [52.501, 13.401],
      [52.52, 13.42],
      [52.53, 13.43],
    ];
    await attachFileStreams(stack.db.pool, runner, firstId, { latlng, time: [0, 10, 20, 30] });
    await addZone(stack.db.pool, runner, { lat: 52.5, lng: 13.4, radiusM: 500 });
    const [file] = await press(RUNNER_CHAT, detail!, `gpx:${firstId}`);
    assert.ok(file?.document, 'a document');
    assert.equal(file.document.contentType, 'application/gpx+xml');
    const gpx = new TextDecoder().decode(file.document.bytes);
    assert.equal((gpx.match(/<trkpt /g) ?? []).length, 2, 'two of four points are inside the zone');
    assert.ok(!gpx.includes('lat="52.5"') && !gpx.includes('lat="52.501"'));
    assert.ok(gpx.includes('&lt;b&gt;Run&lt;/b&gt;'), 'the name is escaped in the XML too');
    assert.match(visible(file), /with your privacy zones left out/);

    const [card] = await press(RUNNER_CHAT, detail!, `card:${firstId}`);
    assert.ok(card?.photo, 'a picture');
    assert.deepEqual([...card.photo.bytes.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
    if (process.env.SCREENSHOT_DIR) writeFileSync(join(process.env.SCREENSHOT_DIR, 'share-card.png'), card.photo.bytes);
    assert.equal(Buffer.from(card.photo.bytes).readUInt32BE(16), 1200, 'the PNG header says 1200 px wide');
  });

  test("/find by date and by words in the name; nothing found says so; another athlete's activity is not yours", async () => {
    const [byDate] = await ask(RUNNER_CHAT, '/find 2026-06-02');
    assert.match(visible(byDate), /^Found for “2026-06-02”: 1\n1\. Commute\n/);
    const [dotted] = await ask(RUNNER_CHAT, '/find 15.02.2026');
    assert.match(visible(dotted), /1\. Winter run/);
    const [byWords] = await ask(RUNNER_CHAT, '/find RUN');
    const found = visible(byWords);
    // Case does not matter; "Commute" and "Old year" hold no "run".
    assert.match(found, /^Found for “RUN”: 2\n/);
    assert.ok(found.includes(HOSTILE) && found.includes('Winter run') && !found.includes('Old year') && !found.includes('Commute'));
    const [none] = await ask(RUNNER_CHAT, '/find <i>nothing</i>');
    assert.equal(visible(none), 'Nothing found for “<i>nothing</i>”.');
    const [usage] = await ask(RUNNER_CHAT, '/find');
    assert.match(visible(usage), /^Send \/find with a date/);
    // The admin's chat pressing a button with the runner's activity id sees nothing of it.
    const [adminRecent] = await ask(ADMIN_CHAT, '/recent');
    assert.equal(visible(adminRecent), 'No activities yet.');
    await standIn.deliver({
      callback_query: {
        id: 'forged-1',
        from: { id: ADMIN_CHAT, is_bot: false, first_name: 'Ada' },
        message: { message_id: adminRecent!.messageId, date: 0, chat: { id: ADMIN_CHAT, type: 'private' } },
        data: 'gpx:9100000',
      },
    });
    const last = standIn.botMessages(ADMIN_CHAT).at(-1);
    assert.equal(visible(last), 'That activity is not among yours (any more).');
    assert.equal(last!.document, undefined);
  });

  test("/lang and /units change how the bot answers; /units is the site's setting", async () => {
    const [ask1] = await ask(RUNNER_CHAT, '/lang');
    assert.deepEqual(
      ask1!.replyMarkup!.inline_keyboard.flat().map((b) => b.callback_data),
      ['lang:en', 'lang:ru'],
    );
    const [set] = await press(RUNNER_CHAT, ask1!, 'lang:ru');
    assert.equal(visible(set), 'Буду говорить здесь по-русски.');
    const [units] = await ask(RUNNER_CHAT, '/units imperial');
    assert.equal(visible(units), 'Единицы: имперские (мили, футы) (здесь и на сайте).');
    const [week] = await ask(RUNNER_CHAT, '/stats');
    // 10 km = 6.2 mi, 50 m = 164 ft, in Russian.
    assert.equal(visible(week), ['Эта неделя', 'Все виды: 1 трен. · 6,2 ми · 50:00 · ↑ 164 фт', 'Бег: 1 трен. · 6,2 ми · 50:00 · ↑ 164 фт'].join('\n'));
    await ask(RUNNER_CHAT, '/units metric');
    await ask(RUNNER_CHAT, '/lang en');
    const [back] = await ask(RUNNER_CHAT, '/stats');
    assert.match(visible(back), /^This week\nAll sports: 1 act\. · 10\.0 km/);
  });

  test('unknown input gets the help, never silence', async () => {
    for (const words of ['hello there', '/nosuchcommand', '/athletes', '/ban 1']) {
      const [answer] = await ask(RUNNER_CHAT, words);
      const shown = visible(answer);
      assert.match(shown, /^I did not understand that\.\n\nWhat I can do\n\/stats/);
      assert.ok(!/Admin|\/ban|\/athletes|subscription|dead/i.test(shown), `no hint of admin commands for ${words}`);
    }
    const [help] = await ask(RUNNER_CHAT, '/help');
    assert.ok(visible(help).startsWith('What I can do'));
  });
});

describe('admin commands', () => {
  test('athletes and status, ban and unban (audited, via Telegram); an admin sees them in /help', async () => {
    const [help] = await ask(ADMIN_CHAT, '/help');
    assert.match(visible(help), /Admin\n\/athletes/);
    const [list] = await ask(ADMIN_CHAT, '/athletes');
    const shown = visible(list);
    assert.match(shown, /^Athletes: 2\n/);
    assert.match(shown, new RegExp(`${runner} · T · connected · 4 act\\. · 2026-06-09`));
    const [banned] = await ask(ADMIN_CHAT, `/ban ${runner} spam <b>`);
    assert.equal(visible(banned), `Athlete ${runner} is banned.`);
    const { rows } = await stack.db.pool.query(`select status, status_reason from athletes where id = $1`, [runner]);
    assert.deepEqual(rows[0], { status: 'banned', status_reason: 'spam <b>' });
    const [refused] = await ask(RUNNER_CHAT, '/stats');
    assert.equal(visible(refused), 'Your access to this site is suspended.');
    const [again] = await ask(ADMIN_CHAT, `/ban ${runner}`);
    assert.equal(visible(again), `Athlete ${runner}: nothing changed (unknown, or already so).`);
    const [self] = await ask(ADMIN_CHAT, `/ban ${admin}`);
    assert.equal(visible(self), 'You cannot ban yourself.');
    const [unbanned] = await ask(ADMIN_CHAT, `/unban ${runner}`);
    assert.equal(visible(unbanned), `Athlete ${runner} is unbanned.`);
    const [usage] = await ask(ADMIN_CHAT, '/ban someone');
    assert.match(visible(usage), /^Send \/ban athlete-id/);
    const audit = await stack.db.pool.query(`select action, target_athlete_id, detail from admin_audit where admin_athlete_id = $1 order by id`, [admin]);
    assert.deepEqual(
      audit.rows.map((row) => [row.action, row.target_athlete_id]),
      [
        ['telegram_athletes_view', null],
        ['ban', runner],
        ['telegram_ban_unchanged', runner],
        ['unban', runner],
      ],
    );
  });

  test('the webhook subscription: view, create, view again, delete, each audited; the dead-letter count', async () => {
    const [none] = await ask(ADMIN_CHAT, '/subscription');
    assert.match(visible(none), /^No webhook subscription\.\nExpected callback: http:\/\/127\.0\.0\.1:\d+\/webhook\/•••/);
    const [created] = await ask(ADMIN_CHAT, '/subscription create');
    const id = /Webhook subscription (\d+) created\./.exec(visible(created))?.[1];
    assert.ok(id, visible(created));
    const [view] = await ask(ADMIN_CHAT, '/subscription');
    assert.match(visible(view), new RegExp(`^Webhook subscription ${id}\\nCallback: http://127\\.0\\.0\\.1:\\d+/webhook/•••\\nPoints at this site: yes$`));
    assert.ok(!visible(view).includes('strava-path-secret'), 'the path secret stays out of the chat');
    const [deleted] = await ask(ADMIN_CHAT, '/subscription delete');
    assert.equal(visible(deleted), `Webhook subscription ${id} deleted.`);
    // One update that could not be answered, recorded as such.
    await claimUpdate(stack.db.pool, { update_id: 42 });
    await markUpdateFailed(stack.db.pool, 42, 'TelegramApiError: 502 Bad Gateway');
    const [dead] = await ask(ADMIN_CHAT, '/deadletters');
    assert.equal(visible(dead), 'Dead letters\nStrava events: 0\nTelegram updates that failed: 1');
    const actions = await stack.db.pool.query(
      `select action, detail->>'outcome' as outcome, detail->>'via' as via from admin_audit where action like 'webhook%' or action like 'telegram_dead%' order by id`,
    );
    assert.deepEqual(
      actions.rows.map((row) => [row.action, row.outcome, row.via]),
      [
        ['webhook_subscription_view', null, 'telegram'],
        ['webhook_subscription_create', 'created', 'telegram'],
        ['webhook_subscription_view', null, 'telegram'],
        ['webhook_subscription_delete', 'deleted', 'telegram'],
        ['telegram_dead_letters_view', null, 'telegram'],
      ],
    );
  });

  test('a message over 4,096 characters arrives split into messages Telegram accepts', async () => {
    for (let i = 0; i < 45; i++) await upsertConnectedAthlete(stack.db.pool, { id: 5_000 + i, firstname: `Long${'x'.repeat(95)}` }, ['read']);
    const answer = await ask(ADMIN_CHAT, '/athletes');
    assert.equal(answer.length, 2, 'two messages');
    const text = answer.map((m) => visible(m)).join('\n');
    assert.match(text, /^Athletes: 47\n/);
    assert.equal(text.split('\n').length, 48, 'every athlete once, none lost at the cut');
    for (const message of answer) assert.ok(visible(message).length <= 4096);
  });
});

describe('linking', () => {
  test('"Connect Telegram" on settings opens the bot with a one-time code; Start links the chat; the page shows it and disconnects it', async () => {
    const client = new CookieClient();
    await signIn(client, stack.baseUrl);
    const settings = await client.request(`${stack.baseUrl}/settings`);
    assert.match(settings.text, /Connect Telegram/);
    const csrf = hiddenValue(settings.text, 'csrf');
    const connect = await client.request(`${stack.baseUrl}/settings/telegram/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    assert.equal(connect.status, 303);
    const target = new URL(connect.headers.get('location')!);
    assert.equal(`${target.origin}${target.pathname}`, `${standIn.url}/${standIn.botUsername}`);
    const code = target.searchParams.get('start')!;
    assert.match(code, /^[A-Za-z0-9_-]{24}$/);
    // Only a hash is stored: the code itself is nowhere in the database.
    const stored = await stack.db.pool.query(`select encode(code_hash, 'hex') as hash from telegram_start_codes`);
    assert.ok(stored.rows.every((row) => !row.hash.includes(Buffer.from(code).toString('hex'))));
    const demoChat = 820_001;
    const [welcome] = await ask(demoChat, `/start ${code}`);
    assert.match(visible(welcome), /^Hello, \w+! This chat is now linked/);
    const demoId = Number(stack.sandbox.demoAthleteId);
    assert.equal(await linkedChatId(stack.db.pool, demoId), demoChat);
    const after = await client.request(`${stack.baseUrl}/settings`);
    assert.match(after.text, /Connected to @demo_athlete since/);
    const off = await client.request(`${stack.baseUrl}/settings/telegram/disconnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: hiddenValue(after.text, 'csrf') }),
    });
    assert.equal(off.status, 303);
    assert.equal(await linkedChatId(stack.db.pool, demoId), null);
    const [told] = await ask(demoChat, '/stats');
    assert.match(visible(told), /^This chat is not linked to an account\. Open http:\/\/127\.0\.0\.1:\d+\/settings#telegram/);
    // Without the CSRF token nothing is made.
    const forged = await client.request(`${stack.baseUrl}/settings/telegram/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(forged.status, 403);
  });

  test('a replayed code, a stolen code used first by someone else, an expired code and a made-up one link nothing more', async () => {
    const victim = await athleteWith([]);
    const code = await createStartCode(stack.db.pool, victim);
    await ask(830_001, `/start ${code}`);
    assert.equal(await linkedChatId(stack.db.pool, victim), 830_001);
    // The same code again, from another chat (a stolen link) or the same: refused, and the link stays where it was.
    const [replayed] = await ask(830_002, `/start ${code}`);
    assert.equal(visible(replayed), 'That link was already used. Each link works once: open the settings page again for a new one.');
    assert.equal(await linkedChatId(stack.db.pool, victim), 830_001);
    const [stats] = await ask(830_002, '/stats');
    assert.match(visible(stats), /^This chat is not linked/);
    // An expired code: made with no time to live.
    const expired = await createStartCode(stack.db.pool, victim, -1000);
    const [late] = await ask(830_003, `/start ${expired}`);
    assert.equal(visible(late), 'That link has expired. Open the settings page again and press “Connect Telegram” for a new one.');
    for (const guess of ['AAAAAAAAAAAAAAAAAAAAAAAA', String(victim), `${victim} ${code}`, '../../etc']) {
      const [answer] = await ask(830_004, `/start ${guess}`);
      assert.equal(visible(answer), 'That link is not valid. Open the settings page again and press “Connect Telegram” for a new one.');
    }
    assert.equal((await stack.db.pool.query(`select count(*)::int as n from telegram_links where chat_id in (830002, 830003, 830004)`)).rows[0].n, 0);
    // A newer code replaces an unused older one.
    const first = await createStartCode(stack.db.pool, victim);
    await createStartCode(stack.db.pool, victim);
    const [older] = await ask(830_005, `/start ${first}`);
    assert.match(visible(older), /^That link is not valid/);
  });

  test("/unlink from the chat undoes the link; deleting one's data removes it", async () => {
    const leaver = await athleteWith([act('2026-06-01T08:00:00')]);
    await link(840_001, leaver);
    const [bye] = await ask(840_001, '/unlink');
    assert.match(visible(bye), /^This chat is no longer linked/);
    assert.equal(await linkedChatId(stack.db.pool, leaver), null);
    await link(840_001, leaver);
    const client = new CookieClient();
    await signIn(client, stack.baseUrl);
    const demoId = Number(stack.sandbox.demoAthleteId);
    await link(840_002, demoId);
    const confirm = await client.request(`${stack.baseUrl}/account/delete`);
    const deleted = await client.request(`${stack.baseUrl}/account/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: hiddenValue(confirm.text, 'csrf') }),
    });
    assert.ok(deleted.status < 400, `deleted (${deleted.status})`);
    assert.equal(await linkedChatId(stack.db.pool, demoId), null);
    const [told] = await ask(840_002, '/recent');
    assert.match(visible(told), /^This chat is not linked/);
  });
});

describe('the webhook', () => {
  const path = () => `${stack.baseUrl}${telegramWebhookPath(WEBHOOK_SECRET)}`;
  const update = (updateId: number, words: string, chatId = RUNNER_CHAT) => ({
    update_id: updateId,
    message: { message_id: 1, date: 0, chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'X' }, text: words },
  });
  const post = (url: string, body: unknown, secret?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
      body: JSON.stringify(body),
    });

  test('a missing or wrong secret token, or a wrong path, answers 401 and changes nothing', async () => {
    const victim = await athleteWith([]);
    const code = await createStartCode(stack.db.pool, victim);
    const sentBefore = standIn.sent.length;
    const attempts = [
      await post(path(), update(7_000_001, `/start ${code}`, STRANGER_CHAT)),
      await post(path(), update(7_000_002, `/start ${code}`, STRANGER_CHAT), 'wrong-secret'),
      await post(path(), update(7_000_003, `/start ${code}`, STRANGER_CHAT), ''),
      await post(`${stack.baseUrl}/telegram/not-the-path`, update(7_000_004, `/start ${code}`, STRANGER_CHAT), WEBHOOK_SECRET),
    ];
    assert.deepEqual(
      attempts.map((r) => r.status),
      [401, 401, 401, 401],
    );
    assert.equal(await linkedChatId(stack.db.pool, victim), null);
    const { rows } = await stack.db.pool.query(`select count(*)::int as n from telegram_updates where update_id between 7000001 and 7000004`);
    assert.equal(rows[0].n, 0, 'not even recorded');
    assert.equal(standIn.sent.length, sentBefore, 'nothing sent');
    assert.ok(
      !stack.logLines.some((line) => line.includes(WEBHOOK_SECRET) || line.includes(telegramWebhookPath(WEBHOOK_SECRET))),
      'the secret and its path are never logged',
    );
    // The right secret, a body that is no update: refused.
    assert.equal((await post(path(), { hello: 1 }, WEBHOOK_SECRET)).status, 400);
  });

  test('an update delivered twice is answered once', async () => {
    const before = standIn.botMessages(RUNNER_CHAT).length;
    const first = await standIn.deliver(update(7_100_001, '/help'));
    const second = await standIn.deliver(update(7_100_001, '/help'));
    assert.deepEqual([first.delivered, second.delivered], [true, true], 'both acknowledged, so Telegram stops');
    assert.equal(standIn.botMessages(RUNNER_CHAT).length, before + 1);
  });

  test('an answer Telegram refused (5xx) is recorded, the update redelivered and answered then: nothing lost', async () => {
    standIn.failNext(1, { errorCode: 502, description: 'Bad Gateway', method: 'sendMessage' });
    const before = standIn.botMessages(RUNNER_CHAT).length;
    const outcome = await standIn.userSays(RUNNER_CHAT, '/help');
    assert.deepEqual(outcome, { delivered: false, status: 500 });
    const deadline = Date.now() + 5000;
    while (standIn.webhook().pending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(standIn.botMessages(RUNNER_CHAT).length, before + 1, 'answered on redelivery');
    const { rows } = await stack.db.pool.query(`select status, attempts from telegram_updates order by update_id desc limit 1`);
    assert.deepEqual(rows[0], { status: 'done', attempts: 2 });
  });

  test("over Telegram's pace, the bot waits the retry_after it is given and then answers", async () => {
    standIn.setRateLimits({ perChat: { limit: 1, windowMs: 1000 } });
    try {
      const before = standIn.botMessages(RUNNER_CHAT).length;
      const refusedBefore = standIn.calls.filter((call) => call.errorCode === 429).length;
      await standIn.deliver(update(7_150_001, '/help'));
      const second = await standIn.deliver(update(7_150_002, '/help'));
      assert.equal(second.delivered, true);
      assert.equal(standIn.botMessages(RUNNER_CHAT).length, before + 2, 'both answered');
      // The second answer at least came within the second after the first: refused once with retry_after, then sent.
      assert.ok(standIn.calls.filter((call) => call.errorCode === 429).length > refusedBefore, 'a 429 came, and the wait');
      const { rows } = await stack.db.pool.query(`select status, attempts from telegram_updates where update_id in (7150001, 7150002) order by update_id`);
      assert.deepEqual(
        rows,
        [
          { status: 'done', attempts: 1 },
          { status: 'done', attempts: 1 },
        ],
        'each answered on its first delivery',
      );
    } finally {
      standIn.setRateLimits({ perChat: { limit: 1000, windowMs: 1000 } });
    }
  });

  test('a blocked bot: the refusal is recorded, not retried forever', async () => {
    standIn.blockBot(RUNNER_CHAT);
    const outcome = await standIn.deliver(update(7_200_001, '/help'));
    standIn.unblockBot(RUNNER_CHAT);
    assert.equal(outcome.delivered, true, 'acknowledged: redelivering would be refused the same way');
    const { rows } = await stack.db.pool.query(`select status, last_error from telegram_updates where update_id = 7200001`);
    assert.equal(rows[0].status, 'failed');
    assert.match(rows[0].last_error, /403 Forbidden: bot was blocked by the user/);
  });

  test("a group chat gets nothing: an athlete's data is shown to that athlete alone", async () => {
    const sentBefore = standIn.sent.length;
    const response = await post(
      path(),
      {
        update_id: 7_300_001,
        message: { message_id: 1, date: 0, chat: { id: -100_123, type: 'group' }, from: { id: RUNNER_CHAT, is_bot: false, first_name: 'X' }, text: '/stats' },
      },
      WEBHOOK_SECRET,
    );
    assert.equal(response.status, 200);
    assert.equal(standIn.sent.length, sentBefore);
  });
});
