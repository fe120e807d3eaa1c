// The Strava application's status (active, or inactive since when) shared by every instance, and the once-per-pause log.
import type { Queryable } from '../db/index.js';
import type { Logger } from '../log.js';
import type { ApplicationSignal } from './client.js';

export interface ApplicationStatus {
  status: 'active' | 'inactive';
  inactiveSince: Date | null;
  checkedAt: Date | null;
}

const ACTIVE: ApplicationStatus = { status: 'active', inactiveSince: null, checkedAt: null };

export async function readApplicationStatus(db: Queryable, clientId: string): Promise<ApplicationStatus> {
  const { rows } = await db.query<ApplicationStatus>(
    `select status, inactive_since as "inactiveSince", checked_at as "checkedAt" from strava_application where client_id = $1::text`,
    [clientId],
  );
  return rows[0] ?? ACTIVE;
}

/** Records Strava's "inactive" answer. True only for the one caller, across instances, that started the pause. */
export async function markApplicationInactive(db: Queryable, clientId: string, at: Date): Promise<boolean> {
  // The row lock serialises instances: of two concurrent callers only one sees 'active' and flips it.
  const flipped = await db.query(
    `update strava_application set status = 'inactive', inactive_since = $2::timestamptz, checked_at = $2::timestamptz, updated_at = now()
     where client_id = $1::text and status = 'active'`,
    [clientId, at],
  );
  if (flipped.rowCount) return true;
  const { rows } = await db.query<{ inserted: boolean }>(
    `insert into strava_application as s (client_id, status, inactive_since, checked_at) values ($1::text, 'inactive', $2::timestamptz, $2::timestamptz)
     on conflict (client_id) do update set checked_at = greatest(s.checked_at, excluded.checked_at), updated_at = now()
     returning (xmax = 0) as inserted`,
    [clientId, at],
  );
  return rows[0]?.inserted === true;
}

/** Records a successful answer during a pause. Returns when the pause began if this caller ended it. */
export async function markApplicationActive(db: Queryable, clientId: string, at: Date): Promise<Date | undefined> {
  const { rows } = await db.query<{ since: Date | null }>(
    `with before as (select inactive_since from strava_application where client_id = $1::text and status = 'inactive' for update)
     update strava_application s set status = 'active', inactive_since = null, checked_at = $2::timestamptz, updated_at = now()
     from before where s.client_id = $1::text and s.status = 'inactive'
     returning before.inactive_since as since`,
    [clientId, at],
  );
  return rows[0] ? (rows[0].since ?? at) : undefined;
}

export interface ApplicationStatusTracker {
  /** The Strava client's `onApplicationSignal`: never waits, never throws. */
  signal(signal: ApplicationSignal): void;
  /** Resolves once every signal so far is written. */
  flush(): Promise<void>;
  read(): Promise<ApplicationStatus>;
}

export interface ApplicationStatusOptions {
  pool: Queryable;
  clientId: string;
  log: Logger;
  now?: () => Date;
  /** How long this instance trusts what it last read before checking the shared row again on a success. */
  cacheMs?: number;
}

/**
 * Successful answers are the common case, so they cost nothing while the status is known to be active: the row is
 * read at most once per `cacheMs` (another instance may have seen the pause start), and written only to end a pause.
 */
export function createApplicationStatusTracker(options: ApplicationStatusOptions): ApplicationStatusTracker {
  const { pool, clientId, log } = options;
  const now = options.now ?? (() => new Date());
  const cacheMs = options.cacheMs ?? 30_000;
  let known: { status: ApplicationStatus['status']; at: number } | undefined;
  let pending: ApplicationSignal | undefined;
  let writing: Promise<void> | undefined;

  async function apply(signal: ApplicationSignal): Promise<void> {
    const at = now();
    if (signal === 'inactive') {
      const started = await markApplicationInactive(pool, clientId, at);
      known = { status: 'inactive', at: at.getTime() };
      if (started) {
        log.error(
          'Strava says this site\u2019s API application is inactive: sign-ins, history imports, token refreshes and live updates are paused until the application\u2019s owner has an active Strava subscription and reactivates it at strava.com/settings/api',
          { clientId },
        );
      }
      return;
    }
    if (known?.status === 'active' && at.getTime() - known.at < cacheMs) return;
    const since = await markApplicationActive(pool, clientId, at);
    known = { status: 'active', at: at.getTime() };
    if (since) log.info('Strava answers again: the API application is active and paused work resumes', { clientId, inactiveSince: since.toISOString() });
  }

  async function drain(): Promise<void> {
    while (pending) {
      const next = pending;
      pending = undefined;
      try {
        await apply(next);
      } catch (error) {
        // The next answer tries again; the status must never fail a call.
        log.warn('Could not record the Strava application status', { error });
      }
    }
  }

  return {
    signal(signal) {
      // An inactive answer outranks a success queued before it in the same burst.
      pending = pending === 'inactive' && signal === 'active' ? pending : signal;
      if (signal === 'inactive' || pending === 'inactive' || known?.status !== 'active' || now().getTime() - known.at >= cacheMs) {
        writing ??= drain().finally(() => {
          writing = undefined;
        });
      } else {
        pending = undefined;
      }
    },
    async flush() {
      while (writing) await writing;
    },
    async read() {
      while (writing) await writing;
      const status = await readApplicationStatus(pool, clientId);
      known = { status: status.status, at: now().getTime() };
      return status;
    },
  };
}

/** How long background work waits after an "inactive" answer before asking Strava again (one request per pause window). */
export const INACTIVE_RETRY_MS = 15 * 60_000;
