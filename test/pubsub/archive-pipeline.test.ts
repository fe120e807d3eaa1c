// The production path over real parts: the real @google-cloud/storage client against a local Cloud Storage stand-in, the bucket's notification through the Pub/Sub emulator, the deployed importArchive function, PostgreSQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import { zipInMemory } from '../../dev/archive/zip-writer.js';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { getUpload, ObjectMissingError, startUpload } from '../../shared/archive/index.js';
import { GcsObjectStore } from '../../shared/platform/gcs-object-store.js';
import { ensureEventsTopology } from '../../shared/platform/topology.js';
import { createLogger } from '../../shared/log.js';
import { fromRoot } from '../../shared/paths.js';
import { openArchive, SourceReadError } from '../../shared/archive/zip.js';
import { startFakeCloudStorage, type FakeCloudStorage } from '../fakes/cloud-storage.js';
import { CookieClient } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { startTestStack } from '../helpers/stack.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { type FunctionServer, serveFunction } from '../helpers/function-server.js';
import { startPubSubEmulator, type Emulator } from '../helpers/pubsub-emulator.js';
import { until } from '../helpers/until.js';

const PROJECT = 'trainingroom-test';
const BUCKET = 'trainingroom-test-archive-uploads';
const TOPIC = 'archive-uploads';
const ATHLETE = 77;
const fixture = (name: string) => readFileSync(fromRoot('test', 'fixtures', 'archive', name));
const log = createLogger({ format: 'json', level: 'error', write: () => undefined });

/** What the browser does with the session URL: PUT chunks (multiples of 256 KiB) with Content-Range, reading 308s. */
async function browserUpload(sessionUrl: string, bytes: Buffer, chunk = 256 * 1024): Promise<Response> {
  let offset = 0;
  for (;;) {
    const end = Math.min(bytes.length, offset + chunk);
    const res = await fetch(sessionUrl, {
      method: 'PUT',
      headers: { 'content-range': `bytes ${offset}-${end - 1}/${bytes.length}`, origin: 'https://club.example' },
      body: new Uint8Array(bytes.subarray(offset, end)),
    });
    if (res.status !== 308) return res;
    offset = Number(/bytes=0-(\d+)/.exec(res.headers.get('range') ?? '')?.[1] ?? -1) + 1;
  }
}

