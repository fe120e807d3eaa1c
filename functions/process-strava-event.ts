// processStravaEvent: the CloudEvent function Pub/Sub pushes strava-events to; throwing asks for a redelivery.
import { pushFunction, servicesPerInstance } from './instance.js';

const services = servicesPerInstance({ reader: 'process-strava-event', bus: 'none' });

/** Ends the instance's database pool (tests, and an instance being shut down). */
export const closeProcessStravaEventRuntime = () => services.close();

export const processStravaEvent = pushFunction(services, 'events');
