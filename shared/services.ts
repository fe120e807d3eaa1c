// The one place the product's services are built: the app, the functions, the laptop stack, the scripts, the benchmarks and the tests all call it.
import { type ArchiveSliceOptions, type ObjectStore, resumeStalledUploads } from './archive/index.js';
import { LocalObjectStore } from './platform/local-object-store.js';
import { type EnrichmentSummary, runEnrichment, searchFetchedStreams } from './efforts/index.js';
import { retryDeferredEvents as retryEvents } from './events/index.js';
import { createImportResumer, type ImportRequest, type ImportSliceOptions, type ResumeOptions } from './imports/index.js';
import { settleInsights } from './insights/index.js';
import { loadConfigAndSecrets } from './platform/boot.js';
import type { EventBus, TopicHandler } from './platform/bus.js';
import { createArchiveStore, notifyOnFinalize } from './platform/archive-stores.js';
import { createArchiveHandler, createBackfillHandler, createDeliveryHandler, createEventHandler } from './platform/handlers.js';
import { type DeliveryDeps, type DeliveryNotice, publishWaitingNotices, telegramDelivery, webhookOrigins } from './delivery/index.js';
import { createBus, createPubSubBus, isInProcessBus } from './platform/pubsub-bus.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './platform/runtime.js';
import { ConfigError, type Config } from './platform/config.js';
import type { LoadSecretsOptions, SecretReader, Secrets } from './platform/secrets.js';
import type { Logger } from './log.js';
import type { SubscriptionClientOptions } from './strava/index.js';
import { createTelegramBotApi, type TelegramBotApi } from './telegram/index.js';
import type { ResumeStalledImports, ResumeStalledUploads, RetryDeferredEvents } from './tokens/index.js';

/** update_tokens' last step: best efforts from the history, in the enrichment's share of the budget, until the deadline. */
export type EnrichEfforts = (options: { deadlineAt: number; log?: Logger }) => Promise<EnrichmentSummary>;

export interface Services extends Runtime {
  /** Where webhook events and import requests are published; none where the entry point publishes nothing. */
  bus: EventBus | undefined;
  /** Queues a history import request on the backfill topic; undefined without a bus (update_tokens then runs it). */
  publishImport: ((request: ImportRequest) => Promise<string>) | undefined;
  /** Where archive uploads are kept (the bucket, or the laptop's folder); none where the entry point touches no upload. */
  archiveStore: ObjectStore | undefined;
  /** What the four push subscriptions deliver to: the functions, the in-process bus and the tests call these. */
  handlers: { events: TopicHandler; backfill: TopicHandler; archive: TopicHandler; deliveries: TopicHandler };
  /** What delivering to the athletes' chats needs: the settings page's test message and the delivery function. */
  delivery: DeliveryDeps;
  /** update_tokens' (and the laptop timer's) sweep of delivery notices nobody published yet; undefined without a bus. */
  publishWaitingNotices: (() => Promise<number>) | undefined;
  /** update_tokens' resumer of paused and stalled imports: through the backfill topic with a bus, in place without. */
  resumeImports: ResumeStalledImports;
  /** update_tokens' (and the laptop timer's) retry of webhook events deferred for Strava's budget, on the same beat. */
  retryDeferredEvents: RetryDeferredEvents;
  /** update_tokens' resumer of stalled archive imports, through the archive topic; none without a bus that reaches the import. */
  resumeUploads: ResumeStalledUploads | undefined;
  /** update_tokens' (and the laptop timer's) best efforts enrichment, after tokens, imports and deferred events. */
  enrichEfforts: EnrichEfforts;
  /** Streams fetched for a page (the activity page) are searched for best efforts as soon as they are kept. */
  onStreamsFetched: (athleteId: number, activityId: number) => Promise<void>;
  /** How the application calls Strava as itself (the webhook subscription), counted in the shared budget. */
  stravaApplication: SubscriptionClientOptions;
  /** The Telegram Bot API as this bot (TELEGRAM_BOT_TOKEN); undefined where the bot is off or the service holds no token. */
  telegram: TelegramBotApi | undefined;
  /** Closes the bus, then the database and budget. */
  close(): Promise<void>;
}

