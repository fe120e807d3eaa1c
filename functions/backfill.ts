// backfill: the CloudEvent function Pub/Sub pushes strava-backfill requests to; imports an athlete's history slice by slice.
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { MessagePublishedData } from '../shared/platform/bus.js';
import { openServices } from '../shared/services.js';
import { perInstance } from './instance.js';

// The function queues the next slice of a long import on its own topic (it is a publisher there in pubsub.tf).
const services = perInstance(
  () => openServices({ reader: 'backfill', bus: 'configured' }),
  (built) => built.close(),
);

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeBackfillRuntime = () => services.close();

export async function backfill(event: CloudEvent<MessagePublishedData>): Promise<void> {
  const { handlers } = await services.get();
  await handlers.backfill(event);
}
