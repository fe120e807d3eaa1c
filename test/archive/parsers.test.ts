// FIT, GPX, TCX and activities.csv parsing on real files from other projects (test/fixtures/archive/SOURCE.md), and the hostile inputs each parser must refuse with a reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readActivitiesCsv, CsvError } from '../../shared/archive/csv.js';
import { readActivityFile, SkipFileError, unsafeName, kindOfName } from '../../shared/archive/files.js';
import { englishReason } from '../../shared/archive/reasons.js';
import { deriveActivity } from '../../shared/archive/track.js';
import { decodePolyline, encodePolyline } from '../../shared/activities/polyline.js';
import { fromRoot } from '../../shared/paths.js';

const fixture = (name: string) => readFileSync(fromRoot('test', 'fixtures', 'archive', name));
async function* chunks(bytes: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const read = (name: string, bytes: Buffer) => readActivityFile(name, chunks(bytes));
const refused = async (name: string, bytes: Buffer, pattern: RegExp) => {
  await assert.rejects(read(name, bytes), (error: unknown) => {
    assert.ok(error instanceof SkipFileError, `expected a SkipFileError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
};

describe('FIT files through the Garmin FIT SDK', () => {
  it('reads a Fenix 2 run: GPS, heart rate, cadence, temperature, the session totals and the local time offset', async () => {
    const a = deriveActivity(await read('run.fit', fixture('fitparse-fenix2-run.fit')));
    assert.equal(a.sportType, 'Run');
    assert.equal(a.startDate.toISOString(), '2015-08-15T14:45:08.000Z');
    assert.equal(a.distance, 9008.2);
    assert.equal(a.elapsedTime, 2832);
    assert.equal(a.elevationGain, 64);
    assert.equal(a.utcOffsetS, 7200); // Summer time in central Europe, from the activity's local_timestamp.
    const s = a.streams;
    assert.equal(s.time!.length, 2809);
    assert.equal(s.latlng!.length, 2809);
    assert.ok(Math.abs(s.latlng![10]![0] - 58.96) < 0.01 && Math.abs(s.latlng![10]![1] - 5.73) < 0.01, `position ${s.latlng![10]}`);
    assert.equal(s.heartrate![10], 96);
    assert.equal(s.temp![10], 22);
    assert.ok(a.summaryPolyline && decodePolyline(a.summaryPolyline).length > 100);
  });

  it('reads an indoor ride without GPS: power and cadence, no position, no polyline', async () => {
    const a = deriveActivity(await read('trainer.fit', fixture('fitparse-indoor-trainer.fit')));
    assert.equal(a.sportType, 'Ride');
    assert.equal(a.streams.latlng, undefined);
    assert.equal(a.summaryPolyline, null);
    assert.ok(a.streams.watts!.some((w) => w > 300));
    assert.equal(a.averageHeartrate, 148);
  });

  it('reads the SDK\u2019s own activity file and a short Fenix 5 ride', async () => {
    const sdk = deriveActivity(await read('Activity.fit', fixture('garmin-sdk-Activity.fit')));
    assert.equal(sdk.sportType, 'StandUpPaddling');
    assert.equal(sdk.elapsedTime, 3601);
    const bike = deriveActivity(await read('bike.FIT', fixture('fitparse-fenix5-bike.fit')));
    assert.equal(bike.sportType, 'Ride');
    assert.equal(bike.distance, 459.5);
  });

  it('refuses a truncated FIT file (python-fitparse\u2019s unexpected-EOF sample) and one cut short by us', async () => {
    await refused('eof.fit', fixture('fitparse-unexpected-eof.fit'), /truncated or damaged/);
    const whole = fixture('fitparse-fenix2-run.fit');
    await refused('cut.fit', whole.subarray(0, whole.length - 5000), /truncated or damaged/);
  });

  it('reads gzipped FIT as Strava exports it, and refuses a .fit.gz that is not gzip', async () => {
    const a = deriveActivity(await read('activities/1.fit.gz', gzipSync(fixture('fitparse-fenix5-bike.fit'))));
    assert.equal(a.sportType, 'Ride');
    await refused('activities/2.fit.gz', fixture('fitparse-fenix5-bike.fit'), /named \.gz but holds FIT data/);
  });
});

describe('GPX and TCX through a streaming XML parser', () => {
  it('reads gpxpy\u2019s Cerknica lake track: positions, elevation and times, distance summed from positions', async () => {
    const a = deriveActivity(await read('lake.gpx', fixture('gpxpy-cerknicko-jezero.gpx')));
    assert.equal(a.streams.latlng!.length, a.streams.time!.length);
    assert.ok(a.streams.latlng!.length > 200);
    assert.ok(a.distance > 1000, `distance ${a.distance}`);
    assert.ok(a.streams.altitude!.length > 0);
  });

  it('reads a GPX file with a byte-order mark and Unicode names', async () => {
    const track = await read('bom.gpx', fixture('gpxpy-unicode-with-bom.gpx'));
    assert.equal(track.format, 'gpx');
  });

  it('keeps the timed points of a partly timed track, and refuses a track without any times (a route, not an activity)', async () => {
    const partly = deriveActivity(await read('partly.gpx', fixture('gpxpy-cerknicko-without-times.gpx')));
    assert.ok(partly.streams.time!.length > 0 && partly.streams.time!.length < 296, `points ${partly.streams.time!.length}`);
    const untimed = await read('untimed.gpx', Buffer.from('<gpx><trk><trkseg><trkpt lat="45.1" lon="14.2"><ele>5</ele></trkpt></trkseg></trk></gpx>'));
    assert.throws(() => deriveActivity(untimed), /no timed samples/);
  });

  it('reads python-tcxparser\u2019s run: sport, heart rate, the device\u2019s distance', async () => {
    const a = deriveActivity(await read('run.tcx', fixture('tcxparser-test.tcx')));
    assert.equal(a.sportType, 'Run');
    assert.equal(a.startDate.toISOString(), '2012-12-26T21:29:53.000Z');
    assert.ok(a.streams.heartrate!.includes(62));
    assert.ok(a.distance > 4000, `distance ${a.distance}`);
    const noHr = deriveActivity(await read('no_hr.tcx.gz', gzipSync(fixture('tcxparser-no-hr.tcx'))));
    assert.equal(noHr.streams.heartrate, undefined);
  });

  it('refuses a mislabelled file, malformed XML, another XML document and an entity bomb', async () => {
    await refused('x.gpx', fixture('tcxparser-test.tcx'), /named \.gpx but holds TCX data/);
    await refused('x.tcx', fixture('fitparse-fenix5-bike.fit'), /named \.tcx but holds FIT data/);
    await refused('x.fit', fixture('gpxpy-cerknicko-jezero.gpx'), /named \.fit but holds XML/);
    await refused('x.gpx', Buffer.from('<gpx><trk><trkseg><trkpt lat="1" lon="2"></trkseg></gpx>'), /not well-formed XML/);
    await refused('x.gpx', Buffer.from('<?xml version="1.0"?><html><body/></html>'), /neither GPX nor TCX/);
    const bomb = `<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><gpx><trk><name>&c;</name></trk></gpx>`;
    await refused('bomb.gpx', Buffer.from(bomb), /not well-formed XML/);
    await refused('empty.gpx', Buffer.alloc(0), /empty/);
  });

  it('reads a long track handed over in one piece of several megabytes', async () => {
    const points = Array.from(
      { length: 30_000 },
      (_, i) =>
        `<trkpt lat="${(52 + i * 1e-5).toFixed(6)}" lon="13.4"><ele>40</ele><time>${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()}</time></trkpt>`,
    );
    const big = Buffer.from(`<gpx><trk><trkseg>${points.join('\n')}</trkseg></trk></gpx>`);
    assert.ok(big.length > 2 * 1024 * 1024);
    const track = await readActivityFile(
      'long.gpx',
      (async function* () {
        yield big;
      })(),
    );
    assert.equal(deriveActivity(track).streams.time!.length, 30_000);
  });

  it('stops a gzip bomb at the size limit instead of unpacking it', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('<?xml version="1.0"?><gpx><trk><name>'), Buffer.alloc(200 * 1024 * 1024, 0x61)]));
    assert.ok(bomb.length < 1024 * 1024);
    await refused('bomb.gpx.gz', bomb, /text value over 1 MB/);
    const fit = fixture('fitparse-fenix5-bike.fit');
    const fitBomb = gzipSync(Buffer.concat([fit.subarray(0, 14), Buffer.alloc(60 * 1024 * 1024)]));
    await refused('activities/9.fit.gz', fitBomb, /larger than 48 MB once unpacked/);
  });
});

describe('names and the export\u2019s CSV', () => {
  it('knows activity files by name and refuses names that climb out of a folder', () => {
    assert.deepEqual(kindOfName('activities/123.fit.gz'), { format: 'fit', gzipped: true });
    assert.deepEqual(kindOfName('a.TCX'), { format: 'tcx', gzipped: false });
    assert.equal(kindOfName('media/photo.jpg'), undefined);
    assert.match(englishReason(unsafeName('../../etc/passwd.gpx')!), /climbs out/);
    assert.match(englishReason(unsafeName('/etc/x.fit')!), /absolute/);
    assert.match(englishReason(unsafeName('C:/x.fit')!), /absolute/);
    assert.match(englishReason(unsafeName('a\\..\\x.fit')!), /backslash/);
    assert.match(englishReason(unsafeName('a\0.fit')!), /NUL/);
    assert.equal(unsafeName('activities/123.fit'), undefined);
  });

  it('reads Strava\u2019s columns, quoted fields with commas and line breaks, and the SI copy of repeated columns', () => {
    const csv = [
      'Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain',
      '4567890123,"Mar 14, 2021, 12:00:00 PM","Lunch Run, with ""friends""",Run,"two\nlines",1800,5.01,171,,false,,,activities/4901.fit.gz,,,1800.0,1700.0,5012.3,4.1,2.9,31.0',
      '4567890124,"Mar 15, 2021, 7:05:09 AM",Yoga,Yoga,,3600,0,,,false,,,,,,3600,3600,0,,,',
    ].join('\r\n');
    const rows = readActivitiesCsv(Buffer.from(`\uFEFF${csv}`));
    assert.equal(rows.length, 2);
    assert.deepEqual(
      { ...rows[0], startDate: rows[0]!.startDate?.toISOString() },
      {
        id: 4567890123,
        name: 'Lunch Run, with "friends"',
        type: 'Run',
        startDate: '2021-03-14T12:00:00.000Z',
        elapsedTime: 1800,
        movingTime: 1700,
        distance: 5012.3,
        elevationGain: 31,
        maxHeartrate: 171,
        commute: false,
        filename: 'activities/4901.fit.gz',
      },
    );
    assert.equal(rows[1]!.filename, null);
    assert.equal(rows[1]!.startDate?.toISOString(), '2021-03-15T07:05:09.000Z');
  });

  it('refuses a CSV that is not UTF-8, has no id column, or ends inside a quote', () => {
    const latin1 = Buffer.from('Activity ID,Activity Name\n1,Caf\xe9 ride\n', 'latin1');
    assert.throws(
      () => readActivitiesCsv(latin1),
      (e: unknown) => e instanceof CsvError && /not UTF-8/.test(e.message),
    );
    assert.throws(() => readActivitiesCsv(Buffer.from('Name,Type\nx,Run\n')), /no "Activity ID" column/);
    assert.throws(() => readActivitiesCsv(Buffer.from('Activity ID,Activity Name\n1,"open\n')), /inside a quoted field/);
  });

  it('encodes polylines that the decoder reads back', () => {
    const points: [number, number][] = [
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ];
    assert.equal(encodePolyline(points), '_p~iF~ps|U_ulLnnqC_mqNvxq`@');
    assert.deepEqual(decodePolyline(encodePolyline(points)), points);
  });
});
