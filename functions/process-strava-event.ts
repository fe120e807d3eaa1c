// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { MessagePublishedData } from '../shared/platform/bus.js';
import { openServices } from '../shared/services.js';
import { perInstance } from './instance.js';

const services = perInstance(
  () => openServices({ reader: 'process-strava-event', bus: 'none' }),
  (built) => built.close(),
);

/** Ends the instance's database pool (tests, and an instance being shut down). */
export const closeProcessStravaEventRuntime = () => services.close();

export async function processStravaEvent(event: CloudEvent<MessagePublishedData>): Promise<void> {
  const { handlers } = await services.get();
  await handlers.events(event);
}
