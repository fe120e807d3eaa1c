// Archive import in a real browser at phone width: download the sandbox's export, upload it from settings, watch the bar and the progress update by themselves, then see the history's best efforts and heatmap.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseObjectKey } from '../../shared/archive/index.js';
import { LocalObjectStore } from '../../shared/platform/local-object-store.js';
import { localUploadUrl, notifyOnFinalize } from '../../shared/platform/archive-stores.js';
import { createInProcessBus, type InProcessBus } from '../../shared/platform/in-process-bus.js';
import { createLogger } from '../../shared/log.js';
import { launchBrowser, signedInPage } from '../helpers/browser.js';
import { latestRecorded, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let bus: InProcessBus;
let browser: Browser;
let page: Page;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'archive-browser-'));
  const log = createLogger({ format: 'json', level: 'error', write: () => undefined });
  bus = createInProcessBus({ log, backoffMs: () => 10 });
  let baseUrl = '';
  const store = new LocalObjectStore(join(dir, 'store'), (key) => localUploadUrl(baseUrl, parseObjectKey(key)!.uploadId));
  stack = await startTestStack({ bus, archiveStore: store });
  baseUrl = stack.baseUrl;
  const topic = stack.runtime.config.pubsub.archiveTopic;
  bus.subscribe(topic, stack.deps.handlers.archive);
  notifyOnFinalize(store, bus, topic);
  browser = await launchBrowser();
  // A phone: narrow viewport, touch, a phone's pixel ratio.
  ({ page } = await signedInPage(browser, stack.baseUrl, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }));
});

after(async () => {
  await browser?.close();
  await bus?.close();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The number of routes the heatmap draws, once it has loaded them. */
async function heatmapRoutes(): Promise<number> {
  await page.goto(`${stack.baseUrl}/heatmap`);
  const text = await page.locator('#heatmap-count').filter({ hasText: /\d/ }).textContent({ timeout: 30_000 });
  return Number(/(\d[\d,]*)/.exec(text ?? '')![1]!.replace(/,/g, ''));
}

const runEfforts = () => page.locator('table.efforts-table[data-sport="run"] tbody tr');

test('upload the sandbox archive from settings at phone width and watch the import finish by itself', async () => {
  // Before: what the API's summaries give, with no streams to find best efforts in.
  const routesBefore = await heatmapRoutes();
  await page.goto(`${stack.baseUrl}/results`);
  assert.equal(await runEfforts().count(), 0, 'no best efforts before the archive');

  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // The page is the subject here, not the volume: the demo athlete's 40 oldest activities (every file format among
  // them). test/archive/laptop-flow.test.ts imports the whole history through the same upload and progress routes.
  const archive = Buffer.from(await (await fetch(`${stack.sandbox.url}/sandbox/athletes/${stack.sandbox.demoAthleteId}/export.zip?oldest=40`)).arrayBuffer());
  const file = join(dir, 'export_1000001.zip');
  writeFileSync(file, archive);

  await page.goto(`${stack.baseUrl}/settings`);
  await page.getByRole('link', { name: 'Import your Strava archive' }).click();
  await page.waitForURL(/\/settings\/archive$/);
  assert.ok(await page.getByRole('heading', { name: 'How to get your archive from Strava' }).isVisible());
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page fits a phone's width (overflow ${overflow}px)`);

  // The page's own button and words, not the browser's (which speak the browser's language).
  assert.equal(await page.locator('#archive-chosen').textContent(), 'No file chosen');
  const pick = await page.locator('label.file-pick').boundingBox();
  assert.ok(pick && pick.height >= 44, "the file button is a finger's size");
  await page.locator('#archive-file').setInputFiles(file);
  assert.match((await page.locator('#archive-chosen').textContent()) ?? '', /\.zip$/);
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.locator('#upload-status').waitFor({ state: 'visible' });
  // The progress list updates by itself, without a reload, until the import is done.
  await page.getByText(/^Done: \d+ new activities/).waitFor({ timeout: 240_000 });
  assert.equal(await page.locator('#upload-bar').evaluate((el) => (el as HTMLProgressElement).value), 100);
  assert.ok(await page.locator('#archive-progress .file-name', { hasText: 'export_1000001.zip' }).isVisible());
  assert.deepEqual(errors, [], 'no CSP violations or script errors');

  // The history's best efforts, found in the files' streams, and its routes on the heatmap, with no Strava request.
  await page.goto(`${stack.baseUrl}/results`);
  assert.ok((await runEfforts().count()) > 0, 'best efforts filled from the archive');
  assert.match((await runEfforts().first().locator('a').getAttribute('href')) ?? '', /^\/activities\/-?\d+$/);
  const routesAfter = await heatmapRoutes();
  assert.ok(routesAfter > routesBefore, `the heatmap gained the archive's routes (${routesBefore} → ${routesAfter})`);
  const overflowAfter = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflowAfter <= 0, `the heatmap fits a phone's width (overflow ${overflowAfter}px)`);

  // The history's activities open with their charts, from the file's streams.
  // The latest with a recording: the very latest may be one typed in by hand, which has no recording to chart.
  const recorded = await latestRecorded(stack);
  await page.goto(`${stack.baseUrl}/activities`);
  await page.locator(`table.activity-list tbody tr a[href="/activities/${recorded}"]`).first().click();
  await page.waitForURL(/\/activities\/-?\d+(\?.*)?$/);
  // An activity whose recording is not kept yet shows the fetching state first, then fills in by itself.
  await page.locator('svg').first().waitFor({ timeout: 20_000 });
  assert.ok((await page.locator('svg').count()) > 0);
});
