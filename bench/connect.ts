// Benchmark: connecting an athlete (code exchange + first page of 200 activities into PostgreSQL), batched
// upsert as shipped against the same import written row by row. Prints both and their ratio.
import { performance } from 'node:perf_hooks';
import { upsertActivities } from '../shared/activities/index.js';
import { connectAthlete } from '../shared/connection/index.js';
import { upsertConnectedAthlete } from '../shared/athletes/index.js';
import { withTransaction } from '../shared/db/index.js';
import { saveTokens } from '../shared/tokens/index.js';
import { startSandbox, type Sandbox } from '../dev/sandbox/server.js';
import { deployedServices } from '../test/harness.js';
import { freshDatabase } from '../test/helpers/database.js';
import { CookieClient, parseForm } from '../test/helpers/http.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REDIRECT = 'http://localhost:9/exchange_token';

/** Walks the consent form (untimed) to get a fresh single-use code for one athlete. */
async function authorizationCode(sandbox: Sandbox, athleteId: number): Promise<string> {
  const client = new CookieClient();
  const url = new URL(`${sandbox.oauthBaseUrl}/authorize`);
  url.search = new URLSearchParams({
    client_id: sandbox.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    approval_prompt: 'force',
    scope: 'read,activity:read_all',
    state: 'bench',
    athlete_id: String(athleteId),
  }).toString();
  const page = await client.request(url.toString());
  const form = parseForm(page.text, page.url);
  const body = new URLSearchParams(form.hidden);
  for (const box of form.checkboxes) body.append(box.name, box.value);
  body.set('decision', 'approve');
  const answer = await client.request(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const code = new URL(answer.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code in ${answer.headers.get('location')}`);
  return code;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0, rateLimits: { overall: [1e9, 1e9], read: [1e9, 1e9] } });
  const db = await freshDatabase();
  // Both ways share the services a deployment builds: the same Strava client (and its rate-limit accounting) and cipher.
  const services = await deployedServices(sandbox, db);
  const { strava, cipher } = services;

  // The baseline: identical exchange, profile and listing, then one INSERT … ON CONFLICT per activity.
  async function connectRowByRow(code: string): Promise<number> {
    const exchange = await strava.exchangeCode(code);
    const profile = { ...exchange.athlete, ...(await strava.getAthlete(exchange.access_token)) };
    await withTransaction(db.pool, async (client) => {
      await upsertConnectedAthlete(client, profile, ['read', 'activity:read_all']);
      await saveTokens(client, cipher, profile.id, {
        accessToken: exchange.access_token,
        refreshToken: exchange.refresh_token,
        expiresAt: new Date(exchange.expires_at * 1000),
      });
    });
    const activities = await strava.listActivities(exchange.access_token, { page: 1, perPage: 200 });
    const now = new Date();
    for (const activity of activities) await upsertActivities(db.pool, profile.id, [activity], now);
    return activities.length;
  }

  const batched: number[] = [];
  const rowByRow: number[] = [];
  let imported = 0;
  for (let round = 0; round < ROUNDS + 1; round++) {
    // Fresh athletes each round, so every run inserts rather than updates.
    const a = sandbox.createAthlete({ activityCount: 220 });
    const b = sandbox.createAthlete({ activityCount: 220 });
    const [codeA, codeB] = [await authorizationCode(sandbox, a), await authorizationCode(sandbox, b)];
    // Alternate which goes first so neither enjoys a warmer cache.
    const order = round % 2 === 0 ? ['batched', 'row'] : ['row', 'batched'];
    for (const which of order) {
      const started = performance.now();
      if (which === 'batched') imported = (await connectAthlete(services, codeA, ['read', 'activity:read_all'])).imported;
      else await connectRowByRow(codeB);
      const elapsed = performance.now() - started;
      if (round > 0) (which === 'batched' ? batched : rowByRow).push(elapsed); // round 0 warms up
    }
  }

  const fast = median(batched);
  const slow = median(rowByRow);
  console.log(
    `connect an athlete: exchange + profile + first page of ${imported} activities (${db.real ? 'PostgreSQL server' : 'embedded PostgreSQL'}), median of ${ROUNDS}`,
  );
  console.log(`  batched upsert (shipped): ${fast.toFixed(1)} ms`);
  console.log(`  row by row (baseline):    ${slow.toFixed(1)} ms`);
  console.log(`  ratio baseline/shipped:   ${(slow / fast).toFixed(2)}x`);

  await services.close();
  await db.close();
  await sandbox.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
