// Every page at a phone's width (390×844) and a laptop's (1280×800), in English and Russian, in Debian's Chromium:
// no sideways scrolling, no console or CSP errors, no serious or critical axe-core findings, no English left on a
// Russian page; maps with tiles from a local tile server, and without them when it is down.
// SCREENSHOT_DIR=folder keeps a full-page screenshot of each.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { connectFromHomePage, launchBrowser } from '../helpers/browser.js';
import { latestRecorded, startTestStack, type TestStack } from '../helpers/stack.js';
import { startTileServer, type TileServer } from '../helpers/tile-server.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

let tiles: TileServer;
let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const ids: Record<string, number> = {};
/** Activities never opened, one for each visit of the first-open state (every visit fetches its recording). */
const fetchingIds: number[] = [];

before(async () => {
  tiles = await startTileServer();
  stack = await startTestStack({ env: { ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID), MAP_TILE_URL: tiles.template, MAP_ATTRIBUTION: 'Test tiles' } });
  browser = await launchBrowser();
  context = await browser.newContext({ locale: 'en-GB' });
  page = await context.newPage();
  await connectFromHomePage(page, stack.baseUrl);
  const pool = stack.runtime.pool;
  const one = async (where: string) => {
    const { rows } = await pool.query<{ id: string }>(`select id from activities where athlete_id = $1::bigint and ${where} order by start_date desc limit 1`, [
      DEMO_ATHLETE_ID,
    ]);
    assert.ok(rows[0], where);
    return Number(rows[0].id);
  };
  ids.run = Number(await latestRecorded(stack, 'Run'));
  ids.swim = await one(`sport_type = 'Swim'`);
  const { rows: unopened } = await pool.query<{ id: string }>(
    `select id from activities where athlete_id = $1::bigint and sport_type = 'Ride' and summary_polyline <> '' order by start_date desc limit 8`,
    [DEMO_ATHLETE_ID],
  );
  fetchingIds.push(...unopened.map((row) => Number(row.id)));
  ids.noGps = await one(`sport_type in ('Run', 'Ride', 'Walk') and (summary_polyline is null or summary_polyline = '')`);
  // The recordings fetched once here, so every visit below sees the finished page (the first open's own state is
  // tested in the results browser test).
  for (const id of [ids.run, ids.swim, ids.noGps]) assert.equal((await page.request.get(`${stack.baseUrl}/activities/${id}/streams`)).status(), 200);
  // A privacy zone far from every route, so the zone table and the privacy notes show.
  await page.goto(`${stack.baseUrl}/settings`);
  await page.locator('input[name="lat"]').fill('-45.5');
  await page.locator('input[name="lng"]').fill('170.5');
  await page.locator('input[name="radius"]').fill('500');
  await page.locator('.zone-form button[type="submit"]').click();
  await page.waitForURL(/saved=1/);
});
after(async () => {
  await browser?.close();
  await stack?.close();
  await tiles?.close();
});

interface Visit {
  name: string;
  open(p: Page): Promise<unknown>;
  /** Waits for what the page's script does (maps). */
  ready?(p: Page): Promise<unknown>;
  /** Puts back what `open` changed, once the page is checked. */
  done?(): void;
}

const mapReady = (p: Page) => p.locator('#live-map[data-state="ready"]').waitFor({ timeout: 15_000 });
/** A phone shows the drawn route until the athlete asks for the tile map; a wide screen loads it by itself. */
const activityMapReady = async (p: Page) => {
  const ask = p.locator('#map-show');
  if (await ask.isVisible()) await ask.click();
  await mapReady(p);
};

