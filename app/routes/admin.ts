// The admin pages: athletes with status and ban/unban, the live-updates panels (webhook subscription, events, rate-limit budget) and any others registered; admins only, every action logged.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { banAthlete, isAdmin, listAthletes, recentAdminActions, recordAdminAction, unbanAthlete } from '../../shared/admin/index.js';
import { type AdminImportProgress, importProgress, loadAdminPanels, registerAdminPanel, type PanelServices, withServices } from '../../shared/admin/index.js';
import { AppError } from '../errors.js';
import { isInProcessBus } from '../../shared/platform/pubsub-bus.js';
import {
  DEFAULT_MAX_DELIVERIES,
  exhaustedWebhookEvents,
  recentWebhookEvents,
  unconfirmedWebhookEvents,
  webhookEventCounts,
} from '../../shared/events/index.js';
import { createFormatter, type Locale, type Messages } from '../../shared/i18n/index.js';
import { athleteTimeZone } from '../../shared/stats/index.js';
import { countAuthorizedAthletes } from '../../shared/athletes/index.js';
import { readApplicationStatus } from '../../shared/strava/index.js';
import { DEFAULT_BUDGET_POLICY, readBudgetUsage } from '../../shared/strava/index.js';
import { StravaError } from '../../shared/strava/index.js';
import {
  createSubscription,
  deleteSubscription,
  describeStravaRefusal,
  recordSubscription,
  viewSubscription,
  webhookCallbackUrl,
} from '../../shared/strava/index.js';
import type { BotAdminOperations } from '../../shared/telegram/index.js';
import type { AppDeps, AppEnv } from '../env.js';
import { localeOf, textsOf } from '../locale.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { page } from '../views.js';
import { subscriptionCache } from './webhook.js';

/** After requireAthlete: a signed-in athlete who is not in ADMIN_ATHLETE_IDS gets 403 and nothing else. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const athlete = c.get('athlete');
  if (!isAdmin(c.get('deps').config.adminAthleteIds, athlete.id)) {
    c.get('log').warn('Admin page refused to a non-admin', { athleteId: athlete.id, path: c.req.path });
    throw new AppError(403, 'adminForbidden');
  }
  await next();
};

/** The guard chain for every admin route, including those other modules mount for their panels. */
export const adminGuard = [requireAthlete, requireAdmin] as const;

function targetId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError(404, 'errNoPage');
  return id;
}

type AdminContext = Context<AppEnv>;
type Notice = { kind: 'ok' | 'error'; text: string };

/** What the live-updates panels reach beyond the database, from the app's configuration. */
function panelServices(deps: AppDeps): PanelServices {
  const pathSecret = deps.secrets.webhookPathSecret ?? deps.config.webhookPathSecret;
  const eventsTopic = deps.config.pubsub.eventsTopic;
  return {
    stravaSubscriptions: deps.stravaApplication,
    webhookCallbackUrl: webhookCallbackUrl(deps.config.publicBaseUrl, pathSecret),
    webhookPathSecret: pathSecret,
    verifyTokenSet: Boolean(deps.secrets.webhookVerifyToken),
    stravaClientId: deps.config.strava.clientId,
    busDeadLetters: isInProcessBus(deps.bus) ? deps.bus.deadLetters.filter((letter) => letter.topic === eventsTopic).length : undefined,
    // The clock the budget cuts its windows with, so "this 15 minutes" is the window the budget itself uses.
    now: deps.budget.now(),
    apiHost: deps.strava.apiHost.current(),
    athleteLimit: deps.config.strava.athleteLimit,
  };
}

