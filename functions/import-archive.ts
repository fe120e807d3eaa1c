// importArchive: the CloudEvent function the upload bucket's Pub/Sub notifications are pushed to; imports an archive slice by slice.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createArchiveHandler, createArchiveStore, type ObjectStore } from '../shared/archive/index.js';
import { loadConfigAndSecrets } from '../shared/boot.js';
import type { EventBus, MessagePublishedData } from '../shared/events/bus.js';
import { createBus } from '../shared/events/pubsub-bus.js';
import type { Config } from '../shared/config.js';
import { openDatabase, type Database } from '../shared/db/pool.js';
import { createLogger, registerSecretValues, type Logger } from '../shared/log.js';
import { perInstance } from './instance.js';

interface Instance {
  config: Config;
  log: Logger;
  database: Database;
  bus: EventBus;
  store: ObjectStore;
}

const instance = perInstance<Instance>(
  async () => {
    // No Strava secrets: the import never calls Strava, so it is granted none (secrets.tf).
    const { config, secrets } = await loadConfigAndSecrets({ reader: 'import-archive' });
    registerSecretValues(Object.values(secrets));
    const log = createLogger({ format: config.log.format, level: config.log.level });
    const store = await createArchiveStore(config);
    if (!store) throw new Error('ARCHIVE_BUCKET is missing: the import reads uploads from that bucket');
    const database = await openDatabase(config.database, { password: secrets.databasePassword });
    database.pool.on('error', (error) => log.error('Idle database connection failed', { error }));
    // The next slice of a long import is queued on the same topic (the function is a publisher there in pubsub.tf).
    const bus = await createBus(config, { log });
    return { config, log, database, bus, store };
  },
  async ({ bus, database }) => {
    await bus.close();
    await database.close();
  },
);

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeImportArchiveRuntime = () => instance.close();

export async function importArchive(event: CloudEvent<MessagePublishedData>): Promise<void> {
  const { config, log, database, bus, store } = await instance.get();
  const topic = config.pubsub.archiveTopic;
  const handler = createArchiveHandler({ pool: database.pool, log, store, publish: (message) => bus.publish(topic, message) });
  await handler(event);
}
