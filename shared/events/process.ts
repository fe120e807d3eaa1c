// Applies one Strava webhook event, exactly once in effect and only as far as Strava itself confirms it: throws for transient failures (retry), records and returns otherwise.
import type pg from 'pg';
import { deleteActivityAsOf, lockActivity, storeSnapshot, storedActivityAsOf } from '../activities/index.js';
import { athleteExists, connectedSince, deleteAthleteConnectedBefore, getAthlete } from '../athletes/index.js';
import { withTransaction } from '../db/index.js';
import { noteActivityChange } from '../delivery/index.js';
import { searchDetail } from '../efforts/index.js';
import type { Logger } from '../log.js';
import { QUARTER_HOUR_MS, windowStart, type StravaBudget } from '../strava/index.js';
import type { StravaClient } from '../strava/index.js';
import { causedByInactiveApplication, StravaError, StravaNotFoundError, StravaRateLimitError, StravaUnauthorizedError } from '../strava/index.js';
import { INACTIVE_RETRY_MS } from '../strava/index.js';
import { getAccessToken, ReconnectRequiredError, TokenRefreshError } from '../tokens/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { activityDeletedSince, claimEvent, deferEvent, dueDeferredEvents, finishEvent, forgetAthleteEvents, reserveEventSpend } from './store.js';
import { InvalidEventError, isDeauthorization, type StravaWebhookEvent } from './webhook-event.js';

export interface ProcessorDeps {
  pool: pg.Pool;
  strava: StravaClient;
  cipher: TokenCipher;
  log: Logger;
  /** The shared Strava rate-limit budget: every request an event costs is reserved from its background share. */
  budget: StravaBudget;
  /** Strava requests one athlete's events may spend per quarter hour (default EVENT_REQUESTS_PER_ATHLETE). */
  eventRequestsPerAthlete?: number;
}

/**
 * A real athlete's burst (a dozen uploads, a few edits) fits; a flood in one athlete's name stops here and waits for
 * the next window, so it can never drain the share the history imports and other athletes' events live on.
 */
export const EVENT_REQUESTS_PER_ATHLETE = 30;

export type EventOutcome =
  | { status: 'processed' | 'ignored' | 'unconfirmed' | 'failed' | 'deferred'; reason?: string }
  /** Already in a final state: a redelivery or a replay, and nothing was done. */
  | { status: 'duplicate' };

type Final = { status: 'processed' | 'ignored' | 'unconfirmed' | 'failed' | 'deferred'; reason?: string; forgetUpdates?: boolean };

/** Whether a failure is worth a redelivery. Unknown errors are: a dead letter is visible, a wrongly dropped event is not. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StravaError) return error.transient;
  if (error instanceof TokenRefreshError) return error.transient;
  if (error instanceof ReconnectRequiredError || error instanceof InvalidEventError) return false;
  return true;
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
}

/**
 * Records the delivery in webhook_events, applies the event unless it was already applied, and records the outcome.
 * Throws (after recording `retrying` when the database allows) when a later delivery may succeed.
 */
export async function processWebhookEvent(deps: ProcessorDeps, event: StravaWebhookEvent, messageId?: string): Promise<EventOutcome> {
  const claim = await claimEvent(deps.pool, event, messageId);
  const log = deps.log.child({ webhookEventId: claim.id, objectType: event.object_type, aspectType: event.aspect_type, ownerId: event.owner_id });
  if (claim.kind === 'done') {
    log.info('Webhook event already handled; nothing to do', { status: claim.status });
    return { status: 'duplicate' };
  }
  try {
    const outcome = await apply(deps, event, claim.id);
    const level = outcome.status === 'unconfirmed' ? 'warn' : 'info';
    log[level](`Webhook event ${outcome.status}`, { objectId: event.object_id, reason: outcome.reason, attempt: claim.attempts });
    return { status: outcome.status, ...(outcome.reason ? { reason: outcome.reason } : {}) };
  } catch (error) {
    if (error instanceof StravaRateLimitError) {
      // Strava's own limit: redelivering in seconds would only be refused again. Parked until the window resets.
      const retryAt = deps.budget.resumeAfterRateLimit(error.usage);
      await deferEvent(deps.pool, claim.id, retryAt, 'Strava answered 429 (rate limit)');
      log.warn('Webhook event deferred: Strava rate limit', { objectId: event.object_id, retryAt });
      return { status: 'deferred', reason: 'Strava answered 429 (rate limit)' };
    }
    if (causedByInactiveApplication(error)) {
      // The site's Strava application is paused (its owner has no subscription): a pause can outlast every Pub/Sub
      // redelivery, so the event is parked like a rate-limited one and the scheduled job applies it once Strava answers.
      const retryAt = new Date(Date.now() + INACTIVE_RETRY_MS);
      await deferEvent(deps.pool, claim.id, retryAt, 'Strava application inactive');
      log.warn('Webhook event deferred: the Strava application is inactive', { objectId: event.object_id, retryAt });
      return { status: 'deferred', reason: 'Strava application inactive' };
    }
    if (isTransient(error)) {
      log.warn('Webhook event failed for now; it will be redelivered', { objectId: event.object_id, attempt: claim.attempts, error });
      await finishEvent(deps.pool, claim.id, 'retrying', describe(error)).catch(() => undefined);
      throw error;
    }
    log.error('Webhook event failed for good', { objectId: event.object_id, error });
    await finishEvent(deps.pool, claim.id, 'failed', describe(error));
    return { status: 'failed', reason: describe(error) };
  }
}

