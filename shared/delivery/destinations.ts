// The athlete's destinations and preferences: stored, listed for settings, switched off when a service refuses for good.
import type { Queryable } from '../db/index.js';
import type { TokenCipher } from '../tokens/index.js';
import type { DisabledReason } from './targets.js';
import { webhookUrlHint, type WebhookService } from './webhook-url.js';

export type DestinationService = 'telegram' | WebhookService;

export interface DestinationView {
  service: DestinationService;
  enabled: boolean;
  /** The host and the last characters of a webhook URL; null for Telegram. */
  urlHint: string | null;
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
}

export interface DeliveryPreferences {
  /** null: every sport. */
  sports: string[] | null;
  locale: 'en' | 'ru';
  units: 'metric' | 'imperial';
}

export const DEFAULT_PREFERENCES: DeliveryPreferences = Object.freeze({ sports: null, locale: 'en', units: 'metric' });

/** The URL is bound to its athlete and service: a ciphertext copied to another row does not decrypt. */
export const webhookUrlContext = (athleteId: number, service: WebhookService) => `delivery-webhook:${athleteId}:${service}`;

export async function listDestinations(db: Queryable, athleteId: number): Promise<DestinationView[]> {
  const { rows } = await db.query<DestinationView>(
    `select service, enabled, url_hint as "urlHint", disabled_reason as "disabledReason", disabled_at as "disabledAt"
     from delivery_destinations where athlete_id = $1::bigint order by service`,
    [athleteId],
  );
  return rows;
}

/** Stores (or replaces) the athlete's webhook for a service, switched on: saving again is how a switched-off one returns. */
export async function saveWebhookDestination(db: Queryable, cipher: TokenCipher, athleteId: number, service: WebhookService, url: URL): Promise<void> {
  await db.query(
    `insert into delivery_destinations as d (athlete_id, service, webhook_url, url_hint)
     values ($1::bigint, $2::text, $3::bytea, $4::text)
     on conflict (athlete_id, service) do update set webhook_url = excluded.webhook_url, url_hint = excluded.url_hint,
       enabled = true, disabled_reason = null, disabled_at = null, updated_at = now()`,
    [athleteId, service, cipher.encrypt(url.href, webhookUrlContext(athleteId, service)), webhookUrlHint(url)],
  );
}

/** Telegram needs no URL: the chat linked to the athlete is looked up at each delivery. */
export async function enableTelegramDestination(db: Queryable, athleteId: number): Promise<void> {
  await db.query(
    `insert into delivery_destinations (athlete_id, service) values ($1::bigint, 'telegram')
     on conflict (athlete_id, service) do update set enabled = true, disabled_reason = null, disabled_at = null, updated_at = now()`,
    [athleteId],
  );
}

/** Removes a destination and its delivery records. */
export async function removeDestination(db: Queryable, athleteId: number, service: DestinationService): Promise<boolean> {
  const { rowCount } = await db.query('delete from delivery_destinations where athlete_id = $1::bigint and service = $2::text', [athleteId, service]);
  return (rowCount ?? 0) > 0;
}

export async function disableDestination(db: Queryable, destinationId: number, reason: DisabledReason): Promise<void> {
  await db.query(
    `update delivery_destinations set enabled = false, disabled_reason = $2::text, disabled_at = now(), updated_at = now()
     where id = $1::bigint and enabled`,
    [destinationId, reason],
  );
}

export async function getDeliveryPreferences(db: Queryable, athleteId: number): Promise<DeliveryPreferences> {
  const { rows } = await db.query<DeliveryPreferences>('select sports, locale, units from delivery_preferences where athlete_id = $1::bigint', [athleteId]);
  return rows[0] ?? { ...DEFAULT_PREFERENCES };
}

export async function saveDeliveryPreferences(db: Queryable, athleteId: number, preferences: DeliveryPreferences): Promise<void> {
  await db.query(
    `insert into delivery_preferences as p (athlete_id, sports, locale, units) values ($1::bigint, $2::text[], $3::text, $4::text)
     on conflict (athlete_id) do update set sports = excluded.sports, locale = excluded.locale, units = excluded.units, updated_at = now()`,
    [athleteId, preferences.sports, preferences.locale, preferences.units],
  );
}

export interface StoredDestination {
  id: number;
  service: DestinationService;
  webhookUrl: Buffer | null;
}

export async function enabledDestinations(db: Queryable, athleteId: number): Promise<StoredDestination[]> {
  const { rows } = await db.query<StoredDestination>(
    `select id::int as id, service, webhook_url as "webhookUrl" from delivery_destinations
     where athlete_id = $1::bigint and enabled order by id`,
    [athleteId],
  );
  return rows;
}
