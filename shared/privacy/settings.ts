// What each athlete chose: AI notes on or off (off until they opt in) and a units override.
import type { Queryable } from '../db/index.js';
import type { Units } from '../units.js';

export interface AthleteSettings {
  aiNotes: boolean;
  /** null: follow Strava's measurement preference. */
  units: Units | null;
}

export const DEFAULT_SETTINGS: AthleteSettings = Object.freeze({ aiNotes: false, units: null });

export async function getSettings(db: Queryable, athleteId: number): Promise<AthleteSettings> {
  const { rows } = await db.query<AthleteSettings>(`select ai_notes as "aiNotes", units from athlete_settings where athlete_id = $1::bigint`, [athleteId]);
  return rows[0] ?? { ...DEFAULT_SETTINGS };
}

export async function updateSettings(db: Queryable, athleteId: number, change: Partial<AthleteSettings>): Promise<AthleteSettings> {
  const { rows } = await db.query<AthleteSettings>(
    `insert into athlete_settings as s (athlete_id, ai_notes, units)
     values ($1::bigint, coalesce($2::boolean, false), $4::text)
     on conflict (athlete_id) do update set
       ai_notes = coalesce($2::boolean, s.ai_notes),
       units = case when $3::boolean then $4::text else s.units end,
       updated_at = now()
     returning ai_notes as "aiNotes", units`,
    [athleteId, change.aiNotes ?? null, 'units' in change, change.units ?? null],
  );
  return rows[0]!;
}