/** The services of an entry point that publishes (the app, the laptop stack, the backfill function). */
export type PublishingServices = Services & { bus: EventBus; publishImport: (request: ImportRequest) => Promise<string> };

export interface ServicesOptions {
  /** Tests shorten a backfill slice or the resumer's clock. */
  slice?: Partial<ImportSliceOptions>;
  resume?: ResumeOptions;
  /** Where archive uploads are kept, for the entry points that start, import or delete them. */
  archiveStore?: ObjectStore | undefined;
  archiveSlice?: Partial<ArchiveSliceOptions>;
}

/** Builds the services from a runtime and the bus the entry point publishes to (none: publishing is off). */
/** How long closing the services waits for AI notes being written. */
const CLOSE_WAIT_FOR_NOTES_MS = 5_000;

export function createServices(runtime: Runtime, bus: EventBus, options?: ServicesOptions): PublishingServices;
export function createServices(runtime: Runtime, bus?: EventBus, options?: ServicesOptions): Services;
export function createServices(runtime: Runtime, bus?: EventBus, options: ServicesOptions = {}): Services {
  const topic = runtime.config.pubsub.backfillTopic;
  const publishImport = bus ? (request: ImportRequest) => bus.publish(topic, request) : undefined;
  const deps = { ...runtime, ...(publishImport ? { publish: publishImport } : {}) };
  const archiveTopic = runtime.config.pubsub.archiveTopic;
  const askArchive = bus ? (message: unknown) => bus.publish(archiveTopic, message) : undefined;
  const { archiveStore } = options;
  const deliveriesTopic = runtime.config.pubsub.deliveriesTopic;
  const delivery: DeliveryDeps = {
    pool: runtime.pool,
    cipher: runtime.cipher,
    log: runtime.log,
    publicBaseUrl: runtime.config.publicBaseUrl,
    origins: webhookOrigins({ slack: runtime.config.delivery.slackWebhookBaseUrl, discord: runtime.config.delivery.discordWebhookBaseUrl }),
  };
  const telegram = telegramBotApiOf(runtime.config, runtime.secrets);
  // Without a bot token the Telegram destination is simply not offered (and skipped if one was stored).
  if (telegram) delivery.telegram = telegramDelivery(telegram);
  const publishNotice = bus ? (notice: DeliveryNotice) => bus.publish(deliveriesTopic, notice) : undefined;
  return {
    ...runtime,
    bus,
    publishImport,
    archiveStore,
    publishWaitingNotices: publishNotice ? () => publishWaitingNotices(runtime.pool, publishNotice) : undefined,
    handlers: {
      events: createEventHandler(async () => runtime, publishNotice),
      backfill: createBackfillHandler(deps, options.slice),
      archive: archiveStore
        ? createArchiveHandler(
            { pool: runtime.pool, log: runtime.log, store: archiveStore, ...(askArchive ? { publish: askArchive } : {}) },
            options.archiveSlice,
          )
        : async () => {
            // Thrown, so Pub/Sub redelivers and then dead-letters: the upload waits for a fixed deployment, nothing is lost.
            throw new ConfigError('ARCHIVE_BUCKET is missing: this service has nowhere to read uploads from');
          },
      deliveries: createDeliveryHandler(delivery),
    },
    delivery,
    resumeImports: createImportResumer(deps, options.resume),
    retryDeferredEvents: ({ deadlineAt, log }) => retryEvents({ ...runtime, log }, { deadlineAt }),
    // It only needs the topic: the import function, not update_tokens, reads the bucket. On the in-process bus only a
    // stack with a store of its own subscribes to that topic.
    resumeUploads:
      askArchive && bus && (archiveStore || !isInProcessBus(bus))
        ? ({ log }) => resumeStalledUploads({ pool: runtime.pool, log, publish: askArchive })
        : undefined,
    enrichEfforts: ({ deadlineAt, log }) => runEnrichment({ ...runtime, ...(log ? { log } : {}) }, { deadlineAt }),
    onStreamsFetched: (athleteId, activityId) => searchFetchedStreams(runtime.pool, athleteId, activityId),
    stravaApplication: {
      // The runtime client's host selector: after Strava's host moves, subscription calls follow with every other call.
      apiBaseUrl: runtime.strava.apiHost,
      clientId: runtime.config.strava.clientId,
      clientSecret: runtime.secrets.stravaClientSecret ?? '',
      onRateLimit: (usage) => runtime.budget.observe(usage),
      onApplicationSignal: (signal) => runtime.application.signal(signal),
    },
    telegram,
    async close() {
      // AI notes still being written get a few seconds to be stored (or recorded as failed) before the pool closes;
      // longer would outlast a platform's shutdown grace, and a note left pending is written again on a later visit, once it is stale.
      await Promise.race([settleInsights(), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_FOR_NOTES_MS).unref())]);
      await bus?.close();
      await runtime.close();
    },
  };
}

