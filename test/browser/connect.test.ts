// The newcomer's path in a real browser: `npm start` on embedded defaults, open the URL, connect through the sandbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';

let stack: DevStack;
let browser: Browser;

before(async () => {
  stack = await startDevStack();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  const code = await stack?.stop();
  assert.equal(code, 0, `the stack stops cleanly on Ctrl-C:\n${stack?.output()}`);
});

async function freshPage(): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** A new visitor who followed Connect with Strava from the printed URL, now on Strava's consent page. */
async function onStravaConsent(): Promise<Page> {
  const page = await freshPage();
  await page.goto(stack.url);
  await page.getByRole('link', { name: 'Connect with Strava' }).click();
  return page;
}

test('the printed URL serves the home page with Connect with Strava', async () => {
  const page = await freshPage();
  const response = await page.goto(stack.url);
  assert.equal(response?.status(), 200);
  assert.ok(await page.getByRole('link', { name: 'Connect with Strava' }).isVisible());
  await page.context().close();
});

test('deny on Strava: a friendly page that offers to try again', async () => {
  const page = await onStravaConsent();
  await page.locator('button[name="decision"][value="deny"]').click();
  await page.waitForURL(/\/exchange_token/);
  assert.ok(await page.getByText('You chose not to connect').isVisible());
  assert.ok(await page.getByRole('link', { name: 'Try again' }).isVisible());
  await page.context().close();
});

test('untick a scope, try again, approve: the demo athlete results; reconnecting skips the consent page', async () => {
  const page = await onStravaConsent();
  await page.locator('input[type="checkbox"][value="activity:read_all"]').uncheck();
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/exchange_token/);
  assert.ok(await page.getByText('We need a little more access').isVisible());

  // Try again shows Strava's page once more (approval_prompt=force), this time approved in full.
  await page.getByRole('link', { name: 'Try again' }).click();
  assert.ok(await page.locator('input[type="checkbox"][value="activity:read_all"]').isChecked());
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/results$/);
  assert.ok(await page.getByRole('heading', { name: 'Latest activity' }).isVisible());
  assert.ok(await page.getByRole('heading', { name: 'Totals' }).isVisible());
  assert.ok(await page.getByRole('heading', { name: 'All time' }).isVisible());
  const rows = await page.locator('table.activities tbody tr').count();
  assert.ok(rows >= 10, `recent activities shown: ${rows}`);
  assert.ok((await page.getByRole('link', { name: 'View on Strava' }).count()) > 0);
  assert.ok(await page.getByAltText('Powered by Strava').isVisible());
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/results.png`, fullPage: true });

  // Log out and connect again: this athlete already approved, so Strava's page is skipped (approval_prompt=auto).
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${stack.url}/`);
  await page.getByRole('link', { name: 'Connect with Strava' }).click();
  await page.waitForURL(/\/results$/);
  assert.ok(await page.getByRole('heading', { name: 'Latest activity' }).isVisible());
  await page.context().close();
});
