// One rule for whether an HTTP failure is worth another try, whichever service answered: Strava, Telegram, Slack,
// Discord and Cloud Storage each name their own answers within it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpFailureClass } from '../../shared/http-failure.js';
import { toStravaError } from '../../shared/strava/errors.js';
import { TelegramApiError } from '../../shared/telegram/bot-api.js';

test('no answer, a timeout and server trouble are worth trying again; 429 waits; other answers stand', () => {
  assert.deepEqual(
    [0, 408, 500, 502, 503, 504].map((status) => httpFailureClass(status)),
    ['unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable'],
  );
  assert.equal(httpFailureClass(429), 'throttled');
  assert.deepEqual(
    [400, 401, 403, 404, 409, 410, 422].map((status) => httpFailureClass(status)),
    ['answered', 'answered', 'answered', 'answered', 'answered', 'answered', 'answered'],
  );
});

test('Strava and Telegram read a timeout the same way: transient, like a 5xx', () => {
  for (const status of [408, 503]) {
    const strava = toStravaError(status, undefined);
    assert.equal(strava.kind, 'unavailable', `Strava ${status}`);
    assert.equal(strava.transient, true, `Strava ${status}`);
    const telegram = new TelegramApiError('sendMessage', status, 'Request Timeout');
    assert.equal(telegram.transient, true, `Telegram ${status}`);
  }
  assert.equal(toStravaError(429, undefined).kind, 'rate_limited');
  assert.equal(new TelegramApiError('sendMessage', 429, 'Too Many Requests', 3).reason, 'rate_limited');
  assert.equal(toStravaError(400, undefined).transient, false);
  assert.equal(new TelegramApiError('sendMessage', 400, 'Bad Request: chat not found').transient, false);
});
