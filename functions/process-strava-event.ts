// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfigAndSecrets } from '../shared/boot.js';
import type { MessagePublishedData } from '../shared/events/bus.js';
import { createEventHandler } from '../shared/events/handler.js';
import { createRuntime, type Runtime } from '../shared/runtime.js';

// Built once per instance, on the first event, and kept while the instance lives; a failed build is retried next event.
let runtime: Promise<Runtime> | undefined;

function getRuntime(): Promise<Runtime> {
  runtime ??= loadConfigAndSecrets({ reader: 'process-strava-event' })
    .then(({ config, secrets }) => createRuntime(config, secrets))
    .catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
  return runtime;
}

/** Ends the instance's database pool (tests, and an instance being shut down). */
export async function closeProcessStravaEventRuntime(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}

const handler = createEventHandler(getRuntime);

export async function processStravaEvent(event: CloudEvent<MessagePublishedData>): Promise<void> {
  await handler(event);
}
