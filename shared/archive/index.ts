// The archive capability's face: start an upload, import it in slices, show its progress, delete the objects no longer needed.
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import { LIMITS } from './limits.js';
import type { ObjectStore } from './storage.js';
import { createUpload, failedFiles, latestUploads, type FileOutcome, type Upload } from './store.js';

export {
  handleArchiveMessage,
  InvalidArchiveMessageError,
  deleteObjectsNoLongerNeeded,
  resumeStalledUploads,
  type ArchiveContinue,
  type ResumedUploads,
  type ArchiveHandlerDeps,
} from './requests.js';
export { runArchiveSlice, DEFAULT_ARCHIVE_SLICE, type ArchiveDeps, type ArchiveSliceOptions, type ArchiveSliceOutcome } from './run.js';
export { ObjectMissingError, type ObjectStore } from './storage.js';
export type { RangeSource } from './zip.js';
export { getUpload, parseObjectKey, type Upload, type FileOutcome } from './store.js';
export { LIMITS } from './limits.js';
export { readActivityFile, kindOfName, SkipFileError } from './files.js';
export { deriveActivity, type DerivedActivity, type Track } from './track.js';
export { readActivitiesCsv, CsvError } from './csv.js';
export { archiveReasonText, describeArchiveReason } from './reasons.js';

/** A request the import would refuse anyway; `code` names which, for the page to say it in the athlete's language. */
export class UploadRequestError extends Error {
  override readonly name = 'UploadRequestError';
  constructor(
    readonly code: 'bad-type' | 'empty' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

const ACCEPTED = /\.(zip|fit|gpx|tcx)(\.gz)?$/i;

/**
 * Opens an upload for the athlete: records it and asks the store for a resumable session bound to one object
 * under the athlete's folder. Refuses names and sizes the import would refuse anyway, before any byte is sent.
 */
export async function startUpload(
  deps: { pool: Queryable; store: ObjectStore; log: Logger },
  athleteId: number,
  request: { fileName: unknown; size: unknown; contentType?: unknown; origin: string },
): Promise<{ upload: Upload; sessionUrl: string }> {
  const fileName = typeof request.fileName === 'string' ? request.fileName.trim() : '';
  const size = typeof request.size === 'number' ? request.size : Number(request.size);
  if (!fileName || fileName.length > 255 || !ACCEPTED.test(fileName))
    throw new UploadRequestError('bad-type', 'Choose a ZIP archive or a FIT, GPX or TCX file.');
  if (!Number.isSafeInteger(size) || size <= 0) throw new UploadRequestError('empty', 'The file is empty.');
  if (size > LIMITS.maxUploadBytes) throw new UploadRequestError('too-large', 'The file is too large.');
  const upload = await createUpload(deps.pool, athleteId, fileName, size);
  const contentType = /\.zip$/i.test(fileName) ? 'application/zip' : 'application/octet-stream';
  const sessionUrl = await deps.store.startUpload(upload.objectKey, { size, contentType, origin: request.origin });
  deps.log.info('Archive upload opened', { athleteId, uploadId: upload.id, size });
  return { upload, sessionUrl };
}

export interface UploadProgress {
  upload: Upload;
  failures: FileOutcome[];
}

/** The athlete's recent uploads, newest first, with the files that failed for finished ones. */
export async function uploadProgress(db: Queryable, athleteId: number): Promise<UploadProgress[]> {
  const uploads = await latestUploads(db, athleteId);
  return Promise.all(uploads.map(async (upload) => ({ upload, failures: upload.failedFiles > 0 ? await failedFiles(db, upload.id) : [] })));
}
