// The results pages in a real browser (Debian Chromium) over the demo athlete: pages, filters, GPX, privacy zones, notes, admin.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startOpenAIStub, type OpenAIStub } from '../../dev/openai-stub/server.js';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { distanceM } from '../../shared/privacy/zones.js';
import { launchBrowser, signedInPage } from '../helpers/browser.js';
import { latestRecorded, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let ai: OpenAIStub;
let browser: Browser;
let page: Page;

before(async () => {
  ai = await startOpenAIStub({ delayMs: 300 });
  stack = await startTestStack({ env: { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.baseUrl, ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID) } });
  browser = await launchBrowser();
  ({ page } = await signedInPage(browser, stack.baseUrl, { acceptDownloads: true }));
});
after(async () => {
  await browser?.close();
  await stack?.close();
  await ai?.close();
});

/** Parses XML in the page's own DOMParser, as any GPX reader would. */
async function parseGpx(text: string): Promise<{ error: boolean; points: [number, number][] }> {
  return page.evaluate((xml) => {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    const points = Array.from(doc.getElementsByTagName('trkpt')).map((p) => [Number(p.getAttribute('lat')), Number(p.getAttribute('lon'))] as [number, number]);
    return { error: doc.getElementsByTagName('parsererror').length > 0, points };
  }, text);
}

async function downloadGpx(): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download GPX' }).click()]);
  assert.match(download.suggestedFilename(), /^activity-\d{4}-\d\d-\d\d-\d+\.gpx$/);
  return readFile((await download.path())!, 'utf8');
}

