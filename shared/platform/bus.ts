// The one publish/subscribe interface the app, the processor and the history import share.
import type { CloudEvent } from '@google-cloud/functions-framework';

// No ordering keys: the processor applies events correctly in any order (each field keeps the time of its last change,
// deletions leave a tombstone), and ordered delivery would let one failing event hold back its athlete's later ones
// until it is dead-lettered (terraform/modules/trainingroom/pubsub.tf says the same).
export interface PublishOptions {
  attributes?: Record<string, string>;
}

export interface EventBus {
  /** Resolves with the message id once the message is accepted (Pub/Sub acked the publish). */
  publish(topic: string, data: unknown, options?: PublishOptions): Promise<string>;
  close(): Promise<void>;
}

/** What the Functions Framework hands a CloudEvent function for a Pub/Sub push (google.cloud.pubsub.topic.v1.messagePublished). */
export interface MessagePublishedData {
  message: {
    data: string /* base64 JSON */;
    attributes?: Record<string, string>;
    messageId: string;
    publishTime: string;
    orderingKey?: string /* set only by a publisher that orders; none here */;
  };
  subscription: string;
}

export type PubSubCloudEvent = CloudEvent<MessagePublishedData>;

/** A function's handler: throwing means "retry", returning means "done". */
export type TopicHandler = (event: PubSubCloudEvent) => Promise<void>;

/** Thrown when a message's payload cannot be decoded; a permanent failure, never worth a retry. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** Decodes the base64 JSON payload of a Pub/Sub CloudEvent. */
export function decodeMessage<T>(event: PubSubCloudEvent): T {
  const data = event.data?.message?.data;
  if (typeof data !== 'string') throw new MalformedMessageError('the CloudEvent carries no Pub/Sub message data');
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as T;
  } catch (err) {
    throw new MalformedMessageError(`the Pub/Sub message data is not base64 JSON: ${(err as Error).message}`);
  }
}