describe('archive uploads through a bucket', () => {
  let fake: FakeCloudStorage;
  let store: GcsObjectStore;
  let db: TestDatabase;

  before(async () => {
    fake = await startFakeCloudStorage();
    store = await GcsObjectStore.create({ bucket: BUCKET, client: { apiEndpoint: fake.url, projectId: PROJECT } });
    db = await freshDatabase();
    await upsertConnectedAthlete(db.pool, { id: ATHLETE, firstname: 'Bucket', lastname: 'Test' }, ['read', 'activity:read_all']);
  });

  after(async () => {
    await db?.close();
    await fake?.close();
  });

  it('opens a resumable session the browser can finish alone, then reads ranges, deletes, and reports a missing object', async () => {
    const bytes = Buffer.alloc(700 * 1024, 7);
    bytes.write('hello', 300_000);
    const { upload, sessionUrl } = await startUpload({ pool: db.pool, store, log }, ATHLETE, {
      fileName: 'a.fit',
      size: bytes.length,
      origin: 'https://club.example',
    });
    assert.ok(sessionUrl.startsWith(`${fake.url}/upload/storage/v1/b/${BUCKET}/o?`), sessionUrl);
    assert.ok(fake.requests.some((r) => r.startsWith(`POST /upload/storage/v1/b/${BUCKET}/o?`) && r.includes('uploadType=resumable')));
    const done = await browserUpload(sessionUrl, bytes);
    assert.equal(done.status, 200);
    assert.equal(await store.size(upload.objectKey), bytes.length);
    const source = await store.source(upload.objectKey);
    assert.equal((await source.read(300_000, 300_005)).toString(), 'hello');
    assert.ok(fake.requests.some((r) => r.includes('alt=media')));
    await store.delete(upload.objectKey);
    assert.equal(await store.size(upload.objectKey), undefined);
    await store.delete(upload.objectKey); // deleting again is no error
    await assert.rejects(store.source(upload.objectKey), ObjectMissingError);
  });

  it('refuses a second session for an object that exists, and retries a passing outage but reports a lasting one', async () => {
    fake.put(BUCKET, 'uploads/77/taken.zip', Buffer.from('x'));
    await assert.rejects(
      store.startUpload('uploads/77/taken.zip', { size: 1, contentType: 'application/zip', origin: 'https://club.example' }),
      (e: { code?: number }) => e.code === 412,
    );
    const zip = await zipInMemory([{ name: 'a.gpx', data: fixture('gpxpy-cerknicko-jezero.gpx') }]);
    fake.put(BUCKET, 'uploads/77/r.zip', zip);
    fake.failNext(/alt=media/, 503, 1);
    const source = await store.source('uploads/77/r.zip');
    const archive = await openArchive(source);
    assert.equal(archive.entryCount, 1);
    archive.close();
    fake.failNext(/alt=media/, 503, 10);
    const flaky = await openArchive(await store.source('uploads/77/r.zip')).catch((e: unknown) => e);
    assert.ok(flaky instanceof SourceReadError, `a lasting outage is a passing failure to retry, got ${String(flaky)}`);
  });

  it('the app hands the browser a session on the bucket and takes no byte itself; deleting one\u2019s data deletes the object', async () => {
    const stack = await startTestStack({ archiveStore: store, env: { ARCHIVE_BUCKET: BUCKET } });
    try {
      const client = new CookieClient();
      await signIn(client, stack.baseUrl);
      const page = await client.request(`${stack.baseUrl}/settings/archive`);
      assert.equal(page.status, 200);
      // The page may send bytes to Cloud Storage, and nowhere else but the site.
      assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self' https:\/\/storage\.googleapis\.com/);
      const csrf = /data-csrf="([^"]+)"/.exec(page.text)![1]!;
      const bytes = Buffer.alloc(300 * 1024, 0x20);
      const opened = await client.request(`${stack.baseUrl}/settings/archive/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ fileName: 'export_big.zip', size: bytes.length }),
      });
      assert.equal(opened.status, 200, opened.text);
      const session = JSON.parse(opened.text) as { uploadId: string; sessionUrl: string; sameOrigin: boolean };
      assert.equal(session.sameOrigin, false);
      assert.ok(session.sessionUrl.startsWith(`${fake.url}/upload/storage/v1/b/${BUCKET}/o?`), session.sessionUrl);
      // The app's own byte endpoint (the laptop's stand-in) refuses when uploads go to a bucket.
      const refused = await client.request(`${stack.baseUrl}/settings/archive/uploads/${session.uploadId}/bytes`, {
        method: 'PUT',
        headers: { 'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}`, 'x-csrf-token': csrf },
        body: new Uint8Array(bytes),
      });
      assert.equal(refused.status, 404);
      assert.equal((await browserUpload(session.sessionUrl, bytes)).status, 200);
      const { rows } = await stack.db.pool.query<{ key: string }>('select object_key as key from archive_uploads where id = $1::uuid', [session.uploadId]);
      const key = `${BUCKET}/${rows[0]!.key}`;
      assert.equal(fake.objects.get(key)?.data.length, bytes.length);

      const confirm = await client.request(`${stack.baseUrl}/account/delete`);
      const deleted = await client.request(`${stack.baseUrl}/account/delete`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: hiddenValue(confirm.text, 'csrf') }),
      });
      assert.equal(deleted.status, 200);
      assert.equal(fake.objects.has(key), false, 'the upload is deleted from the bucket with the data');
      const left = await stack.db.pool.query(
        'select (select count(*)::int from archive_uploads) as uploads, (select count(*)::int from archive_object_purges) as queued',
      );
      assert.deepEqual(left.rows[0], { uploads: 0, queued: 0 });
    } finally {
      await stack.close();
    }
  });

  describe('end to end: notification → Pub/Sub emulator → importArchive → PostgreSQL', () => {
    let emulator: Emulator;
    let client: PubSub;
    let functionServer: FunctionServer | undefined;
    let closeFunction: () => Promise<void>;
    let updateTokensServer: FunctionServer | undefined;
    let updateTokensUrl: string;
    let closeUpdateTokens: () => Promise<void>;
    const savedEnv = { ...process.env };

    before(async () => {
      emulator = await startPubSubEmulator();
      client = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
      // What Terraform sets for the function, pointed at local parts.
      Object.assign(process.env, {
        DATABASE_URL: db.url,
        STRAVA_CLIENT_ID: '1',
        ARCHIVE_BUCKET: BUCKET,
        STORAGE_EMULATOR_HOST: fake.url,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        PUBSUB_EMULATOR_HOST: emulator.host,
        PUBSUB_TOPIC_ARCHIVE: TOPIC,
        DATABASE_PASSWORD: 'unused-with-trust-auth',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'error',
        // update_tokens reads these; importArchive is granted neither and must start without them (it does).
        STRAVA_CLIENT_SECRET: 'update-tokens-only',
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        // Nothing here may reach strava.com: the job finds no athlete due, and a stray request fails at once.
        STRAVA_API_BASE_URL: 'http://127.0.0.1:9/api/v3',
        STRAVA_OAUTH_BASE_URL: 'http://127.0.0.1:9/oauth',
      });
      for (const name of ['K_SERVICE', 'NODE_ENV', 'INSTANCE_CONNECTION_NAME']) delete process.env[name];
      await import('../../functions/index.js');
      ({ closeImportArchiveRuntime: closeFunction } = await import('../../functions/import-archive.js'));
      ({ closeUpdateTokensRuntime: closeUpdateTokens } = await import('../../functions/update-tokens.js'));
      functionServer = await serveFunction('importArchive');
      updateTokensServer = await serveFunction('update_tokens');
      updateTokensUrl = `${updateTokensServer.origin}/`;
      const functionUrl = functionServer.origin;
      await ensureEventsTopology(client, {
        projectId: PROJECT,
        processorUrl: functionUrl,
        topic: TOPIC,
        maxDeliveryAttempts: 5,
        minimumBackoffSeconds: 1,
        maximumBackoffSeconds: 2,
      });
      // The bucket's notification: OBJECT_FINALIZE in payload format JSON_API_V1, object in attributes and body.
      fake.onFinalize = async (object) => {
        await client.topic(TOPIC).publishMessage({
          json: { kind: 'storage#object', name: object.name, bucket: object.bucket, size: String(object.size), generation: object.generation },
          attributes: {
            eventType: 'OBJECT_FINALIZE',
            bucketId: object.bucket,
            objectId: object.name,
            objectGeneration: object.generation,
            payloadFormat: 'JSON_API_V1',
            notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/1`,
          },
        });
      };
    });

    after(async () => {
      fake.onFinalize = undefined;
      await functionServer?.close();
      await updateTokensServer?.close();
      await closeFunction?.();
      await closeUpdateTokens?.();
      await client?.close();
      await emulator?.close();
      for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
      Object.assign(process.env, savedEnv);
    });

    it('imports an archive the browser uploaded straight to the bucket, then deletes it', async () => {
      const csv =
        'Activity ID,Activity Date,Activity Name,Activity Type,Filename\n9001,"Aug 15, 2015, 2:45:08 PM",Morning run by the fjord,Run,activities/1.fit.gz\n';
      const zip = await zipInMemory([
        { name: 'activities.csv', data: Buffer.from(csv) },
        { name: 'activities/1.fit.gz', data: gzipSync(fixture('fitparse-fenix2-run.fit')), options: { compress: false } },
        { name: 'activities/2.tcx', data: fixture('tcxparser-test.tcx') },
        { name: 'activities/3.fit', data: fixture('fitparse-unexpected-eof.fit') },
      ]);
      const { upload, sessionUrl } = await startUpload({ pool: db.pool, store, log }, ATHLETE, {
        fileName: 'export_77.zip',
        size: zip.length,
        origin: 'https://club.example',
      });
      assert.equal((await browserUpload(sessionUrl, zip)).status, 200);
      const finished = await until(
        'the import to finish',
        async () => {
          const row = await getUpload(db.pool, upload.id);
          return row && (row.status === 'done' || row.status === 'failed') ? row : undefined;
        },
        60_000,
      );
      assert.equal(finished.status, 'done', finished.error ?? '');
      assert.equal(finished.imported, 2);
      assert.equal(finished.failedFiles, 1);
      const { rows } = await db.pool.query<{ id: number; name: string }>('select id, name from activities where athlete_id = $1::bigint order by id desc', [
        ATHLETE,
      ]);
      assert.deepEqual(rows.map((r) => r.name).includes('Morning run by the fjord'), true);
      assert.ok(rows.some((r) => r.id === 9001));
      await until('the upload to be deleted from the bucket', async () => !fake.objects.has(`${BUCKET}/${upload.objectKey}`), 60_000);
    });

    it('update_tokens asks again, through the archive topic, for an upload whose notification was lost', async () => {
      const zip = await zipInMemory([{ name: 'activities/1.gpx', data: fixture('gpxpy-cerknicko-jezero.gpx') }]);
      const { upload } = await startUpload({ pool: db.pool, store, log }, ATHLETE, { fileName: 'lost.zip', size: zip.length, origin: 'https://club.example' });
      // The bytes are in the bucket, but no notification reached the import (lost past its retries), an hour ago.
      fake.put(BUCKET, upload.objectKey, zip);
      await db.pool.query(`update archive_uploads set status = 'queued', updated_at = now() - interval '1 hour' where id = $1::uuid`, [upload.id]);

      const response = await fetch(updateTokensUrl, { method: 'POST' });
      assert.equal(response.status, 200);
      const summary = (await response.json()) as { uploadsResumed: number | null; due: number };
      assert.equal(summary.uploadsResumed, 1);
      assert.equal(summary.due, 0);
      const finished = await until('the resumed import to finish', async () => {
        const row = await getUpload(db.pool, upload.id);
        return row?.status === 'done' ? row : undefined;
      });
      assert.equal(finished.imported, 1);
      await until('the upload to be deleted from the bucket', async () => !fake.objects.has(`${BUCKET}/${upload.objectKey}`));
      // Asked once: the next run finds nothing stalled.
      const again = (await (await fetch(updateTokensUrl, { method: 'POST' })).json()) as { uploadsResumed: number };
      assert.equal(again.uploadsResumed, 0);
    });

    it('a notification the import failed five times is dead-lettered, and npm run events:replay -- --topic archive-uploads brings it back', async () => {
      const zip = await zipInMemory([{ name: 'activities/1.fit', data: fixture('fitparse-fenix5-bike.fit') }]);
      const { upload, sessionUrl } = await startUpload({ pool: db.pool, store, log }, ATHLETE, {
        fileName: 'dead-letter.zip',
        size: zip.length,
        origin: 'https://club.example',
      });
      // The bucket cannot be read for now: every delivery throws, Pub/Sub redelivers, then dead-letters.
      fake.failNext(new RegExp(`^GET .*${upload.id}`), 503, 10_000);
      assert.equal((await browserUpload(sessionUrl, zip)).status, 200);
      const replay = (...args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', fromRoot('scripts', 'events-replay.ts'), '--topic', TOPIC, ...args], {
          cwd: fromRoot(),
          env: { ...process.env, PUBSUB_EMULATOR_HOST: emulator.host, GOOGLE_CLOUD_PROJECT: PROJECT },
        });
      const listed = await until(
        'the notification on the dead-letter topic',
        async () => {
          const { stdout } = await replay('--list');
          return stdout.includes(upload.objectKey) ? stdout : undefined;
        },
        90_000,
      );
      assert.match(listed, /after 5 deliveries/);
      const stuck = await getUpload(db.pool, upload.id);
      assert.notEqual(stuck?.status, 'done');
      assert.ok((stuck?.failures ?? 0) >= 5, `failed slices are counted (${stuck?.failures})`);

      // The operator fixes the cause and replays: the notification comes back with its attributes, and the import runs.
      fake.clearFailures();
      // Messages the listing just left may take a moment to be offered again (as in test/pubsub's replay).
      const replayed = await until('the replay to find the dead letter', async () => {
        const { stdout } = await replay();
        return /Replayed [1-9]\d* dead letter\(s\)\./.test(stdout) ? stdout : undefined;
      });
      assert.match(replayed, /Replayed 1 dead letter\(s\)\./);
      const finished = await until('the replayed import to finish', async () => {
        const row = await getUpload(db.pool, upload.id);
        return row?.status === 'done' ? row : undefined;
      });
      assert.equal(finished.imported, 1);
      await until('the upload to be deleted from the bucket', async () => !fake.objects.has(`${BUCKET}/${upload.objectKey}`));
      const { stdout: after } = await replay('--list');
      assert.doesNotMatch(after, new RegExp(upload.objectKey));
    });

    it('deletes an object nobody waits for (its athlete deleted their data) and acknowledges', async () => {
      const { upload, sessionUrl } = await startUpload({ pool: db.pool, store, log }, ATHLETE, {
        fileName: 'orphan.gpx',
        size: 100,
        origin: 'https://club.example',
      });
      await db.pool.query('delete from archive_uploads where id = $1::uuid', [upload.id]);
      assert.equal((await browserUpload(sessionUrl, Buffer.alloc(100, 0x20))).status, 200);
      await until('the orphan to be deleted', async () => !fake.objects.has(`${BUCKET}/${upload.objectKey}`), 60_000);
    });
  });
});
