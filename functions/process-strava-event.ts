// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfigAndSecrets } from '../shared/boot.js';
import type { MessagePublishedData } from '../shared/events/bus.js';
import { createEventHandler } from '../shared/events/handler.js';
import { createRuntime } from '../shared/runtime.js';
import { perInstance } from './instance.js';

const runtime = perInstance(
  () => loadConfigAndSecrets({ reader: 'process-strava-event' }).then(({ config, secrets }) => createRuntime(config, secrets)),
  (built) => built.close(),
);

/** Ends the instance's database pool (tests, and an instance being shut down). */
export const closeProcessStravaEventRuntime = () => runtime.close();

const handler = createEventHandler(() => runtime.get());

export async function processStravaEvent(event: CloudEvent<MessagePublishedData>): Promise<void> {
  await handler(event);
}
