// Dates and times as every page writes them: the reader's language, the athlete's time zone, one pattern.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormatter } from '../../shared/i18n/index.js';
import { wallClock } from '../../shared/i18n/format.js';

const instant = new Date('2026-12-01T06:13:42Z');

test('an instant on the wall clock of a time zone, across a date line and a daylight-saving change', () => {
  assert.equal(wallClock(instant, 'UTC'), '2026-12-01T06:13');
  assert.equal(wallClock(instant, 'Europe/Moscow'), '2026-12-01T09:13');
  assert.equal(wallClock(instant, 'America/Los_Angeles'), '2026-11-30T22:13');
  assert.equal(wallClock(new Date('2026-07-01T06:13:00Z'), 'Europe/Berlin'), '2026-07-01T08:13', 'summer time');
  assert.equal(wallClock(new Date('2026-12-01T23:59:00Z'), 'Pacific/Kiritimati'), '2026-12-02T13:59');
  // Midnight is 00, never 24.
  assert.equal(wallClock(new Date('2026-12-01T00:00:00Z'), 'UTC'), '2026-12-01T00:00');
  // A zone name the runtime does not know (a corrupt row) falls back to UTC rather than failing the page.
  assert.equal(wallClock(instant, 'Mars/Olympus_Mons'), '2026-12-01T06:13');
});

test('a date and time read the same way as the dates beside them, in each language', () => {
  const en = createFormatter('en', 'metric');
  const ru = createFormatter('ru', 'metric');
  assert.equal(en.dateTime(instant, 'Europe/Moscow'), `${en.date('2026-12-01')} 09:13`);
  assert.equal(en.dateTime(instant, 'Europe/Moscow'), '1 Dec 2026 09:13');
  assert.equal(ru.dateTime(instant, 'Europe/Moscow'), `${ru.date('2026-12-01')} 09:13`);
  assert.match(ru.dateTime(instant, 'Europe/Moscow'), /^1 дек\. 2026 г\. 09:13$/);
  assert.equal(en.dateTime(instant, 'America/Los_Angeles'), '30 Nov 2026 22:13', 'the date is the zone\u2019s, not UTC\u2019s');
  // No ISO dates and no "T" or seconds on a page.
  assert.doesNotMatch(en.dateTime(instant, 'UTC'), /\d{4}-\d\d|T\d|:\d\d:/);
});
