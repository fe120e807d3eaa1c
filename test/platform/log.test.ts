// The logger: Cloud Logging fields, trace correlation, and no secret ever written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, registerSecretValues, traceFields } from '../../shared/log.js';

test('JSON lines carry severity, message, bound fields and the trace', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', write: (l) => lines.push(l) }).child(traceFields('105445aa7843bc8bf206b12000100000/1;o=1', 'my-project'));
  log.warn('slow', { athleteId: 7 });
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.severity, 'WARNING');
  assert.equal(entry.message, 'slow');
  assert.equal(entry.athleteId, 7);
  assert.equal(entry['logging.googleapis.com/trace'], 'projects/my-project/traces/105445aa7843bc8bf206b12000100000');
  assert.equal(entry['logging.googleapis.com/spanId'], '1');
  assert.equal(entry['logging.googleapis.com/trace_sampled'], true);
});

test('a malformed trace header adds nothing', () => {
  assert.deepEqual(traceFields('nonsense', 'p'), {});
  assert.deepEqual(traceFields(undefined, 'p'), {});
});

test('levels below the minimum are dropped', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'warning', write: (l) => lines.push(l) });
  log.info('quiet');
  log.debug('quieter');
  log.error('loud');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /loud/);
});

test('tokens and secrets are redacted by field name, by value, in URLs, in errors and in pretty lines', () => {
  registerSecretValues(['super-secret-client-value']);
  for (const format of ['json', 'pretty'] as const) {
    const lines: string[] = [];
    const log = createLogger({ format, write: (l) => lines.push(l) });
    log.error('exchange failed for super-secret-client-value', {
      access_token: 'abc123token',
      nested: { refreshToken: 'r-987654', keep: 'visible' },
      url: 'https://x/oauth/token?code=c0de123&client_secret=s3cr3t&keep=1',
      header: 'Bearer eyJhbGciOi.payload.sig',
      error: new Error('boom with super-secret-client-value', { cause: new Error('inner access_token=zzz999') }),
    });
    const text = lines.join('\n');
    for (const leaked of ['super-secret-client-value', 'abc123token', 'r-987654', 'c0de123', 's3cr3t', 'eyJhbGciOi', 'zzz999']) {
      assert.ok(!text.includes(leaked), `${format} line leaks ${leaked}: ${text}`);
    }
    assert.ok(text.includes('visible'));
    assert.ok(text.includes('keep=1'));
  }
});