const VISITS: Visit[] = [
  { name: 'home', open: (p) => p.goto(`${stack.baseUrl}/`) },
  { name: 'results', open: (p) => p.goto(`${stack.baseUrl}/results`) },
  { name: 'activities', open: (p) => p.goto(`${stack.baseUrl}/activities`) },
  { name: 'activity-run', open: (p) => p.goto(`${stack.baseUrl}/activities/${ids.run}`), ready: activityMapReady },
  {
    // The first open of an activity, while Strava is slow to send the recording.
    name: 'activity-fetching',
    async open(p) {
      // Long enough for every check to see the state, short of the client's own 15 s timeout.
      stack.sandbox.setLatency(12_000);
      return p.goto(`${stack.baseUrl}/activities/${fetchingIds.length > 1 ? fetchingIds.shift() : fetchingIds[0]}`);
    },
    ready: (p) => p.locator('#streams-fetching').waitFor(),
    done: () => stack.sandbox.setLatency(0),
  },
  { name: 'activity-swim', open: (p) => p.goto(`${stack.baseUrl}/activities/${ids.swim}`) },
  { name: 'activity-no-gps', open: (p) => p.goto(`${stack.baseUrl}/activities/${ids.noGps}`) },
  { name: 'heatmap', open: (p) => p.goto(`${stack.baseUrl}/heatmap`), ready: mapReady },
  { name: 'settings', open: (p) => p.goto(`${stack.baseUrl}/settings`) },
  {
    name: 'settings-errors',
    async open(p) {
      await p.goto(`${stack.baseUrl}/settings`);
      await p.locator('input[name="lat"]').fill('95');
      await p.locator('input[name="lng"]').fill('abc');
      const [response] = await Promise.all([
        p.waitForResponse((r) => r.url().endsWith('/settings/zones')),
        p.locator('.zone-form button[type="submit"]').click(),
      ]);
      await p.locator('#lat-error').waitFor();
      return response;
    },
  },
  { name: 'archive', open: (p) => p.goto(`${stack.baseUrl}/settings/archive`) },
  { name: 'admin', open: (p) => p.goto(`${stack.baseUrl}/admin`) },
  { name: 'delete-confirm', open: (p) => p.goto(`${stack.baseUrl}/account/delete`) },
  { name: 'not-found', open: (p) => p.goto(`${stack.baseUrl}/no-such-page`) },
  { name: 'connect-problem', open: (p) => p.goto(`${stack.baseUrl}/exchange_token?state=forged&code=x`) },
];

/** Words allowed on a Russian page: brand names, file formats and abbreviations read the same in Russian. */
const BRAND_WORDS = new Set(['Strava', 'Training', 'Room', 'OpenAI', 'Test', 'tiles', 'Telegram', 'Slack', 'Discord']);
/** Abbreviations (GPX, CSV, ZIP, UTC, ID) read the same in Russian. */
const ABBREVIATION = /^[A-Z]{2,4}$/;
/** Strava's own button and link words, which its brand guidelines keep in English. */
const BRAND_PHRASES = ['Connect with Strava', 'View on Strava', 'Powered by Strava'];

/** English left on a page: every run of Latin words outside translate="no", scripts and technical values. */
// A string, not a function: the test runner's compiler would add helpers the page does not have.
const PAGE_TEXTS = `(() => {
  const out = [];
  const hidden = 'translate="no"';
  // translate="no" marks the athlete's own words (names, titles) and brands; lang="en" the switch to English.
  const skipped = (el) => !el || Boolean(el.closest('[' + hidden + '], [lang="en"], script, style, noscript'));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (skipped(node.parentElement) || !node.textContent.trim()) continue;
    const style = getComputedStyle(node.parentElement);
    if (style.display !== 'none' && style.visibility !== 'hidden') out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [data-label]')) {
    if (skipped(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'data-label']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  }
  let title = document.title;
  for (const el of document.querySelectorAll('h1[translate="no"]')) title = title.split(el.textContent.trim()).join(' ');
  out.push(title);
  return out;
})()`;

