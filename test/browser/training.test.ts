// The training views in a real browser over the demo athlete, at phone and desktop widths: sport switch, efforts, goals, year over year, calendar, gear.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { runEnrichment } from '../../shared/efforts/index.js';
import { handleImportRequest } from '../../shared/imports/requests.js';
import { launchBrowser, signedInPage } from '../helpers/browser.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let browser: Browser;
let page: Page;
let errors: string[] = [];

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

before(async () => {
  stack = await startTestStack();
  browser = await launchBrowser();
  ({ page, errors } = await signedInPage(browser, stack.baseUrl, { viewport: DESKTOP }));
  // The history import first (this stack has no backfill subscriber), then what the scheduled job does after tokens
  // and imports: searches the history for best efforts within its budget share.
  await handleImportRequest(stack.runtime, { athleteId: DEMO_ATHLETE_ID, reason: 'resume' }, { timeBudgetMs: 60_000 });
  await runEnrichment(stack.runtime, { deadlineAt: Date.now() + 60_000 });
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

/** Neither the page nor any training card is wider than the window. */
async function assertFits(where: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('#training .chart-card, #training nav, .settings-block')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.id || el.className);
    const culprits = [...document.querySelectorAll<HTMLElement>('body > *, main > *, main > * > *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName}.${el.className}#${el.id}`);
    return { page: document.documentElement.scrollWidth > width + 1 ? document.documentElement.scrollWidth : 0, wide, culprits };
  });
  assert.deepEqual(overflow.wide, [], `${where}: cards wider than the window`);
  assert.equal(overflow.page, 0, `${where}: the page scrolls sideways (${overflow.culprits.join(', ')})`);
}

/** Text in the training charts and the calendar drawn smaller than `px` on screen (a scaled-down drawing shrinks it). */
async function chartTextSmallerThan(px: number): Promise<string[]> {
  return page.evaluate((min) => {
    const small: string[] = [];
    for (const el of document.querySelectorAll<SVGTextElement | HTMLElement>('#training svg text, #heat-grid span')) {
      if (!el.textContent?.trim() || getComputedStyle(el).visibility === 'hidden') continue;
      const scale = el instanceof SVGGraphicsElement ? (el.getScreenCTM()?.a ?? 1) : 1;
      const size = parseFloat(getComputedStyle(el).fontSize) * scale;
      if (size < min) small.push(`${el.textContent.trim()} ${size.toFixed(1)}px`);
    }
    return small;
  }, px);
}

for (const [name, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const) {
  test(`${name}: the training sections on the results page, each sport, no sideways scroll, no console errors`, async () => {
    await page.setViewportSize(viewport);
    await page.goto(`${stack.baseUrl}/results`);
    for (const heading of ['Best efforts', 'This year against earlier years', 'Training calendar', 'Gear']) {
      assert.ok(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), heading);
    }
    assert.ok((await page.locator('#heat-grid :is(i, a)').count()) > 300, 'a year of days');
    const days = page.locator('#heat-grid a');
    assert.ok((await days.count()) > 20, 'days with training link to their activities');
    assert.match((await days.last().getAttribute('href')) ?? '', /^\/activities\?from=(\d{4}-\d\d-\d\d)&to=\1$/, 'a day links to that day');
    assert.match((await days.last().getAttribute('title')) ?? '', /: .*\d+ activit(y|ies)$/, 'and is named by its day, time and count');
    assert.deepEqual(await chartTextSmallerThan(11), [], 'chart and calendar text keeps a readable size at this width');
    assert.match((await page.locator('[data-stat="calendar-streak"]').textContent()) ?? '', /Current streak: \d+ days?/);
    assert.ok((await page.locator('#yoy-chart path').count()) >= 1);
    assert.ok(
      (await page.locator('table.efforts-table[data-sport="run"] tr[data-effort="run_1k"]').count()) === 1,
      'a 1 km best from the runs searched so far',
    );
    assert.match((await page.locator('.enrichment-progress').first().textContent()) ?? '', /Best efforts from [\d,]+ of [\d,]+ (runs|rides) so far\./);
    assert.ok(await page.getByRole('heading', { name: 'Retired', exact: true }).isVisible(), 'retired gear apart');
    await assertFits(`${name} /results`);

    for (const [sport, label, unit] of [
      ['run', 'Runs', /\/km/],
      ['ride', 'Rides', /km\/h/],
      ['swim', 'Swims', /\/100\s?m/],
    ] as const) {
      await page.locator('.sport-switch').getByRole('link', { name: label }).click();
      await page.waitForURL(new RegExp(`sport=${sport}`));
      assert.equal(
        await page
          .locator('.sport-switch a[aria-current="page"]')
          .textContent()
          .then((t) => t?.trim()),
        label,
      );
      assert.ok(await page.getByRole('heading', { name: `${label}: figures` }).isVisible());
      assert.match((await page.locator('#sport-figures [data-stat="average"]').first().textContent()) ?? '', unit);
      await assertFits(`${name} /results?sport=${sport}`);
    }
    // The best effort links to its activity.
    await page.goto(`${stack.baseUrl}/results?sport=run#training`);
    await page.locator('tr[data-effort="run_1k"] a').click();
    await page.waitForURL(/\/activities\/\d+$/);
    assert.deepEqual(errors, []);
  });
}

test('goals set in settings show progress, where to be and what each week needs; gear gets a replace-at reminder', async () => {
  await page.setViewportSize(PHONE);
  await page.goto(`${stack.baseUrl}/results`);
  assert.ok(await page.getByText('No goals yet.').isVisible(), 'an empty state that says what to do');
  await page.goto(`${stack.baseUrl}/settings#goals`);
  await assertFits('phone /settings');
  await page.locator('select[name="metric_run"]').selectOption('distance');
  await page.locator('input[name="target_run"]').fill('1200');
  await page.locator('select[name="metric_all"]').selectOption('time');
  await page.locator('input[name="target_all"]').fill('300');
  await page.locator('#goals button[type="submit"]').click();
  await page.waitForURL(/saved=1/);
  assert.equal(await page.locator('input[name="target_run"]').inputValue(), '1200');

  const shoe = page.locator('form.gear-form').filter({ hasText: 'Saucony' });
  await shoe.locator('input[name="replace_at"]').fill('1');
  await shoe.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/saved=1/);

  await page.goto(`${stack.baseUrl}/results`);
  const goals = page.locator('#goals .goal');
  assert.equal(await goals.count(), 2);
  assert.match((await goals.nth(1).textContent()) ?? '', /Runs .* of 1,200\.0 km/s);
  assert.match((await goals.nth(1).textContent()) ?? '', /Where you should be today: [\d,.]+ km/);
  assert.match((await goals.nth(1).textContent()) ?? '', /Needed per week from now: [\d,.]+ km|Reached/);
  assert.match((await page.locator('#gear-reminders').textContent()) ?? '', /Saucony Endorphin Speed 3 has covered [\d,.]+ km: time to replace it\./);
  await assertFits('phone /results with goals');
  assert.deepEqual(errors, []);
});

test('in Russian: the training sections are translated', async () => {
  await page.setViewportSize(DESKTOP);
  await page.goto(`${stack.baseUrl}/results`);
  await page.getByRole('link', { name: 'Русский' }).click();
  // The switch is a navigation: the checks below read the page it leads to, not the one still on screen.
  await page.locator('html[lang="ru"]').waitFor({ state: 'attached' });
  for (const heading of ['Лучшие результаты', 'Этот год и прошлые', 'Календарь тренировок', 'Снаряжение']) {
    assert.ok(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), heading);
  }
  await page.getByRole('link', { name: 'English' }).click();
  await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
  assert.deepEqual(errors, []);
});
