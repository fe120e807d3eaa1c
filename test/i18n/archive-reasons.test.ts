// Every reason the archive import can give, said in English and in Russian from its key, and stored text of earlier versions shown as stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archiveReasonText, because, decodeReason, describeArchiveReason, encodeReason, englishReason } from '../../shared/archive/reasons.js';
import { type ArchiveReason, type ArchiveReasonKey, type DataKind, messages } from '../../shared/i18n/index.js';

const en = messages('en');
const ru = messages('ru');

/** One sample per key; a Record, so a key added to the texts without a sample here fails to compile. */
const SAMPLES: Record<ArchiveReasonKey, ArchiveReason> = {
  refused: because('refused', because('nameClimbsOut')),
  nameClimbsOut: because('nameClimbsOut'),
  nameAbsolute: because('nameAbsolute'),
  nameBackslash: because('nameBackslash'),
  nameNul: because('nameNul'),
  nameEmptyOrLong: because('nameEmptyOrLong'),
  zipBomb: because('zipBomb'),
  encrypted: because('encrypted'),
  fileTooLarge: because('fileTooLarge', 128),
  fitTooLarge: because('fitTooLarge', 48),
  archiveTooLarge: because('archiveTooLarge'),
  notFit: because('notFit'),
  fitTruncated: because('fitTruncated'),
  fitUndecodable: because('fitUndecodable', 'Invalid field definition'),
  fitNotActivity: because('fitNotActivity', 'monitoringB'),
  gzipInvalid: because('gzipInvalid', 'incorrect header check'),
  misnamed: because('misnamed', 'gpx', 'tcx'),
  fileEmpty: because('fileEmpty'),
  xmlMalformed: because('xmlMalformed', 'unclosed tag: trkseg'),
  xmlNeitherGpxNorTcx: because('xmlNeitherGpxNorTcx', 'html'),
  xmlTextTooLong: because('xmlTextTooLong'),
  noTimedSamples: because('noTimedSamples'),
  noStartTime: because('noStartTime'),
  entryTooLong: because('entryTooLong'),
  entryTooShort: because('entryTooShort'),
  entryDamaged: because('entryDamaged', 'invalid stored block lengths'),
  entryMissing: because('entryMissing'),
  fileUnreadable: because('fileUnreadable', 'unexpected end of stream'),
  notActivityFile: because('notActivityFile'),
  notZipNorActivityFile: because('notZipNorActivityFile'),
  alreadyImported: because('alreadyImported'),
  sameActivityThere: because('sameActivityThere'),
  stravaIdOfAnotherAthlete: because('stravaIdOfAnotherAthlete'),
  matchedByTimeInstead: because('matchedByTimeInstead', because('csvNoIdColumn')),
  csvNotUtf8: because('csvNotUtf8'),
  csvTooLarge: because('csvTooLarge'),
  csvEmpty: because('csvEmpty'),
  csvNoIdColumn: because('csvNoIdColumn'),
  csvOpenQuote: because('csvOpenQuote'),
  csvUnreadable: because('csvUnreadable', 'invalid distance'),
  zipUnreadable: because('zipUnreadable', 'end of central directory record signature not found'),
  zipDirectoryDamaged: because('zipDirectoryDamaged', 'invalid central directory file header signature'),
  uploadGone: because('uploadGone'),
  uploadTooLarge: because('uploadTooLarge', 20),
  noActivityFiles: because('noActivityFiles'),
  importStopped: because('importStopped', 30),
  tooManyEntries: because('tooManyEntries', 100_001, 100_000),
};

const DATA_KINDS: Record<DataKind, true> = { gzip: true, zip: true, fit: true, xml: true, gpx: true, tcx: true, other: true };

/** Names that are the same in both languages: formats, the export's file and column, Strava. */
const NAMES = new Set(['FIT', 'GPX', 'TCX', 'XML', 'ZIP', 'gzip', 'zip', 'gz', 'UTF', 'activities', 'csv', 'Activity', 'ID', 'Strava']);

/** The values a reason carries, its nested reason's too: they stay as they came, in any language (a kind of data is said, not carried). */
function valuesOf(reason: ArchiveReason): string[] {
  if (reason.key === 'misnamed') return [reason.params[0]];
  return reason.params.flatMap((param) => (typeof param === 'object' ? valuesOf(param) : [String(param)]));
}

/** Latin words left in a text once its values are taken out, other than the names both languages share. */
function englishWords(text: string, values: readonly string[]): string[] {
  const bare = values.reduce((rest, value) => rest.split(value).join(' '), text);
  return (bare.match(/[A-Za-z]+/g) ?? []).filter((word) => !NAMES.has(word));
}