async function renderAdmin(c: AdminContext, notice?: Notice, status: 200 | 400 | 502 = 200): Promise<Response> {
  const deps = c.get('deps');
  const t = textsOf(c);
  const { rows, total } = await listAthletes(deps.pool);
  // Times are written on the admin's own wall clock, as every page writes them.
  const timeZone = await athleteTimeZone(deps.pool, c.get('athlete').id);
  const fmt = createFormatter(localeOf(c), 'metric');
  const [progress, panels, audit] = await Promise.all([
    importProgress(
      deps.pool,
      rows.map((row) => row.id),
    ),
    loadAdminPanels(deps.pool, c.get('athlete').id, c.get('log'), { locale: localeOf(c), services: panelServices(deps), timeZone }),
    recentAdminActions(deps.pool),
  ]);
  const statusLabel = { connected: t.statusConnected, disconnected: t.statusDisconnected, banned: t.statusBanned };
  return page(
    c,
    'admin/index',
    {
      title: t.adminTitle,
      csrfToken: c.get('csrfToken'),
      notice,
      total,
      athletes: rows.map((row) => ({
        id: row.id,
        name: row.name || `#${row.id}`,
        status: row.status,
        statusLabel: statusLabel[row.status],
        statusReason: row.statusReason ?? '',
        activities: row.activityCount,
        lastActivity: row.lastActivity ? fmt.date(row.lastActivity) : '—',
        importProgress: localImportProgress(progress.get(row.id), t, localeOf(c)),
        self: row.id === c.get('athlete').id,
      })),
      panels,
      audit: audit.map((entry) => ({
        at: fmt.dateTime(entry.createdAt, timeZone),
        admin: entry.adminAthleteId,
        action: t.adminActionNames[entry.action] ?? entry.action,
        target: entry.targetAthleteId ?? '',
        detail: Object.keys(entry.detail).length ? JSON.stringify(entry.detail) : '',
      })),
    },
    status,
  );
}

/** "done · 1,234" as the reader reads it: the status in their language, the count in their number format. */
function localImportProgress(progress: AdminImportProgress | undefined, t: ReturnType<typeof textsOf>, locale: ReturnType<typeof localeOf>): string {
  if (!progress) return '—';
  const n = createFormatter(locale, 'metric').number;
  const why = progress.lastError ? ` (${progress.lastError})` : '';
  return `${t.importStatusNames[progress.status] ?? progress.status} · ${n(progress.imported)}${why}`;
}

/** A time in a panel, on the reader's wall clock. */
function whenFor(ctx: { locale: Locale; timeZone: string }): (at: Date) => string {
  const fmt = createFormatter(ctx.locale, 'metric');
  return (at) => fmt.dateTime(at, ctx.timeZone);
}

/** Strava's ISO time as every other time on the page; left as Strava wrote it if it is not one. */
function shownInstant(iso: string, when: (at: Date) => string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : when(at);
}

/** The notice after a redirect: a fixed text per outcome, so the query string cannot put words on the page. */
function noticeFromQuery(c: AdminContext): Notice | undefined {
  const t = textsOf(c);
  const id = Number(c.req.query('id'));
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const done = c.req.query('done');
  if (done === 'subscription-created') return { kind: 'ok', text: t.adminSubscriptionCreated(id) };
  if (done === 'subscription-deleted') return { kind: 'ok', text: t.adminSubscriptionDeleted(id) };
  return undefined;
}

/** The callback URL as shown: the path secret is what keeps forged events out, so it stays off the page. */
function shownCallback(url: string, pathSecret: string | undefined): string {
  if (!pathSecret) return url;
  return url.split(encodeURIComponent(pathSecret)).join('\u2022\u2022\u2022').split(pathSecret).join('\u2022\u2022\u2022');
}

/** A Strava refusal as a 4xx (Strava said no to the request) or a 502 (Strava failed or could not be reached). */
function refusalStatus(error: unknown): 400 | 502 {
  return (error instanceof StravaError && !error.transient) || error instanceof RangeError ? 400 : 502;
}

// The page waits on Strava for the subscription; a slow Strava should cost seconds, not the whole page.
const VIEW_TIMEOUT_MS = 5_000;

registerAdminPanel({
  id: 'strava-connection',
  title: (t) => t.adminStravaTitle,
  order: 10,
  load: withServices(async ({ db, t, locale, timeZone, services }) => {
    const n = createFormatter(locale, 'metric').number;
    const when = whenFor({ locale, timeZone });
    const [status, count] = await Promise.all([readApplicationStatus(db, services.stravaClientId), countAuthorizedAthletes(db)]);
    const inactive = status.status === 'inactive';
    return {
      kind: 'facts',
      facts: [
        { label: t.adminApiHost, value: `${services.apiHost.baseUrl} (${t.adminApiHostReason(services.apiHost.reason)})` },
        { label: t.adminAppStatus, value: inactive ? t.adminAppInactive(when(status.inactiveSince ?? services.now)) : t.adminAppActive },
        ...(inactive ? [{ label: t.adminAppWhatToDo, value: t.adminAppWhatToDoValue }] : []),
        { label: t.adminAthleteCap, value: t.adminAthleteCapValue(n(count), n(services.athleteLimit)) },
        ...(count >= services.athleteLimit ? [{ label: t.adminAppWhatToDo, value: t.adminAthleteCapFull }] : []),
      ],
    };
  }),
});