async function englishLeft(p: Page): Promise<string[]> {
  const texts = (await p.evaluate(PAGE_TEXTS)) as string[];
  const left: string[] = [];
  for (const text of texts) {
    const cleaned = BRAND_PHRASES.reduce((rest, phrase) => rest.split(phrase).join(' '), text)
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, ' ')
      .replace(/[\w.-]+\.(?:com|org|net|ts|json)\b\S*/g, ' ');
    for (const word of cleaned.match(/[A-Za-z][A-Za-z'’]+/g) ?? []) {
      if (!BRAND_WORDS.has(word) && !ABBREVIATION.test(word)) left.push(`${word} (in "${text.trim().slice(0, 80)}")`);
    }
  }
  return left;
}

/**
 * Controls a finger cannot hit reliably: under 44 px high. Links inside a sentence are exempt (WCAG 2.5.8), as are
 * boxes inside a label that is itself the target.
 */
const SMALL_TOUCH_TARGETS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('a, button, summary, input, select, textarea')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.height >= 44 || el.closest('.skip')) continue;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label') && el.closest('label').getBoundingClientRect().height >= 44) continue;
    const inSentence = el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.parentElement.textContent.trim() !== el.textContent.trim();
    if (!inSentence) out.push(el.tagName.toLowerCase() + ' "' + (el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40) + '" ' + Math.round(box.height) + 'px');
  }
  return out;
})()`;

async function smallTouchTargets(p: Page): Promise<string[]> {
  return (await p.evaluate(SMALL_TOUCH_TARGETS)) as string[];
}

async function check(p: Page, visit: Visit, width: (typeof WIDTHS)[number], locale: 'en' | 'ru', errors: string[], problems: string[]) {
  const label = `${visit.name} ${width.name} ${locale}`;
  const opened = await visit.open(p);
  await visit.ready?.(p);
  // The browser reports a page's own 4xx status (a 404 page, a form sent back with errors) as a console error.
  const status = opened && typeof opened === 'object' && 'status' in opened ? (opened as { status(): number }).status() : 200;
  const own = `Failed to load resource: the server responded with a status of ${status}`;
  for (let i = errors.length - 1; i >= 0; i--) if (errors[i]!.startsWith(own)) errors.splice(i, 1);
  assert.equal(await p.locator('html').getAttribute('lang'), locale, label);
  const { scrollWidth, innerWidth } = await p.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  if (scrollWidth > innerWidth) problems.push(`${label}: the page is ${scrollWidth}px wide in a ${innerWidth}px window`);
  if (width.width < 720) for (const target of await smallTouchTargets(p)) problems.push(`${label}: touch target under 44px: ${target}`);
  await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id}: ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 4)
            .join(', ')}`,
      );
  });
  for (const violation of violations) problems.push(`${label}: accessibility: ${violation}`);
  if (locale === 'ru') for (const word of await englishLeft(p)) problems.push(`${label}: English left: ${word}`);
  for (const error of errors.splice(0)) problems.push(`${label}: console: ${error}`);
  if (SCREENSHOT_DIR) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await p.screenshot({ path: join(SCREENSHOT_DIR, `${visit.name}-${width.name}-${locale}.png`), fullPage: true });
  }
  visit.done?.();
}

for (const locale of ['en', 'ru'] as const) {
  for (const width of WIDTHS) {
    test(`every page at ${width.width}×${width.height} in ${locale === 'en' ? 'English' : 'Russian'}`, async () => {
      const errors: string[] = [];
      const onConsole = (message: { type(): string; text(): string }) => {
        if (message.type() === 'error') errors.push(message.text());
      };
      const onError = (error: Error) => errors.push(error.message);
      page.on('console', onConsole);
      page.on('pageerror', onError);
      try {
        await page.setViewportSize({ width: width.width, height: width.height });
        await page.goto(`${stack.baseUrl}/results?lang=${locale}`);
        const problems: string[] = [];
        for (const visit of VISITS) await check(page, visit, width, locale, errors, problems);
        assert.deepEqual(problems, []);
      } finally {
        page.off('console', onConsole);
        page.off('pageerror', onError);
      }
    });
  }
}

