// The topic handlers (processStravaEvent, backfill, importArchive, deliverActivities): CloudEvent decoding around the domain's calls, shared by the functions, the laptop's in-process bus and tests.
import { type ArchiveHandlerDeps, type ArchiveSliceOptions, handleArchiveMessage, InvalidArchiveMessageError } from '../archive/index.js';
import { decodeMessage, MalformedMessageError, type PubSubCloudEvent, type TopicHandler } from './bus.js';
import { handleImportRequest, InvalidImportRequestError, parseImportRequest, type BackfillDeps } from '../imports/index.js';
import type { ImportSliceOptions } from '../imports/index.js';
import { processWebhookEvent, type ProcessorDeps } from '../events/index.js';
import { InvalidEventError, parseWebhookEvent } from '../events/index.js';
import {
  type DeliveryDeps,
  type DeliveryNotice,
  deliverNotice,
  InvalidDeliveryNoticeError,
  parseDeliveryNotice,
  publishPendingNotices,
} from '../delivery/index.js';

/**
 * The message's payload read by `parse`, or undefined when it cannot be read: redelivering a message that cannot be
 * read only delays the dead-letter topic, so it is logged and let go. Any other failure is thrown (a retry).
 */
function readPayload<T>(
  event: PubSubCloudEvent,
  parse: (value: unknown) => T,
  invalid: abstract new (...args: never[]) => Error,
  drop: (error: unknown) => void,
): T | undefined {
  try {
    return parse(decodeMessage<unknown>(event));
  } catch (error) {
    if (error instanceof MalformedMessageError || error instanceof invalid) {
      drop(error);
      return undefined;
    }
    throw error;
  }
}

/** Publishes a delivery notice to the deliveries topic; absent where the entry point has no bus. */
export type PublishNotice = (notice: DeliveryNotice) => Promise<string>;

/**
 * The processor's handler. After the event is applied (or found already applied: a redelivery), the athlete's delivery
 * notices still waiting are published, so a publish that failed after the commit is retried by Pub/Sub's redelivery.
 */
export function createEventHandler(getDeps: () => Promise<ProcessorDeps>, publishNotice?: PublishNotice): TopicHandler {
  return async (cloudEvent) => {
    const deps = await getDeps();
    const event = readPayload(cloudEvent, parseWebhookEvent, InvalidEventError, (error) =>
      deps.log.error('Dropped a Pub/Sub message that is not a Strava webhook event', { messageId: cloudEvent.id, error }),
    );
    if (!event) return;
    await processWebhookEvent(deps, event, cloudEvent.data?.message?.messageId ?? cloudEvent.id);
    if (publishNotice && event.object_type === 'activity') await publishPendingNotices(deps.pool, event.owner_id, publishNotice);
  };
}

/**
 * The delivery function's handler: throwing asks Pub/Sub to redeliver (a destination failed for now, or is paced),
 * returning acknowledges (delivered, switched off, refused for good, nothing to do).
 */
export function createDeliveryHandler(deps: DeliveryDeps): TopicHandler {
  return async (event) => {
    const log = deps.log.child({ messageId: event.data?.message?.messageId });
    const notice = readPayload(event, parseDeliveryNotice, InvalidDeliveryNoticeError, (error) => log.error('Dropped a malformed delivery notice', { error }));
    if (!notice) return;
    await deliverNotice({ ...deps, log }, notice);
  };
}

/**
 * The backfill function's handler: throwing asks Pub/Sub to retry (passing failures), returning acknowledges
 * (done, waiting for the rate limit, failed for good, a duplicate while another invocation works on it).
 */
export function createBackfillHandler(deps: BackfillDeps, options: Partial<ImportSliceOptions> = {}): TopicHandler {
  return async (event: PubSubCloudEvent) => {
    const log = deps.log.child({ messageId: event.data?.message?.messageId });
    const request = readPayload(event, parseImportRequest, InvalidImportRequestError, (error) =>
      log.error('Dropped a malformed history import request', { error }),
    );
    if (!request) return;
    const outcome = await handleImportRequest({ ...deps, log }, request, options);
    log.info('History import request handled', { athleteId: request.athleteId, reason: request.reason, outcome: outcome.kind });
  };
}

/**
 * The import function's handler: throwing asks Pub/Sub to redeliver (the store or database failed), returning
 * acknowledges (done, refused with a reason the athlete sees, or another invocation already on it).
 */
export function createArchiveHandler(deps: ArchiveHandlerDeps, options: Partial<ArchiveSliceOptions> = {}): TopicHandler {
  return async (event) => {
    const log = deps.log.child({ messageId: event.data?.message?.messageId });
    try {
      const message = { attributes: event.data?.message?.attributes ?? {}, body: () => decodeMessage<unknown>(event) };
      const outcome = await handleArchiveMessage({ ...deps, log }, message, options);
      if (outcome) log.info('Archive message handled', { outcome: outcome.kind });
    } catch (error) {
      if (error instanceof MalformedMessageError || error instanceof InvalidArchiveMessageError) {
        log.error('Dropped a malformed archive message', { error });
        return;
      }
      throw error;
    }
  };
}
