// Lighthouse (mobile profile, Debian's Chromium) on /results and an activity page of the demo athlete, with map
// tiles from a loopback tile server: prints performance, accessibility and best-practices scores and fails under 95.
// `npm run bench:lighthouse` (CHROMIUM_PATH overrides /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { DEMO_ATHLETE_ID } from '../dev/sandbox/seed.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { startTestStack } from '../test/helpers/stack.js';
import { startTileServer } from '../test/helpers/tile-server.js';

const MINIMUM = 95;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;

/** Debian's Chromium with a DevTools port for Lighthouse, in a throwaway profile. */
async function startChromium(): Promise<{ port: number; close(): void }> {
  const profile = mkdtempSync(join(tmpdir(), 'lighthouse-chromium-'));
  const child = spawn(
    process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before it listened: ${text.slice(-500)}`)));
  });
  return {
    port,
    close() {
      child.kill();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const tiles = await startTileServer();
const stack = await startTestStack({ env: { MAP_TILE_URL: tiles.template, MAP_ATTRIBUTION: 'Local tiles', ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID) } });
let chromium: { port: number; close(): void } | undefined;
let failed = false;
try {
  // Sign in as a newcomer would, through the sandbox's consent page, and open the activity once so its streams are
  // fetched from Strava and stored: Lighthouse then measures the page as every later visit sees it.
  const browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(stack.baseUrl);
  await page.getByRole('link', { name: 'Connect with Strava' }).click();
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForURL(/\/results$/);
  const { rows } = await stack.runtime.pool.query<{ id: string }>(
    `select id from activities where athlete_id = $1::bigint and sport_type = 'Run' and summary_polyline <> '' order by start_date desc limit 1`,
    [DEMO_ATHLETE_ID],
  );
  const activityPath = `/activities/${rows[0]!.id}`;
  await page.goto(`${stack.baseUrl}${activityPath}?wait=1`);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  await browser.close();

  chromium = await startChromium();
  console.log(
    `Lighthouse ${(await import('lighthouse/package.json', { with: { type: 'json' } })).default.version}, mobile profile, Chromium on port ${chromium.port}`,
  );
  for (const path of ['/results', activityPath]) {
    const result = await lighthouse(`${stack.baseUrl}${path}`, {
      port: chromium.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      extraHeaders: { Cookie: cookie },
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${path}`);
    // LIGHTHOUSE_REPORT_DIR=folder keeps each full report (JSON) for a closer look.
    if (process.env.LIGHTHOUSE_REPORT_DIR)
      writeFileSync(join(process.env.LIGHTHOUSE_REPORT_DIR, `${path.split('/').filter(Boolean).join('-')}.json`), String(result.report));
    const scores = CATEGORIES.map((category) => ({ category, score: Math.round((result.lhr.categories[category]?.score ?? 0) * 100) }));
    console.log(`${path.padEnd(28)} ${scores.map((s) => `${s.category} ${s.score}`).join(' · ')}`);
    for (const { category, score } of scores) {
      if (score >= MINIMUM) continue;
      failed = true;
      const audits = result.lhr.categories[category]!.auditRefs.map((ref) => result.lhr.audits[ref.id]!)
        .filter((audit) => audit.score !== null && audit.score < 0.9)
        .map((audit) => `    ${audit.id}: ${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
      console.log(`  ${category} ${score} is under ${MINIMUM}:\n${audits.join('\n')}`);
    }
  }
} finally {
  chromium?.close();
  await stack.close();
  await tiles.close();
}
if (failed) process.exitCode = 1;
