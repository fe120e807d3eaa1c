// The admin's view of athletes: status, last activity, counts; ban and unban with an audit row in the same transaction.
import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import { withTransaction } from '../db/index.js';
import { markBanned, markUnbanned, type AthleteStatus } from '../athletes/index.js';

export function isAdmin(adminAthleteIds: readonly number[], athleteId: number): boolean {
  return adminAthleteIds.includes(athleteId);
}

export interface AdminAthleteRow {
  id: number;
  name: string;
  status: AthleteStatus;
  statusReason: string | null;
  connectedAt: Date;
  activityCount: number;
  lastActivity: string | null;
}

export const ADMIN_PAGE_SIZE = 100;

export async function listAthletes(db: Queryable, limit = ADMIN_PAGE_SIZE, offset = 0): Promise<{ rows: AdminAthleteRow[]; total: number }> {
  // Per-athlete lookups ride the (athlete_id, start_date_local) index instead of scanning every activity.
  const { rows } = await db.query<AdminAthleteRow & { total: number }>(
    `select a.id, trim(a.firstname || ' ' || a.lastname) as name, a.status, a.status_reason as "statusReason",
            a.connected_at as "connectedAt",
            (select count(*) from activities x where x.athlete_id = a.id)::integer as "activityCount",
            (select to_char(max(x.start_date_local), 'YYYY-MM-DD') from activities x where x.athlete_id = a.id) as "lastActivity",
            count(*) over ()::integer as total
     from athletes a
     order by a.connected_at desc, a.id
     limit $1::integer offset $2::integer`,
    [limit, offset],
  );
  return { rows: rows.map(({ total: _t, ...row }) => row), total: rows[0]?.total ?? 0 };
}

export interface AuditEntry {
  id: number;
  adminAthleteId: number;
  action: string;
  targetAthleteId: number | null;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export async function recordAdminAction(
  db: Queryable,
  entry: { adminAthleteId: number; action: string; targetAthleteId?: number | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.query(`insert into admin_audit (admin_athlete_id, action, target_athlete_id, detail) values ($1::bigint, $2::text, $3::bigint, $4::jsonb)`, [
    entry.adminAthleteId,
    entry.action,
    entry.targetAthleteId ?? null,
    JSON.stringify(entry.detail ?? {}),
  ]);
}

export async function recentAdminActions(db: Queryable, limit = 20): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditEntry>(
    `select id, admin_athlete_id as "adminAthleteId", action, target_athlete_id as "targetAthleteId", detail, created_at as "createdAt"
     from admin_audit order by created_at desc, id desc limit $1::integer`,
    [limit],
  );
  return rows;
}

/**
 * Ban: the athlete can no longer sign in (connect and every page check the status) and nothing of
 * theirs is processed. Their data stays until they or an operator delete it.
 */
export async function banAthlete(pool: pg.Pool, adminAthleteId: number, targetId: number, reason: string | null): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    if (!(await markBanned(client, targetId, reason))) return false;
    await recordAdminAction(client, { adminAthleteId, action: 'ban', targetAthleteId: targetId, detail: reason ? { reason } : {} });
    return true;
  });
}

/** Unban: connected again if the site still holds tokens, otherwise disconnected until they sign in. */
export async function unbanAthlete(pool: pg.Pool, adminAthleteId: number, targetId: number): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    if (!(await markUnbanned(client, targetId))) return false;
    await recordAdminAction(client, { adminAthleteId, action: 'unban', targetAthleteId: targetId });
    return true;
  });
}
