// The archive import against a real PostgreSQL and the laptop's folder store: merge rules, id-less files, hostile entries, slices, deletion.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { zipInMemory } from '../../dev/archive/zip-writer.js';
import { upsertActivities } from '../../shared/activities/store.js';
import { getOwnActivity } from '../../shared/activities/detail.js';
import { storedStreams } from '../../shared/activities/streams.js';
import { toGpx } from '../../shared/activities/export.js';
import { deleteAthlete, upsertConnectedAthlete } from '../../shared/athletes/store.js';
import {
  describeArchiveReason,
  getUpload,
  handleArchiveMessage,
  deleteObjectsNoLongerNeeded,
  resumeStalledUploads,
  runArchiveSlice,
  startUpload,
  uploadProgress,
} from '../../shared/archive/index.js';
import { LocalObjectStore } from '../../shared/platform/local-object-store.js';
import { messages } from '../../shared/i18n/index.js';
import { createLogger } from '../../shared/log.js';
import { fromRoot } from '../../shared/paths.js';
import { addZone, listZones } from '../../shared/privacy/zones.js';
import type { SummaryActivity } from '../../shared/strava/types.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

const ATHLETE = 501;
const OTHER = 502;
const fixture = (name: string) => readFileSync(fromRoot('test', 'fixtures', 'archive', name));
const CSV_HEADER =
  'Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain';

