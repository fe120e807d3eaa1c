// Strava webhook events: the one validator the receiver and the processor share, and the key that dedupes redeliveries.
import { createHash } from 'node:crypto';

export type ObjectType = 'activity' | 'athlete';
export type AspectType = 'create' | 'update' | 'delete';

/** An event as Strava pushes it (API-NOTES.md, "Webhooks"), normalised: `updates` always present, values as strings. */
export interface StravaWebhookEvent {
  object_type: ObjectType;
  aspect_type: AspectType;
  object_id: number;
  owner_id: number;
  subscription_id: number;
  /** Epoch seconds at Strava. */
  event_time: number;
  updates: Record<string, string>;
}

/** Larger than any real event (a title is the only free text); anything bigger is not from Strava. */
export const MAX_EVENT_BYTES = 8 * 1024;
const MAX_UPDATE_VALUE_CHARS = 1024;
const MAX_UPDATE_KEYS = 16;
// 2008-01-01: before Strava existed; a smaller event_time is not a real one.
const EARLIEST_EVENT_TIME = 1_199_145_600;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

function positiveId(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidEventError(`${field} must be a positive integer`);
  }
  return value;
}

/** Checks shape and types; returns a normalised copy (unknown top-level fields are dropped) or throws InvalidEventError. */
export function parseWebhookEvent(body: unknown): StravaWebhookEvent {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidEventError('the event must be a JSON object');
  const b = body as Record<string, unknown>;
  const objectType = b.object_type;
  if (objectType !== 'activity' && objectType !== 'athlete') throw new InvalidEventError('object_type must be "activity" or "athlete"');
  const aspectType = b.aspect_type;
  if (aspectType !== 'create' && aspectType !== 'update' && aspectType !== 'delete') {
    throw new InvalidEventError('aspect_type must be "create", "update" or "delete"');
  }
  const objectId = positiveId(b, 'object_id');
  const ownerId = positiveId(b, 'owner_id');
  const subscriptionId = positiveId(b, 'subscription_id');
  const eventTime = positiveId(b, 'event_time');
  // Milliseconds or nonsense: Strava sends whole seconds.
  if (eventTime < EARLIEST_EVENT_TIME || eventTime > 32_503_680_000) throw new InvalidEventError('event_time must be epoch seconds');
  if (objectType === 'athlete' && objectId !== ownerId) throw new InvalidEventError('an athlete event must have object_id equal to owner_id');

  const updates: Record<string, string> = {};
  if (b.updates !== undefined && b.updates !== null) {
    if (typeof b.updates !== 'object' || Array.isArray(b.updates)) throw new InvalidEventError('updates must be an object');
    const entries = Object.entries(b.updates as Record<string, unknown>);
    if (entries.length > MAX_UPDATE_KEYS) throw new InvalidEventError('updates has too many fields');
    for (const [key, value] of entries) {
      if (!/^[a-z_]{1,32}$/.test(key)) throw new InvalidEventError("updates has a field name that is not Strava's");
      // Strava documents string values ("true"/"false"); booleans are accepted and written the same way.
      const text = typeof value === 'boolean' ? String(value) : value;
      if (typeof text !== 'string' || text.length > MAX_UPDATE_VALUE_CHARS) throw new InvalidEventError(`updates.${key} must be a short string`);
      // Refused here rather than failing every delivery at the database: PostgreSQL stores neither NUL nor a lone
      // surrogate (which has no UTF-8 form), and Strava sends neither.
      if (text.includes('\u0000')) throw new InvalidEventError(`updates.${key} contains a NUL character`);
      if (LONE_SURROGATE.test(text)) throw new InvalidEventError(`updates.${key} contains an unpaired surrogate`);
      updates[key] = text;
    }
  }
  if (aspectType !== 'update' && Object.keys(updates).length > 0) throw new InvalidEventError('only update events carry updates');
  for (const flag of ['private', 'authorized']) {
    if (updates[flag] !== undefined && updates[flag] !== 'true' && updates[flag] !== 'false') {
      throw new InvalidEventError(`updates.${flag} must be "true" or "false"`);
    }
  }
  return {
    object_type: objectType,
    aspect_type: aspectType,
    object_id: objectId,
    owner_id: ownerId,
    subscription_id: subscriptionId,
    event_time: eventTime,
    updates,
  };
}

/** The same event delivered twice (Strava's retries, Pub/Sub redelivery, a replay) has the same key. */
export function dedupeKey(event: StravaWebhookEvent): string {
  const updates = Object.keys(event.updates)
    .sort()
    .map((key) => [key, event.updates[key]]);
  const digest = createHash('sha256').update(JSON.stringify(updates)).digest('base64url').slice(0, 16);
  return `${event.subscription_id}:${event.object_type}:${event.object_id}:${event.aspect_type}:${event.event_time}:${digest}`;
}

/** Whether the event says the athlete revoked the application. */
export function isDeauthorization(event: StravaWebhookEvent): boolean {
  return event.object_type === 'athlete' && event.updates.authorized === 'false';
}
