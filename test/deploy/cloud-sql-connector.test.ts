// The production database path, openDatabase({ kind: 'cloud-sql' }), through the real Cloud SQL connector against a local Cloud SQL that behaves like Google's.
// Needs a PostgreSQL server: it creates a role named like an IAM service account, a built-in user and a database for them.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadDatabaseConfig } from '../../shared/platform/config.js';
import { openDatabase } from '../../shared/platform/db/pool.js';
import { fromRoot } from '../../shared/paths.js';
import { CLOUD_SQL_SERVER_PORT, startFakeCloudSql, type FakeCloudSql } from '../fakes/cloud-sql.js';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomBytes(4).toString('hex');
// As Terraform names them: the app's service account as an IAM database user, and the database it owns.
const iamUser = `training-app-${suffix}@test-project.iam`;
const builtinUser = `builtin_${suffix}`;
const databaseName = `training_${suffix}`;
const APP_TOKEN = `ya29.app-${suffix}`;
const NO_ROLE_TOKEN = `ya29.no-role-${suffix}`;
// Generous guard so a hang fails the test instead of the run; no assertion depends on how long anything takes.
const GUARD = { timeout: 60_000 };

let fake: FakeCloudSql;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

before(async () => {
  await admin(async (client) => {
    await client.query(`create role "${iamUser}" login`);
    await client.query(`create role "${builtinUser}" login password 'built-in-password'`);
    await client.query(`create database "${databaseName}" owner "${iamUser}"`);
  });
  const server = new URL(serverUrl);
  fake = await startFakeCloudSql({ postgres: { host: server.hostname, port: Number(server.port || 5432) } });
  fake.grant(APP_TOKEN, { iamUser, canConnect: true });
  // A principal Cloud SQL knows but that lacks roles/cloudsql.client.
  fake.grant(NO_ROLE_TOKEN, { iamUser: `other-${suffix}@test-project.iam`, canConnect: false });
});

after(async () => {
  await fake?.close();
  await admin(async (client) => {
    await client.query(`drop database if exists "${databaseName}" with (force)`);
    await client.query(`drop role if exists "${iamUser}"`);
    await client.query(`drop role if exists "${builtinUser}"`);
  });
});

/** The environment a deployment sets for the connector (DATABASE_URL unset, as in production). */
function deployedEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return { INSTANCE_CONNECTION_NAME: fake.connectionName, DATABASE_USER: iamUser, DATABASE_NAME: databaseName, ...overrides };
}

function connectorOptions(token = APP_TOKEN) {
  return { sqlAdminAPIEndpoint: fake.adminApiUrl, auth: fake.authFor(token) };
}

const certKey = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const sameKey = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();

test('IAM authentication: queries run as the IAM user in the configured database, over a certificate the server verified', GUARD, async () => {
  const config = loadDatabaseConfig(deployedEnv());
  assert.equal(config.kind, 'cloud-sql');
  const requestsBefore = fake.requests.length;
  const db = await openDatabase(config, { max: 2, connector: connectorOptions() });
  try {
    // Two connections at once: each is a new TLS session through the connector's stream().
    const [a, b] = await Promise.all([db.pool.connect(), db.pool.connect()]);
    try {
      const rows = await Promise.all(
        [a, b].map(async (c) => (await c.query('select current_user as "user", current_database() as db, pg_backend_pid() as pid')).rows[0]),
      );
      for (const row of rows) assert.deepEqual({ user: row.user, db: row.db }, { user: iamUser, db: databaseName });
      assert.notEqual(rows[0].pid, rows[1].pid, 'two server sessions');
    } finally {
      a.release();
      b.release();
    }
  } finally {
    await db.close();
  }

  const [settings, certRequest, ...rest] = fake.requests.slice(requestsBefore);
  const [project, , instance] = fake.connectionName.split(':');
  assert.deepEqual(
    [settings, certRequest].map((r) => ({ method: r?.method, path: r?.path, token: r?.token })),
    [
      { method: 'GET', path: `/sql/v1beta4/projects/${project}/instances/${instance}/connectSettings`, token: APP_TOKEN },
      { method: 'POST', path: `/sql/v1beta4/projects/${project}/instances/${instance}:generateEphemeralCert`, token: APP_TOKEN },
    ],
  );
  assert.deepEqual(rest, [], 'one refresh serves every connection');
  const body = certRequest!.body as { public_key?: string; access_token?: string };
  assert.match(body.public_key ?? '', /^-----BEGIN PUBLIC KEY-----\n/);
  assert.equal(body.access_token, APP_TOKEN, 'IAM authentication binds the certificate to the access token');

  const issued = fake.issuedCerts.find((cert) => cert.publicKey === body.public_key);
  assert.ok(issued, 'the fake issued a certificate for the public key the connector sent');
  assert.equal(certKey(issued.pem), sameKey(body.public_key!), 'the certificate holds that key');
  const sessions = fake.connections.filter((c) => c.clientCertFingerprint256 === issued.fingerprint256);
  assert.equal(sessions.length, 2, 'both sessions presented that certificate, and the TLS server verified it');
  for (const session of sessions)
    assert.deepEqual(session, { clientCertFingerprint256: issued.fingerprint256, user: iamUser, database: databaseName, admitted: true });
});

