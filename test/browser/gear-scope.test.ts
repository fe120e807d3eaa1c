// An athlete who did not allow Strava to share their profile sees how to allow it, nothing breaks, and allowing it brings the gear.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let browser: Browser;

before(async () => {
  stack = await startTestStack();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

test('without profile:read_all: a clear way to allow it on the results and settings pages; allowing it lists the bikes and shoes', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(stack.baseUrl);
  await page.getByRole('link', { name: 'Connect with Strava' }).click();
  // Strava asks for the profile scope as an optional extra; this athlete leaves it out.
  const profile = page.locator('input[type="checkbox"][value="profile:read_all"]');
  assert.ok(await profile.isChecked(), 'asked for at sign-in');
  await profile.uncheck();
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/results$/);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  const gear = page.locator('#training #gear');
  assert.match((await gear.textContent()) ?? '', /Strava shares your bikes and shoes only when you allow “View your complete Strava profile”/);
  assert.ok(await gear.getByRole('link', { name: 'Allow it on Strava' }).isVisible());
  assert.ok(await page.getByRole('heading', { name: 'Training calendar' }).isVisible(), 'the rest of the page works');

  await page.goto(`${stack.baseUrl}/settings#gear`);
  const block = page.locator('.settings-block#gear');
  assert.ok(await block.getByRole('link', { name: 'Allow it on Strava' }).isVisible());
  assert.equal(await block.getByRole('button', { name: 'Refresh from Strava' }).count(), 0, 'no refresh that could only come back empty');

  // Allowing it: Strava's page again (approval_prompt=force), the scope ticked, and the gear arrives with the sign-in.
  await block.getByRole('link', { name: 'Allow it on Strava' }).click();
  assert.ok(await profile.isChecked());
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/results$/);
  assert.equal(await page.locator('#gear-scope').count(), 0);
  assert.ok((await page.locator('#training #gear li[data-gear]').count()) > 0, 'bikes and shoes listed');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