test('every reason key is said in English and in Russian, with only its values left in English', () => {
  for (const [key, reason] of Object.entries(SAMPLES)) {
    assert.equal(reason.key, key);
    const english = archiveReasonText(en, reason);
    const russian = archiveReasonText(ru, reason);
    assert.equal(englishReason(reason), english);
    assert.notEqual(russian, english, key);
    for (const value of valuesOf(reason)) {
      assert.ok(english.includes(value), `${key}: the English text carries ${value}`);
      assert.ok(russian.includes(value), `${key}: the Russian text carries ${value}`);
    }
    assert.deepEqual(englishWords(russian, valuesOf(reason)), [], `${key}: ${russian}`);
    assert.match(russian, /[а-яё]/i, key);
  }
});

test('what a misnamed file holds is said in Russian for every kind of data', () => {
  for (const holds of Object.keys(DATA_KINDS) as DataKind[]) {
    const russian = archiveReasonText(ru, because('misnamed', 'fit', holds));
    assert.deepEqual(englishWords(russian, ['fit']), [], russian);
  }
  assert.equal(archiveReasonText(en, because('misnamed', 'gpx', 'fit')), 'the file is named .gpx but holds FIT data');
  assert.equal(archiveReasonText(ru, because('misnamed', 'gpx', 'fit')), 'файл назван .gpx, но содержит данные FIT');
});

test('counts are declined in Russian', () => {
  const stopped = (times: number) => archiveReasonText(ru, because('importStopped', times));
  assert.equal(stopped(1), 'импорт прерывался 1 раз подряд; загрузите файл снова');
  assert.equal(stopped(3), 'импорт прерывался 3 раза подряд; загрузите файл снова');
  assert.equal(stopped(11), 'импорт прерывался 11 раз подряд; загрузите файл снова');
  assert.equal(archiveReasonText(en, because('importStopped', 1)), 'the import stopped 1 time in a row; please upload the file again');
  assert.equal(archiveReasonText(ru, because('tooManyEntries', 100_001, 100_000)), 'в архиве 100001 файл; читается не больше 100000');
});

test('a nested reason is said in the same language as the one around it', () => {
  assert.equal(archiveReasonText(en, SAMPLES.refused), 'refused: the file name climbs out of the archive ("..")');
  assert.equal(archiveReasonText(ru, SAMPLES.refused), 'отклонён: имя файла выходит за пределы архива («..»)');
  assert.equal(
    archiveReasonText(en, SAMPLES.matchedByTimeInstead),
    'activities.csv has no "Activity ID" column; the files were matched by start time and distance instead',
  );
  assert.equal(
    archiveReasonText(ru, SAMPLES.matchedByTimeInstead),
    'в activities.csv нет столбца «Activity ID»; файлы сопоставлены по времени начала и дистанции',
  );
});

test('a reason is stored as compact JSON and read back as it was', () => {
  assert.equal(encodeReason(because('fitTruncated')), '{"key":"fitTruncated","params":[]}');
  assert.equal(encodeReason(SAMPLES.refused), '{"key":"refused","params":[{"key":"nameClimbsOut","params":[]}]}');
  for (const reason of Object.values(SAMPLES)) {
    assert.deepEqual(decodeReason(encodeReason(reason)), reason);
    assert.equal(describeArchiveReason(ru, encodeReason(reason)), archiveReasonText(ru, reason));
  }
  // PostgreSQL's jsonb text, as the resumer writes it when it gives up.
  assert.equal(describeArchiveReason(ru, '{"key": "importStopped", "params": [30]}'), 'импорт прерывался 30 раз подряд; загрузите файл снова');
});

test('a reason stored by an earlier version, or text that is not a reason, is shown as stored', () => {
  for (const stored of [
    'the FIT file is truncated or damaged (its checksum does not match)',
    'refused: the file name climbs out of the archive ("..")',
    'the import stopped 30 times in a row; please upload the file again',
    '',
    '{not json',
    '["fitTruncated"]',
    'null',
  ]) {
    assert.equal(describeArchiveReason(ru, stored), stored);
    assert.equal(describeArchiveReason(en, stored), stored);
  }
});

test('a stored reason this version cannot read (unknown key, wrong values) says so in words, never as raw JSON', () => {
  for (const stored of [
    '{"key":"noSuchReason","params":[]}',
    '{"key":"toString","params":[]}',
    '{"key":"fitTruncated"}',
    '{"key":"fileTooLarge","params":[]}',
    '{"key":"fileTooLarge","params":[{"x":1}]}',
    '{"key":"csvUnreadable","params":[null]}',
    '{"key":"refused","params":["the file name is an absolute path"]}',
  ]) {
    assert.equal(describeArchiveReason(ru, stored), 'причину не удалось прочитать', stored);
    assert.equal(describeArchiveReason(en, stored), 'the reason could not be read', stored);
  }
});
