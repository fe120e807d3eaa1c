// Which language a request gets, and numbers, dates and units written in English and Russian, metric and imperial.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormatter } from '../../shared/i18n/format.js';
import { chooseLocale, fromAcceptLanguage } from '../../shared/i18n/index.js';

test('language from Accept-Language by q-value, an explicit choice wins', () => {
  assert.equal(fromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8'), 'ru');
  assert.equal(fromAcceptLanguage('de-DE,en;q=0.5,ru;q=0.9'), 'ru');
  assert.equal(fromAcceptLanguage('de-DE'), 'en');
  assert.equal(fromAcceptLanguage('ru;q=0, en'), 'en');
  assert.equal(fromAcceptLanguage(undefined), 'en');
  assert.equal(chooseLocale('en', 'ru'), 'en');
  assert.equal(chooseLocale('xx', 'ru'), 'ru');
});

test('formatting in English and Russian, metric and imperial', () => {
  const en = createFormatter('en', 'metric');
  assert.equal(en.distance(10_000), '10.0 km');
  assert.equal(en.distance(1_234_567), '1,234.6 km');
  assert.equal(en.elevation(100), '100 m');
  assert.equal(en.duration(59), '0:59');
  assert.equal(en.duration(42 * 60 + 7), '42:07');
  assert.equal(en.duration(3909), '1:05:09');
  assert.equal(en.hours(123 * 3600 + 240), '123h 04m');
  assert.equal(en.paceOrSpeed('Run', 10_000, 50 * 60), '5:00 /km');
  assert.equal(en.paceOrSpeed('Swim', 1_000, 20 * 60), '2:00 /100 m');
  // Swims: pace per 100 m (100 yd in imperial) in charts and splits too.
  assert.equal(en.usesPace('Swim'), true);
  assert.equal(en.paceValue(1, 'Swim'), 100);
  assert.equal(en.paceUnit('Swim'), '/100 m');
  assert.equal(en.splitMeters('Swim'), 100);
  assert.equal(en.splitDistance(100, 'Swim'), '100 m');
  assert.equal(createFormatter('en', 'imperial').splitDistance(91.44, 'Swim'), '100 yd');
  assert.equal(createFormatter('en', 'imperial').paceOrSpeed('Swim', 91.44 * 10, 20 * 60), '2:00 /100 yd');
  assert.equal(createFormatter('ru', 'metric').meters(500), '500 м');
  assert.equal(en.paceOrSpeed('Ride', 30_000, 3600), '30.0 km/h');
  assert.equal(en.paceOrSpeed('WeightTraining', 0, 3600), '—');
  assert.equal(en.sport('TrailRun'), 'Trail Run');
  assert.equal(en.sport('EBikeRide'), 'E-Bike Ride');
  const imperial = createFormatter('en', 'imperial');
  assert.equal(imperial.distance(1_609.344 * 26.2), '26.2 mi');
  assert.equal(imperial.elevation(100), '328 ft');
  assert.equal(imperial.paceOrSpeed('Run', 1_609.344, 8 * 60), '8:00 /mi');
  assert.equal(imperial.paceOrSpeed('Ride', 1_609.344 * 20, 3600), '20.0 mph');
  const ru = createFormatter('ru', 'metric');
  assert.equal(ru.distance(12_345.6), '12,3 км');
  assert.equal(ru.paceOrSpeed('Run', 10_000, 3000), '5:00 /км');
  assert.equal(ru.sport('Ride'), 'Велосипед');
  assert.equal(createFormatter('en', 'imperial').distance(1609.344), '1.0 mi');
});