registerAdminPanel({
  id: 'webhook-subscription',
  title: (t) => t.adminSubscriptionTitle,
  order: 20,
  load: withServices(async ({ t, locale, timeZone, services }) => {
    const missingToken = services.verifyTokenSet ? [] : [{ label: t.adminStravaSays, value: t.adminVerifyTokenMissing }];
    let subscription;
    try {
      subscription = await viewSubscription({ ...services.stravaSubscriptions, timeoutMs: VIEW_TIMEOUT_MS });
    } catch (error) {
      return { kind: 'facts', facts: [{ label: t.adminStravaSays, value: t.adminStravaUnreachable(describeStravaRefusal(error)) }] };
    }
    const expected = shownCallback(services.webhookCallbackUrl, services.webhookPathSecret);
    if (!subscription) {
      return {
        kind: 'facts',
        facts: [{ label: t.adminSubscriptionId, value: t.adminNoSubscription }, { label: t.adminExpectedCallback, value: expected }, ...missingToken],
        actions: services.verifyTokenSet ? [{ label: t.adminCreateSubscription, path: '/admin/webhook-subscription/create' }] : [],
      };
    }
    return {
      kind: 'facts',
      facts: [
        { label: t.adminSubscriptionId, value: String(subscription.id) },
        { label: t.adminCallbackUrl, value: shownCallback(subscription.callback_url, services.webhookPathSecret) },
        { label: t.adminPointsHere, value: subscription.callback_url === services.webhookCallbackUrl ? t.adminYes : t.adminNo },
        ...(subscription.created_at ? [{ label: t.adminCreated, value: shownInstant(subscription.created_at, whenFor({ locale, timeZone })) }] : []),
      ],
      actions: [{ label: t.adminDeleteSubscription, path: '/admin/webhook-subscription/delete', fields: { id: String(subscription.id) }, danger: true }],
    };
  }),
});

registerAdminPanel({
  id: 'webhook-events',
  title: (t) => t.adminEventsTitle,
  order: 30,
  async load({ db, t, locale, timeZone, services }) {
    const fmt = createFormatter(locale, 'metric');
    const when = whenFor({ locale, timeZone });
    const [events, counts, exhausted] = await Promise.all([
      recentWebhookEvents(db, 20),
      webhookEventCounts(db),
      services?.busDeadLetters === undefined ? exhaustedWebhookEvents(db) : Promise.resolve(undefined),
    ]);
    const byStatus = (['processed', 'ignored', 'unconfirmed', 'deferred', 'failed', 'retrying', 'received'] as const)
      .map((status) => `${t.eventStatusNames[status] ?? status} ${fmt.number(counts[status])}`)
      .join(' · ');
    const deadLetters =
      services?.busDeadLetters !== undefined
        ? t.adminDeadLettersBus(fmt.number(services.busDeadLetters))
        : t.adminDeadLettersPubSub(fmt.number(exhausted ?? 0), DEFAULT_MAX_DELIVERIES);
    return {
      kind: 'table',
      facts: [
        { label: t.adminEventsByStatus, value: byStatus },
        { label: t.adminLastReceived, value: counts.lastReceivedAt ? when(counts.lastReceivedAt) : '—' },
        { label: t.adminDeadLetters, value: deadLetters },
      ],
      columns: [t.adminReceived, t.adminObject, t.adminChange, t.adminOwner, t.adminStatus, t.adminAttempts, t.adminError],
      // The titles an update carries are the athlete's words: the field names say enough here.
      rows: events.map((event) => [
        ...eventCells(event, when, t),
        t.eventStatusNames[event.status] ?? event.status,
        event.attempts,
        event.error ? event.error.slice(0, 160) : null,
      ]),
      empty: t.adminNoEvents,
    };
  },
});