describe('archive import', () => {
  let db: TestDatabase;
  let dir: string;
  let store: LocalObjectStore;
  const log = createLogger({ format: 'json', level: 'error', write: () => undefined });
  const deps = () => ({ pool: db.pool, log, store });

  /** Puts bytes where the browser would have sent them and returns the upload's id. */
  async function upload(athleteId: number, fileName: string, bytes: Buffer): Promise<string> {
    const { upload: row } = await startUpload(deps(), athleteId, { fileName, size: bytes.length, origin: 'http://localhost' });
    const result = await store.receive(row.objectKey, 0, [bytes], bytes.length);
    assert.equal(result.done, true);
    return row.id;
  }

  async function importAll(uploadId: string, options = {}) {
    const outcomes = [];
    for (let i = 0; i < 100; i++) {
      const outcome = await runArchiveSlice(deps(), uploadId, options);
      outcomes.push(outcome.kind);
      if (outcome.kind !== 'more') break;
    }
    return outcomes;
  }

  /** A stored reason as an English page says it: the columns hold keys and values, not sentences. */
  const english = (stored: string | null) => (stored === null ? null : describeArchiveReason(messages('en'), stored));

  const files = async (uploadId: string) =>
    (
      await db.pool.query<{ name: string; status: string; reason: string | null; activity_id: number | null }>(
        'select name, status, reason, activity_id from archive_files where upload_id = $1::uuid order by entry_index',
        [uploadId],
      )
    ).rows.map((row) => ({ ...row, reason: english(row.reason) }));

  before(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'archive-'));
    store = new LocalObjectStore(dir, (key) => `http://localhost/upload/${key}`);
    for (const id of [ATHLETE, OTHER]) await upsertConnectedAthlete(db.pool, { id, firstname: 'A', lastname: String(id) }, ['read', 'activity:read_all']);
  });

  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges a Strava export: API summaries stay, files add streams, missing activities are filled, hostile entries are skipped with reasons', async () => {
    // The API already imported one activity of the export (with another name than the CSV's).
    const apiActivity: SummaryActivity = {
      id: 7001,
      athlete: { id: ATHLETE },
      name: 'Name from the API',
      sport_type: 'Run',
      start_date: '2015-08-15T14:45:08Z',
      start_date_local: '2015-08-15T16:45:08Z',
      timezone: '(GMT+01:00) Europe/Oslo',
      distance: 9008,
      moving_time: 2800,
      elapsed_time: 2832,
    };
    await upsertActivities(db.pool, ATHLETE, [apiActivity], new Date());
    const csv = [
      CSV_HEADER,
      '7001,"Aug 15, 2015, 2:45:08 PM",Name from the CSV,Run,,2832,9.01,,,false,,,activities/11.fit.gz,,,2832,2800,9008.2,,,64',
      '7002,"Dec 26, 2012, 9:29:53 PM",Evening run,Run,,3000,6.0,,,false,,,activities/12.tcx.gz,,,3000,2900,6000,,,20',
      '7003,"Jun 12, 2017, 4:09:22 PM",Short ride,Ride,,60,0.46,,,false,,,activities/13.fit,,,60,60,459.5,,,0',
      '7004,"Mar 15, 2021, 7:05:09 AM",Yoga,Yoga,,3600,0,,,false,,,,,,3600,3600,0,,,',
      '7005,"Nov 2, 2011, 12:54:19 PM",Broken one,Ride,,100,0,,,false,,,activities/15.fit,,,100,100,0,,,',
    ].join('\n');
    const bytes = await zipInMemory([
      { name: 'activities.csv', data: Buffer.from(csv) },
      { name: 'activities/', data: Buffer.alloc(0) },
      { name: 'activities/11.fit.gz', data: gzipSync(fixture('fitparse-fenix2-run.fit')) },
      { name: 'activities/12.tcx.gz', data: gzipSync(fixture('tcxparser-test.tcx')) },
      { name: 'activities/13.fit', data: fixture('fitparse-fenix5-bike.fit') },
      { name: 'activities/15.fit', data: fixture('fitparse-unexpected-eof.fit') },
      { name: 'activities/16.gpx', data: fixture('gpxpy-cerknicko-jezero.gpx') },
      { name: 'media/photo.jpg', data: Buffer.from('not an activity') },
      { name: 'profile.csv', data: Buffer.from('a,b\n1,2\n') },
      { name: 'escape.gpx', data: Buffer.from('<gpx/>'), options: { rawName: Buffer.from('../../etc/escape.gpx') } },
      { name: 'secret.fit', data: Buffer.from('x'), options: { encrypted: true } },
      { name: 'huge.gpx', data: Buffer.from('<gpx/>'), options: { declaredSize: 200 * 1024 * 1024 } },
      { name: 'liar.gpx', data: Buffer.from('<gpx><trk><trkseg></trkseg></trk></gpx>'), options: { declaredSize: 10, compress: false } },
      { name: 'wrong.fit', data: fixture('gpxpy-cerknicko-jezero.gpx') },
    ]);
    const uploadId = await upload(ATHLETE, 'export_501.zip', bytes);
    const result = await importAll(uploadId);
    assert.deepEqual(result, ['done'], (await getUpload(db.pool, uploadId))!.error ?? '');

    const outcome = Object.fromEntries((await files(uploadId)).map((f) => [f.name, [f.status, f.reason]]));
    assert.deepEqual(outcome['activities/11.fit.gz'], ['merged', null]);
    assert.deepEqual(outcome['activities/12.tcx.gz'], ['imported', null]);
    assert.deepEqual(outcome['activities/13.fit'], ['imported', null]);
    assert.equal(outcome['activities/15.fit']![0], 'skipped');
    assert.match(outcome['activities/15.fit']![1]!, /truncated or damaged/);
    assert.deepEqual(outcome['activities/16.gpx'], ['imported', null]);
    assert.deepEqual(outcome['activities.csv: Yoga'], ['imported', null]);
    assert.match(outcome['../../etc/escape.gpx']![1]!, /climbs out/);
    assert.match(outcome['secret.fit']![1]!, /encrypted/);
    assert.match(outcome['huge.gpx']![1]!, /larger than 128 MB|zip bomb/);
    assert.equal(outcome['liar.gpx']![0], 'skipped');
    assert.match(outcome['wrong.fit']![1]!, /named \.fit but holds XML/);
    assert.equal(outcome['media/photo.jpg'], undefined, 'files that are not activities are not listed');
    // The broken file's CSV row is not imported twice as a manual activity: its file failed, and says why.
    assert.equal(outcome['activities.csv: Broken one'], undefined);

    // The API's summary stayed; the file added streams.
    const merged = await getOwnActivity(db.pool, ATHLETE, 7001);
    assert.equal(merged!.name, 'Name from the API');
    const mergedStreams = await storedStreams(db.pool, ATHLETE, 7001);
    assert.equal(mergedStreams!.time!.length, 2809);
    // Filled from the archive under the Strava id, with the CSV's name and Strava's figures.
    const filled = await getOwnActivity(db.pool, ATHLETE, 7002);
    assert.equal(filled!.name, 'Evening run');
    assert.equal(filled!.distance, 6000);
    assert.ok((await storedStreams(db.pool, ATHLETE, 7002))!.heartrate!.length > 100);
    // The id-less GPX is an uploaded activity of its own, under a negative id, with the usual time zone's local time.
    const gpxRow = (await files(uploadId)).find((f) => f.name === 'activities/16.gpx')!;
    assert.ok(gpxRow.activity_id! < 0);
    const { rows: sources } = await db.pool.query<{ id: number; source: string; start_date_local: Date }>(
      'select id, source, start_date_local from activities where athlete_id = $1::bigint order by id',
      [ATHLETE],
    );
    assert.deepEqual(sources.map((r) => r.source).sort(), ['archive', 'archive', 'archive', 'strava', 'upload']);

    const upload1 = await getUpload(db.pool, uploadId);
    assert.equal(upload1!.status, 'done');
    assert.equal(upload1!.imported, 4);
    assert.equal(upload1!.merged, 1);
    assert.equal(upload1!.failedFiles, 6);
    assert.equal(await store.size(upload1!.objectKey), undefined, 'the upload is deleted once imported');

    // The API arrives later: its summary replaces the archive's.
    await upsertActivities(
      db.pool,
      ATHLETE,
      [{ ...apiActivity, id: 7002, name: 'Renamed on Strava', start_date: '2012-12-26T21:29:53Z', start_date_local: '2012-12-26T16:29:53Z' }],
      new Date(),
    );
    assert.equal((await getOwnActivity(db.pool, ATHLETE, 7002))!.name, 'Renamed on Strava');
    assert.ok(await storedStreams(db.pool, ATHLETE, 7002), 'the streams stay');

    const progress = await uploadProgress(db.pool, ATHLETE);
    assert.equal(progress[0]!.failures.length, 6);
  });

  it('deduplicates id-less files by start time and distance, and imports a single gzipped file in slices', async () => {
    const first = await upload(ATHLETE, 'lake.gpx', fixture('gpxpy-cerknicko-jezero.gpx'));
    assert.deepEqual(await importAll(first), ['done']);
    const [row] = await files(first);
    assert.equal(row!.status, 'duplicate');
    assert.match(row!.reason!, /already there/);

    const zip = await zipInMemory([
      { name: 'a.fit', data: fixture('fitparse-indoor-trainer.fit') },
      { name: 'b.fit', data: fixture('garmin-sdk-Activity.fit') },
      { name: 'c.fit', data: fixture('fitparse-fenix5-bike.fit') },
    ]);
    const sliced = await upload(ATHLETE, 'three.zip', zip);
    // A clock that jumps a minute per look: each slice gets through one file and asks for the next slice.
    let now = 0;
    const outcomes = await importAll(sliced, { timeBudgetMs: 30_000, now: () => (now += 60_000) });
    assert.ok(outcomes.length >= 3 && outcomes.at(-1) === 'done', outcomes.join());
    assert.deepEqual(
      (await files(sliced)).map((f) => f.status),
      ['imported', 'imported', 'duplicate'],
    );
  });

  it('refuses an upload that is not an archive or activity file, and one that is gone, with a reason and no change', async () => {
    const before = (await db.pool.query('select count(*)::int as n from activities')).rows[0].n;
    const garbage = await upload(ATHLETE, 'export.zip', Buffer.from('PK\u0003\u0004 this is no zip at all'));
    assert.deepEqual(await importAll(garbage), ['failed']);
    assert.match(english((await getUpload(db.pool, garbage))!.error)!, /not a readable ZIP archive/);
    const { upload: gone } = await startUpload(deps(), ATHLETE, { fileName: 'x.fit', size: 10, origin: 'http://localhost' });
    assert.deepEqual(await importAll(gone.id), ['failed']);
    assert.match(english((await getUpload(db.pool, gone.id))!.error)!, /no longer there/);
    assert.equal((await db.pool.query('select count(*)::int as n from activities')).rows[0].n, before);
  });

  it('refuses to start uploads the import would refuse', async () => {
    await assert.rejects(startUpload(deps(), ATHLETE, { fileName: 'notes.docx', size: 10, origin: '' }), /ZIP archive or a FIT, GPX or TCX/);
    await assert.rejects(startUpload(deps(), ATHLETE, { fileName: 'a.zip', size: 0, origin: '' }), /empty/);
    await assert.rejects(startUpload(deps(), ATHLETE, { fileName: 'a.zip', size: 30 * 1024 ** 3, origin: '' }), /too large/);
  });

  it('applies privacy zones to file activities exactly as to API ones', async () => {
    const id = await upload(OTHER, 'run.fit', fixture('fitparse-fenix2-run.fit'));
    await importAll(id);
    const [row] = await files(id);
    const activity = (await getOwnActivity(db.pool, OTHER, row!.activity_id!))!;
    const streams = (await storedStreams(db.pool, OTHER, activity.id))!;
    const [lat, lng] = streams.latlng![0]!;
    await addZone(db.pool, OTHER, { lat, lng, radiusM: 500 });
    const gpx = toGpx(activity, streams, await listZones(db.pool, OTHER));
    assert.ok(!gpx.includes(`lat="${lat.toFixed(6)}"`) && !gpx.includes(`lat="${lat}"`), 'the start inside the zone is left out');
    assert.ok(gpx.includes('<trkpt'), 'the rest of the track is there');
  });

  it('deleting an athlete deletes their uploads, files, activities and streams; the objects too, whoever deleted the rows', async () => {
    const pending = await upload(OTHER, 'later.fit', fixture('fitparse-fenix5-bike.fit'));
    const key = (await getUpload(db.pool, pending))!.objectKey;
    assert.ok(await store.size(key));
    const keep = await upload(ATHLETE, 'kept.fit', fixture('fitparse-fenix5-bike.fit'));
    const keptKey = (await getUpload(db.pool, keep))!.objectKey;
    // As a confirmed deauthorization does in the webhook processor, which cannot reach the bucket: rows only.
    await deleteAthlete(db.pool, OTHER);
    for (const table of ['archive_uploads', 'archive_files', 'activities', 'activity_streams']) {
      const { rows } = await db.pool.query(`select count(*)::int as n from ${table} where athlete_id = $1::bigint`, [OTHER]);
      assert.equal(rows[0].n, 0, table);
    }
    assert.ok(await store.size(key), 'the object outlives its rows until someone who can reach the store deletes it');
    // update_tokens' resumer asks the import to purge; the import deletes exactly the deleted uploads' objects.
    const published: unknown[] = [];
    const resumed = await resumeStalledUploads({ pool: db.pool, log, publish: async (message) => published.push(message) });
    assert.equal(resumed.purgeRequested, true);
    assert.deepEqual(published, [{ reason: 'purge' }]);
    await handleArchiveMessage(deps(), { attributes: {}, body: () => published[0] });
    assert.equal(await store.size(key), undefined);
    assert.ok(await store.size(keptKey), 'another athlete\u2019s upload is left alone');
    // Nothing left to purge: the next run publishes nothing, and purging again is no error.
    const publishedAgain: unknown[] = [];
    assert.equal((await resumeStalledUploads({ pool: db.pool, log, publish: async (message) => publishedAgain.push(message) })).purgeRequested, false);
    assert.deepEqual(publishedAgain, []);
    assert.equal(await deleteObjectsNoLongerNeeded(deps()), 0);
  });
});
