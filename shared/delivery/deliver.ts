// The delivery function's work: one notice to each of the athlete's destinations, at most once each in effect.
// Throws (Pub/Sub redelivers, then dead-letters) when a destination failed in a way a later attempt may fix.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { getOwnActivity, keptToThemselves, type ActivityDetail } from '../activities/index.js';
import type { Logger } from '../log.js';
import type { TokenCipher } from '../tokens/index.js';
import {
  type DeliveryPreferences,
  disableDestination,
  enabledDestinations,
  getDeliveryPreferences,
  type StoredDestination,
  webhookUrlContext,
} from './destinations.js';
import { discordMessage, type MessageParts, messageParts, slackMessage } from './message.js';
import { type DeliveryNotice, EDIT_WINDOW_MS } from './notices.js';
import { PacedError, pauseKey, waitForSlots } from './pacing.js';
import { type DeliveryTarget, type RenderedMessage, type Sent, TargetError, webhookTarget } from './targets.js';
import { InvalidWebhookUrlError, parseWebhookUrl, type WebhookOrigins } from './webhook-url.js';

/** How the Telegram destination reaches the athlete's linked chat; absent where no bot is configured. */
export interface TelegramDelivery {
  /** The chat linked to the athlete, or undefined when they unlinked it. */
  chatOf(db: pg.Pool, athleteId: number): Promise<string | undefined>;
  target(chatId: string): DeliveryTarget;
  render(parts: MessageParts): RenderedMessage;
}

