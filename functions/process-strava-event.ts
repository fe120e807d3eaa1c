// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfigAndSecrets } from '../shared/platform/boot.js';
import type { MessagePublishedData } from '../shared/platform/bus.js';
import { createEventHandler } from '../shared/platform/handlers.js';
import { createRuntime } from '../shared/platform/runtime.js';
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