test('results: every section, charts drawn as SVG, no console errors', async () => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.baseUrl}/results`);
  for (const name of ['Latest activity', 'Sabermetrics', 'The last 52 weeks', 'By sport this year', 'Totals', 'This week', 'All time', 'Recent activities']) {
    assert.ok(await page.getByRole('heading', { name, exact: true }).isVisible(), name);
  }
  assert.ok((await page.locator('#weekly-chart rect').count()) > 20);
  assert.ok((await page.locator('#sport-chart rect').count()) > 1);
  assert.ok((await page.locator('table.activities tbody tr').count()) >= 10);
  assert.ok(await page.getByText('How this is computed').isVisible());
  assert.ok(await page.getByAltText('Powered by Strava').isVisible());
  assert.deepEqual(errors, [], 'no CSP violations or script errors');
});

test('activities: sport filter, name search, date range and paging work', async () => {
  await page.getByRole('link', { name: 'Activities', exact: true }).click();
  await page.waitForURL(/\/activities$/);
  await page.locator('select[name="sport"]').selectOption('Ride');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/sport=Ride/);
  const sports = await page.locator('table.activity-list tbody tr td:nth-child(4)').allTextContents();
  assert.ok(sports.length > 0 && sports.every((s) => s.trim() === 'Ride'), sports.join(','));

  await page.getByRole('link', { name: 'Next' }).click();
  await page.waitForURL(/page=2/);
  assert.ok(
    await page
      .getByText(/Page 2 of \d+/)
      .first()
      .isVisible(),
  );
  assert.match(page.url(), /sport=Ride/, 'filters survive paging');

  await page.goto(`${stack.baseUrl}/activities`);
  const firstName = (await page.locator('table.activity-list tbody tr td.name a').first().textContent())!.trim();
  const word = firstName.split(' ').at(-1)!;
  await page.locator('input[name="q"]').fill(word);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=/);
  const names = await page.locator('table.activity-list tbody tr td.name').allTextContents();
  assert.ok(names.length > 0 && names.every((n) => n.toLowerCase().includes(word.toLowerCase())));

  await page.goto(`${stack.baseUrl}/activities`);
  await page.locator('input[name="from"]').fill('2000-01-01');
  await page.locator('input[name="to"]').fill('2000-01-31');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/from=2000-01-01/);
  assert.ok(await page.getByText('No activities match these filters.').isVisible());
});

test('an activity: the first open says it is fetching the recording and fills in; charts, splits, GPX; a privacy zone removes its points', async () => {
  // The latest run with a recording: the very latest may be one typed in by hand, which has no route to show.
  const run = await latestRecorded(stack, 'Run');
  await page.goto(`${stack.baseUrl}/activities?sport=Run`);
  // A slow Strava: the page must answer at once and say what it is waiting for, not hang or show a blank.
  stack.sandbox.setLatency(1500);
  try {
    await page.locator(`table.activity-list tbody tr td.name a[href="/activities/${run}"]`).click();
    await page.waitForURL(/\/activities\/\d+$/);
    await page.getByText('Fetching the detailed recording from Strava').waitFor();
    assert.ok(await page.locator('#route-map').isVisible(), 'the route from the summary shows meanwhile');
    assert.equal(await page.locator('table.splits-table').count(), 0);
    await page.locator('#chart-elevation').waitFor({ timeout: 20_000 });
  } finally {
    stack.sandbox.setLatency(0);
  }
  assert.equal(await page.locator('#streams-fetching').count(), 0, 'the banner is gone once the recording is in');
  for (const chart of ['#chart-elevation', '#chart-pace', '#chart-heartrate', '#route-map']) assert.ok(await page.locator(chart).isVisible(), chart);
  assert.ok((await page.locator('table.splits-table tbody tr').count()) > 0);
  const activityUrl = page.url();

  const gpx = await parseGpx(await downloadGpx());
  assert.equal(gpx.error, false, 'the GPX is well-formed XML');
  assert.ok(gpx.points.length > 100);
  const start = gpx.points[0]!;
  const radius = 300;
  assert.ok(gpx.points.some((p) => distanceM(p, start) <= radius));

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.locator('input[name="lat"]').fill(String(start[0]));
  await page.locator('input[name="lng"]').fill(String(start[1]));
  await page.locator('input[name="radius"]').fill(String(radius));
  await page.getByRole('button', { name: 'Add zone' }).click();
  await page.waitForURL(/saved=1/);
  assert.equal(await page.locator('table.zones tbody tr').count(), 1);

  await page.goto(activityUrl);
  const hidden = await parseGpx(await downloadGpx());
  assert.equal(hidden.error, false);
  assert.ok(hidden.points.length > 0);
  assert.equal(hidden.points.filter((p) => distanceM(p, start) <= radius).length, 0, 'no point inside the zone');
});

test('an activity whose recording Strava cannot send: the fetching banner says so instead of waiting forever', async () => {
  const { rows } = await stack.runtime.pool.query<{ id: string }>(
    `select a.id from activities a where a.athlete_id = $1::bigint and a.sport_type = 'Ride' and a.id > 0
       and not exists (select 1 from activity_streams s where s.activity_id = a.id) order by a.start_date desc limit 1`,
    [DEMO_ATHLETE_ID],
  );
  const id = rows[0]!.id;
  // Every attempt the client makes (its own retries included) answers 503.
  stack.sandbox.failNext({ pathPrefix: `/api/v3/activities/${id}/streams` }, 503, 3);
  try {
    await page.goto(`${stack.baseUrl}/activities/${id}`);
    await page.getByText('The detailed recording of this activity cannot be fetched from Strava right now').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByText('Fetching the detailed recording from Strava').isVisible(), false);
    assert.ok(await page.locator('#route-map').isVisible(), 'the route from the summary stays');
    assert.equal(new URL(page.url()).pathname, `/activities/${id}`, 'no reload loop');
  } finally {
    stack.sandbox.failNext({ pathPrefix: `/api/v3/activities/${id}/streams` }, 503, 0);
  }
});

test('AI notes: opt in, then the note appears on the page without a reload', async () => {
  await page.goto(`${stack.baseUrl}/settings`);
  await page.locator('#ai_notes').check();
  await page.locator('#ai form button').click();
  await page.waitForURL(/saved=1/);
  await page.goto(`${stack.baseUrl}/results`);
  await page.getByText(/is about the distance from/).waitFor({ timeout: 15_000 });
  assert.ok(await page.getByText(/Volume is (up|down|steady)/).isVisible());
});

test('language switch to Russian and back', async () => {
  await page.goto(`${stack.baseUrl}/results`);
  // Each switch is a navigation: wait for the page it leads to before reading it.
  await page.getByRole('link', { name: 'Русский' }).click();
  await page.locator('html[lang="ru"]').waitFor({ state: 'attached' });
  assert.ok(await page.getByRole('heading', { name: 'Последняя тренировка' }).isVisible());
  await page.getByRole('link', { name: 'English' }).click();
  await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
  assert.ok(await page.getByRole('heading', { name: 'Latest activity' }).isVisible());
});

test('admin: the admin sees athletes; a non-admin gets 403', async () => {
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL(/\/admin$/);
  assert.ok(await page.getByRole('heading', { name: /Athletes/ }).isVisible());
  assert.ok((await page.locator('table.admin-table tbody tr[data-athlete]').count()) >= 1);

  const other = stack.sandbox.createAthlete({ firstname: 'Nora', lastname: 'Member', activityCount: 5 });
  const context = await browser.newContext();
  const guest = await context.newPage();
  // The context's own request client shares its cookies: it keeps the OAuth state cookie without following to Strava.
  const login = await context.request.get(`${stack.baseUrl}/login`, { maxRedirects: 0 });
  const authorize = new URL(login.headers().location!);
  authorize.searchParams.set('athlete_id', String(other));
  await guest.goto(authorize.toString());
  await guest.locator('button[name="decision"][value="approve"]').click();
  await guest.waitForURL(/\/results$/);
  assert.equal(await guest.getByRole('link', { name: 'Admin' }).count(), 0);
  const response = await guest.goto(`${stack.baseUrl}/admin`);
  assert.equal(response?.status(), 403);
  assert.ok(await guest.getByText('This page is for the site\u2019s administrators.').isVisible());
  await context.close();
});
