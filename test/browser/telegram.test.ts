// The Telegram bot in Chromium: "Connect Telegram" on settings opens the stand-in's chat page with the code, Start links
// the chat, and the chat answers /stats with buttons; at 390 and 1280 px, in English and Russian, with no sideways
// scrolling and no serious axe-core findings. SCREENSHOT_DIR=folder keeps a screenshot of each.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_TELEGRAM_USER, type TelegramStandIn } from '../../dev/telegram/server.js';
import { linkedChatId, unlinkAthlete } from '../../shared/telegram/index.js';
import { launchBrowser } from '../helpers/browser.js';
import type { TestStack } from '../helpers/stack.js';
import { startTelegramTestStack, type TelegramTestStack } from '../helpers/telegram.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

let standIn: TelegramStandIn;
let stack: TestStack;
let browser: Browser;

let world: TelegramTestStack;

before(async () => {
  world = await startTelegramTestStack();
  ({ standIn, stack } = world);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await world?.close();
});

async function layoutProblems(p: Page, label: string): Promise<string[]> {
  const problems: string[] = [];
  const { scrollWidth, innerWidth } = await p.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  if (scrollWidth > innerWidth) problems.push(`${label}: the page is ${scrollWidth}px wide in a ${innerWidth}px window`);
  await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(d: Document, o: object): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  });
  for (const violation of violations) problems.push(`${label}: accessibility: ${violation}`);
  if (SCREENSHOT_DIR) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await p.screenshot({ path: join(SCREENSHOT_DIR, `${label.replace(/ /g, '-')}.png`), fullPage: true });
  }
  return problems;
}

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;
const TEXT = {
  en: {
    connect: 'Connect Telegram',
    start: 'Start',
    welcome: 'This chat is now linked',
    send: 'Send',
    week: 'This week',
    month: 'This month',
    connected: 'Connected to',
    disconnect: 'Disconnect Telegram',
  },
  ru: {
    connect: 'Подключить Telegram',
    start: 'Старт',
    welcome: 'Этот чат связан',
    send: 'Отправить',
    week: 'Эта неделя',
    month: 'Этот месяц',
    connected: 'Подключён чат',
    disconnect: 'Отключить Telegram',
  },
} as const;

for (const locale of ['en', 'ru'] as const) {
  for (const size of SIZES) {
    test(`connect from settings and chat with the bot at ${size.width} px in ${locale === 'en' ? 'English' : 'Russian'}`, async () => {
      const t = TEXT[locale];
      // Each run starts from an unlinked athlete and an empty chat.
      const demo = Number(stack.sandbox.demoAthleteId);
      await unlinkAthlete(stack.db.pool, demo);
      standIn.forgetChat(DEMO_TELEGRAM_USER.id);
      const context = await browser.newContext({ locale: locale === 'en' ? 'en-GB' : 'ru-RU', viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      const errors: string[] = [];
      const problems: string[] = [];
      try {
        await page.goto(stack.baseUrl);
        await page.locator('a[href="/login"]').first().click();
        const approve = page.locator('button[name="decision"][value="approve"]');
        if (await approve.count()) await approve.click();
        await page.waitForURL(/\/results$/);
        // From here on (Strava's consent page is the sandbox's, not ours), any error on a page fails the test.
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        await page.goto(`${stack.baseUrl}/settings`);
        const section = page.locator('#telegram');
        await section.getByRole('button', { name: t.connect }).waitFor();
        problems.push(...(await layoutProblems(page, `settings ${size.name} ${locale}`)));

        // The form's redirect leaves for the bot's link: here the stand-in's chat page, holding the one-time code.
        await section.getByRole('button', { name: t.connect }).click();
        await page.waitForURL((url) => url.origin === standIn.url && url.searchParams.has('start'));
        await page.getByRole('button', { name: t.start }).click();
        await page.locator('.bubble.bot', { hasText: t.welcome }).waitFor();
        assert.ok(await linkedChatId(stack.db.pool, demo), 'linked');

        await page.getByRole('textbox').fill('/stats');
        await page.getByRole('button', { name: t.send }).click();
        const answer = page.locator('.bubble.bot', { hasText: t.week });
        await answer.waitFor();
        await answer.getByRole('button', { name: t.month }).click();
        await page.locator('.bubble.bot', { hasText: t.month }).first().waitFor();
        problems.push(...(await layoutProblems(page, `chat ${size.name} ${locale}`)));

        await page.goto(`${stack.baseUrl}/settings#telegram`);
        await section.getByText(t.connected).waitFor();
        problems.push(...(await layoutProblems(page, `settings-linked ${size.name} ${locale}`)));
        await section.getByRole('button', { name: t.disconnect }).click();
        await page.waitForURL(/telegram=off/);
        assert.equal(await linkedChatId(stack.db.pool, demo), null, 'disconnected');
      } finally {
        await context.close();
      }
      assert.deepEqual([...problems, ...errors], []);
    });
  }
}
