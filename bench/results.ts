// Benchmark: /results (with best efforts, goals, year over year, calendar and gear) for athletes with 5,000 and 20,000
// activities, figures in SQL (shipped) against the same page computed by loading every row into memory. Prints server
// time p50/p99, page weight, and the ratio, per size.
import { createInProcessBus } from '../shared/platform/in-process-bus.js';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { generateSignedCookie } from 'hono/cookie';
import { createApp } from '../app/app.js';
import { resultsPageData, resultsPartsBesideFigures, resultsView } from '../app/routes/results.js';
import { loadTrainingFigures, trainingView } from '../app/routes/training.js';
import { EFFORT_DISTANCES } from '../shared/efforts/index.js';
import { saveProfileGear } from '../shared/gear/index.js';
import { setGoal } from '../shared/goals/index.js';
import { athleteTimeZone, localNow, RIDE_TYPES, RUN_TYPES } from '../shared/stats/index.js';
import { computeTrainingFigures, loadEverything } from '../test/stats/training-oracle.js';
import { renderPage } from '../app/views.js';
import type { Viewer } from '../app/viewer.js';
import { encodePolyline } from '../shared/activities/index.js';
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

/** Activities per athlete, one benchmark each; BENCH_ACTIVITIES=5000 runs one size. */
/** Strava's website, for the pages' "View on Strava" links. */
const STRAVA_WEB = 'https://www.strava.com';
const SIZES = (process.env.BENCH_ACTIVITIES ?? '5000,20000').split(',').map(Number);
/** Requests per measurement; the larger history gets fewer, its in-memory baseline being slow. */
const roundsFor = (size: number) => Number(process.env.BENCH_ROUNDS ?? (size > 10_000 ? 100 : 200));
/** The targets for the full page's p50, per size. */
const TARGET_P50_MS: Record<number, number> = { 5000: 50, 20000: 150 };
const ATHLETE = 4_242_424;
const SPORTS = ['Ride', 'Run', 'Ride', 'Run', 'Swim', 'Walk', 'Hike', 'WeightTraining', 'VirtualRide', 'TrailRun'];

