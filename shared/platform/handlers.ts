// The processStravaEvent handler, built from its dependencies so the function, the laptop's in-process bus and tests share it.
import { decodeMessage, MalformedMessageError, type TopicHandler } from './bus.js';
import { processWebhookEvent, type ProcessorDeps } from '../events/process.js';
import { InvalidEventError, parseWebhookEvent, type StravaWebhookEvent } from '../events/webhook-event.js';

export function createEventHandler(getDeps: () => Promise<ProcessorDeps>): TopicHandler {
  return async (cloudEvent) => {
    const deps = await getDeps();
    let event: StravaWebhookEvent;
    try {
      event = parseWebhookEvent(decodeMessage<unknown>(cloudEvent));
    } catch (error) {
      // Redelivering a message that cannot be read only delays the dead-letter topic; log it and let it go.
      if (error instanceof MalformedMessageError || error instanceof InvalidEventError) {
        deps.log.error('Dropped a Pub/Sub message that is not a Strava webhook event', { messageId: cloudEvent.id, error });
        return;
      }
      throw error;
    }
    await processWebhookEvent(deps, event, cloudEvent.data?.message?.messageId ?? cloudEvent.id);
  };
}
