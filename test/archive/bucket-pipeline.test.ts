// The production path over real parts: the real @google-cloud/storage client against a local Cloud Storage stand-in, the bucket's notification through the Pub/Sub emulator, the deployed importArchive function, PostgreSQL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { PubSub } from '@google-cloud/pubsub';
import { zipInMemory } from '../../dev/archive/zip-writer.js';
import { upsertConnectedAthlete } from '../../shared/athletes/store.js';
import { GcsObjectStore, getUpload, ObjectMissingError, startUpload } from '../../shared/archive/index.js';
import { ensureEventsTopology } from '../../shared/platform/topology.js';
import { createLogger } from '../../shared/log.js';
import { fromRoot } from '../../shared/paths.js';
import { openArchive, SourceReadError } from '../../shared/archive/zip.js';
import { startFakeCloudStorage, type FakeCloudStorage } from '../fakes/cloud-storage.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
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

  describe('end to end: notification → Pub/Sub emulator → importArchive → PostgreSQL', () => {
    let emulator: Emulator;
    let client: PubSub;
    let functionServer: Server;
    let closeFunction: () => Promise<void>;
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
      });
      for (const name of ['K_SERVICE', 'NODE_ENV', 'INSTANCE_CONNECTION_NAME']) delete process.env[name];
      await import('../../functions/index.js');
      ({ closeImportArchiveRuntime: closeFunction } = await import('../../functions/import-archive.js'));
      functionServer = getTestServer('importArchive');
      await new Promise<void>((resolve) => functionServer.listen(0, '127.0.0.1', resolve));
      const functionUrl = `http://127.0.0.1:${(functionServer.address() as AddressInfo).port}`;
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
      if (functionServer) await new Promise<void>((resolve) => functionServer.close(() => resolve()));
      await closeFunction?.();
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
