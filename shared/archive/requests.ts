// Messages on the archive topic: Cloud Storage's OBJECT_FINALIZE notification for a new upload, and our own "continue" for the next slice.
import { decodeMessage, MalformedMessageError, type PubSubCloudEvent, type TopicHandler } from '../events/bus.js';
import { runArchiveSlice, type ArchiveDeps, type ArchiveSliceOptions, type ArchiveSliceOutcome } from './run.js';
import { getUpload, markArrived, parseObjectKey, stalledUploads } from './store.js';

/** What we publish ourselves to ask for the next slice. */
export interface ArchiveContinue {
  uploadId: string;
  reason?: string;
}

export interface ArchiveHandlerDeps extends ArchiveDeps {
  /** Queues the next slice; without it, the resumer picks the upload up. */
  publish?: (message: ArchiveContinue) => Promise<unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Cloud Storage's notification carries the object in attributes (payload format JSON_API_V1). */
async function uploadFromNotification(deps: ArchiveHandlerDeps, attributes: Record<string, string>): Promise<string | undefined> {
  const log = deps.log;
  if (attributes.eventType !== 'OBJECT_FINALIZE') return undefined; // Deletes and metadata changes of our own making.
  const key = attributes.objectId ?? '';
  const parsed = parseObjectKey(key);
  if (!parsed) {
    log.warn('Ignored an object this app did not name', { objectId: key.slice(0, 200) });
    return undefined;
  }
  const upload = await getUpload(deps.pool, parsed.uploadId);
  if (!upload || upload.athleteId !== parsed.athleteId || upload.objectKey !== key) {
    // Its athlete deleted their data meanwhile, or it was never ours to import: the bytes must not stay.
    await deps.store.delete(key);
    log.info('Deleted an upload nobody is waiting for', { objectId: key });
    return undefined;
  }
  await markArrived(deps.pool, upload.id);
  return upload.id;
}

export async function handleArchiveMessage(
  deps: ArchiveHandlerDeps,
  event: PubSubCloudEvent,
  options: Partial<ArchiveSliceOptions> = {},
): Promise<ArchiveSliceOutcome | undefined> {
  const attributes = event.data?.message?.attributes ?? {};
  let uploadId: string | undefined;
  if (attributes.eventType) {
    uploadId = await uploadFromNotification(deps, attributes);
  } else {
    const body = decodeMessage<Partial<ArchiveContinue> | null>(event);
    if (typeof body?.uploadId !== 'string' || !UUID.test(body.uploadId)) throw new MalformedMessageError('an archive message needs an uploadId');
    uploadId = body.uploadId;
  }
  if (!uploadId) return undefined;
  const outcome = await runArchiveSlice(deps, uploadId, options);
  if (outcome.kind === 'more' && deps.publish) {
    // If this publish fails the handler throws, the message is redelivered and the import goes on from its files.
    await deps.publish({ uploadId, reason: 'continue' });
  }
  return outcome;
}

/**
 * The import function's handler: throwing asks Pub/Sub to redeliver (the store or database failed), returning
 * acknowledges (done, refused with a reason the athlete sees, or another invocation already on it).
 */
export function createArchiveHandler(deps: ArchiveHandlerDeps, options: Partial<ArchiveSliceOptions> = {}): TopicHandler {
  return async (event) => {
    const log = deps.log.child({ messageId: event.data?.message?.messageId });
    try {
      const outcome = await handleArchiveMessage({ ...deps, log }, event, options);
      if (outcome) log.info('Archive message handled', { outcome: outcome.kind });
    } catch (error) {
      if (error instanceof MalformedMessageError) {
        log.error('Dropped a malformed archive message', { error });
        return;
      }
      throw error;
    }
  };
}

/** Asks again for uploads whose import stopped (a message lost past its retries, an instance gone): run by update_tokens. */
export async function resumeStalledUploads(deps: Pick<ArchiveHandlerDeps, 'pool' | 'log'> & { publish: (message: ArchiveContinue) => Promise<unknown> }): Promise<number> {
  const ids = await stalledUploads(deps.pool, 900);
  for (const uploadId of ids) await deps.publish({ uploadId, reason: 'resume' });
  if (ids.length > 0) deps.log.info('Resumed stalled archive imports', { count: ids.length });
  return ids.length;
}
