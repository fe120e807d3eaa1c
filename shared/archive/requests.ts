// Messages on the archive topic: Cloud Storage's OBJECT_FINALIZE notification for a new upload, our own "continue" for the next slice, and "purge" for objects no longer needed.
import { runArchiveSlice, type ArchiveDeps, type ArchiveSliceOptions, type ArchiveSliceOutcome } from './run.js';
import { abandonFailingUploads, forgetPurges, getUpload, markArrived, MAX_FAILED_SLICES, parseObjectKey, queuedPurges, stalledUploads } from './store.js';

/** What we publish ourselves: the next slice of an upload, or "delete the objects of deleted uploads". */
export type ArchiveContinue = { uploadId: string; reason?: 'continue' | 'resume' } | { reason: 'purge' };

export interface ArchiveHandlerDeps extends ArchiveDeps {
  /** Queues the next slice; without it, the resumer picks the upload up. */
  publish?: (message: ArchiveContinue) => Promise<unknown>;
}

/** A message on the archive topic that is neither a notification nor a "continue": permanent, never worth a retry. */
export class InvalidArchiveMessageError extends Error {
  override readonly name = 'InvalidArchiveMessageError';
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

/** One message: its attributes, and its body read on demand (a notification carries everything in its attributes). */
export async function handleArchiveMessage(
  deps: ArchiveHandlerDeps,
  message: { attributes: Record<string, string>; body: () => unknown },
  options: Partial<ArchiveSliceOptions> = {},
): Promise<ArchiveSliceOutcome | undefined> {
  const { attributes } = message;
  let uploadId: string | undefined;
  if (attributes.eventType) {
    uploadId = await uploadFromNotification(deps, attributes);
  } else {
    const body = message.body() as { uploadId?: unknown; reason?: unknown } | null;
    if (body?.reason === 'purge' && body.uploadId === undefined) {
      await deleteObjectsNoLongerNeeded(deps);
      return undefined;
    }
    if (typeof body?.uploadId !== 'string' || !UUID.test(body.uploadId)) throw new InvalidArchiveMessageError('an archive message needs an uploadId');
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
 * Deletes the objects no longer needed (of deleted or abandoned uploads) from the store, then forgets them; an object
 * already gone is no error, so two invocations at once, or a retry, do no harm. Returns how many were deleted.
 */
export async function deleteObjectsNoLongerNeeded(deps: Pick<ArchiveDeps, 'pool' | 'store' | 'log'>): Promise<number> {
  let purged = 0;
  for (;;) {
    const keys = await queuedPurges(deps.pool, 200);
    if (keys.length === 0) break;
    for (const key of keys) await deps.store.delete(key);
    await forgetPurges(deps.pool, keys);
    purged += keys.length;
  }
  if (purged > 0) deps.log.info('Deleted uploads no longer needed', { count: purged });
  return purged;
}

/** What the resumer did: uploads asked for again, uploads given up on after failing slice after slice, objects to purge. */
export interface ResumedUploads {
  resumed: number;
  abandoned: number;
  purgeRequested: boolean;
}

/**
 * Asks again for uploads whose import stopped (a message lost past its retries, an instance gone): run by
 * update_tokens and the laptop's token timer. An upload whose last slices all failed is marked failed instead,
 * with a reason the athlete sees, so a file that kills every slice is not retried forever. Objects no longer needed
 * (of deleted or abandoned uploads) are handed to the import to delete.
 */
export async function resumeStalledUploads(
  deps: Pick<ArchiveHandlerDeps, 'pool' | 'log'> & { publish: (message: ArchiveContinue) => Promise<unknown> },
): Promise<ResumedUploads> {
  const abandoned = await abandonFailingUploads(deps.pool, MAX_FAILED_SLICES);
  if (abandoned.length > 0) deps.log.warn('Gave up on archive imports that kept failing', { uploadIds: abandoned });
  const ids = await stalledUploads(deps.pool, 900);
  for (const uploadId of ids) await deps.publish({ uploadId, reason: 'resume' });
  if (ids.length > 0) deps.log.info('Resumed stalled archive imports', { count: ids.length });
  // Objects of uploads deleted by something that cannot reach the bucket (the webhook processor's deauthorization), or
  // given up on above: the import can delete them.
  const purgeRequested = (await queuedPurges(deps.pool, 1)).length > 0;
  if (purgeRequested) await deps.publish({ reason: 'purge' });
  return { resumed: ids.length, abandoned: abandoned.length, purgeRequested };
}
