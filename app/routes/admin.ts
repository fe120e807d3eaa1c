// The admin pages: athletes with status and ban/unban, plus whatever panels are registered; admins only, every action logged.
import { Hono, type MiddlewareHandler } from 'hono';
import { banAthlete, isAdmin, listAthletes, recentAdminActions, recordAdminAction, unbanAthlete } from '../../shared/admin/athletes.js';
import { importProgress, loadAdminPanels } from '../../shared/admin/panels.js';
import { AppError } from '../../shared/errors.js';
import type { AppEnv } from '../env.js';
import { textsOf } from '../locale.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { page } from '../views.js';

/** After requireAthlete: a signed-in athlete who is not in ADMIN_ATHLETE_IDS gets 403 and nothing else. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const athlete = c.get('athlete');
  if (!isAdmin(c.get('deps').config.adminAthleteIds, athlete.id)) {
    c.get('log').warn('Admin page refused to a non-admin', { athleteId: athlete.id, path: c.req.path });
    throw new AppError(403, 'This page is for the site\u2019s administrators.');
  }
  await next();
};

/** The guard chain for every admin route, including those other modules mount for their panels. */
export const adminGuard = [requireAthlete, requireAdmin] as const;

function targetId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError(404, 'There is no page here.');
  return id;
}

export const adminRoutes = new Hono<AppEnv>()
  .get('/admin', ...adminGuard, async (c) => {
    const deps = c.get('deps');
    const t = textsOf(c);
    const { rows, total } = await listAthletes(deps.pool);
    const [progress, panels, audit] = await Promise.all([
      importProgress(deps.pool, rows.map((row) => row.id)),
      loadAdminPanels(deps.pool, c.get('athlete').id, c.get('log'), t.adminNotAvailable),
      recentAdminActions(deps.pool),
    ]);
    const statusLabel = { connected: t.statusConnected, disconnected: t.statusDisconnected, banned: t.statusBanned };
    return page(c, 'admin/index', {
      title: t.adminTitle,
      csrfToken: c.get('csrfToken'),
      total,
      athletes: rows.map((row) => ({
        id: row.id,
        name: row.name || `#${row.id}`,
        status: row.status,
        statusLabel: statusLabel[row.status],
        statusReason: row.statusReason ?? '',
        activities: row.activityCount,
        lastActivity: row.lastActivity ?? '—',
        importProgress: progress ? (progress.get(row.id) ?? '—') : t.adminNotAvailable,
        self: row.id === c.get('athlete').id,
      })),
      panels,
      audit: audit.map((entry) => ({
        at: entry.createdAt.toISOString().replace('T', ' ').slice(0, 19),
        admin: entry.adminAthleteId,
        action: entry.action,
        target: entry.targetAthleteId ?? '',
        detail: Object.keys(entry.detail).length ? JSON.stringify(entry.detail) : '',
      })),
    });
  })

  .post('/admin/athletes/:id/ban', ...adminGuard, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const admin = c.get('athlete').id;
    const id = targetId(c.req.param('id'));
    // An admin banning themselves would lock the only door back in.
    if (id === admin) throw new AppError(400, 'You cannot ban yourself.');
    const body = await c.req.parseBody();
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 200) : null;
    const changed = await banAthlete(deps.pool, admin, id, reason);
    c.get('log').info('Admin banned an athlete', { adminAthleteId: admin, athleteId: id, changed });
    return c.redirect('/admin', 303);
  })

  .post('/admin/athletes/:id/unban', ...adminGuard, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const admin = c.get('athlete').id;
    const id = targetId(c.req.param('id'));
    const changed = await unbanAthlete(deps.pool, admin, id);
    c.get('log').info('Admin unbanned an athlete', { adminAthleteId: admin, athleteId: id, changed });
    return c.redirect('/admin', 303);
  });

/** For modules adding admin actions: records the action in the audit table and the log, like ban and unban. */
export async function logAdminAction(
  c: Parameters<MiddlewareHandler<AppEnv>>[0],
  action: string,
  detail: Record<string, unknown> = {},
  targetAthleteId: number | null = null,
): Promise<void> {
  const admin = c.get('athlete').id;
  await recordAdminAction(c.get('deps').pool, { adminAthleteId: admin, action, targetAthleteId, detail });
  c.get('log').info(`Admin action: ${action}`, { adminAthleteId: admin, athleteId: targetAthleteId, ...detail });
}
