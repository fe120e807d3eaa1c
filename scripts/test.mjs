// `npm test`: finds what this machine offers (PostgreSQL, Chromium, Pub/Sub emulator), runs every test it can,
// and says plainly what it skipped. Under CI (CI=true) a missing part is a failure, not a skip.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import net from 'node:net';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true' || process.env.CI === '1';
const env = { ...process.env };
const skipped = [];
const notes = [`Node.js ${process.version} (${process.execPath})`];

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// PostgreSQL: DATABASE_URL if set, else the local server, else the embedded database.
// TEST_DATABASE=embedded forces the embedded one, to check what a laptop without PostgreSQL gets.
if (env.TEST_DATABASE === 'embedded') {
  delete env.DATABASE_URL;
  notes.push('database: embedded PGlite (TEST_DATABASE=embedded)');
} else if (env.DATABASE_URL) {
  notes.push(`database: PostgreSQL from DATABASE_URL`);
} else if (await canConnect('127.0.0.1', 5432)) {
  env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
  notes.push('database: PostgreSQL on 127.0.0.1:5432');
} else if (ci) {
  console.error('CI: PostgreSQL is not reachable on 127.0.0.1:5432 and DATABASE_URL is not set.');
  process.exit(1);
} else {
  notes.push('database: embedded PGlite (no PostgreSQL found on 127.0.0.1:5432; set DATABASE_URL to use one)');
}

// Chromium for the browser tests: Debian's headless shell when it is installed (apt-get install chromium-headless-shell),
// the same Chromium release and Blink engine without the desktop browser around it, which is what Playwright itself
// runs headless tests on. On the 2-core machine the browser tests spent 39% less CPU in it than in the full browser
// (229 s against 376 s, the same 36 tests passing). Otherwise the full browser; CHROMIUM_PATH names another.
const chromium = env.CHROMIUM_PATH || ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((path) => existsSync(path)) || '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (haveChromium) {
  env.CHROMIUM_PATH = chromium;
  notes.push(`browser: Chromium at ${chromium}`);
}

// The Pub/Sub emulator (Java + the Cloud SDK's emulator jar).
function findEmulatorJar() {
  const dir = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib';
  if (!existsSync(dir)) return undefined;
  const jar = readdirSync(dir).find((f) => /^cloud-pubsub-emulator-.*-all\.jar$/.test(f));
  return jar ? join(dir, jar) : undefined;
}
const emulatorJar = env.PUBSUB_EMULATOR_JAR || findEmulatorJar();
const haveJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const haveEmulator = Boolean(env.PUBSUB_EMULATOR_HOST) || (Boolean(emulatorJar) && haveJava);
if (emulatorJar && haveJava) env.PUBSUB_EMULATOR_JAR = emulatorJar;
if (haveEmulator)
  notes.push(`Pub/Sub: ${env.PUBSUB_EMULATOR_HOST ? `emulator at ${env.PUBSUB_EMULATOR_HOST}` : `emulator started by the tests from ${emulatorJar}`}`);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const only = process.argv.slice(2);
let files = (only.length > 0 ? only.map((f) => join(process.cwd(), f)) : walk(join(root, 'test'))).sort();

// Files that say so in their header model several instances at once and need a real server.
if (!env.DATABASE_URL) {
  const needServer = files.filter((f) => readFileSync(f, 'utf8').slice(0, 600).includes('// Needs a PostgreSQL server:'));
  if (needServer.length > 0) {
    if (ci) {
      console.error(`CI: these tests need a PostgreSQL server: ${needServer.map((f) => relative(root, f)).join(', ')}`);
      process.exit(1);
    }
    skipped.push(
      `${needServer.length} file(s) that need a PostgreSQL server (several instances at once): ${needServer.map((f) => relative(root, f)).join(', ')}`,
    );
    files = files.filter((f) => !needServer.includes(f));
  }
}

const needs = [
  {
    dir: '/test/browser/',
    have: haveChromium,
    what: 'browser tests',
    why: `no Chromium at ${chromium} (apt-get install chromium-headless-shell, or chromium)`,
  },
  { dir: '/test/pubsub/', have: haveEmulator, what: 'Pub/Sub emulator tests', why: 'no Pub/Sub emulator (Google Cloud SDK pubsub-emulator and Java)' },
];
for (const need of needs) {
  const affected = files.filter((f) => f.includes(need.dir));
  if (affected.length === 0 || need.have) continue;
  if (ci) {
    console.error(`CI: cannot run ${need.what}: ${need.why}.`);
    process.exit(1);
  }
  skipped.push(`${affected.length} ${need.what} file(s): ${need.why}`);
  files = files.filter((f) => !affected.includes(f));
}