/**
 * An event's first cells: when, what, which change, whose. The titles an update carries are the athlete's words: the
 * field names say enough here.
 */
function eventCells(
  event: { receivedAt: Date; objectType: string; objectId: number; aspectType: string; updates: Record<string, string> | null; ownerId: number },
  when: (at: Date) => string,
  t: Pick<Messages, 'objectTypeNames' | 'aspectTypeNames'>,
): string[] {
  return [
    when(event.receivedAt),
    `${t.objectTypeNames[event.objectType] ?? event.objectType} ${event.objectId}`,
    [t.aspectTypeNames[event.aspectType] ?? event.aspectType, ...Object.keys(event.updates ?? {})].join(' '),
    String(event.ownerId),
  ];
}

registerAdminPanel({
  id: 'unconfirmed-events',
  title: (t) => t.adminUnconfirmedTitle,
  order: 35,
  async load({ db, t, locale, timeZone }) {
    // Events are not signed: a deauthorization or delete Strava did not confirm may be forged, and changed nothing.
    const events = await unconfirmedWebhookEvents(db, 50);
    return {
      kind: 'table',
      facts: [{ label: t.adminUnconfirmedWhat, value: t.adminUnconfirmedExplained }],
      columns: [t.adminReceived, t.adminObject, t.adminChange, t.adminOwner, t.adminError],
      rows: events.map((event) => [...eventCells(event, whenFor({ locale, timeZone }), t), event.error ? event.error.slice(0, 160) : null]),
      empty: t.adminUnconfirmedNone,
    };
  },
});

registerAdminPanel({
  id: 'rate-limit-budget',
  title: (t) => t.adminBudgetTitle,
  order: 40,
  load: withServices(async ({ db, t, locale, timeZone, services }) => {
    const usage = await readBudgetUsage(db, services.stravaClientId, services.now);
    if (!usage) return { kind: 'unavailable', reason: t.adminBudgetNone };
    const n = createFormatter(locale, 'metric').number;
    return {
      kind: 'facts',
      facts: [
        { label: t.adminBudgetNow, value: t.adminBudgetUsage(n(usage.usage15), n(usage.limit15), n(usage.readUsage15), n(usage.readLimit15)) },
        { label: t.adminBudgetToday, value: t.adminBudgetUsage(n(usage.usageDaily), n(usage.limitDaily), n(usage.readUsageDaily), n(usage.readLimitDaily)) },
        ...(usage.assumedLimits ? [{ label: t.adminBudgetAssumed, value: t.adminBudgetAssumedValue }] : []),
        { label: t.adminBudgetObserved, value: usage.observedAt ? whenFor({ locale, timeZone })(usage.observedAt) : '—' },
        {
          label: t.adminBudgetBackground,
          value: t.adminBudgetBackgroundValue(DEFAULT_BUDGET_POLICY.backgroundPercent15, DEFAULT_BUDGET_POLICY.backgroundPercentDaily),
        },
      ],
    };
  }),
});

