// Launches Debian's Chromium through playwright-core with the flags this closed-network machine needs
// (playwright gives every launch a fresh, empty profile of its own).
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    // npm test names the browser (scripts/test.mjs prefers Debian's headless shell); the full browser otherwise.
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs the sandbox's demo athlete in from the home page, through Strava's consent page, and lands on /results. */
export async function connectFromHomePage(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByRole('link', { name: 'Connect with Strava' }).click();
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/results$/);
}

/**
 * Collects console errors, page errors and failed responses from now on. Started after signing in: the sandbox's
 * consent page (Strava's stand-in, another origin) has no favicon.
 */
export function collectPageErrors(page: Page, context: BrowserContext): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  context.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  return errors;
}

export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed responses seen after signing in. */
  errors: string[];
}

/** A new browser context (English, unless the options say otherwise) with the demo athlete signed in. */
export async function signedInPage(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}): Promise<SignedInPage> {
  const context = await browser.newContext({ locale: 'en-GB', ...options });
  const page = await context.newPage();
  await connectFromHomePage(page, baseUrl);
  return { context, page, errors: collectPageErrors(page, context) };
}
