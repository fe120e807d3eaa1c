// Chooses where uploads live from the config: the bucket when ARCHIVE_BUCKET is set, else a folder in DATA_DIR (never in production).
import type { Config } from './config.js';
import type { EventBus } from './bus.js';
import { type ObjectStore, parseObjectKey } from '../archive/index.js';
import { GcsObjectStore } from './gcs-object-store.js';
import { LocalObjectStore, localStoreRoot } from './local-object-store.js';

/** The laptop's upload endpoint on the app for one upload (app/routes/archive.ts serves it). */
export function localUploadUrl(publicBaseUrl: string, uploadId: string): string {
  return `${publicBaseUrl}/settings/archive/uploads/${uploadId}/bytes`;
}

export async function createArchiveStore(config: Pick<Config, 'archiveBucket' | 'production' | 'dataDir' | 'publicBaseUrl'>): Promise<ObjectStore | undefined> {
  if (config.archiveBucket) return GcsObjectStore.create({ bucket: config.archiveBucket });
  // Deployed without a bucket, a folder would be an instance's disk that the import function never sees.
  if (config.production) return undefined;
  return new LocalObjectStore(localStoreRoot(config.dataDir), (key) => localUploadUrl(config.publicBaseUrl, parseObjectKey(key)?.uploadId ?? ''));
}

/**
 * The laptop's stand-in for the bucket's Pub/Sub notification: when an upload's last byte lands, the same message
 * (attributes of an OBJECT_FINALIZE in payload format JSON_API_V1) goes to the archive topic.
 */
export function notifyOnFinalize(store: LocalObjectStore, bus: EventBus, topic: string): void {
  store.onFinalize(async (key, size) => {
    await bus.publish(
      topic,
      { kind: 'storage#object', name: key, bucket: 'local', size: String(size) },
      {
        attributes: { eventType: 'OBJECT_FINALIZE', objectId: key, bucketId: 'local', payloadFormat: 'JSON_API_V1' },
      },
    );
  });
}