export const adminRoutes = new Hono<AppEnv>()
  .get('/admin', ...adminGuard, async (c) => renderAdmin(c, noticeFromQuery(c)))

  .post('/admin/athletes/:id/ban', ...adminGuard, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const admin = c.get('athlete').id;
    const id = targetId(c.req.param('id'));
    // An admin banning themselves would lock the only door back in.
    if (id === admin) throw new AppError(400, 'errBanSelf');
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
  })

  // Strava validates the callback before it answers: it calls this app's GET /webhook with the verify token.
  .post('/admin/webhook-subscription/create', ...adminGuard, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const t = textsOf(c);
    const services = panelServices(deps);
    const verifyToken = deps.secrets.webhookVerifyToken;
    const callbackUrl = shownCallback(services.webhookCallbackUrl, services.webhookPathSecret);
    if (!verifyToken) {
      await logAdminAction(c, 'webhook_subscription_create', { outcome: 'refused', reason: 'STRAVA_VERIFY_TOKEN is not set' });
      return renderAdmin(c, { kind: 'error', text: t.adminCreateRefused(t.adminVerifyTokenMissing) }, 400);
    }
    try {
      const id = await botAdminOperations(deps).createSubscription();
      await logAdminAction(c, 'webhook_subscription_create', { outcome: 'created', subscriptionId: id, callbackUrl });
      return c.redirect(`/admin?done=subscription-created&id=${id}#panel-webhook-subscription`, 303);
    } catch (error) {
      const reason = describeStravaRefusal(error);
      await logAdminAction(c, 'webhook_subscription_create', { outcome: 'refused', reason, callbackUrl });
      return renderAdmin(c, { kind: 'error', text: t.adminCreateRefused(reason) }, refusalStatus(error));
    }
  })

  .post('/admin/webhook-subscription/delete', ...adminGuard, requireCsrf, async (c) => {
    const deps = c.get('deps');
    const t = textsOf(c);
    const body = await c.req.parseBody();
    const raw = typeof body.id === 'string' ? body.id.trim() : '';
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || id <= 0) {
      await logAdminAction(c, 'webhook_subscription_delete', { outcome: 'refused', reason: 'not a subscription id', given: raw.slice(0, 40) });
      return renderAdmin(c, { kind: 'error', text: t.adminBadSubscriptionId }, 400);
    }
    try {
      await botAdminOperations(deps).deleteSubscription(id);
      await logAdminAction(c, 'webhook_subscription_delete', { outcome: 'deleted', subscriptionId: id });
      return c.redirect(`/admin?done=subscription-deleted&id=${id}#panel-webhook-subscription`, 303);
    } catch (error) {
      const reason = describeStravaRefusal(error);
      await logAdminAction(c, 'webhook_subscription_delete', { outcome: 'refused', reason, subscriptionId: id });
      return renderAdmin(c, { kind: 'error', text: t.adminDeleteRefused(reason) }, refusalStatus(error));
    }
  });

/** The subscription's actions, for this page and the Telegram bot's admin commands alike: Strava's call, the record, the cache. */
export function botAdminOperations(deps: AppDeps): BotAdminOperations {
  const services = panelServices(deps);
  return {
    expectedCallback: shownCallback(services.webhookCallbackUrl, services.webhookPathSecret),
    async viewSubscription() {
      const subscription = await viewSubscription({ ...services.stravaSubscriptions, timeoutMs: VIEW_TIMEOUT_MS });
      if (!subscription) return null;
      return {
        id: subscription.id,
        callbackUrl: shownCallback(subscription.callback_url, services.webhookPathSecret),
        pointsHere: subscription.callback_url === services.webhookCallbackUrl,
      };
    },
    async createSubscription() {
      const verifyToken = deps.secrets.webhookVerifyToken;
      if (!verifyToken) throw new RangeError('STRAVA_VERIFY_TOKEN is not set');
      const { id } = await createSubscription(services.stravaSubscriptions, services.webhookCallbackUrl, verifyToken);
      // Every instance reads the id from the database, so it is known before Strava's first event.
      await recordSubscription(deps.pool, deps.config.strava.clientId, { id, callback_url: services.webhookCallbackUrl });
      subscriptionCache(deps).invalidate();
      return id;
    },
    async deleteSubscription(id) {
      await deleteSubscription(services.stravaSubscriptions, id);
      await recordSubscription(deps.pool, deps.config.strava.clientId, null);
      subscriptionCache(deps).invalidate();
    },
    deadLetterCount: async () => services.busDeadLetters ?? (await exhaustedWebhookEvents(deps.pool)),
    describeRefusal: (error) => (error instanceof RangeError ? error.message : describeStravaRefusal(error)),
  };
}

/** For modules adding admin actions: records the action in the audit table and the log, like ban and unban. */
export async function logAdminAction(
  c: AdminContext,
  action: string,
  detail: Record<string, unknown> = {},
  targetAthleteId: number | null = null,
): Promise<void> {
  const admin = c.get('athlete').id;
  await recordAdminAction(c.get('deps').pool, { adminAthleteId: admin, action, targetAthleteId, detail });
  c.get('log').info(`Admin action: ${action}`, { adminAthleteId: admin, athleteId: targetAthleteId, ...detail });
}
