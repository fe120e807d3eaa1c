// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import { pushFunction, servicesPerInstance } from './instance.js';

// A publisher on activity-deliveries (pubsub.tf): a new activity's notice goes out once its event is applied.
const services = servicesPerInstance({ reader: 'process-strava-event', bus: 'configured' });

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export const closeProcessStravaEventRuntime = () => services.close();

export const processStravaEvent = pushFunction(services, 'events');