// The narrowest and widest phones in common use: the layout must hold across the range, not only at 390 px.
test('every page at 360 and 430 px wide, in Russian and English: nothing scrolls sideways', async () => {
  const problems: string[] = [];
  for (const [width, locale] of [
    [360, 'ru'],
    [360, 'en'],
    [430, 'ru'],
  ] as const) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${stack.baseUrl}/results?lang=${locale}`);
    for (const visit of VISITS) {
      await visit.open(page);
      await visit.ready?.(page);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      if (scrollWidth > innerWidth) problems.push(`${visit.name} ${width}px ${locale}: ${scrollWidth}px wide`);
      visit.done?.();
    }
  }
  assert.deepEqual(problems, []);
});

test('signed out: the home page at both widths, and a private page sends the visitor home to connect', async () => {
  const guest = await browser.newContext({ locale: 'en-GB' });
  const p = await guest.newPage();
  for (const width of WIDTHS) {
    await p.setViewportSize({ width: width.width, height: width.height });
    const response = await p.goto(`${stack.baseUrl}/results`);
    assert.equal(response?.status(), 200);
    assert.equal(new URL(p.url()).pathname, '/');
    assert.ok(await p.getByRole('link', { name: 'Connect with Strava' }).isVisible());
    assert.ok(await p.getByText('Connect with Strava to see that page.').isVisible());
    const { scrollWidth, innerWidth } = await p.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(scrollWidth <= innerWidth);
    if (SCREENSHOT_DIR) await p.screenshot({ path: join(SCREENSHOT_DIR, `home-signed-out-${width.name}-en.png`), fullPage: true });
  }
  await guest.close();
});

test('phone: the menu opens without JavaScript and leads to every page', async () => {
  const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  await noScript.addCookies(await context.cookies());
  const p = await noScript.newPage();
  await p.goto(`${stack.baseUrl}/results?lang=en`);
  assert.equal(await p.locator('.nav-wide').isVisible(), false);
  const menu = p.locator('details.nav-menu > summary');
  assert.ok(await menu.isVisible());
  await menu.click();
  await p.locator('details.nav-menu').getByRole('link', { name: 'Activities' }).click();
  await p.waitForURL(/\/activities$/);
  const box = await p.locator('details.nav-menu > summary').boundingBox();
  assert.ok(box && box.height >= 44 && box.width >= 44, 'the menu button is a 44px touch target');
  await noScript.close();
});

test('the activity map: tiles from the configured server, start and finish markers, a scale, the attribution', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${stack.baseUrl}/activities/${ids.run}?lang=en`);
  await mapReady(page);
  await page.locator('#live-map img.leaflet-tile-loaded').first().waitFor();
  assert.ok(tiles.requests.some((path) => /^\/\d+\/\d+\/\d+\.png$/.test(path)));
  assert.equal((await page.locator('#live-map path.leaflet-interactive, #live-map canvas').count()) > 0, true);
  assert.ok(await page.locator('#live-map .leaflet-control-scale').isVisible());
  assert.match((await page.locator('#live-map .leaflet-control-attribution').textContent()) ?? '', /Test tiles/);
  assert.equal(await page.locator('#route-map').isVisible(), false, 'the live map replaces the drawing');
  const csp = (await page.request.get(`${stack.baseUrl}/activities/${ids.run}`)).headers()['content-security-policy'] ?? '';
  const imgSrc = /img-src ([^;]+)/.exec(csp)?.[1] ?? '';
  // The tile host, and the sandbox that serves the demo athlete's avatar: no other image host.
  assert.deepEqual(
    imgSrc.split(' ').sort(),
    ["'self'", 'data:', new URL(tiles.template.replace(/\{.\}/g, '0')).origin, new URL(stack.sandbox.url).origin].sort(),
  );
});

test('the activity map on a phone: the drawn route until asked, then tiles in the same box', async () => {
  const phone = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await phone.addCookies(await context.cookies());
  const p = await phone.newPage();
  const requested: string[] = [];
  p.on('request', (request) => requested.push(request.url()));
  await p.goto(`${stack.baseUrl}/activities/${ids.run}?lang=en`);
  const ask = p.getByRole('button', { name: 'Show on a map' });
  await ask.waitFor();
  assert.ok(await p.locator('#route-map').isVisible());
  assert.equal(requested.filter((url) => /leaflet|\.png$/.test(url)).length, 0, 'no map library and no tile before the tap');
  const button = await ask.boundingBox();
  assert.ok(button && button.height >= 44, 'a 44px touch target');
  const drawn = await p.locator('#route-map').boundingBox();
  const below = await p.locator('#map ~ section').first().boundingBox();
  await ask.tap();
  await mapReady(p);
  await p.locator('#live-map img.leaflet-tile-loaded').first().waitFor();
  const live = await p.locator('#live-map').boundingBox();
  assert.ok(drawn && live && Math.abs(live.height - drawn.height) < 1 && Math.abs(live.width - drawn.width) < 1, "the map takes the drawing's box");
  assert.equal((await p.locator('#map ~ section').first().boundingBox())?.y, below?.y, 'nothing below the map moved');
  assert.equal(await ask.isVisible(), false);
  await phone.close();
});

