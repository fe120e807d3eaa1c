// The archive export's FIT writer against Garmin's FIT SDK itself: the same messages written by the SDK's Encoder and
// by the writer are the same bytes, which the SDK's Decoder and the product's FIT parser read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decoder, Stream } from '@garmin/fitsdk';
import { FitWriter } from '../../dev/archive/fit-writer.js';
import { type ExportActivity, fitFile, fitFileBySdkEncoder } from '../../dev/archive/strava-export.js';
import { exportActivity } from '../../dev/sandbox/archive-export.js';
import { DEFAULT_SEED, demoAthlete, generateHistory } from '../../dev/sandbox/seed.js';
import { parseFit } from '../../shared/archive/fit.js';

function decoded(bytes: Buffer) {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  assert.equal(decoder.checkIntegrity(), true, 'header and file CRCs match');
  const { messages, errors } = decoder.read({ convertTypesToStrings: true, convertDateTimesToDates: true, applyScaleAndOffset: true });
  assert.deepEqual(errors, []);
  return messages;
}

function assertSameAsSdk(a: ExportActivity) {
  const ours = fitFile(a);
  const sdk = fitFileBySdkEncoder(a);
  // Where the bytes differ, the decoded messages say how before the bytes do.
  assert.deepEqual(decoded(ours), decoded(sdk), `activity ${a.id} (${a.sportType})`);
  assert.ok(ours.equals(sdk), `activity ${a.id}: the same bytes as the SDK's Encoder`);
  assert.equal(parseFit(ours).time.length, a.streams!.time.length, "the product's parser reads every record");
}

describe('the archive export writes FIT files as the FIT SDK does', () => {
  // The shortest recording of each sport, indoors and out: the SDK's Encoder, the reference here, is slow.
  const records = generateHistory(demoAthlete('2026-06-01T12:00:00Z'), DEFAULT_SEED).filter((r) => !r.manual);
  const kinds = [...new Set(records.map((r) => `${r.sportType}:${r.trainer}`))];
  const history = kinds
    .map((kind) => records.filter((r) => `${r.sportType}:${r.trainer}` === kind).reduce((a, b) => (b.elapsedTime < a.elapsedTime ? b : a)))
    .map(exportActivity)
    .filter((a) => a.streams && a.streams.time.length > 1);

  test('one activity of every sport in the demo history, outdoors and indoors', () => {
    assert.ok(history.length >= 5, history.map((a) => a.sportType).join(', '));
    assert.ok(history.some((a) => !a.streams!.latlng) && history.some((a) => a.streams!.watts));
    for (const a of history) assertSameAsSdk(a);
  });

  test('records whose fields come and go: more layouts than the sixteen local message numbers', () => {
    // Each of five streams is missing where one bit of (i mod 32) is set: 32 record layouts, so local numbers are reused.
    const base = history
      .filter((a) => a.streams!.latlng && a.streams!.heartrate && a.streams!.cadence)
      .reduce((shortest, a) => (a.streams!.time.length < shortest.streams!.time.length ? a : shortest));
    const s = base.streams!;
    const gap = <T>(values: T[] | undefined, bit: number) => values?.map((v, i) => ((i % 32) & (1 << bit) ? undefined : v)) as T[] | undefined;
    const patchy: ExportActivity = {
      ...base,
      streams: {
        ...s,
        latlng: gap(s.latlng, 0),
        distance: gap(s.distance, 1),
        altitude: gap(s.altitude, 2),
        heartrate: gap(s.heartrate, 3),
        cadence: gap(s.cadence, 4),
      },
    };
    assertSameAsSdk(patchy);
  });

  test('a value the profile does not know is refused, naming it', () => {
    const fit = new FitWriter();
    assert.throws(() => fit.write(0, { type: 'marathon' }), /"marathon" is not a file/);
    assert.throws(() => fit.write(20, { windSpeed: 3 }), /no field windSpeed/);
  });
});
