// Admin panels as providers: the page shows every registered panel, so a later module adds one by registering it.
import type { Queryable } from '../db/types.js';
import type { Logger } from '../log.js';

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
  | { kind: 'table'; columns: string[]; rows: PanelCell[][]; empty?: string; actions?: PanelAction[] }
  | { kind: 'facts'; facts: { label: string; value: string }[]; actions?: PanelAction[] };

export interface AdminPanel {
  id: string;
  title: string;
  /** Smaller first. */
  order: number;
  /** Tables the panel reads; while any is missing the panel says "not available yet" instead of loading. */
  requiresTables: readonly string[];
  load(ctx: { db: Queryable; adminAthleteId: number }): Promise<PanelContent>;
}

const panels = new Map<string, AdminPanel>();

/** Adds a panel, or replaces the one with the same id (how a real panel takes over from a placeholder). */
export function registerAdminPanel(panel: AdminPanel): void {
  panels.set(panel.id, panel);
}

export function adminPanels(): AdminPanel[] {
  return [...panels.values()].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

export async function existingTables(db: Queryable, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const { rows } = await db.query<{ name: string }>(
    `select n as name from unnest($1::text[]) as n where to_regclass('public.' || n) is not null`,
    [[...names]],
  );
  return new Set(rows.map((row) => row.name));
}

export interface LoadedPanel {
  id: string;
  title: string;
  content: PanelContent;
}

export async function loadAdminPanels(db: Queryable, adminAthleteId: number, log: Logger, notAvailable: string): Promise<LoadedPanel[]> {
  const all = adminPanels();
  const present = await existingTables(db, [...new Set(all.flatMap((p) => p.requiresTables))]);
  return Promise.all(
    all.map(async (panel): Promise<LoadedPanel> => {
      if (!panel.requiresTables.every((table) => present.has(table))) {
        return { id: panel.id, title: panel.title, content: { kind: 'unavailable', reason: notAvailable } };
      }
      try {
        return { id: panel.id, title: panel.title, content: await panel.load({ db, adminAthleteId }) };
      } catch (error) {
        // One broken panel must not take the admin page down with it.
        log.error('Admin panel failed to load', { panel: panel.id, error });
        return { id: panel.id, title: panel.title, content: { kind: 'unavailable', reason: 'This panel could not be loaded; see the logs.' } };
      }
    }),
  );
}

/**
 * Placeholders for the live-updates panels. Their tables arrive with the webhook work; until a module
 * registers the real panel under the same id, the page says plainly what is missing and shows no figures.
 */
const PLACEHOLDERS: { id: string; title: string; order: number; tables: string[] }[] = [
  { id: 'webhook-subscription', title: 'Strava webhook subscription', order: 20, tables: ['webhook_events'] },
  { id: 'webhook-events', title: 'Recent webhook events', order: 30, tables: ['webhook_events'] },
  { id: 'rate-limit-budget', title: 'Strava rate-limit budget', order: 40, tables: ['strava_budget'] },
];

for (const placeholder of PLACEHOLDERS) {
  registerAdminPanel({
    id: placeholder.id,
    title: placeholder.title,
    order: placeholder.order,
    requiresTables: placeholder.tables,
    load: async () => ({ kind: 'unavailable', reason: 'The data exists but no panel module is installed for it yet.' }),
  });
}

/** Import progress per athlete; the history-import module may register its own wording. */
export type ImportProgressReader = (db: Queryable, athleteIds: readonly number[]) => Promise<Map<number, string>>;
let importProgressReader: ImportProgressReader | undefined;

export function registerImportProgress(reader: ImportProgressReader): void {
  importProgressReader = reader;
}

/** The imports table's own columns, read as they are: status and how many activities are in so far. */
export const readImportsTable: ImportProgressReader = async (db, athleteIds) => {
  const { rows } = await db.query<{ athleteId: number; status: string; imported: number; lastError: string | null }>(
    `select athlete_id as "athleteId", status, imported, last_error as "lastError"
     from imports where athlete_id = any($1::bigint[])`,
    [[...athleteIds]],
  );
  return new Map(
    rows.map((row) => [row.athleteId, `${row.status} · ${row.imported.toLocaleString('en-US')}${row.status === 'failed' && row.lastError ? ` (${row.lastError.slice(0, 80)})` : ''}`]),
  );
};

/** undefined: not available yet (the imports table does not exist). */
export async function importProgress(db: Queryable, athleteIds: readonly number[]): Promise<Map<number, string> | undefined> {
  const present = await existingTables(db, ['imports']);
  if (!present.has('imports')) return undefined;
  return (importProgressReader ?? readImportsTable)(db, athleteIds);
}