/**
 * Applies the deferred events whose time has come (the scheduled job calls this), oldest first, until `deadlineAt`.
 * An event deferred again stays recorded for the next run; nothing is dropped.
 */
export async function retryDeferredEvents(
  deps: ProcessorDeps,
  options: { limit?: number; deadlineAt?: number } = {},
): Promise<{ retried: number; deferredAgain: number }> {
  const events = await dueDeferredEvents(deps.pool, options.limit ?? 200);
  let retried = 0;
  let deferredAgain = 0;
  for (const event of events) {
    if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) break;
    try {
      const outcome = await processWebhookEvent(deps, event);
      retried++;
      if (outcome.status === 'deferred') {
        deferredAgain++;
        // The budget is spent again: the rest would only be deferred too.
        break;
      }
    } catch (error) {
      // Recorded as retrying by processWebhookEvent; the next run (or a replay) tries again.
      deps.log.warn('A deferred webhook event failed again', { error, objectId: event.object_id });
    }
  }
  return { retried, deferredAgain };
}

async function apply(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  if (event.object_type === 'athlete') return applyAthlete(deps, event, eventId);
  const known = await getAthlete(deps.pool, event.owner_id);
  if (!known) {
    // Someone else's data: acknowledged, recorded without the titles it carried, and no Strava request spent.
    return finish(deps.pool, eventId, { status: 'ignored', reason: 'unknown athlete', forgetUpdates: true });
  }
  // A banned or disconnected athlete's data is neither fetched nor changed on someone's word.
  if (known.status !== 'connected') return finish(deps.pool, eventId, { status: 'ignored', reason: `the athlete is ${known.status}` });
  switch (event.aspect_type) {
    case 'create':
    case 'update':
      return applySnapshot(deps, event, eventId);
    case 'delete':
      return applyDelete(deps, event, eventId);
  }
}

async function finish(db: pg.Pool | pg.PoolClient, eventId: number, outcome: Final): Promise<Final> {
  if (outcome.status === 'deferred') throw new Error('deferred outcomes are recorded with deferEvent');
  await finishEvent(db, eventId, outcome.status, outcome.reason, { forgetUpdates: outcome.forgetUpdates });
  return outcome;
}

/**
 * Takes the one Strava request an event needs from the athlete's share and from the shared background budget (never
 * the share kept for sign-ins). Undefined when granted; otherwise the event is recorded as deferred until the window
 * that ran out resets, and that outcome is returned.
 */
