// deliverActivities: the CloudEvent function Pub/Sub pushes activity-deliveries to; posts new activities to the athlete's own chats.
import { pushFunction, servicesPerInstance } from './instance.js';

// No Strava secret: delivery never calls Strava. The token key decrypts the webhook URLs the athletes saved.
const services = servicesPerInstance({ reader: 'deliver-activities', bus: 'none', need: ['tokenEncryptionKey'] });

/** Ends the instance's database pool (tests, and an instance being shut down). */
export const closeDeliverActivitiesRuntime = () => services.close();

export const deliverActivities = pushFunction(services, 'deliveries');
