// The archive page's counts read right for one and for many, and the reason the resumer writes is said in the page's language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { because, describeArchiveReason, encodeReason } from '../../shared/archive/reasons.js';
import { messages } from '../../shared/i18n/index.js';

test('the import summary and progress say "1 activity" and "1 file", and plurals otherwise', () => {
  const t = messages('en');
  assert.equal(t.archiveDone('1', '0', '2'), 'Done: 1 new activity, 0 completed with their details, 2 already here.');
  assert.equal(t.archiveDone('1,120', '0', '0'), 'Done: 1,120 new activities, 0 completed with their details, 0 already here.');
  assert.equal(t.archiveProgress('0', '1', 0), '0 of 1 file.');
  assert.equal(t.archiveProgress('1,120', '1,480', 3), '1,120 of 1,480 files, 3 could not be read.');
});

test('an upload given up on says why in Russian, with the count declined', () => {
  const stopped = (times: number) => encodeReason(because('importStopped', times));
  assert.equal(describeArchiveReason(messages('ru'), stopped(30)), 'импорт прерывался 30 раз подряд; загрузите файл снова');
  assert.equal(describeArchiveReason(messages('ru'), stopped(32)), 'импорт прерывался 32 раза подряд; загрузите файл снова');
  assert.equal(describeArchiveReason(messages('en'), stopped(30)), 'the import stopped 30 times in a row; please upload the file again');
});