/** A deterministic history: several activities a week for years, each with a route loop like Strava's summary polyline. */
function history(ACTIVITIES: number): SummaryActivity[] {
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
      ...(sport.includes('Ride') ? { gear_id: i % 7 === 0 ? 'b2' : 'b1' } : sport.includes('Run') ? { gear_id: i % 5 === 0 ? 'g2' : 'g1' } : {}),
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

/**
 * The history as a finished enrichment leaves it: every run and ride searched, an effort at each distance it covers (at
 * the activity's average speed). Written in one statement: this is the benchmark's setup, not the product's path.
 */
async function enrich(pool: { query: (sql: string, values: unknown[]) => Promise<unknown> }): Promise<void> {
  const runs = EFFORT_DISTANCES.filter((d) => d.sport === 'run');
  const rides = EFFORT_DISTANCES.filter((d) => d.sport === 'ride');
  await pool.query(
    `insert into best_efforts (activity_id, athlete_id, effort, elapsed_time, start_date_local, source)
     select a.id, a.athlete_id, d.key, greatest(1, round(d.meters * a.moving_time / a.distance))::integer, a.start_date_local, 'streams'
     from activities a
     join unnest($2::text[], $3::float8[], $4::text[]) as d(key, meters, sport)
       on a.distance >= d.meters and ((d.sport = 'run' and a.sport_type = any($5::text[])) or (d.sport = 'ride' and a.sport_type = any($6::text[])))
     where a.athlete_id = $1::bigint and a.distance > 0`,
    [ATHLETE, [...runs, ...rides].map((d) => d.key), [...runs, ...rides].map((d) => d.meters), [...runs, ...rides].map((d) => d.sport), RUN_TYPES, RIDE_TYPES],
  );
  await pool.query(
    `insert into effort_scans (activity_id, athlete_id, source)
     select id, athlete_id, 'streams' from activities where athlete_id = $1::bigint and sport_type = any($2::text[])`,
    [ATHLETE, [...RUN_TYPES, ...RIDE_TYPES]],
  );
}

async function main(): Promise<void> {
  // The machine's PostgreSQL server, as `npm test` and bench:update-tokens use it (DATABASE_URL names another).
  if (!process.env.DATABASE_URL) process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
  for (const size of SIZES) await bench(size);
}

async function bench(ACTIVITIES: number): Promise<void> {
  const ROUNDS = roundsFor(ACTIVITIES);
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
  const all = history(ACTIVITIES);
  for (let i = 0; i < all.length; i += 500) await upsertActivities(runtime.pool, ATHLETE, all.slice(i, i + 500), new Date());
  await enrich(runtime.pool);
  await saveProfileGear(runtime.pool, ATHLETE, {
    bikes: [
      { id: 'b1', name: 'Road bike', primary: true, distance: 0 },
      { id: 'b2', name: 'Old bike', retired: true, distance: 0 },
    ],
    shoes: [
      { id: 'g1', name: 'Trainers', primary: true, distance: 0 },
      { id: 'g2', name: 'Racers', distance: 0 },
    ],
  });
  await setGoal(runtime.pool, ATHLETE, 'all', { metric: 'time', target: 500 * 3600 });
  await setGoal(runtime.pool, ATHLETE, 'run', { metric: 'distance', target: 2_000_000 });
  await setGoal(runtime.pool, ATHLETE, 'ride', { metric: 'elevation', target: 50_000 });
  // The steady state autovacuum keeps: statistics and the visibility map that index-only scans rely on.
  await runtime.pool.query('vacuum analyze');

  const app = createApp(createServices(runtime, createInProcessBus({ log: runtime.log })));
  // The session cookie as sign-in sets it: athlete, issue time and the athlete's session epoch.
  const epoch = (await getAthlete(runtime.pool, ATHLETE))!.sessionEpoch;
  const cookie = (await generateSignedCookie('session', `${ATHLETE}.${Date.now()}.${epoch}`, env.SESSION_SECRET)).split(';')[0]!;
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
  // The baseline: the same page with every figure computed from all rows loaded into memory.
  const inMemory: typeof loadResultsStats = async (pool, athleteId, now, timeZone, units) =>
    computeResultsStats(await loadAllActivities(pool, athleteId), now, timeZone, units);
  // The page as the route builds it (resultsPageData), or from the same parts and view with the figures from memory.
  const pageData = async (source: 'sql' | 'memory') => {
    if (source === 'sql') return resultsPageData(runtime, viewer, STRAVA_WEB);
    const now = new Date();
    const timeZone = await athleteTimeZone(runtime.pool, ATHLETE);
    const [stats, rest] = await Promise.all([inMemory(runtime.pool, ATHLETE, now, timeZone, viewer.units), resultsPartsBesideFigures(runtime.pool, ATHLETE)]);
    return resultsView({ stats, ...rest }, viewer, STRAVA_WEB, timeZone, now);
  };
  // The training sections likewise, from SQL or from memory.
  const render = async (source: 'sql' | 'memory') => {
    const data = await pageData(source);
    const now = localNow(new Date(), data.timeZone);
    const figures =
      source === 'sql'
        ? await loadTrainingFigures(runtime.pool, ATHLETE, 'all', now)
        : computeTrainingFigures(await loadEverything(runtime.pool, ATHLETE), 'all', now);
    return renderPage('results', { ...data, athlete, csrfToken: 'x', notes: { configured: false, items: [] }, training: trainingView(figures, viewer) });
  };
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
  const target = TARGET_P50_MS[ACTIVITIES] ?? 50;
  console.log(
    `  targets: p50 under ${target} ms ${percentile(http, 50) < target ? 'met' : 'NOT met'}; page under 150 KB ${bytes < 150 * 1024 ? 'met' : 'NOT met'}`,
  );
  const sport = await time(Math.min(ROUNDS, 100), async () =>
    (await app.request(new Request('http://localhost/results?sport=run', { headers: { cookie, 'accept-language': 'en' } }))).text(),
  );
  line('full request, runs only (sport switch)', sport);

  await runtime.close();
  await db.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
