// Cached AI notes in Postgres, keyed by athlete, kind and a hash of their exact input; claims so one writer works at a time.
import type { Queryable } from '../db/index.js';
import type { NoteKind, NoteOutput } from './notes.js';

export type InsightStatus = 'pending' | 'ready' | 'failed';

export interface InsightRow {
  status: InsightStatus;
  output: NoteOutput | null;
}

/** A pending claim older than this is taken to be from a process that died. */
export const STALE_PENDING_S = 120;
/** A failure is retried after this long, not on every reload. */
export const RETRY_FAILED_S = 600;

export async function readInsight(db: Queryable, athleteId: number, kind: NoteKind, inputHash: string): Promise<InsightRow | undefined> {
  const { rows } = await db.query<InsightRow>(
    `select status, output from insights where athlete_id = $1::bigint and kind = $2::text and input_hash = $3::text`,
    [athleteId, kind, inputHash],
  );
  return rows[0];
}

/** True when this caller may write the note: no row yet, or a stale claim, or an old failure. */
export async function claimInsight(db: Queryable, athleteId: number, kind: NoteKind, inputHash: string): Promise<boolean> {
  const { rows } = await db.query(
    `insert into insights as i (athlete_id, kind, input_hash, status)
     values ($1::bigint, $2::text, $3::text, 'pending')
     on conflict (athlete_id, kind, input_hash) do update set status = 'pending', error = null, updated_at = now()
       where (i.status = 'pending' and i.updated_at < now() - make_interval(secs => $4::integer))
          or (i.status = 'failed' and i.updated_at < now() - make_interval(secs => $5::integer))
     returning 1`,
    [athleteId, kind, inputHash, STALE_PENDING_S, RETRY_FAILED_S],
  );
  return rows.length > 0;
}

export async function finishInsight(
  db: Queryable,
  athleteId: number,
  kind: NoteKind,
  inputHash: string,
  result: { output: NoteOutput } | { error: string },
): Promise<void> {
  await db.query(
    `update insights set status = $4::text, output = $5::jsonb, error = $6::text, updated_at = now()
     where athlete_id = $1::bigint and kind = $2::text and input_hash = $3::text`,
    [
      athleteId,
      kind,
      inputHash,
      'output' in result ? 'ready' : 'failed',
      'output' in result ? JSON.stringify(result.output) : null,
      'error' in result ? result.error.slice(0, 500) : null,
    ],
  );
}
