// importArchive: the CloudEvent function the upload bucket's Pub/Sub notifications are pushed to; imports an archive slice by slice.
import { ConfigError } from '../shared/platform/config.js';
import { pushFunction, servicesPerInstance } from './instance.js';

// No Strava secret and no token key: the import never calls Strava, so it is granted neither (secrets.tf). It queues
// the next slice of a long import on its own topic (it is a publisher there in pubsub.tf).
const services = servicesPerInstance({
  reader: 'import-archive',
  bus: 'configured',
  archiveStore: true,
  check: (config) => {
    // Without the bucket there is nothing to import from: refuse to start rather than take messages it cannot serve.
    if (!config.archiveBucket) throw new ConfigError('ARCHIVE_BUCKET is missing: the import reads uploads from that bucket');
  },
});

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeImportArchiveRuntime = () => services.close();

export const importArchive = pushFunction(services, 'archive');
