// backfill: the CloudEvent function Pub/Sub pushes strava-backfill requests to; imports an athlete's history slice by slice.
import { pushFunction, servicesPerInstance } from './instance.js';

// The function queues the next slice of a long import on its own topic (it is a publisher there in pubsub.tf).
const services = servicesPerInstance({ reader: 'backfill', bus: 'configured' });

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeBackfillRuntime = () => services.close();

export const backfill = pushFunction(services, 'backfill');