test('password authentication: a built-in user, with a certificate that carries no access token', GUARD, async () => {
  const config = loadDatabaseConfig(deployedEnv({ DATABASE_USER: builtinUser }));
  const issuedBefore = fake.issuedCerts.length;
  const db = await openDatabase(config, { password: 'built-in-password', connector: connectorOptions() });
  try {
    const { rows } = await db.pool.query('select current_user as "user", current_database() as db');
    assert.deepEqual(rows[0], { user: builtinUser, db: databaseName });
    // The local server trusts local connections, so it never asks for the password: check that pg was given it.
    assert.equal(db.pool.options.password, 'built-in-password');
  } finally {
    await db.close();
  }
  const issued = fake.issuedCerts.slice(issuedBefore);
  assert.equal(issued.length, 1);
  assert.equal(issued[0]!.accessToken, undefined);
  assert.ok(fake.connections.some((c) => c.clientCertFingerprint256 === issued[0]!.fingerprint256 && c.user === builtinUser && c.admitted));
});

test('the IAM user cannot log in over a certificate issued without its token', GUARD, async () => {
  // A password-type certificate (no access token) with the IAM user's name: Cloud SQL has no token to log it in with.
  const config = loadDatabaseConfig(deployedEnv());
  const db = await openDatabase(config, { password: 'not-an-iam-login', connector: connectorOptions() });
  try {
    await assert.rejects(db.pool.query('select 1'), /Cloud SQL IAM user authentication failed for user "training-app-/);
  } finally {
    await db.close();
  }
});

/** A PostgreSQL v3 StartupMessage. */
function startupPacket(user: string, database: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(body.length + 8, 0);
  header.writeUInt32BE(196608, 4);
  return Buffer.concat([header, body]);
}

/** Opens a TLS session to the instance as a client of our own and sends a startup message; returns what came back. */
function rawSession(clientCert: { cert: string; key: string } | undefined): Promise<{ reply?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: fake.host,
      port: CLOUD_SQL_SERVER_PORT,
      ca: fake.serverCaCert,
      // The server's identity is not what this checks; its CA still is.
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.3',
      ...clientCert,
    });
    socket.once('secureConnect', () => socket.write(startupPacket(builtinUser, databaseName)));
    // PostgreSQL answers a startup message first with an Authentication message, type byte 'R'.
    socket.once('data', (data: Buffer) => {
      resolve({ reply: String.fromCharCode(data[0]!) });
      socket.destroy();
    });
    socket.once('error', () => resolve({}));
    socket.once('close', () => resolve({}));
  });
}

