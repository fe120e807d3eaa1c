// backfill: the CloudEvent function Pub/Sub pushes strava-backfill requests to; imports an athlete's history slice by slice.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfigAndSecrets } from '../shared/platform/boot.js';
import type { EventBus, MessagePublishedData } from '../shared/platform/bus.js';
import { createBus } from '../shared/platform/pubsub-bus.js';
import { createBackfillHandler, type ImportRequest } from '../shared/imports/requests.js';
import { createRuntime, type Runtime } from '../shared/platform/runtime.js';
import { perInstance } from './instance.js';

interface Instance {
  runtime: Runtime;
  bus: EventBus;
}

const instance = perInstance<Instance>(
  async () => {
    const { config, secrets } = await loadConfigAndSecrets({ reader: 'backfill' });
    const runtime = await createRuntime(config, secrets);
    // The function queues the next slice of a long import on its own topic (it is a publisher there in pubsub.tf).
    const bus = await createBus(config, { log: runtime.log });
    return { runtime, bus };
  },
  async ({ runtime, bus }) => {
    await bus.close();
    await runtime.close();
  },
);

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeBackfillRuntime = () => instance.close();

export async function backfill(event: CloudEvent<MessagePublishedData>): Promise<void> {
  const { runtime, bus } = await instance.get();
  const topic = runtime.config.pubsub.backfillTopic;
  const handler = createBackfillHandler({
    ...runtime,
    publish: (request: ImportRequest) => bus.publish(topic, request),
  });
  await handler(event);
}
