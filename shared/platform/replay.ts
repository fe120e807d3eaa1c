// Dead letters: list what waits in <topic>-dead-letter-inspect, or republish it to the topic (attributes kept) and acknowledge it.
import type { Message, PubSub } from '@google-cloud/pubsub';
import { eventsTopologyNames } from './topology.js';

export interface DeadLetterMessage {
  id: string;
  data: string;
  attributes: Record<string, string>;
  orderingKey: string | undefined;
  publishTime: Date;
}

export interface DeadLetterOptions {
  topic?: string;
  /** At most this many messages. */
  max?: number;
  /** Stop once no message has arrived for this long (streaming pull has no "empty" answer). */
  idleMs?: number;
}

// Pub/Sub adds these when dead-lettering; a replayed message is a fresh one.
const DEAD_LETTER_ATTRIBUTE = /^CloudPubSubDeadLetter/;

async function drain(client: PubSub, options: DeadLetterOptions, onMessage: (message: Message) => Promise<'ack' | 'nack'>): Promise<number> {
  const names = eventsTopologyNames(options.topic);
  const max = options.max ?? 1000;
  const idleMs = options.idleMs ?? 3000;
  const subscription = client.subscription(names.deadLetterSubscription, {
    flowControl: { maxMessages: Math.min(max, 100), allowExcessMessages: false },
  });
  let handled = 0;
  let lastActivity = Date.now();
  const seen = new Set<string>();
  const work: Promise<void>[] = [];
  let failure: unknown;
  subscription.on('error', (error: unknown) => {
    failure = error;
  });
  subscription.on('message', (message: Message) => {
    // A nacked message comes straight back: each is looked at once per run, and only new ones keep the run going.
    if (seen.has(message.id) || handled >= max) {
      message.nack();
      return;
    }
    lastActivity = Date.now();
    seen.add(message.id);
    handled++;
    work.push(
      onMessage(message).then(
        (verdict) => (verdict === 'ack' ? message.ack() : message.nack()),
        (error: unknown) => {
          failure ??= error;
          message.nack();
        },
      ),
    );
  });
  while (failure === undefined && handled < max && Date.now() - lastActivity < idleMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(work);
  await subscription.close();
  if (failure !== undefined) throw failure;
  return handled;
}

function toDeadLetter(message: Message): DeadLetterMessage {
  return {
    id: message.id,
    data: message.data.toString('utf8'),
    attributes: { ...message.attributes },
    orderingKey: message.orderingKey || undefined,
    publishTime: new Date(message.publishTime.getTime()),
  };
}

/** The dead letters, left where they are (each is offered again once this run ends). */
export async function listDeadLetters(client: PubSub, options: DeadLetterOptions = {}): Promise<DeadLetterMessage[]> {
  const out: DeadLetterMessage[] = [];
  await drain(client, options, async (message) => {
    out.push(toDeadLetter(message));
    return 'nack';
  });
  return out;
}

/** Republishes each dead letter to the topic and acknowledges it only once the publish was accepted. */
export async function replayDeadLetters(client: PubSub, options: DeadLetterOptions = {}): Promise<DeadLetterMessage[]> {
  const names = eventsTopologyNames(options.topic);
  // The topic is not ordered (shared/platform/bus.ts): a key carried by an old message is dropped, not republished.
  const topic = client.topic(names.topic);
  const replayed: DeadLetterMessage[] = [];
  try {
    await drain(client, options, async (message) => {
      const attributes = Object.fromEntries(Object.entries(message.attributes).filter(([key]) => !DEAD_LETTER_ATTRIBUTE.test(key)));
      await topic.publishMessage({ data: message.data, attributes });
      replayed.push(toDeadLetter(message));
      return 'ack';
    });
  } finally {
    await topic.flush().catch(() => undefined);
  }
  return replayed;
}