console.log(['Test environment:', ...notes.map((n) => `  ${n}`), ...skipped.map((s) => `  SKIPPED ${s}`)].join('\n'));
if (files.length === 0) {
  console.error('No test files to run.');
  process.exit(1);
}

// The written rules, checked before any test runs on the whole suite (docs/ARCHITECTURE.md): module boundaries by
// dependency-cruiser (.dependency-cruiser.cjs), lint and format by Biome (biome.json). Their output shows only when
// they fail; a chosen file or two (`npm test -- <files>`) skips them, so work in progress can be tested.
const checks = [
  {
    name: 'module boundaries (dependency-cruiser)',
    args: [
      join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
      'app',
      'functions',
      'shared',
      'dev',
      'scripts',
      'bench',
      'test',
    ],
  },
  { name: 'lint and format (Biome)', args: [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'ci', '--error-on-warnings', '--reporter=summary', '.'] },
];
if (only.length === 0) {
  for (const check of checks) {
    const result = spawnSync(process.execPath, check.args, { cwd: root, env, encoding: 'utf8' });
    if (result.status !== 0) {
      process.stdout.write(result.stdout ?? '');
      process.stderr.write(result.stderr ?? '');
      console.error(`\n${check.name}: failed. Nothing else ran.\n\n0 passed, 1 failed, 0 skipped`);
      process.exit(1);
    }
    console.log(`✔ ${check.name}`);
  }
}

// On a PostgreSQL server every fresh test database is a copy of one template this run migrates once (test/helpers/database.ts);
// it is dropped when the run ends.
const templateDatabase = env.DATABASE_URL ? `test_template_${process.pid}_${Date.now().toString(36)}` : undefined;
if (templateDatabase) env.TEST_TEMPLATE_DATABASE = templateDatabase;

async function dropTemplateDatabase() {
  if (!templateDatabase) return;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  try {
    await admin.connect();
    for (const name of [templateDatabase, `${templateDatabase}_building`]) await admin.query(`drop database if exists ${name} with (force)`);
  } catch (error) {
    console.error(`could not drop the template database ${templateDatabase}: ${error.message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

// Test files run side by side, each on its own fresh database, ports and folders (see test/helpers): the suite
// waits mostly on PostgreSQL, HTTP and child processes, so more files than cores keep both cores busy.
const concurrency = Number(env.TEST_CONCURRENCY) || 4;

// Slowest first (durations from earlier runs on this machine; a file not timed yet counts as slow): with a few files
// at a time, a long file that started last would run on alone while the cores idle.
const durationsFile = join(root, 'node_modules', '.cache', 'test-durations.json');
const knownDurations = existsSync(durationsFile) ? JSON.parse(readFileSync(durationsFile, 'utf8')) : {};
const expected = (file) => knownDurations[relative(root, file)] ?? Number.POSITIVE_INFINITY;
files = [...files].sort((a, b) => expected(b) - expected(a) || a.localeCompare(b));

// Spec output for people, TAP to a file for the one-line tally at the end, and each file's duration for the next run.
const reportDir = mkdtempSync(join(tmpdir(), 'tests-'));
const tapFile = join(reportDir, 'results.tap');
const durationsReport = join(reportDir, 'durations.json');
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    `--test-reporter=${join(root, 'scripts', 'test-durations.mjs')}`,
    `--test-reporter-destination=${durationsReport}`,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, env, stdio: 'inherit' },
);
function recordDurations() {
  try {
    const measured = JSON.parse(readFileSync(durationsReport, 'utf8'));
    const relativeToRoot = Object.fromEntries(Object.entries(measured).map(([file, ms]) => [relative(root, file), Math.round(ms)]));
    mkdirSync(dirname(durationsFile), { recursive: true });
    writeFileSync(durationsFile, `${JSON.stringify({ ...knownDurations, ...relativeToRoot }, null, 1)}\n`);
  } catch {
    // No report (the run was cut short): the order stays as it was.
  }
}

// Ctrl-C or a kill reaches the test runner too; this process waits for it to stop, so the template is dropped.
for (const name of ['SIGINT', 'SIGTERM']) process.on(name, () => child.kill(name));
child.on('exit', async (code, signal) => {
  await dropTemplateDatabase();
  recordDurations();
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  if (skipped.length > 0) console.log(`\nSkipped on this machine:\n${skipped.map((s) => `  - ${s}`).join('\n')}`);
  console.log(`\n${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped')} skipped`);
  // Under CI a test that skipped itself (a tool missing on the machine) is a failure, as a missing part is above.
  if (ci && count('skipped') > 0) {
    console.error(`CI: ${count('skipped')} test(s) skipped themselves; every test must run here (the reasons are printed above).`);
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