export interface DeliveryDeps {
  pool: pg.Pool;
  cipher: TokenCipher;
  log: Logger;
  publicBaseUrl: string;
  origins: WebhookOrigins;
  telegram?: TelegramDelivery | undefined;
  fetch?: typeof fetch;
  /** The longest an invocation waits for a pacing slot or a short retry_after before leaving it to a redelivery. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type DestinationOutcome = 'sent' | 'edited' | 'deleted' | 'skipped' | 'duplicate' | 'disabled' | 'failed' | 'retry';

export class DeliveryRetryError extends Error {
  override readonly name = 'DeliveryRetryError';
}

/** A claim older than this was left by an invocation that died mid-send; another may take it over. */
const STALE_CLAIM_MS = 2 * 60_000;
const DEFAULT_MAX_WAIT_MS = 30_000;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Context {
  deps: DeliveryDeps;
  notice: DeliveryNotice;
  log: Logger;
  preferences: DeliveryPreferences;
  activity: ActivityDetail | undefined;
}

/** Delivers one notice to every destination the athlete has on; returns what happened at each. */
export async function deliverNotice(deps: DeliveryDeps, notice: DeliveryNotice): Promise<Record<string, DestinationOutcome>> {
  const log = deps.log.child({ noticeId: notice.noticeId, activityId: notice.activityId, change: notice.change });
  const destinations = await enabledDestinations(deps.pool, notice.athleteId);
  const outcomes: Record<string, DestinationOutcome> = {};
  if (destinations.length === 0) return outcomes;
  const preferences = await getDeliveryPreferences(deps.pool, notice.athleteId);
  const hidden = notice.change !== 'deleted' && (await keptToThemselves(deps.pool, notice.athleteId, notice.activityId));
  // Read now, not when the notice was written: a rename that came meanwhile goes out in the first message.
  const activity = notice.change === 'deleted' || hidden ? undefined : await getOwnActivity(deps.pool, notice.athleteId, notice.activityId);
  const context: Context = { deps, notice, log, preferences, activity };
  let retry: unknown;
  for (const destination of destinations) {
    try {
      outcomes[destination.service] = await deliverTo(context, destination);
    } catch (error) {
      // Every other destination still gets its message now; the redelivery skips those already done.
      outcomes[destination.service] = 'retry';
      retry = error;
      log.warn('Delivery failed for now; it will be redelivered', { service: destination.service, error });
    }
  }
  log.info('Delivery notice handled', { outcomes });
  if (retry) throw new DeliveryRetryError(`a destination failed for now: ${(retry as Error).message}`, { cause: retry });
  return outcomes;
}

async function targetFor(context: Context, destination: StoredDestination): Promise<DeliveryTarget | undefined> {
  const { deps, notice } = context;
  if (destination.service === 'telegram') {
    if (!deps.telegram) return undefined;
    const chatId = await deps.telegram.chatOf(deps.pool, notice.athleteId);
    return chatId === undefined ? undefined : deps.telegram.target(chatId);
  }
  const service = destination.service;
  const stored = deps.cipher.decrypt(destination.webhookUrl!, webhookUrlContext(notice.athleteId, service));
  // Checked again on the way out: a URL stored where another host was allowed (a laptop's stand-in) is not called here.
  const url = parseWebhookUrl(service, stored, deps.origins);
  return webhookTarget(service, url, deps.fetch);
}

function render(context: Context, target: DeliveryTarget): RenderedMessage {
  const parts = messageParts(context.activity!, context.preferences, context.deps.publicBaseUrl);
  if (target.service === 'slack') return slackMessage(parts);
  if (target.service === 'discord') return discordMessage(parts);
  return context.deps.telegram!.render(parts);
}

const hashOf = (message: RenderedMessage) => createHash('sha256').update(message.text).digest('hex');

interface DeliveryRow {
  status: 'sending' | 'sent' | 'deleted' | 'failed';
  message_id: string | null;
  message_hash: string | null;
  recent: boolean;
}

async function deliveryRow(context: Context, destination: StoredDestination): Promise<DeliveryRow | undefined> {
  const { rows } = await context.deps.pool.query<DeliveryRow>(
    `select status, message_id, message_hash, sent_at > now() - $3::int * interval '1 millisecond' as recent
     from deliveries where activity_id = $1::bigint and destination_id = $2::bigint`,
    [context.notice.activityId, destination.id, EDIT_WINDOW_MS],
  );
  return rows[0];
}

async function deliverTo(context: Context, destination: StoredDestination): Promise<DestinationOutcome> {
  const { deps, notice } = context;
  let target: DeliveryTarget | undefined;
  try {
    target = await targetFor(context, destination);
  } catch (error) {
    if (!(error instanceof InvalidWebhookUrlError)) throw error;
    await disableDestination(deps.pool, destination.id, 'webhook_gone');
    return 'disabled';
  }
  if (!target) return 'skipped';
  try {
    switch (notice.change) {
      case 'created':
        return await deliverCreated(context, destination, target);
      case 'updated':
        return await deliverUpdated(context, destination, target);
      case 'deleted':
        return await deliverDeleted(context, destination, target);
    }
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    const failure = error.failure;
    if (failure.kind === 'gone') {
      // Blocked, removed, archived: switched off until the athlete saves it again, and settings says why.
      await disableDestination(deps.pool, destination.id, failure.reason);
      await releaseClaim(context, destination);
      context.log.warn('Destination switched off: the service refuses it for good', { service: destination.service, reason: failure.reason });
      return 'disabled';
    }
    if (failure.kind === 'refused') {
      await recordFailed(context, destination, error.detail);
      return 'failed';
    }
    if (failure.kind === 'message-gone') {
      await deps.pool.query(`update deliveries set status = 'deleted', detail = $3::text where activity_id = $1::bigint and destination_id = $2::bigint`, [
        notice.activityId,
        destination.id,
        'the message was no longer there',
      ]);
      return 'skipped';
    }
    // Nothing was posted (429) or nobody knows (5xx, no answer): the claim goes so the redelivery sends.
    if (failure.kind === 'rate-limited') await pauseKey(deps.pool, target.pacing[0]!.key, failure.retryAfterMs);
    await releaseClaim(context, destination);
    throw error;
  }
}

/** Waits for every pacing key of the target, sends, and pushes the key back when the service asked for a pause. */
async function paced(context: Context, target: DeliveryTarget, call: () => Promise<Sent>): Promise<Sent> {
  const { deps } = context;
  await waitForSlots(deps.pool, target.pacing, deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, deps.sleep ?? defaultSleep);
  const sent = await call();
  if (sent.pauseMs) await pauseKey(deps.pool, target.pacing[0]!.key, sent.pauseMs);
  return sent;
}

async function deliverCreated(context: Context, destination: StoredDestination, target: DeliveryTarget): Promise<DestinationOutcome> {
  const { deps, notice, activity, preferences } = context;
  if (!activity) return 'skipped'; // deleted, or kept to themselves, before it could go out
  if (preferences.sports && !preferences.sports.includes(activity.sportType)) return 'skipped';
  // The idempotency key of the at-least-once topic: one row per activity and destination, claimed before the send.
  const { rows } = await deps.pool.query<{ claimed: boolean }>(
    `insert into deliveries as d (activity_id, destination_id, athlete_id, status) values ($1::bigint, $2::bigint, $3::bigint, 'sending')
     on conflict (activity_id, destination_id) do update set claimed_at = now()
       where d.status = 'sending' and d.claimed_at < now() - $4::int * interval '1 millisecond'
     returning true as claimed`,
    [notice.activityId, destination.id, notice.athleteId, STALE_CLAIM_MS],
  );
  if (rows.length === 0) {
    const row = await deliveryRow(context, destination);
    // Another invocation is sending it right now: this one retries later rather than guess how that ends.
    if (row?.status === 'sending') throw new PacedError('another delivery of this message is under way');
    return 'duplicate';
  }
  const message = render(context, target);
  let sent: Sent;
  try {
    sent = await paced(context, target, () => target.send(message));
  } catch (error) {
    if (error instanceof PacedError) await releaseClaim(context, destination);
    throw error;
  }
  await deps.pool.query(
    `update deliveries set status = 'sent', message_id = $3::text, message_hash = $4::text, sent_at = now(), detail = null
     where activity_id = $1::bigint and destination_id = $2::bigint`,
    [notice.activityId, destination.id, sent.messageId ?? null, hashOf(message)],
  );
  return 'sent';
}

async function deliverUpdated(context: Context, destination: StoredDestination, target: DeliveryTarget): Promise<DestinationOutcome> {
  const { deps, notice, activity } = context;
  if (!activity) return 'skipped';
  const row = await deliveryRow(context, destination);
  // Slack's incoming webhooks cannot edit: the first message stands rather than a second one following it.
  if (row?.status !== 'sent' || !row.recent || !row.message_id || !target.edit) return 'skipped';
  const message = render(context, target);
  const hash = hashOf(message);
  if (hash === row.message_hash) return 'duplicate';
  const messageId = row.message_id;
  await paced(context, target, () => target.edit!(messageId, message));
  await deps.pool.query(`update deliveries set message_hash = $3::text where activity_id = $1::bigint and destination_id = $2::bigint`, [
    notice.activityId,
    destination.id,
    hash,
  ]);
  return 'edited';
}

async function deliverDeleted(context: Context, destination: StoredDestination, target: DeliveryTarget): Promise<DestinationOutcome> {
  const { deps, notice } = context;
  const row = await deliveryRow(context, destination);
  if (row?.status !== 'sent') return row ? 'duplicate' : 'skipped';
  // Slack keeps what a webhook posted: there is nothing it lets the site remove.
  if (!row.message_id || !target.remove) return 'skipped';
  const messageId = row.message_id;
  await paced(context, target, () => target.remove!(messageId));
  await deps.pool.query(`update deliveries set status = 'deleted' where activity_id = $1::bigint and destination_id = $2::bigint`, [
    notice.activityId,
    destination.id,
  ]);
  return 'deleted';
}

async function releaseClaim(context: Context, destination: StoredDestination): Promise<void> {
  await context.deps.pool.query(`delete from deliveries where activity_id = $1::bigint and destination_id = $2::bigint and status = 'sending'`, [
    context.notice.activityId,
    destination.id,
  ]);
}

async function recordFailed(context: Context, destination: StoredDestination, detail: string): Promise<void> {
  const { notice } = context;
  await context.deps.pool.query(
    `update deliveries set status = 'failed', detail = $3::text where activity_id = $1::bigint and destination_id = $2::bigint and status = 'sending'`,
    [notice.activityId, destination.id, detail.slice(0, 300)],
  );
}
