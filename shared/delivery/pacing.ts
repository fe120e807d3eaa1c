// Pacing shared by every instance: each key (a chat, a webhook, the bot as a whole) has a next free moment in
// Postgres, so a burst spread over many function instances still reaches each service at its own pace.
import type { Queryable } from '../db/index.js';
import type { Pacing } from './targets.js';

/** Thrown when the next free moment is further off than an invocation should wait: Pub/Sub redelivers later. */
export class PacedError extends Error {
  override readonly name = 'PacedError';
}

/**
 * Takes the key's next free slot and returns how long to wait for it (the database's clock decides, so instances with
 * different clocks agree). Undefined, and nothing taken, when that slot is more than `maxWaitMs` away.
 */
export async function reserveSlot(db: Queryable, pacing: Pacing, maxWaitMs: number): Promise<number | undefined> {
  const { rows } = await db.query<{ wait_ms: number }>(
    `insert into delivery_pacing as p (key, next_at) values ($1::text, clock_timestamp() + $2::int * interval '1 millisecond')
     on conflict (key) do update set next_at = greatest(p.next_at, clock_timestamp()) + $2::int * interval '1 millisecond'
       where p.next_at < clock_timestamp() + $3::int * interval '1 millisecond'
     returning greatest(extract(epoch from (p.next_at - clock_timestamp())) * 1000 - $2::int, 0)::float8 as wait_ms`,
    [pacing.key, pacing.intervalMs, maxWaitMs],
  );
  return rows[0]?.wait_ms;
}

/** A service said "not before then" (429, an empty bucket): nobody sends to the key until that moment. */
export async function pauseKey(db: Queryable, key: string, pauseMs: number): Promise<void> {
  await db.query(
    `insert into delivery_pacing as p (key, next_at) values ($1::text, clock_timestamp() + $2::int * interval '1 millisecond')
     on conflict (key) do update set next_at = greatest(p.next_at, excluded.next_at)`,
    [key, Math.ceil(pauseMs)],
  );
}

/** Keys idle for a day are dropped: a chat or webhook not sent to since (or an athlete gone) leaves no row behind. */
export async function forgetIdleKeys(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`delete from delivery_pacing where next_at < now() - interval '1 day'`);
  return rowCount ?? 0;
}

/** Waits for a slot on every key in turn; throws PacedError when one is too far off. */
export async function waitForSlots(db: Queryable, pacing: readonly Pacing[], maxWaitMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  for (const key of pacing) {
    const wait = await reserveSlot(db, key, maxWaitMs);
    if (wait === undefined) throw new PacedError(`${key.key.split(':')[0]} is paced for more than ${Math.round(maxWaitMs / 1000)} s; retried later`);
    if (wait > 0) await sleep(wait);
  }
}
