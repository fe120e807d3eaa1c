// Admin panels as providers: the page shows every registered panel, so a later module adds one by registering it.
import type { Queryable } from '../db/index.js';
import { messages, type Locale, type Messages } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { SubscriptionClientOptions } from '../strava/index.js';

export type PanelCell = string | number | null;

export interface PanelAction {
  label: string;
  /** Where the form posts; the page adds the CSRF token. The owning module mounts the route behind requireAdmin. */
  path: string;
  fields?: Record<string, string>;
  danger?: boolean;
}

export type PanelContent =
  | { kind: 'unavailable'; reason: string }
  /** `facts`, when given, are shown above the table (totals that go with the rows). */
  | { kind: 'table'; columns: string[]; rows: PanelCell[][]; empty?: string; facts?: { label: string; value: string }[]; actions?: PanelAction[] }
  | { kind: 'facts'; facts: { label: string; value: string }[]; actions?: PanelAction[] };

/** What the app can reach beyond the database, for panels that show Strava's or the event bus's side. */
export interface PanelServices {
  /** Strava's push-subscription API for this application. */
  stravaSubscriptions: SubscriptionClientOptions;
  /** This deployment's webhook callback, as a subscription should point at it. */
  webhookCallbackUrl: string;
  /** The callback's path secret, never shown on the page. */
  webhookPathSecret: string | undefined;
  /** Whether STRAVA_VERIFY_TOKEN is set: without it Strava's validation of a new subscription fails. */
  verifyTokenSet: boolean;
  /** The Strava application whose rate-limit budget is shown. */
  stravaClientId: string;
  /** Webhook events the in-process bus gave up on (laptop); undefined on Pub/Sub, where webhook_events tells. */
  busDeadLetters: number | undefined;
  /** When the page is read, on the rate-limit budget's clock. */
  now: Date;
  /** The Strava API host this instance calls, and why that one. */
  apiHost: { baseUrl: string; reason: 'configured' | 'scheduled' | 'fallback' };
  /** STRAVA_ATHLETE_LIMIT. */
  athleteLimit: number;
}

export interface PanelContext {
  db: Queryable;
  adminAthleteId: number;
  locale: Locale;
  t: Messages;
  /** The reader's time zone: every time on the page is written on their wall clock. */
  timeZone: string;
  /** Absent when the caller has none to give (panels that need them say they are unavailable). */
  services: PanelServices | undefined;
}

export interface AdminPanel {
  id: string;
  /** A text, or one in the reader's language. */
  title: string | ((t: Messages) => string);
  /** Smaller first. */
  order: number;
  load(ctx: PanelContext): Promise<PanelContent>;
}

/** A panel that reaches beyond the database: without the services it says it is not available, and loads nothing. */
export function withServices(load: (ctx: PanelContext & { services: PanelServices }) => Promise<PanelContent>): AdminPanel['load'] {
  return async (ctx) => (ctx.services ? load({ ...ctx, services: ctx.services }) : { kind: 'unavailable', reason: ctx.t.adminNotAvailable });
}

const panels = new Map<string, AdminPanel>();

/** Adds a panel, or replaces the one with the same id. */
export function registerAdminPanel(panel: AdminPanel): void {
  panels.set(panel.id, panel);
}

export function adminPanels(): AdminPanel[] {
  return [...panels.values()].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

export interface LoadedPanel {
  id: string;
  title: string;
  content: PanelContent;
}

export async function loadAdminPanels(
  db: Queryable,
  adminAthleteId: number,
  log: Logger,
  request: { locale?: Locale; services?: PanelServices; timeZone?: string } = {},
): Promise<LoadedPanel[]> {
  const locale = request.locale ?? 'en';
  const t = messages(locale);
  const ctx: PanelContext = { db, adminAthleteId, locale, t, timeZone: request.timeZone ?? 'UTC', services: request.services };
  const all = adminPanels();
  return Promise.all(
    all.map(async (panel): Promise<LoadedPanel> => {
      const title = typeof panel.title === 'function' ? panel.title(t) : panel.title;
      try {
        return { id: panel.id, title, content: await panel.load(ctx) };
      } catch (error) {
        // One broken panel must not take the admin page down with it.
        log.error('Admin panel failed to load', { panel: panel.id, error });
        return { id: panel.id, title, content: { kind: 'unavailable', reason: t.adminPanelFailed } };
      }
    }),
  );
}

/** One athlete's import as the admin list shows it; the page words and formats it in the reader's language. */
export interface AdminImportProgress {
  status: string;
  imported: number;
  /** Why a failed import failed, as the import recorded it (a diagnostic for the admin, cut to 80 characters). */
  lastError: string | undefined;
}

/** Import progress per athlete: the imports table's status and how many activities are in so far. */
export async function importProgress(db: Queryable, athleteIds: readonly number[]): Promise<Map<number, AdminImportProgress>> {
  const { rows } = await db.query<{ athleteId: number; status: string; imported: number; lastError: string | null }>(
    `select athlete_id as "athleteId", status, imported, last_error as "lastError"
     from imports where athlete_id = any($1::bigint[])`,
    [[...athleteIds]],
  );
  return new Map(
    rows.map((row) => [
      row.athleteId,
      { status: row.status, imported: row.imported, lastError: row.status === 'failed' && row.lastError ? row.lastError.slice(0, 80) : undefined },
    ]),
  );
}
