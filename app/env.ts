// The types Hono handlers share: what the app is built from and what a request carries.
import type { Athlete } from '../shared/athletes/index.js';
import type { Locale } from '../shared/i18n/index.js';
import type { Logger } from '../shared/log.js';
import type { PublishingServices } from '../shared/services.js';
import type { SubscriptionIdCache } from '../shared/strava/index.js';
import type { FailureThrottle } from './webhook-throttle.js';

/** The services, with the bus webhook events and import requests are published to: Pub/Sub, or the in-process bus on a laptop. */
export type AppDeps = Omit<PublishingServices, 'close'> & {
  /** The clock, injectable so tests can pin "this week". */
  now?: () => Date;
  /** The webhook's check of subscription ids; by default Strava's record, looked up once and cached. */
  webhookSubscriptions?: SubscriptionIdCache;
  /** The per-source throttle of failed webhook calls; one per app by default. */
  webhookThrottle?: FailureThrottle;
};

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    log: Logger;
    /** Set by requireAthlete on pages that only the signed-in athlete may see. */
    athlete: Athlete;
    csrfToken: string;
    /** Set by the locale middleware on every request. */
    locale: Locale;
    /** What a handler adds to its request's access line, instead of writing a line of its own. */
    logFields: Record<string, unknown>;
  };
}
