// The event bus on Google Cloud Pub/Sub (or its emulator when PUBSUB_EMULATOR_HOST is set), and the chooser between it and the in-process bus.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { ConfigError, type Config } from './config.js';
import type { Logger } from '../log.js';
import type { EventBus, PublishOptions } from './bus.js';
import { createInProcessBus, type InProcessBus, type InProcessBusOptions } from './in-process-bus.js';

export interface PubSubBusOptions {
  projectId: string;
  log: Logger;
  /** Emulator host:port; by default the client reads PUBSUB_EMULATOR_HOST itself. */
  emulatorHost?: string;
}

export interface PubSubBus extends EventBus {
  readonly client: PubSub;
}

export async function createPubSubBus(options: PubSubBusOptions): Promise<PubSubBus> {
  // Loaded lazily: a laptop on the in-process bus never loads the gRPC stack.
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({
    projectId: options.projectId,
    ...(options.emulatorHost ? { apiEndpoint: options.emulatorHost, emulatorMode: true } : {}),
  });
  const topics = new Map<string, Topic>();
  const topicFor = (name: string): Topic => {
    let topic = topics.get(name);
    if (!topic) {
      topic = client.topic(name, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      topics.set(name, topic);
    }
    return topic;
  };
  return {
    client,
    async publish(topicName: string, data: unknown, publishOptions: PublishOptions = {}): Promise<string> {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError('the message data must be JSON-serialisable');
      const topic = topicFor(topicName);
      try {
        return await topic.publishMessage({
          data: Buffer.from(body, 'utf8'),
          ...(publishOptions.attributes ? { attributes: publishOptions.attributes } : {}),
        });
      } catch (error) {
        options.log.warn('Publishing to Pub/Sub failed', { topic: topicName, error });
        throw error;
      }
    },
    async close() {
      await Promise.allSettled([...topics.values()].map((topic) => topic.flush()));
      await client.close();
    },
  };
}

export interface CreateBusOptions extends Omit<InProcessBusOptions, 'log'> {
  log: Logger;
}

/** Pub/Sub when GOOGLE_CLOUD_PROJECT is set (production, or the emulator with PUBSUB_EMULATOR_HOST); the in-process bus otherwise. */
export async function createBus(config: Pick<Config, 'googleCloudProject' | 'production'>, options: CreateBusOptions): Promise<EventBus> {
  if (config.googleCloudProject) return createPubSubBus({ projectId: config.googleCloudProject, log: options.log });
  if (config.production) {
    // Deployed, an in-process bus would have no subscribers: events would be accepted and dropped. Every publish
    // fails instead (the webhook answers 5xx, so Strava retries), and the pages keep working.
    const reason = 'GOOGLE_CLOUD_PROJECT is missing: production publishes events to Pub/Sub in that project.';
    options.log.error(`No event bus: ${reason}`);
    return {
      publish: async () => {
        throw new ConfigError(reason);
      },
      close: async () => undefined,
    };
  }
  return createInProcessBus(options);
}

/** The in-process bus is the one that needs the handlers subscribed to it. */
export function isInProcessBus(bus: EventBus): bus is InProcessBus {
  return typeof (bus as Partial<InProcessBus>).subscribe === 'function' && typeof (bus as Partial<InProcessBus>).idle === 'function';
}
