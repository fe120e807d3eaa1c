// Settings → New activities in your chat in a real browser, at phone and desktop widths, in English and Russian:
// a hostile URL refused, a webhook saved after its test message, Telegram offered once linked, sports, and a
// destination switched off by the service showing why.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type ChatWebhookStandIn, startChatWebhookStandIn } from '../../dev/chat-webhooks/server.js';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { startTelegramStandIn, type TelegramStandIn } from '../../dev/telegram/server.js';
import { deliverNotice } from '../../shared/delivery/index.js';
import { handleImportRequest } from '../../shared/imports/requests.js';
import { createStartCode, redeemStartCode } from '../../shared/telegram/index.js';
import { launchBrowser, signedInPage } from '../helpers/browser.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let hooks: ChatWebhookStandIn;
let telegram: TelegramStandIn;
let browser: Browser;
let page: Page;
let errors: string[] = [];
const SHOTS = process.env.SCREENSHOT_DIR;

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

before(async () => {
  hooks = await startChatWebhookStandIn({ port: 0 });
  telegram = await startTelegramStandIn({ port: 0 });
  stack = await startTestStack({
    env: {
      SLACK_WEBHOOK_BASE_URL: hooks.baseUrl,
      DISCORD_WEBHOOK_BASE_URL: hooks.baseUrl,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_BASE_URL: telegram.baseUrl,
    },
  });
  browser = await launchBrowser();
  ({ page, errors } = await signedInPage(browser, stack.baseUrl, { viewport: PHONE }));
  // The athlete's sports come from their activities.
  await handleImportRequest(stack.runtime, { athleteId: DEMO_ATHLETE_ID, reason: 'resume' }, { timeBudgetMs: 60_000 });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await stack?.close();
  await hooks?.close();
  await telegram?.close();
});

const section = () => page.locator('#delivery');

async function assertFits(where: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('#delivery, #delivery .destination, #delivery input, #delivery button')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .map((el) => el.id || el.className || el.tagName);
    return { page: document.documentElement.scrollWidth > width + 1 ? document.documentElement.scrollWidth : 0, wide };
  });
  assert.deepEqual(overflow.wide, [], `${where}: wider than the window`);
  assert.equal(overflow.page, 0, `${where}: the page scrolls sideways`);
  if (page.viewportSize()!.width >= 720) return;
  // A finger's target on a phone: every control of the section 44 px high, or inside a label that is.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#delivery a, #delivery button, #delivery input:not([type="hidden"])')]
      .filter((el) => el.getBoundingClientRect().height < 44 && (el.closest('label')?.getBoundingClientRect().height ?? 0) < 44)
      .map((el) => `${el.tagName} ${el.textContent?.trim() || el.getAttribute('name')} ${Math.round(el.getBoundingClientRect().height)}px`),
  );
  assert.deepEqual(small, [], `${where}: touch targets under 44 px`);
}

async function pasteAndSave(service: 'slack' | 'discord', url: string): Promise<void> {
  await page.locator(`#webhook-${service}`).fill(url);
  await Promise.all([page.waitForURL(/\/settings\?delivery=/), page.locator(`#delivery-${service} button[type="submit"].button`).click()]);
}

test('phone: a hostile URL is refused with a reason, a real webhook is saved after its test message', async () => {
  await page.setViewportSize(PHONE);
  await page.goto(`${stack.baseUrl}/settings#delivery`);
  assert.ok(await page.getByRole('heading', { name: 'New activities in your chat' }).isVisible());
  // Not linked yet: Telegram is explained, not offered.
  assert.match((await section().locator('#delivery-telegram').textContent()) ?? '', /Connect Telegram on this page first/);
  await assertFits('phone, empty');

  const calls = hooks.requests.length;
  await pasteAndSave('slack', 'https://hooks.slack.com.evil.example/services/T01ABCDEF/B02GHIJKLM/abcdefghijklmnopqrstuvwx');
  assert.equal(await section().getByRole('alert').first().textContent(), 'That is not an address of this service. Paste the webhook URL the service gave you.');
  assert.equal(hooks.requests.length, calls, 'nothing was requested');
  assert.match((await section().locator('#delivery-slack').textContent()) ?? '', /Not set up\./);

  const gone = hooks.createHook('discord');
  hooks.removeHook(gone);
  await pasteAndSave('discord', gone);
  assert.match((await section().getByRole('alert').first().textContent()) ?? '', /^The service says this webhook does not exist\./);

  const slack = hooks.createHook('slack');
  await pasteAndSave('slack', slack);
  assert.equal(await section().getByRole('status').textContent(), 'Saved. A test message was sent there.');
  assert.match((await section().locator('#delivery-slack .posting-to').textContent()) ?? '', /^Posting to 127\.0\.0\.1:\d+\/services\/…\w{4}$/);
  assert.equal(hooks.visible(slack).length, 1);
  assert.ok(!(await page.content()).includes(slack.split('/').pop()!), 'the URL itself is never shown again');
  await assertFits('phone, saved');
  if (SHOTS) await section().screenshot({ path: `${SHOTS}/delivery-en-390.png` });
});

