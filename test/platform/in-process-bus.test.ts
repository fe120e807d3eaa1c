// The laptop's in-process bus: the same CloudEvent the Functions Framework makes of a Pub/Sub push, per-key order, retries and dead letters.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import * as functionsFramework from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { decodeMessage, type PubSubCloudEvent } from '../../shared/platform/bus.js';
import { createInProcessBus } from '../../shared/platform/in-process-bus.js';
import { createLogger } from '../../shared/log.js';

const log = createLogger({ format: 'json', level: 'error', write: () => undefined });

describe('in-process bus', () => {
  it('hands handlers the envelope the Functions Framework builds from a Pub/Sub push', async () => {
    const bus = createInProcessBus({ log, project: 'demo' });
    const local: PubSubCloudEvent[] = [];
    bus.subscribe('strava-events', async (event) => {
      local.push(event);
    });
    await bus.publish('strava-events', { hello: 'world' }, { attributes: { kind: 'test' } });
    await bus.idle();
    const mine = local[0]!;

    // What Pub/Sub pushes for the same message, through the framework's own conversion.
    const framework: PubSubCloudEvent[] = [];
    functionsFramework.cloudEvent('inProcessEnvelopeProbe', (event: PubSubCloudEvent) => {
      framework.push(event);
    });
    const server = getTestServer('inProcessEnvelopeProbe');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/projects/demo/topics/strava-events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          subscription: 'projects/demo/subscriptions/strava-events-to-processor',
          message: { data: mine.data!.message.data, attributes: { kind: 'test' }, messageId: mine.id, publishTime: mine.time },
        }),
      });
      assert.ok(res.ok);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const theirs = framework[0]!;
    for (const field of ['specversion', 'id', 'time', 'type', 'source', 'datacontenttype'] as const) {
      assert.equal(mine[field], theirs[field], field);
    }
    // The framework keeps the message fields below; it drops subscription, so handlers must not need it.
    const message = mine.data!.message;
    assert.deepEqual(message, theirs.data!.message);
    assert.deepEqual(decodeMessage(theirs), { hello: 'world' });
  });

  it('redelivers a failing message until it succeeds, and dead-letters after the last attempt', async () => {
    const bus = createInProcessBus({ log, maxAttempts: 3, backoffMs: () => 5 });
    const seen: number[] = [];
    let failuresLeft = 2;
    bus.subscribe('t', async (event) => {
      const { n } = decodeMessage<{ n: number }>(event);
      if (n === 1 && failuresLeft-- > 0) throw new Error('not yet');
      if (n === 9) throw new Error('never');
      seen.push(n);
    });
    for (const n of [0, 1, 2, 3]) await bus.publish('t', { n });
    await bus.publish('t', { n: 9 });
    await bus.idle();
    assert.deepEqual(seen.toSorted(), [0, 1, 2, 3]);
    assert.equal(failuresLeft, -1, 'message 1 failed twice, then went through on its third delivery');
    assert.equal(bus.deadLetters.length, 1);
    assert.deepEqual(bus.deadLetters[0]!.data, { n: 9 });
    assert.equal(bus.deadLetters[0]!.error, 'never');
    await bus.close();
    await assert.rejects(bus.publish('t', { n: 10 }), /closed/);
  });
});