test('the first open on a phone: a map the athlete opened is not reset when the recording arrives; a link shows it', async () => {
  const phone = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await phone.addCookies(await context.cookies());
  const p = await phone.newPage();
  // The recording's answer waits until the athlete has opened the map, as on a slow connection to Strava.
  let opened!: () => void;
  const mapOpened = new Promise<void>((resolve) => {
    opened = resolve;
  });
  await p.route(/\/activities\/\d+\/streams$/, async (route) => {
    await mapOpened;
    await route.continue();
  });
  const id = fetchingIds.pop()!;
  await p.goto(`${stack.baseUrl}/activities/${id}?lang=en`);
  assert.ok(await p.locator('#streams-fetching').isVisible());
  await p.getByRole('button', { name: 'Show on a map' }).tap();
  await mapReady(p);
  opened();
  const show = p.getByRole('link', { name: 'Show the detailed recording' });
  await show.waitFor();
  assert.ok(await p.locator('#live-map .leaflet-container, #live-map.leaflet-container').first().isVisible(), 'the opened map is still there');
  await show.tap();
  await p.waitForURL(new RegExp(`/activities/${id}$`));
  assert.equal(await p.locator('#streams-fetching').count(), 0, 'the page with the recording');
  await phone.close();
});

test('the heatmap: every route in one request, none inside a privacy zone', async () => {
  const requests: string[] = [];
  const onRequest = (request: { url(): string }) => requests.push(new URL(request.url()).pathname);
  page.on('request', onRequest);
  await page.goto(`${stack.baseUrl}/heatmap?lang=en`);
  await mapReady(page);
  page.off('request', onRequest);
  assert.equal(requests.filter((path) => path.startsWith('/heatmap/')).length, 1);
  assert.equal(requests.filter((path) => path.startsWith('/activities')).length, 0);
  assert.ok(requests.includes('/static/polyline.js'), "the routes are decoded by the server's own module");
  assert.match((await page.locator('#heatmap-count').textContent()) ?? '', /\d+ routes/);
  assert.ok((await page.locator('#live-map canvas').count()) > 0);
});

test('the tile server down: the activity page still shows the route, drawn, and says why', async () => {
  await tiles.close();
  // A fresh browser profile: nothing in its cache from the visits above.
  const fresh = await browser.newContext({ locale: 'en-GB' });
  await fresh.addCookies(await context.cookies());
  const p = await fresh.newPage();
  await p.goto(`${stack.baseUrl}/activities/${ids.run}?lang=en`);
  await p.locator('#live-map[data-state="failed"]').waitFor({ state: 'attached', timeout: 15_000 });
  assert.ok(await p.locator('#route-map').isVisible());
  assert.ok(await p.getByText('The map tiles could not be loaded, so the route is drawn on its own.').isVisible());
  assert.ok(await p.locator('table.splits-table').isVisible(), 'the rest of the page is there');
  await fresh.close();
});

// Last: it deletes the demo athlete's data.
test('deleting in Russian: the confirmation and the "deleted" page say everything in Russian', async () => {
  const ru = await browser.newContext({ locale: 'ru-RU', viewport: { width: 390, height: 844 } });
  await ru.addCookies(await context.cookies());
  const p = await ru.newPage();
  await p.goto(`${stack.baseUrl}/account/delete?lang=ru`);
  assert.deepEqual(await englishLeft(p), []);
  if (SCREENSHOT_DIR) await p.screenshot({ path: join(SCREENSHOT_DIR, 'delete-confirm-phone-ru-again.png'), fullPage: true });
  await p.locator('form[action="/account/delete"] button[type="submit"]').click();
  await p.waitForLoadState();
  assert.equal(await p.locator('html').getAttribute('lang'), 'ru');
  assert.match((await p.locator('h1').textContent()) ?? '', /[а-яё]/i);
  assert.deepEqual(await englishLeft(p), []);
  const { scrollWidth, innerWidth } = await p.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  assert.ok(scrollWidth <= innerWidth);
  if (SCREENSHOT_DIR) await p.screenshot({ path: join(SCREENSHOT_DIR, 'deleted-phone-ru.png'), fullPage: true });
  await ru.close();
});
