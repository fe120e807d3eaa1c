// The laptop's event bus: calls the subscribed function handlers in this process with the CloudEvent the Functions Framework builds from a Pub/Sub push.
import type { Logger } from '../log.js';
import type { EventBus, MessagePublishedData, PubSubCloudEvent, PublishOptions, TopicHandler } from './bus.js';

export interface InProcessBusOptions {
  log: Logger;
  /** Deliveries per message before it goes to the dead-letter list (Pub/Sub's max_delivery_attempts). */
  maxAttempts?: number;
  /** Wait before redelivery number `attempt` (1 = the first retry). */
  backoffMs?: (attempt: number) => number;
  /** Project name used in the envelope's source, as a push path /projects/<project>/topics/<topic> would carry it. */
  project?: string;
}

export interface DeadLetter {
  topic: string;
  data: unknown;
  error: string;
}

export interface InProcessBus extends EventBus {
  /** Like a push subscription to the function: every message published to `topic` is handed to `handler`. */
  subscribe(topic: string, handler: TopicHandler): void;
  /** Resolves once every published message has been handled, retried to the end, or dead-lettered. */
  idle(): Promise<void>;
  readonly deadLetters: DeadLetter[];
}

interface Delivery {
  topic: string;
  data: unknown;
  event: PubSubCloudEvent;
  handler: TopicHandler;
}

const PUBSUB_MESSAGE_TYPE = 'type.googleapis.com/google.pubsub.v1.PubsubMessage';

export function createInProcessBus(options: InProcessBusOptions): InProcessBus {
  const log = options.log;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? ((attempt: number) => Math.min(100 * 2 ** (attempt - 1), 5_000));
  const project = options.project ?? 'local';
  const handlers = new Map<string, TopicHandler[]>();
  const deadLetters: DeadLetter[] = [];
  const inFlight = new Set<Promise<void>>();
  let nextId = 1;
  let closed = false;

  async function deliver(delivery: Delivery): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await delivery.handler(delivery.event);
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          deadLetters.push({ topic: delivery.topic, data: delivery.data, error: error instanceof Error ? error.message : String(error) });
          log.error('Message dead-lettered after its last delivery attempt', { topic: delivery.topic, messageId: delivery.event.id, attempts: attempt, error });
          return;
        }
        log.warn('Message handler failed; redelivering', { topic: delivery.topic, messageId: delivery.event.id, attempt, error });
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      }
    }
  }

  function track(work: Promise<void>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  return {
    deadLetters,
    subscribe(topic, handler) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
    },
    async publish(topic: string, data: unknown, publishOptions: PublishOptions = {}): Promise<string> {
      if (closed) throw new Error('the event bus is closed');
      const messageId = String(nextId++);
      const publishTime = new Date().toISOString();
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError('the message data must be JSON-serialisable');
      const subscribers = handlers.get(topic) ?? [];
      // A topic without a subscription drops its messages, as Pub/Sub does.
      if (subscribers.length === 0) log.debug('Published to a topic nobody subscribes to', { topic, messageId });
      for (const [index, handler] of subscribers.entries()) {
        const message: MessagePublishedData['message'] & { '@type': string } = {
          '@type': PUBSUB_MESSAGE_TYPE,
          data: Buffer.from(body, 'utf8').toString('base64'),
          attributes: { ...publishOptions.attributes },
          messageId,
          publishTime,
        };
        const event: PubSubCloudEvent = {
          specversion: '1.0',
          id: messageId,
          time: publishTime,
          type: 'google.cloud.pubsub.topic.v1.messagePublished',
          source: `//pubsub.googleapis.com/projects/${project}/topics/${topic}`,
          datacontenttype: 'application/json',
          data: { message, subscription: `projects/${project}/subscriptions/${topic}-in-process-${index}` },
        };
        const delivery: Delivery = { topic, data, event, handler };
        // Never run the handler inside publish(): the publisher gets its answer first, as with Pub/Sub.
        track(new Promise<void>((resolve) => setImmediate(resolve)).then(() => deliver(delivery)));
      }
      return messageId;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closed = true;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
