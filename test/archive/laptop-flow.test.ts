// The laptop path end to end: the sandbox's archive download, the settings page, the resumable upload into .data/, the in-process bus, the import, the progress page.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipInMemory } from '../../dev/archive/zip-writer.js';
import { startTokenTimer } from '../../dev/token-timer.js';
import { describeArchiveReason, parseObjectKey } from '../../shared/archive/index.js';
import { LocalObjectStore } from '../../shared/platform/local-object-store.js';
import { messages } from '../../shared/i18n/index.js';
import { fromRoot } from '../../shared/paths.js';
import { localUploadUrl, notifyOnFinalize } from '../../shared/platform/archive-stores.js';
import { createInProcessBus, type InProcessBus } from '../../shared/platform/in-process-bus.js';
import { createLogger } from '../../shared/log.js';
import type { CookieClient } from '../helpers/http.js';
import { signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

describe('archive import on a laptop', () => {
  let stack: TestStack;
  let bus: InProcessBus;
  let dir: string;
  let client: CookieClient;
  let csrf = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archive-laptop-'));
    const log = createLogger({ format: 'json', level: 'error', write: () => undefined });
    bus = createInProcessBus({ log, backoffMs: () => 10 });
    let baseUrl = '';
    const store = new LocalObjectStore(dir, (key) => localUploadUrl(baseUrl, parseObjectKey(key)!.uploadId));
    stack = await startTestStack({ bus, archiveStore: store });
    baseUrl = stack.baseUrl;
    client = stack.client();
    // Only the archive topic, as npm start wires it (subscribeHandlers): the handler and the folder's notification.
    const topic = stack.runtime.config.pubsub.archiveTopic;
    bus.subscribe(topic, stack.deps.handlers.archive);
    notifyOnFinalize(store, bus, topic);
    await signIn(client, stack.baseUrl);
  });

  after(async () => {
    await bus?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the how-to and the upload form, in English and Russian', async () => {
    const page = await client.request(`${stack.baseUrl}/settings/archive`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Import your Strava archive/);
    assert.match(page.text, /Download or Delete Your Account/);
    csrf = /data-csrf="([^"]+)"/.exec(page.text)![1]!;
    const settings = await client.request(`${stack.baseUrl}/settings`);
    assert.match(settings.text, /href="\/settings\/archive"/);
    const ru = await client.request(`${stack.baseUrl}/settings/archive?lang=ru`);
    assert.match(ru.text, /Импорт архива Strava/);
    await client.request(`${stack.baseUrl}/settings/archive?lang=en`);
  });

  it('refuses an upload without the CSRF token, or of a file it would not import', async () => {
    const start = (body: unknown, token = csrf) =>
      client.request(`${stack.baseUrl}/settings/archive/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify(body),
      });
    assert.equal((await start({ fileName: 'a.zip', size: 10 }, 'forged')).status, 403);
    const wrong = await start({ fileName: 'notes.docx', size: 10 });
    assert.equal(wrong.status, 400);
    assert.match(JSON.parse(wrong.text).error, /ZIP archive or a FIT, GPX or TCX/);
  });

  it('uploads the sandbox\u2019s archive in resumable chunks and imports all of it with streams, merged with what the API brought', async () => {
    const exported = Buffer.from(await (await fetch(`${stack.sandbox.url}/sandbox/athletes/${stack.sandbox.demoAthleteId}/export.zip`)).arrayBuffer());
    assert.equal(exported.subarray(0, 2).toString(), 'PK');
    const started = await client.request(`${stack.baseUrl}/settings/archive/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ fileName: 'export_1000001.zip', size: exported.length }),
    });
    assert.equal(started.status, 200, started.text);
    const session = JSON.parse(started.text) as { uploadId: string; sessionUrl: string; chunkBytes: number; sameOrigin: boolean };
    assert.equal(session.sameOrigin, true);
    const put = (range: string, body?: Buffer) =>
      client.request(session.sessionUrl, {
        method: 'PUT',
        headers: { 'content-range': range, 'x-csrf-token': csrf },
        ...(body ? { body: new Uint8Array(body) } : {}),
      });

    // Nothing yet: 308 without a Range header, as Cloud Storage answers.
    const empty = await put(`bytes */${exported.length}`);
    assert.equal(empty.status, 308);
    assert.equal(empty.headers.get('range'), null);
    // Chunks of 1 MB, so the upload takes several requests; one chunk sent twice changes nothing.
    const chunk = 1024 * 1024;
    let offset = 0;
    let last;
    while (offset < exported.length) {
      const end = Math.min(exported.length, offset + chunk);
      last = await put(`bytes ${offset}-${end - 1}/${exported.length}`, exported.subarray(offset, end));
      if (offset === chunk) {
        const again = await put(`bytes ${offset}-${end - 1}/${exported.length}`, exported.subarray(offset, end));
        assert.equal(again.headers.get('range'), `bytes=0-${end - 1}`);
      }
      if (end < exported.length) {
        assert.equal(last.status, 308);
        assert.equal(last.headers.get('range'), `bytes=0-${end - 1}`);
      }
      offset = end;
    }
    assert.equal(last!.status, 200);
    await bus.idle();

    const {
      rows: [upload],
    } = await stack.db.pool.query('select * from archive_uploads where id = $1::uuid', [session.uploadId]);
    assert.equal(upload.status, 'done', upload.error);
    assert.equal(upload.failed_files, 0);
    const {
      rows: [counts],
    } = await stack.db.pool.query(
      `select count(*)::int as activities, count(*) filter (where source = 'archive')::int as archive,
         (select count(*)::int from activity_streams s where s.athlete_id = $1::bigint and s.streams ? 'time') as with_streams
       from activities where athlete_id = $1::bigint`,
      [stack.sandbox.demoAthleteId],
    );
    const sandboxCount = ((await (await fetch(`${stack.sandbox.url}/sandbox/athletes`)).json()) as { id: number; activity_count: number }[]).find(
      (a) => a.id === stack.sandbox.demoAthleteId,
    )!.activity_count;
    assert.equal(counts.activities, sandboxCount, 'every activity of the history is there');
    assert.ok(counts.archive > 0 && upload.merged > 0, 'the archive filled activities the API had not imported and completed the others');
    assert.ok(counts.with_streams >= upload.total_files - 60, `streams for the activities with files (${counts.with_streams} of ${upload.total_files})`);
    const { rows: formats } = await stack.db.pool.query<{ ending: string }>(
      `select distinct substring(name from '\\.[a-z.]+$') as ending from archive_files where upload_id = $1::uuid and name like 'activities/%'`,
      [session.uploadId],
    );
    assert.deepEqual(formats.map((f) => f.ending).sort(), ['.fit', '.fit.gz', '.gpx', '.gpx.gz', '.tcx', '.tcx.gz']);
    // Best efforts from the files' streams are there when the import ends, without waiting for update_tokens.
    const {
      rows: [efforts],
    } = await stack.db.pool.query(
      `select count(distinct e.activity_id)::int as activities from best_efforts e
       join archive_files f on f.activity_id = e.activity_id and f.upload_id = $1::uuid`,
      [session.uploadId],
    );
    assert.ok(efforts.activities > 0, 'best efforts found in the imported streams');

    const progress = await client.request(`${stack.baseUrl}/settings/archive/progress`);
    assert.match(progress.text, /Done: /);
    assert.doesNotMatch(progress.text, /data-poll/);
  });

  it('the token timer picks up an import whose notification was lost and gives up on one that keeps failing; the page says why', async () => {
    const fixture = (name: string) => readFileSync(fromRoot('test', 'fixtures', 'archive', name));
    const zip = await zipInMemory([
      { name: 'activities/1.gpx', data: fixture('gpxpy-cerknicko-jezero.gpx') },
      { name: 'activities/2.fit', data: fixture('fitparse-unexpected-eof.fit') },
    ]);
    const open = async (fileName: string, size: number) => {
      const res = await client.request(`${stack.baseUrl}/settings/archive/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ fileName, size }),
      });
      assert.equal(res.status, 200, res.text);
      const { uploadId } = JSON.parse(res.text) as { uploadId: string };
      const { rows } = await stack.db.pool.query<{ key: string }>('select object_key as key from archive_uploads where id = $1::uuid', [uploadId]);
      return { uploadId, objectKey: rows[0]!.key };
    };
    // The bytes arrived but their notification was lost (dead-lettered, an instance gone): queued, untouched for an hour.
    const lost = await open('lost.zip', zip.length);
    mkdirSync(dirname(join(dir, lost.objectKey)), { recursive: true });
    writeFileSync(join(dir, lost.objectKey), zip);
    await stack.db.pool.query(`update archive_uploads set status = 'queued', updated_at = now() - interval '1 hour' where id = $1::uuid`, [lost.uploadId]);
    // Its last 29 slices failed and the 30th died holding its lease (an instance out of memory).
    const failing = await open('failing.zip', zip.length);
    writeFileSync(join(dir, failing.objectKey), zip);
    await stack.db.pool.query(
      `update archive_uploads set status = 'importing', failures = 29, claim_id = gen_random_uuid(), claimed_until = now() - interval '1 minute',
         updated_at = now() - interval '1 hour' where id = $1::uuid`,
      [failing.uploadId],
    );

    const timer = startTokenTimer({ ...stack.runtime, ...stack.deps }, 60 * 60_000);
    let summary;
    try {
      summary = await timer.runNow();
    } finally {
      await timer.stop();
    }
    assert.equal(summary?.uploadsResumed, 1);
    await bus.idle();
    const row = async (id: string) =>
      (await stack.db.pool.query('select status, error, imported, failed_files from archive_uploads where id = $1::uuid', [id])).rows[0];
    assert.deepEqual({ ...(await row(lost.uploadId)), error: undefined }, { status: 'done', error: undefined, imported: 1, failed_files: 1 });
    const gaveUp = await row(failing.uploadId);
    assert.equal(gaveUp.status, 'failed');
    assert.equal(describeArchiveReason(messages('en'), gaveUp.error), 'the import stopped 30 times in a row; please upload the file again');
    // Nothing will read it again: the same run had the import delete its object.
    assert.equal(existsSync(join(dir, failing.objectKey)), false);
    assert.equal(existsSync(join(dir, lost.objectKey)), false, 'the imported upload is deleted too');

    // The summary lists the file that failed with its reason, and the upload given up on, in both languages.
    const { rows: failed } = await stack.db.pool.query<{ reason: string }>(
      `select reason from archive_files where upload_id = $1::uuid and status in ('skipped', 'failed')`,
      [lost.uploadId],
    );
    assert.equal(failed.length, 1);
    const escapedReason = describeArchiveReason(messages('en'), failed[0]!.reason).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const en = await client.request(`${stack.baseUrl}/settings/archive/progress`);
    assert.match(en.text, /activities\/2\.fit/);
    assert.match(en.text, new RegExp(escapedReason));
    assert.match(en.text, /the import stopped 30 times in a row; please upload the file again/);
    const ru = await client.request(`${stack.baseUrl}/settings/archive/progress?lang=ru`);
    assert.match(ru.text, /activities\/2\.fit/);
    assert.match(ru.text, /импорт прерывался 30 раз подряд; загрузите файл снова/);
    assert.doesNotMatch(ru.text, /the import stopped/);
    // The refused file's reason reads in Russian too, with no English left.
    assert.match(ru.text, /activities\/2\.fit<\/code>: файл FIT обрезан или повреждён \(не сходится контрольная сумма\)/);
    assert.doesNotMatch(ru.text, /truncated or damaged/);
    // A reason stored by an earlier version, an English sentence, is shown as it was stored.
    await stack.db.pool.query(
      `update archive_files set reason = 'the FIT file is truncated or damaged (its checksum does not match)' where upload_id = $1::uuid and status = 'skipped'`,
      [lost.uploadId],
    );
    const legacy = await client.request(`${stack.baseUrl}/settings/archive/progress?lang=ru`);
    assert.match(legacy.text, /activities\/2\.fit<\/code>: the FIT file is truncated or damaged \(its checksum does not match\)/);
    await client.request(`${stack.baseUrl}/settings/archive?lang=en`);
  });
});