/** The Bot API as the configured bot, or undefined without a token: the one way every entry point reaches Telegram. */
export function telegramBotApiOf(config: Config, secrets: Secrets): TelegramBotApi | undefined {
  const token = secrets.telegramBotToken;
  return token ? createTelegramBotApi({ baseUrl: config.telegram.apiBaseUrl, token }) : undefined;
}

/**
 * On the laptop (and in tests) the in-process bus stands in for the push subscriptions: it calls the same handlers
 * with the same CloudEvent envelope. Pub/Sub needs nothing here; its subscriptions push to the functions.
 */
export function subscribeHandlers(services: Services): void {
  const { bus, config } = services;
  if (!bus || !isInProcessBus(bus)) return;
  bus.subscribe(config.pubsub.eventsTopic, services.handlers.events);
  bus.subscribe(config.pubsub.backfillTopic, services.handlers.backfill);
  bus.subscribe(config.pubsub.deliveriesTopic, services.handlers.deliveries);
  if (!services.archiveStore) return;
  bus.subscribe(config.pubsub.archiveTopic, services.handlers.archive);
  // The folder's stand-in for the bucket's notification goes through the same bus.
  if (services.archiveStore instanceof LocalObjectStore) notifyOnFinalize(services.archiveStore, bus, config.pubsub.archiveTopic);
}

export interface OpenServicesOptions extends RuntimeOptions, Pick<LoadSecretsOptions, 'need'> {
  /** Names the deployed service, so only the secrets it is granted are fetched; none for a person's command. */
  reader?: SecretReader;
  /**
   * 'configured': Pub/Sub in a Google Cloud project, the in-process bus elsewhere; 'cloud': Pub/Sub in a Google Cloud
   * project, none elsewhere (update_tokens: with nobody subscribed in-process, it resumes imports in place instead);
   * 'none': this entry point publishes nothing.
   */
  bus: 'configured' | 'cloud' | 'none';
  /** Opens where archive uploads are kept: the app (starts and deletes them) and importArchive (reads them). */
  archiveStore?: boolean;
  /** A start-up check on the configuration, run before the database is opened. */
  check?: (config: Config, secrets: Secrets) => void;
}

/** What every deployed entry point does first: config and secrets, the runtime, the bus, the services. */
export async function openServices(options: OpenServicesOptions & { bus: 'configured' }): Promise<PublishingServices>;
export async function openServices(options: OpenServicesOptions): Promise<Services>;
export async function openServices(options: OpenServicesOptions): Promise<Services> {
  const { reader, need, bus: busChoice, check, archiveStore: withStore, ...runtimeOptions } = options;
  const { config, secrets } = await loadConfigAndSecrets({ ...(reader ? { reader } : {}), ...(need ? { need } : {}) });
  check?.(config, secrets);
  const archiveStore = withStore ? await createArchiveStore(config) : undefined;
  const runtime = await createRuntime(config, secrets, runtimeOptions);
  let bus: EventBus | undefined;
  if (busChoice === 'configured') bus = await createBus(config, { log: runtime.log });
  else if (busChoice === 'cloud' && config.googleCloudProject) bus = await createPubSubBus({ projectId: config.googleCloudProject, log: runtime.log });
  return createServices(runtime, bus, { archiveStore });
}
