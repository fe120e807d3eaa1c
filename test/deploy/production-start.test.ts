// The production start path: compile to dist/ as `gcp-build` does, run `node dist/app/server.js` as app.yaml's
// entrypoint does, and check it serves, logs structured JSON and fails fast on missing configuration.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../../shared/paths.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/dev-stack.js';

let db: TestDatabase;

before(async () => {
  // gcp-build is what App Engine runs on deploy.
  execFileSync('npm', ['run', 'gcp-build'], { cwd: projectRoot, stdio: 'pipe' });
  db = await freshDatabase({ migrate: false });
});
after(() => db?.close());

/** As app.yaml configures it, with every secret in the environment so no Secret Manager call is needed here. */
function productionEnv(port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    GOOGLE_CLOUD_PROJECT: 'test-project',
    // Nothing is published in these tests; the client only needs to know where Pub/Sub would be.
    PUBSUB_EMULATOR_HOST: '127.0.0.1:9',
    STRAVA_VERIFY_TOKEN: randomBytes(16).toString('hex'),
    WEBHOOK_PATH_SECRET: randomBytes(16).toString('hex'),
    OPENAI_API_KEY: 'sk-test-not-used',
    TELEGRAM_BOT_TOKEN: '123456:telegram-token-not-used',
    TELEGRAM_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
    DATABASE_PASSWORD: 'unused-with-database-url',
    PORT: String(port),
    PUBLIC_BASE_URL: `https://training.example.org`,
    DATABASE_URL: db.url,
    STRAVA_CLIENT_ID: '4242',
    STRAVA_CLIENT_SECRET: 'client-secret-value-for-test',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

test('app.yaml points at the compiled server that gcp-build produced', () => {
  const appYaml = parse(readFileSync(`${projectRoot}/app.yaml`, 'utf8')) as { entrypoint: string };
  assert.equal(appYaml.entrypoint, 'node dist/app/server.js');
  const pkg = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['gcp-build']!, /build/);
});

test('the compiled migration command applies migrations once, then finds nothing to do', async () => {
  // Asynchronously: with the embedded test database this process must stay free to answer the child.
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: db.url };
  const migrate = () => promisify(execFile)('node', ['dist/scripts/migrate.js'], { cwd: projectRoot, env, encoding: 'utf8' });
  assert.match((await migrate()).stdout, /Applied migrations: 1/);
  assert.match((await migrate()).stdout, /Database is up to date/);
});

test('the compiled server serves pages, answers health checks and logs JSON for Cloud Logging', async () => {
  const port = await freePort();
  const server = run('node', ['dist/app/server.js'], productionEnv(port));
  try {
    let home: Response | undefined;
    for (let i = 0; i < 100 && !home; i++) {
      home = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-cloud-trace-context': '0123456789abcdef0123456789abcdef/7;o=1' } }).catch(
        () => undefined,
      );
      if (!home) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(home, `server did not answer:\n${server.out()}\n${server.err()}`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Connect with Strava/);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text(), 'ok');

    // /login in production: the state cookie is Secure and the redirect goes to Strava with our callback.
    const login = await fetch(`http://127.0.0.1:${port}/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const location = new URL(login.headers.get('location')!);
    assert.equal(location.origin + location.pathname, 'https://www.strava.com/oauth/authorize');
    assert.equal(location.searchParams.get('redirect_uri'), 'https://training.example.org/exchange_token');
    assert.match(login.headers.get('set-cookie') ?? '', /Secure/);

    const lines = server
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const request = lines.find((line) => line.message === 'GET / 200');
    assert.ok(request, server.out());
    assert.equal(request.severity, 'INFO');
    assert.equal(request['logging.googleapis.com/trace'], 'projects/test-project/traces/0123456789abcdef0123456789abcdef');
    assert.ok(!server.out().includes('client-secret-value-for-test'));
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'SIGTERM shuts down cleanly');
  }
});

test('a secret that is neither in the environment nor readable in Secret Manager stops it, naming the secret', async () => {
  // GOOGLE_CLOUD_PROJECT is set, so the server turns to Secret Manager, which it cannot reach from here.
  const env = productionEnv(await freePort());
  delete env.SESSION_SECRET;
  const server = run('node', ['dist/app/server.js'], env);
  assert.equal(await server.exited, 1);
  assert.match(server.err(), /Cannot start: Secret Manager could not read secret session-secret/);
});

test('without Google Cloud, a missing secret is named with its variable and purpose', async () => {
  const env = productionEnv(await freePort());
  delete env.SESSION_SECRET;
  delete env.GOOGLE_CLOUD_PROJECT;
  const server = run('node', ['dist/app/server.js'], env);
  assert.equal(await server.exited, 1);
  assert.match(server.err(), /Cannot start: Missing secret in the environment: SESSION_SECRET \(secret "session-secret": signs session/);
});

test('missing production configuration stops it with the variable named', async () => {
  const env = productionEnv(await freePort());
  delete env.DATABASE_URL;
  const server = run('node', ['dist/app/server.js'], env);
  assert.equal(await server.exited, 1);
  assert.match(server.err(), /DATABASE_URL or INSTANCE_CONNECTION_NAME is missing/);
});

test('production refuses to start without a strong webhook path secret, naming it', async () => {
  for (const secret of [undefined, 'short-secret', 'aaaaaaaaaaaaaaaaaaaaaaaa']) {
    const env = productionEnv(await freePort());
    delete env.GOOGLE_CLOUD_PROJECT;
    if (secret === undefined) delete env.WEBHOOK_PATH_SECRET;
    else env.WEBHOOK_PATH_SECRET = secret;
    const server = run('node', ['dist/app/server.js'], env);
    assert.equal(await server.exited, 1, `secret ${secret ?? '(unset)'}`);
    assert.match(server.err(), /Cannot start: WEBHOOK_PATH_SECRET \(secret "webhook-path-secret"\) cannot guard the webhook/);
    if (secret) assert.ok(!server.err().includes(secret), 'the secret itself is not printed');
  }
});