test('the instance refuses TLS sessions without a client certificate from its signing CA', GUARD, async () => {
  // A key of our own with a certificate the Admin API issued for it: the control that shows this client can get in.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const [project, , instance] = fake.connectionName.split(':');
  const response = await fetch(`${fake.adminApiUrl}sql/v1beta4/projects/${project}/instances/${instance}:generateEphemeralCert`, {
    method: 'POST',
    headers: { authorization: `Bearer ${APP_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ public_key: publicKey.export({ type: 'spki', format: 'pem' }) }),
  });
  assert.equal(response.status, 200);
  const issuedCert = ((await response.json()) as { ephemeralCert: { cert: string } }).ephemeralCert.cert;
  assert.deepEqual(await rawSession({ cert: issuedCert, key }), { reply: 'R' });

  // The same key in a certificate it signed itself: right key, wrong CA.
  const dir = await mkdtemp(join(tmpdir(), 'cloud-sql-intruder-'));
  try {
    await writeFile(join(dir, 'key.pem'), key);
    await promisify(execFile)('openssl', ['req', '-x509', '-new', '-key', 'key.pem', '-subj', '/CN=intruder', '-days', '1', '-out', 'cert.pem'], { cwd: dir });
    const selfSigned = await readFile(join(dir, 'cert.pem'), 'utf8');
    const refusedBefore = fake.refusedSessions.length;
    const foreign = await rawSession({ cert: selfSigned, key });
    const none = await rawSession(undefined);
    // The server ends both sessions before reading a byte: the client sees the connection close, nothing more.
    assert.deepEqual([foreign.reply, none.reply], [undefined, undefined], 'no byte from PostgreSQL reached the client');
    assert.deepEqual(fake.refusedSessions.slice(refusedBefore), ['DEPTH_ZERO_SELF_SIGNED_CERT', 'NO_CLIENT_CERTIFICATE']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown instance fails with an error that names it', GUARD, async () => {
  const unknown = 'test-project:europe-west1:no-such-instance';
  const config = loadDatabaseConfig(deployedEnv({ INSTANCE_CONNECTION_NAME: unknown }));
  await assert.rejects(openDatabase(config, { connector: connectorOptions() }), (error: Error) => {
    assert.match(error.message, /^Cloud SQL instance test-project:europe-west1:no-such-instance \(INSTANCE_CONNECTION_NAME\): /);
    assert.match(error.message, /The Cloud SQL instance does not exist\./);
    return true;
  });
  assert.equal(fake.requests.at(-1)?.path, '/sql/v1beta4/projects/test-project/instances/no-such-instance/connectSettings');
});

test('a principal without the Cloud SQL Client role is refused, and the error names the instance', GUARD, async () => {
  const config = loadDatabaseConfig(deployedEnv());
  await assert.rejects(openDatabase(config, { connector: connectorOptions(NO_ROLE_TOKEN) }), (error: Error) => {
    assert.match(error.message, new RegExp(`^Cloud SQL instance ${fake.connectionName} \\(INSTANCE_CONNECTION_NAME\\): `));
    assert.match(error.message, /The client is not authorized to make this request\./);
    return true;
  });
  assert.equal(fake.issuedCerts.filter((c) => c.accessToken === NO_ROLE_TOKEN).length, 0);
});

test('closing the database closes the connector: a process that opened it exits by itself', GUARD, async () => {
  // The connector keeps a timer that refreshes the certificate before it expires; left running, it would hold a
  // migration run or a function instance open. A child process shows it by exiting once its work is done.
  const script = `
    const { openDatabase } = await import(${JSON.stringify(pathToFileURL(fromRoot('shared/platform/db/pool.ts')).href)});
    const { loadDatabaseConfig } = await import(${JSON.stringify(pathToFileURL(fromRoot('shared/platform/config.ts')).href)});
    const { staticTokenAuth } = await import(${JSON.stringify(pathToFileURL(fromRoot('test/fakes/cloud-sql.ts')).href)});
    const db = await openDatabase(loadDatabaseConfig(process.env), {
      connector: { sqlAdminAPIEndpoint: process.env.ADMIN_API, auth: staticTokenAuth(process.env.TOKEN, process.env.ADMIN_API) },
    });
    const { rows } = await db.pool.query('select current_user as "user"');
    console.log(JSON.stringify(rows[0]));
    await db.close();
  `;
  const env = { PATH: process.env.PATH, ...deployedEnv(), ADMIN_API: fake.adminApiUrl, TOKEN: APP_TOKEN };
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fromRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // Only a guard: a child that does not exit on its own is stopped and reported, never waited for forever.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(guard);
  assert.equal(signal, null, `the process did not exit by itself after db.close(); something the connector started still runs\n${stderr}`);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout.trim()), { user: iamUser });
});
