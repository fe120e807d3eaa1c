// The production store: a Cloud Storage bucket through the official client (resumable upload sessions, ranged reads, deletes).
import type { Bucket, Storage, StorageOptions } from '@google-cloud/storage';
import { ObjectMissingError, type ObjectStore, type RangeSource } from '../archive/index.js';
import { httpFailureClass } from '../http-failure.js';

export interface GcsStoreOptions {
  bucket: string;
  /** Client options; tests point apiEndpoint at a local stand-in. */
  client?: StorageOptions;
}

const notFound = (error: unknown) => (error as { code?: number }).code === 404;

/** Errors worth another try: throttling, server errors, a connection that broke (no numeric status at all). */
function passing(error: unknown): boolean {
  const code = (error as { code?: number | string }).code;
  return typeof code === 'number' ? httpFailureClass(code) !== 'answered' : true;
}

/**
 * A few quick tries of one call. The client's own retries are off (see create): its ranged download resumes
 * through a stream that a retry finds closed, so retrying here, around the whole call, is the reliable way.
 * Whatever still fails is thrown, and the Pub/Sub delivery is retried with backoff.
 */
async function withRetries<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || notFound(error) || !passing(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 4 ** (attempt - 1)));
    }
  }
}

export class GcsObjectStore implements ObjectStore {
  readonly kind = 'gcs' as const;
  readonly #bucket: Bucket;
  readonly storage: Storage;

  private constructor(storage: Storage, bucket: string) {
    this.storage = storage;
    this.#bucket = storage.bucket(bucket);
  }

  static async create(options: GcsStoreOptions): Promise<GcsObjectStore> {
    // Loaded lazily: a laptop on the folder store never loads the Cloud Storage client.
    const { Storage } = await import('@google-cloud/storage');
    return new GcsObjectStore(new Storage({ ...options.client, retryOptions: { autoRetry: false, ...options.client?.retryOptions } }), options.bucket);
  }

  async startUpload(key: string, options: { size: number; contentType: string; origin: string }): Promise<string> {
    // The session URI carries the authorisation (the function's own, at creation): the browser sends bytes to it
    // directly, never through App Engine, and it can write only this object. The origin makes Cloud Storage answer
    // the browser's CORS requests on it; X-Upload-Content-Length pins the size it may send.
    const [uri] = await withRetries(() =>
      this.#bucket.file(key).createResumableUpload({
        origin: options.origin,
        metadata: { contentType: options.contentType, contentLength: options.size },
        preconditionOpts: { ifGenerationMatch: 0 },
      }),
    );
    return uri;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const [metadata] = await withRetries(() => this.#bucket.file(key).getMetadata());
      return Number(metadata.size);
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async source(key: string): Promise<RangeSource> {
    const size = await this.size(key);
    if (size === undefined) throw new ObjectMissingError(`no object ${key}`);
    const file = this.#bucket.file(key);
    return {
      size,
      async read(start, end) {
        try {
          // A range cannot be checked against the whole object's checksum; FIT and gzip carry their own, checked on parsing.
          const [bytes] = await withRetries(() => file.download({ start, end: end - 1, validation: false }));
          return bytes;
        } catch (error) {
          if (notFound(error)) throw new ObjectMissingError(`no object ${key}`);
          throw error;
        }
      },
    };
  }

  async delete(key: string): Promise<void> {
    await withRetries(() => this.#bucket.file(key).delete({ ignoreNotFound: true }));
  }
}