test('phone: once Telegram is linked it can be switched on; sports can be narrowed', async () => {
  await page.setViewportSize(PHONE);
  const code = await createStartCode(stack.db.pool, DEMO_ATHLETE_ID);
  await telegram.userSays(920_001, `/start ${code}`);
  await redeemStartCode(stack.db.pool, code, { chatId: 920_001, title: 'demo' });
  await page.goto(`${stack.baseUrl}/settings#delivery`);
  await section().getByLabel('Send new activities to my chat with the bot').check();
  await Promise.all([page.waitForURL(/delivery=settings/), section().locator('#delivery-telegram button').click()]);
  assert.equal(await section().getByLabel('Send new activities to my chat with the bot').isChecked(), true);

  await section().getByLabel('Only these:').check();
  const first = section().locator('.sport-choices input').first();
  const sport = await first.getAttribute('value');
  await first.check();
  await Promise.all([page.waitForURL(/delivery=settings/), section().locator('#delivery-sports button').click()]);
  assert.equal(await section().getByLabel('Only these:').isChecked(), true);
  assert.equal(await section().locator(`.sport-choices input[value="${sport}"]`).isChecked(), true);
  assert.equal(await section().locator('.sport-choices input:checked').count(), 1);

  // "Only these" with none ticked is refused, and the choice stays as it was.
  await section().locator('.sport-choices input:checked').uncheck();
  await Promise.all([page.waitForURL(/delivery=no-sports/), section().locator('#delivery-sports button').click()]);
  assert.equal(await section().getByRole('alert').first().textContent(), 'Choose at least one sport, or every sport.');
  assert.equal(await section().locator(`.sport-choices input[value="${sport}"]`).isChecked(), true);
  await assertFits('phone, linked');
});

test('a destination the service refuses for good is switched off, and settings says why (en and ru, phone and desktop)', async () => {
  const slack = hooks.hooks().find((h) => h.service === 'slack' && h.messages.length > 0)!.url;
  hooks.archiveChannel(slack);
  const { rows } = await stack.db.pool.query<{ id: string; sport_type: string }>(
    // Not one of the athlete's "Only You" activities, which are never sent (the sandbox's latest varies with the day).
    `select id, sport_type from activities where athlete_id = $1::bigint and not private and coalesce(visibility, '') <> 'only_me'
     order by start_date desc limit 1`,
    [DEMO_ATHLETE_ID],
  );
  await stack.db.pool.query(`update delivery_preferences set sports = null where athlete_id = $1::bigint`, [DEMO_ATHLETE_ID]);
  const outcome = await deliverNotice(stack.deps.delivery, { noticeId: 1, athleteId: DEMO_ATHLETE_ID, activityId: Number(rows[0]!.id), change: 'created' });
  assert.equal(outcome.slack, 'disabled');

  for (const [viewport, width] of [
    [PHONE, 390],
    [DESKTOP, 1280],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.goto(`${stack.baseUrl}/settings?lang=en#delivery`);
    assert.equal(
      await section().locator('#delivery-slack [role="alert"]').textContent(),
      'Switched off: the Slack channel was archived. Paste the webhook URL of another channel.',
    );
    await assertFits(`${width} en`);
    if (SHOTS) await section().screenshot({ path: `${SHOTS}/delivery-en-${width}-switched-off.png` });
    await page.goto(`${stack.baseUrl}/settings?lang=ru#delivery`);
    assert.ok(await page.getByRole('heading', { name: 'Новые тренировки в вашем чате' }).isVisible());
    assert.equal(
      await section().locator('#delivery-slack [role="alert"]').textContent(),
      'Отключено: канал Slack архивирован. Вставьте URL вебхука другого канала.',
    );
    await assertFits(`${width} ru`);
    if (SHOTS) await section().screenshot({ path: `${SHOTS}/delivery-ru-${width}.png` });
  }
  await page.goto(`${stack.baseUrl}/settings?lang=en#delivery`);
  assert.deepEqual(errors, []);
});