async function reserveRequest(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final | undefined> {
  const at = deps.budget.now();
  const window = windowStart(at);
  const perAthlete = deps.eventRequestsPerAthlete ?? EVENT_REQUESTS_PER_ATHLETE;
  let retryAt: Date | undefined;
  let reason = '';
  if (!(await reserveEventSpend(deps.pool, event.owner_id, window, perAthlete))) {
    retryAt = new Date(window.getTime() + QUARTER_HOUR_MS);
    reason = `this athlete's events already spent ${perAthlete} Strava requests this quarter hour`;
  } else {
    const granted = await deps.budget.reserveBackground();
    if (!granted.granted) {
      retryAt = granted.retryAt;
      reason = `Strava's background budget is spent (${granted.limit === 'daily' ? 'daily' : '15-minute'} limit)`;
    }
  }
  if (!retryAt) return undefined;
  await deferEvent(deps.pool, eventId, retryAt, reason);
  return { status: 'deferred', reason };
}

/** Strava's own answer on whether the athlete's grant is gone: a token that no longer works, or a refused refresh. */
async function grantGone(deps: ProcessorDeps, athleteId: number): Promise<'gone' | 'valid' | 'unknown_athlete' | 'cannot_ask'> {
  try {
    await deps.strava.getAthlete(await getAccessToken(deps, athleteId));
    return 'valid';
  } catch (error) {
    if (error instanceof StravaUnauthorizedError) return 'gone';
    if (error instanceof ReconnectRequiredError) {
      if (error.reason === 'unknown_athlete') return 'unknown_athlete';
      // Banned, or no tokens stored: nobody asked Strava, so nothing is confirmed.
      if (error.reason === 'banned' || error.reason === 'no_tokens') return 'cannot_ask';
      // Strava refused the refresh token, now or when the athlete was marked disconnected.
      return 'gone';
    }
    throw error;
  }
}

async function applyAthlete(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  if (!isDeauthorization(event)) return finish(deps.pool, eventId, { status: 'ignored', reason: 'athlete updates other than deauthorization are not used' });
  const reconnected = await connectedSince(deps.pool, event.owner_id, event.event_time);
  // Nothing at stake, so nothing is spent at Strava.
  if (reconnected === undefined) return finish(deps.pool, eventId, { status: 'ignored', reason: 'unknown athlete' });
  if (reconnected) return finish(deps.pool, eventId, { status: 'ignored', reason: 'the athlete connected again after this deauthorization' });

  const deferred = await reserveRequest(deps, event, eventId);
  if (deferred) return deferred;
  // Events are not signed: the deletion happens only on Strava's own word that the grant is gone.
  const grant = await grantGone(deps, event.owner_id);
  if (grant === 'unknown_athlete') return finish(deps.pool, eventId, { status: 'ignored', reason: 'unknown athlete' });
  if (grant !== 'gone') {
    return finish(deps.pool, eventId, {
      status: 'unconfirmed',
      reason:
        grant === 'valid'
          ? "deauthorization not confirmed: Strava still accepts the athlete's token; nothing was deleted"
          : 'deauthorization not confirmed: Strava could not be asked for this athlete; nothing was deleted',
    });
  }
  return withTransaction(deps.pool, async (client) => {
    // Strava's agreement: a deauthorized athlete's data goes. Unless they connected again after the event.
    if (await deleteAthleteConnectedBefore(client, event.owner_id, event.event_time)) {
      await forgetAthleteEvents(client, event.owner_id, eventId);
      return finish(client, eventId, { status: 'processed', reason: 'athlete deauthorized (confirmed by Strava): all their data deleted' });
    }
    const still = await athleteExists(client, event.owner_id);
    return finish(client, eventId, {
      status: 'ignored',
      reason: still ? 'the athlete connected again after this deauthorization' : 'unknown athlete',
    });
  });
}

/**
 * Fetches the activity and stores Strava's answer as of the event's time. Creates and updates alike: an update's
 * body is never applied, since it carries the legacy type (a TrailRun arrives as "Run") and `private: "false"` does
 * not say whether the activity is now visible to everyone or to followers only; Strava's answer says both.
 */
async function applySnapshot(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  const id = event.object_id;
  const current = await storedActivityAsOf(deps.pool, id, event.owner_id, event.event_time);
  if (current && !current.mine) return finish(deps.pool, eventId, { status: 'failed', reason: 'the activity belongs to another athlete' });
  // A fetch at least as late as this event is stored already: nothing at stake, nothing spent. Event times are whole
  // seconds: a fetch stored for the same second as an update may have been made just before that change, so for an
  // update only a fetch from a later second counts. A create comes before every change of its activity, so any fetch
  // of its second already holds it.
  const storedIsNewer = event.aspect_type === 'create' ? current?.newer : current?.recreated;
  if (storedIsNewer) return finish(deps.pool, eventId, { status: 'ignored', reason: 'stale: newer data already stored' });
  if (await activityDeletedSince(deps.pool, id, event.event_time)) {
    return finish(deps.pool, eventId, { status: 'ignored', reason: 'the activity was deleted after this event' });
  }

  const deferred = await reserveRequest(deps, event, eventId);
  if (deferred) return deferred;
  const accessToken = await getAccessToken(deps, event.owner_id);
  let activity;
  try {
    activity = await deps.strava.getActivity(accessToken, id);
  } catch (error) {
    // Deleted since, or made private beyond our scope: there is nothing to store, and retrying will not change that.
    if (error instanceof StravaNotFoundError) return finish(deps.pool, eventId, { status: 'ignored', reason: 'Strava has no such activity (404)' });
    throw error;
  }
  if (activity.athlete?.id !== undefined && activity.athlete.id !== event.owner_id) {
    return finish(deps.pool, eventId, { status: 'failed', reason: 'Strava returned an activity of another athlete' });
  }

  return withTransaction(deps.pool, async (client) => {
    await lockActivity(client, id);
    // Checked again under the lock: a delete may have been applied while Strava answered.
    if (await activityDeletedSince(client, id, event.event_time)) {
      return finish(client, eventId, { status: 'ignored', reason: 'the activity was deleted after this event' });
    }
    // New to the site through a webhook (not a history or archive import, which stored it before any event came): the
    // athlete's chats hear of it. An update to one already delivered may edit that message. Recorded in this
    // transaction, published once it commits (shared/delivery/notices.ts).
    const isNew = (await storedActivityAsOf(client, id, event.owner_id, event.event_time)) === undefined;
    await storeSnapshot(client, event.owner_id, activity, event.event_time);
    await noteActivityChange(client, { athleteId: event.owner_id, activityId: id, change: isNew ? 'created' : 'updated' });
    // The detail already carries Strava's best efforts for a run: kept now, so the history enrichment never pays for it.
    await searchDetail(client, event.owner_id, activity);
    return finish(client, eventId, { status: 'processed', reason: event.aspect_type === 'update' ? "applied from Strava's answer" : undefined });
  });
}

async function applyDelete(deps: ProcessorDeps, event: StravaWebhookEvent, eventId: number): Promise<Final> {
  const current = await storedActivityAsOf(deps.pool, event.object_id, event.owner_id, event.event_time);
  if (current && !current.mine) return finish(deps.pool, eventId, { status: 'failed', reason: 'the activity belongs to another athlete' });
  if (current?.recreated) return finish(deps.pool, eventId, { status: 'ignored', reason: 'stale: the activity was created again after this delete' });

  const deferred = await reserveRequest(deps, event, eventId);
  if (deferred) return deferred;
  // Events are not signed: the activity goes only once Strava says it has no such activity (or the grant is gone).
  let confirmed: string | undefined;
  try {
    const activity = await deps.strava.getActivity(await getAccessToken(deps, event.owner_id), event.object_id);
    if (activity.athlete?.id !== undefined && activity.athlete.id !== event.owner_id) confirmed = undefined;
  } catch (error) {
    if (error instanceof StravaNotFoundError) confirmed = 'Strava has no such activity (404)';
    else if (error instanceof StravaUnauthorizedError) confirmed = "the athlete's grant is gone (401)";
    else if (error instanceof ReconnectRequiredError && error.reason !== 'banned' && error.reason !== 'no_tokens' && error.reason !== 'unknown_athlete') {
      confirmed = "the athlete's grant is gone (refresh refused)";
    } else if (error instanceof ReconnectRequiredError) {
      return finish(deps.pool, eventId, { status: 'unconfirmed', reason: 'delete not confirmed: Strava could not be asked; nothing was deleted' });
    } else throw error;
  }
  if (!confirmed) {
    return finish(deps.pool, eventId, { status: 'unconfirmed', reason: 'delete not confirmed: Strava still has this activity; nothing was deleted' });
  }

  return withTransaction(deps.pool, async (client) => {
    await lockActivity(client, event.object_id);
    // Event times are whole seconds: data stored within the delete's second counts as older than the delete.
    const { survived } = await deleteActivityAsOf(client, event.object_id, event.owner_id, event.event_time);
    if (survived) {
      // Created again later (Strava turns "Only You" into delete + create): the later create stands.
      return finish(client, eventId, { status: 'ignored', reason: 'stale: the activity was created again after this delete' });
    }
    // A message about it in the athlete's chats goes too, where the service allows.
    await noteActivityChange(client, { athleteId: event.owner_id, activityId: event.object_id, change: 'deleted' });
    // Processed, whether or not there was a row: this record is what keeps a late create from bringing it back.
    return finish(client, eventId, { status: 'processed', reason: confirmed });
  });
}
