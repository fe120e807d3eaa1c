// The athlete's settings: units, AI notes opt-in, and privacy zones; every change is a CSRF-protected form.
import { Hono, type Context } from 'hono';
import { insightsConfigured } from '../../shared/insights/service.js';
import { updateSettings } from '../../shared/privacy/settings.js';
import { addZone, deleteZone, listZones, validateZone, ZoneError } from '../../shared/privacy/zones.js';
import type { AppEnv } from '../env.js';
import { sameSitePath } from '../redirect.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { page } from '../views.js';
import { viewerOf } from '../viewer.js';
import { trainingSettingsData } from './training.js';

/** Only this site's own pages: an open redirect would let a link send the athlete anywhere. */
function backTo(value: unknown, fallback: string): string {
  return sameSitePath(value, fallback);
}

async function form(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export const settingsRoutes = new Hono<AppEnv>()
  .get('/settings', requireAthlete, async (c) => {
    const deps = c.get('deps');
    const viewer = await viewerOf(c);
    const { t, fmt } = viewer;
    const zones = await listZones(deps.pool, viewer.athlete.id);
    const error = c.req.query('error');
    const field = { latitude: t.latitude, longitude: t.longitude, radius: t.radius }[error ?? ''];
    const training = await trainingSettingsData(deps.pool, viewer);
    const trainingError = { goal: t.goalInvalid, gear: t.gearInvalid, 'gear-refresh': t.gearRefreshFailed }[error ?? ''];
    return page(c, 'settings', {
      title: t.settingsTitle,
      csrfToken: c.get('csrfToken'),
      saved: c.req.query('saved') === '1',
      error: field ? t.zoneInvalid(field) : error === 'limit' ? t.zoneLimit : (trainingError ?? null),
      gearRefreshed: c.req.query('gear') === '1',
      training,
      units: viewer.settings.units ?? '',
      stravaUnitsLabel: viewer.stravaUnits === 'imperial' ? t.unitsImperial : t.unitsMetric,
      aiNotes: viewer.settings.aiNotes,
      aiConfigured: insightsConfigured(deps),
      zones: zones.map((zone) => ({
        id: zone.id,
        lat: zone.lat.toFixed(5),
        lng: zone.lng.toFixed(5),
        radius: `${fmt.number(zone.radiusM, 0)} m`,
      })),
    });
  })

  .post('/settings/units', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    const units = body.units === 'metric' || body.units === 'imperial' ? body.units : null;
    await updateSettings(c.get('deps').pool, c.get('athlete').id, { units });
    return c.redirect(backTo(body.back, '/settings?saved=1'), 303);
  })

  .post('/settings/ai', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    const aiNotes = body.ai_notes === 'on';
    await updateSettings(c.get('deps').pool, c.get('athlete').id, { aiNotes });
    c.get('log').info('AI notes setting changed', { athleteId: c.get('athlete').id, aiNotes });
    return c.redirect('/settings?saved=1#ai', 303);
  })

  .post('/settings/zones', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    let zone;
    try {
      zone = validateZone({ lat: body.lat, lng: body.lng, radiusM: body.radius });
    } catch (error) {
      if (error instanceof ZoneError) return c.redirect(`/settings?error=${error.message}#zones`, 303);
      throw error;
    }
    const id = await addZone(c.get('deps').pool, c.get('athlete').id, zone);
    return c.redirect(id === undefined ? '/settings?error=limit#zones' : '/settings?saved=1#zones', 303);
  })

  .post('/settings/zones/:id/delete', requireAthlete, requireCsrf, async (c) => {
    const id = Number(c.req.param('id'));
    if (Number.isSafeInteger(id)) await deleteZone(c.get('deps').pool, c.get('athlete').id, id);
    return c.redirect('/settings?saved=1#zones', 303);
  });
