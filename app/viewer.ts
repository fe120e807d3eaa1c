// Who is looking and how they read: the signed-in athlete's units (their override or Strava's) and language.
import type { Context } from 'hono';
import type { Athlete } from '../shared/athletes/index.js';
import { createFormatter, type Formatter } from '../shared/i18n/index.js';
import { messages, type Locale, type Messages } from '../shared/i18n/index.js';
import { getSettings, type AthleteSettings } from '../shared/privacy/index.js';
import { unitsFor, type Units } from '../shared/units.js';
import type { AppEnv } from './env.js';
import { localeOf } from './locale.js';

export interface Viewer {
  athlete: Athlete;
  settings: AthleteSettings;
  units: Units;
  stravaUnits: Units;
  locale: Locale;
  t: Messages;
  fmt: Formatter;
}

export async function viewerOf(c: Context<AppEnv>): Promise<Viewer> {
  const athlete = c.get('athlete');
  const settings = await getSettings(c.get('deps').pool, athlete.id);
  const stravaUnits = unitsFor(athlete.measurementPreference);
  const units = settings.units ?? stravaUnits;
  const locale = localeOf(c);
  return { athlete, settings, units, stravaUnits, locale, t: messages(locale), fmt: createFormatter(locale, units) };
}

/** Strava's website origin, for "View on Strava" links (the OAuth host is the website). */
export function stravaWebUrl(c: Context<AppEnv>): string {
  return new URL(c.get('deps').config.strava.oauthBaseUrl).origin;
}
