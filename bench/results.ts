// Benchmark: /results for an athlete with 5,000 activities, figures in SQL (shipped) against the same page computed
// by loading every activity into memory. Prints server time p50/p99, page weight, and the ratio.
import { createInProcessBus } from '../shared/platform/in-process-bus.js';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { generateSignedCookie } from 'hono/cookie';
import { createApp } from '../app/app.js';
import { resultsPageData } from '../app/routes/results.js';
import { renderPage } from '../app/views.js';
import type { Viewer } from '../app/viewer.js';
import { encodePolyline } from '../dev/sandbox/polyline.js';
import { upsertActivities } from '../shared/activities/index.js';
import { getAthlete, upsertConnectedAthlete } from '../shared/athletes/index.js';
import { loadConfig } from '../shared/platform/config.js';
import { createFormatter } from '../shared/i18n/index.js';
import { messages } from '../shared/i18n/index.js';
import { createLogger } from '../shared/log.js';
import { DEFAULT_SETTINGS } from '../shared/privacy/index.js';
import { createRuntime } from '../shared/platform/runtime.js';
import { loadSecrets } from '../shared/platform/secrets.js';
import { createServices } from '../shared/services.js';
import type { SummaryActivity } from '../shared/strava/index.js';
import { freshDatabase } from '../test/helpers/database.js';
import { computeResultsStats, loadAllActivities } from '../test/stats/oracle.js';
import type { loadResultsStats } from '../shared/stats/index.js';

const ACTIVITIES = Number(process.env.BENCH_ACTIVITIES ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const ATHLETE = 4_242_424;
const SPORTS = ['Ride', 'Run', 'Ride', 'Run', 'Swim', 'Walk', 'Hike', 'WeightTraining', 'VirtualRide', 'TrailRun'];

/** A deterministic history: several activities a week for years, each with a route loop like Strava's summary polyline. */
function history(): SummaryActivity[] {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const end = Date.now();
  const list: SummaryActivity[] = [];
  for (let i = 0; i < ACTIVITIES; i++) {
    const start = end - i * 13 * 3600_000 - Math.floor(rnd() * 3600_000);
    const sport = SPORTS[i % SPORTS.length]!;
    const moves = sport !== 'WeightTraining';
    const distance = moves ? Math.round(2000 + rnd() * (sport.includes('Ride') ? 90_000 : 20_000)) : 0;
    const points: [number, number][] = [];
    for (let k = 0; k <= 120 && moves; k++) {
      const a = (2 * Math.PI * k) / 120;
      const r = 0.02 * (1 + 0.3 * Math.sin(3 * a + i));
      points.push([52.5 + r * Math.sin(a), 13.4 + 1.6 * r * Math.cos(a)]);
    }
    const iso = new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z');
    list.push({
      id: 900_000_000 + i,
      athlete: { id: ATHLETE },
      name: `${sport} ${i}`,
      sport_type: sport,
      start_date: iso,
      start_date_local: iso,
      timezone: '(GMT+01:00) Europe/Berlin',
      distance,
      moving_time: Math.round(1200 + rnd() * 9000),
      elapsed_time: Math.round(1500 + rnd() * 9500),
      total_elevation_gain: moves ? Math.round(rnd() * 1200) : 0,
      average_speed: 5,
      map: { summary_polyline: moves ? encodePolyline(points) : '' },
    });
  }
  return list;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(rounds: number, run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await run(); // warm-up: JIT, pool connections, plan cache
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    out.push(performance.now() - started);
  }
  return out;
}

async function main(): Promise<void> {
  const db = await freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    STRAVA_CLIENT_ID: '1',
    STRAVA_CLIENT_SECRET: 'bench-client-secret',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'error',
  };
  const runtime = await createRuntime(loadConfig(env), await loadSecrets({ env }), { log: createLogger({ format: 'json', level: 'error' }) });
  await upsertConnectedAthlete(runtime.pool, { id: ATHLETE, firstname: 'Bench', lastname: 'Mark', measurement_preference: 'meters' }, [
    'read',
    'activity:read_all',
  ]);
  const all = history();
  for (let i = 0; i < all.length; i += 500) await upsertActivities(runtime.pool, ATHLETE, all.slice(i, i + 500), new Date());
  await runtime.pool.query('analyze activities');

  const app = createApp(createServices(runtime, createInProcessBus({ log: runtime.log })));
  const cookie = (await generateSignedCookie('session', `${ATHLETE}.${Date.now()}`, env.SESSION_SECRET)).split(';')[0]!;
  const request = () => app.request(new Request('http://localhost/results', { headers: { cookie, 'accept-language': 'en' } }));
  const first = await request();
  if (first.status !== 200) throw new Error(`/results answered ${first.status}`);
  const html = await first.text();

  const athlete = (await getAthlete(runtime.pool, ATHLETE))!;
  const viewer: Viewer = {
    athlete,
    settings: DEFAULT_SETTINGS,
    units: 'metric',
    stravaUnits: 'metric',
    locale: 'en',
    t: messages('en'),
    fmt: createFormatter('en', 'metric'),
  };
  // The baseline: the same page with every figure computed from all activities loaded into memory.
  const inMemory: typeof loadResultsStats = async (pool, athleteId, now, timeZone, units) =>
    computeResultsStats(await loadAllActivities(pool, athleteId), now, timeZone, units);
  const render = async (source: 'sql' | 'memory') =>
    renderPage('results', {
      ...(await resultsPageData({ ...runtime, ...(source === 'memory' ? { loadStats: inMemory } : {}) }, viewer, 'https://www.strava.com')),
      athlete,
      csrfToken: 'x',
      notes: { configured: false, items: [] },
    });
  const sqlPage = await render('sql');
  const memoryPage = await render('memory');
  if (sqlPage !== memoryPage) throw new Error('the SQL and in-memory pages differ: the comparison would be meaningless');

  const http = await time(ROUNDS, async () => (await request()).text());
  const sql = await time(ROUNDS, () => render('sql'));
  const memory = await time(ROUNDS, () => render('memory'));

  const bytes = Buffer.byteLength(html);
  const line = (label: string, values: number[]) =>
    console.log(`  ${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(6)} ms`);
  console.log(
    `/results for an athlete with ${ACTIVITIES.toLocaleString('en-US')} activities (${db.real ? 'PostgreSQL server' : 'embedded PostgreSQL'}), ${ROUNDS} requests each after 20 warm-up`,
  );
  line('full request, figures in SQL (shipped)', http);
  line('page data + render, figures in SQL', sql);
  line('page data + render, all activities in memory', memory);
  console.log(
    `  ratio memory/SQL at p50:                     ${(percentile(memory, 50) / percentile(sql, 50)).toFixed(2)}x  (p99 ${(percentile(memory, 99) / percentile(sql, 99)).toFixed(2)}x)`,
  );
  console.log(
    `  page weight: ${(bytes / 1024).toFixed(1)} KB HTML (${(gzipSync(html).length / 1024).toFixed(1)} KB gzipped), plus style.css ${(await (await app.request('/static/style.css')).arrayBuffer()).byteLength} B and notes.js`,
  );
  console.log(`  targets: p50 under 50 ms ${percentile(http, 50) < 50 ? 'met' : 'NOT met'}; page under 150 KB ${bytes < 150 * 1024 ? 'met' : 'NOT met'}`);

  await runtime.close();
  await db.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
