// Benchmark: the webhook receiver's acknowledgement on the production path (path secret, full validation, subscription
// check, throttle, durable publish through the real Pub/Sub client to the emulator) at 500 events/s and at its
// maximum, beside a bare Hono handler that parses the body and publishes it with the same client settings. Same run.
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../app/app.js';
import type { AppDeps } from '../app/env.js';
import { subscriptionCache } from '../app/routes/webhook.js';
import { loadConfig } from '../shared/platform/config.js';
import { createPubSubBus, type PubSubBus } from '../shared/platform/pubsub-bus.js';
import { createLogger } from '../shared/log.js';
import { createRuntime } from '../shared/platform/runtime.js';
import { loadSecrets } from '../shared/platform/secrets.js';
import { createServices } from '../shared/services.js';
import { recordSubscription } from '../shared/strava/index.js';
import { startSandbox } from '../dev/sandbox/server.js';
import { freshDatabase } from '../test/helpers/database.js';
import { productEnvironment } from '../test/helpers/environment.js';
import { startPubSubEmulator } from '../test/helpers/pubsub-emulator.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const MAX_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TOPIC = 'strava-events';
const PROJECT = 'bench-project';
const SUBSCRIPTION_ID = 424_242;

interface Result {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(latencies: number[], errors: number, elapsedMs: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests: latencies.length, errors, p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: (latencies.length / elapsedMs) * 1000 };
}

let sequence = 0;
function nextEvent(): string {
  sequence++;
  return JSON.stringify({
    aspect_type: 'create',
    event_time: Math.floor(Date.now() / 1000),
    object_id: 10_000_000_000 + sequence,
    object_type: 'activity',
    // Many owners, as in production.
    owner_id: 1_000 + (sequence % 500),
    subscription_id: SUBSCRIPTION_ID,
    updates: {},
  });
}

async function post(url: string): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  try {
    // Node's fetch keeps connections alive, as Strava's pushes would over a busy minute.
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nextEvent() });
    await response.arrayBuffer();
    return { ms: performance.now() - started, ok: response.status === 200 };
  } catch {
    return { ms: performance.now() - started, ok: false };
  }
}

/** Open loop: one request every 1/rate seconds whatever the answers do, so slow answers show in the latency. */
async function atRate(url: string, rate: number, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(post(url).then(({ ms, ok }) => (ok ? void latencies.push(ms) : void errors++)));
  }
  await Promise.all(pending);
  return summarize(latencies, errors, performance.now() - started);
}

/** Closed loop: `concurrency` clients, each sending its next event as soon as the last is acknowledged. */
async function atMax(url: string, concurrency: number, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const { ms, ok } = await post(url);
        if (ok) latencies.push(ms);
        else errors++;
      }
    }),
  );
  return summarize(latencies, errors, performance.now() - started);
}

function listen(fetchHandler: (request: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

async function main(): Promise<void> {
  process.env.PUBSUB_EMULATOR_JAR ||= (() => {
    const dir = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib';
    const jar = readdirSync(dir).find((name) => /^cloud-pubsub-emulator-.*-all\.jar$/.test(name));
    if (!jar) throw new Error('no Pub/Sub emulator jar: install google-cloud-sdk pubsub-emulator, or set PUBSUB_EMULATOR_JAR');
    return `${dir}/${jar}`;
  })();
  const emulator = await startPubSubEmulator();
  // As the tests do: the client talks to the emulator and never looks for Google credentials.
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  process.env.GOOGLE_CLOUD_PROJECT = PROJECT;
  const sandbox = await startSandbox({ port: 0 });
  const db = await freshDatabase();
  const pathSecret = randomBytes(18).toString('base64url');
  const quiet = createLogger({ format: 'json', level: 'info', write: () => undefined });

  // Two buses with the production settings (100 messages / 5 ms batches): one per handler under test.
  const busOptions = { projectId: PROJECT, emulatorHost: emulator.host, log: quiet };
  const productionBus: PubSubBus = await createPubSubBus(busOptions);
  const bareBus: PubSubBus = await createPubSubBus(busOptions);
  await productionBus.client.createTopic(TOPIC).catch(() => undefined);

  const env = {
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    ...productEnvironment({ sandbox, databaseUrl: db.url, encryptionKey: randomBytes(32).toString('base64') }),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    WEBHOOK_PATH_SECRET: pathSecret,
    LOG_FORMAT: 'json',
  };
  // Every line is serialised as in production, then dropped: the terminal is not what is measured.
  const runtime = await createRuntime(loadConfig(env), await loadSecrets({ env }), { log: quiet, poolMax: 5 });
  await recordSubscription(runtime.pool, runtime.config.strava.clientId, { id: SUBSCRIPTION_ID, callback_url: 'bench' });
  const deps: AppDeps = createServices(runtime, productionBus);
  await subscriptionCache(deps).invalidate();
  const app = createApp(deps);
  const production = await listen((request) => app.fetch(request));

  const bare = new Hono().post('/bare', async (c) => {
    const event: unknown = await c.req.json();
    await bareBus.publish(TOPIC, event);
    return c.json({ received: true });
  });
  const bareServer = await listen((request) => bare.fetch(request));

  const targets = { production: `${production.url}/webhook/${pathSecret}`, bare: `${bareServer.url}/bare` };
  // Warm up both (connections, gRPC channel, JIT).
  await atMax(targets.production, 8, 1);
  await atMax(targets.bare, 8, 1);

  // Interleaved rounds, the better of each kept: on a shared machine a neighbour's burst should not decide the ratio.
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
  const results: Record<string, Record<string, Result>> = { production: {}, bare: {} };
  const keep = (name: 'bare' | 'production', load: string, r: Result, better: (a: Result, b: Result) => boolean) => {
    const had = results[name]![load];
    if (!had || better(r, had)) results[name]![load] = r;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['bare', 'production'] as const) : (['production', 'bare'] as const);
    for (const name of order) keep(name, `${RATE}/s`, await atRate(targets[name], RATE, SECONDS), (a, b) => a.p99 < b.p99);
    for (const name of order) keep(name, 'max', await atMax(targets[name], MAX_CONCURRENCY, SECONDS), (a, b) => a.perSecond > b.perSecond);
  }

  const line = (name: string, r: Result) =>
    `  ${name.padEnd(11)} ${String(r.requests).padStart(6)} acks  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  ${r.perSecond.toFixed(0).padStart(5)}/s  errors ${r.errors}`;
  const out: string[] = ['', `Webhook acknowledgement, real Pub/Sub client against the emulator, ${SECONDS} s per run, best of ${ROUNDS} interleaved rounds`];
  for (const load of [`${RATE}/s`, 'max']) {
    out.push(`${load === 'max' ? `at maximum (${MAX_CONCURRENCY} concurrent senders)` : `at ${load}`}:`);
    out.push(line('bare', results.bare![load]!), line('production', results.production![load]!));
  }
  const ratio = results.production!.max!.perSecond / results.bare!.max!.perSecond;
  const p99 = results.production![`${RATE}/s`]!.p99;
  out.push(`throughput ratio production / bare: ${ratio.toFixed(2)}× (goal ≥ 0.9×)`);
  out.push(`p99 at ${RATE}/s: ${p99.toFixed(1)} ms (goal < 20 ms)`);
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((resolve) => production.server.close(() => resolve()));
  await new Promise<void>((resolve) => bareServer.server.close(() => resolve()));
  subscriptionCache(deps).stop();
  await productionBus.close();
  await bareBus.close();
  await runtime.close();
  await db.close();
  await sandbox.close();
  await emulator.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:webhook failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
