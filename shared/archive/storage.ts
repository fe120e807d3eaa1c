// Where uploads live, as the import sees it: one interface for the Cloud Storage bucket and the laptop's folder, whose
// implementations are plumbing (shared/platform/gcs-object-store.ts and local-object-store.ts).
import type { RangeSource } from './zip.js';

export class ObjectMissingError extends Error {
  override readonly name = 'ObjectMissingError';
}

export interface ObjectStore {
  readonly kind: 'gcs' | 'local';
  /**
   * Opens a resumable upload of exactly `size` bytes to `key` and returns the URL that accepts them (PUT with
   * Content-Range, answered 308 until the last byte). The URL is the only credential the browser gets: it is bound
   * to this one object and expires.
   */
  startUpload(key: string, options: { size: number; contentType: string; origin: string }): Promise<string>;
  /** The object's size, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** Byte ranges of the object; throws ObjectMissingError when it is gone. */
  source(key: string): Promise<RangeSource>;
  /** Deletes the object; a missing one is no error. */
  delete(key: string): Promise<void>;
}
