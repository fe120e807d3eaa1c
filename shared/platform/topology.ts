// The Pub/Sub topology Terraform creates in the cloud (pubsub.tf), created here on the emulator: topic, dead-letter topic, push subscription, inspect subscription.
import type { PubSub } from '@google-cloud/pubsub';

export interface EventsTopologyOptions {
  projectId: string;
  /** The processor's base URL; the push goes to <url>/projects/<project>/topics/<topic>, which the Functions Framework turns into a CloudEvent. */
  processorUrl: string;
  topic?: string;
  /** Terraform: var.max_delivery_attempts (default 10; Pub/Sub allows 5 to 100). */
  maxDeliveryAttempts?: number;
  /** Terraform: 10 s and 600 s. */
  minimumBackoffSeconds?: number;
  maximumBackoffSeconds?: number;
  ackDeadlineSeconds?: number;
}

export interface EventsTopology {
  topic: string;
  deadLetterTopic: string;
  pushSubscription: string;
  deadLetterSubscription: string;
  pushEndpoint: string;
}

/** The names Terraform gives each part (pubsub.tf), derived from the topic. */
export function eventsTopologyNames(topic = 'strava-events'): Omit<EventsTopology, 'pushEndpoint'> {
  return {
    topic,
    deadLetterTopic: `${topic}-dead-letter`,
    pushSubscription: `${topic}-to-processor`,
    deadLetterSubscription: `${topic}-dead-letter-inspect`,
  };
}

function alreadyExists(error: unknown): boolean {
  return (error as { code?: number }).code === 6;
}

/** Creates whatever is missing; existing parts are left as they are, so running it twice is harmless. */
export async function ensureEventsTopology(client: PubSub, options: EventsTopologyOptions): Promise<EventsTopology> {
  const names = eventsTopologyNames(options.topic);
  const pushEndpoint = `${options.processorUrl.replace(/\/+$/, '')}/projects/${options.projectId}/topics/${names.topic}`;
  for (const topic of [names.topic, names.deadLetterTopic]) {
    await client.createTopic(topic).catch((error: unknown) => {
      if (!alreadyExists(error)) throw error;
    });
  }
  await client
    .topic(names.topic)
    .createSubscription(names.pushSubscription, {
      pushConfig: { pushEndpoint },
      ackDeadlineSeconds: options.ackDeadlineSeconds ?? 120,
      // Off, as in pubsub.tf: the processor does not depend on delivery order (event times decide), and an ordered key
      // would stall behind one failing event until it is dead-lettered. The emulator never dead-letters ordered messages.
      enableMessageOrdering: false,
      retryPolicy: {
        minimumBackoff: { seconds: options.minimumBackoffSeconds ?? 10 },
        maximumBackoff: { seconds: options.maximumBackoffSeconds ?? 600 },
      },
      deadLetterPolicy: {
        deadLetterTopic: `projects/${options.projectId}/topics/${names.deadLetterTopic}`,
        maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10,
      },
    })
    .catch((error: unknown) => {
      if (!alreadyExists(error)) throw error;
    });
  await client
    .topic(names.deadLetterTopic)
    .createSubscription(names.deadLetterSubscription, { ackDeadlineSeconds: 600, messageRetentionDuration: { seconds: 604_800 } })
    .catch((error: unknown) => {
      if (!alreadyExists(error)) throw error;
    });
  return { ...names, pushEndpoint };
}
