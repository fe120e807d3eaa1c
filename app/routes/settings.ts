// The athlete's settings: units, AI notes opt-in, and privacy zones; every change is a CSRF-protected form.
import { Hono, type Context } from 'hono';
import { insightsConfigured } from '../../shared/insights/index.js';
import {
  addZone,
  deleteZone,
  listZones,
  MAX_RADIUS_M,
  MIN_RADIUS_M,
  updateSettings,
  validateZone,
  type ZoneField,
  type ZoneFieldProblem,
  zoneFieldErrors,
} from '../../shared/privacy/index.js';
import type { AppEnv } from '../env.js';
import { sameSitePath } from '../redirect.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { page } from '../views.js';
import { viewerOf } from '../viewer.js';
import { deliverySettingsData } from './delivery.js';
import { telegramSettings } from './telegram.js';
import { trainingSettingsData } from './training.js';

/** Only this site's own pages: an open redirect would let a link send the athlete anywhere. */
function backTo(value: unknown, fallback: string): string {
  return sameSitePath(value, fallback);
}

async function form(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

interface ZoneFormState {
  lat: string;
  lng: string;
  radius: string;
  errors: Partial<Record<ZoneField, ZoneFieldProblem>>;
}

async function settingsPage(
  c: Context<AppEnv>,
  state: { saved?: boolean; limit?: boolean; zoneForm?: ZoneFormState; trainingError?: string; gearRefreshed?: boolean },
  status: 200 | 400 = 200,
) {
  const deps = c.get('deps');
  const viewer = await viewerOf(c);
  const { t, fmt } = viewer;
  const zones = await listZones(deps.pool, viewer.athlete.id);
  const errors = state.zoneForm?.errors ?? {};
  const training = await trainingSettingsData(deps.pool, viewer);
  const delivery = await deliverySettingsData(c, viewer);
  const telegram = await telegramSettings(deps, viewer.athlete.id);
  const trainingError = ({ goal: t.goalInvalid, gear: t.gearInvalid, 'gear-refresh': t.gearRefreshFailed } as Record<string, string>)[
    state.trainingError ?? ''
  ];
  const why = (field: ZoneField) => {
    const problem = errors[field];
    if (!problem) return '';
    if (problem === 'missing') return t.fieldMissing;
    if (problem === 'not-a-number') return t.fieldNotNumber;
    return field === 'latitude'
      ? t.latitudeRange
      : field === 'longitude'
        ? t.longitudeRange
        : t.radiusRange(fmt.number(MIN_RADIUS_M), fmt.number(MAX_RADIUS_M));
  };
  return page(
    c,
    'settings',
    {
      title: t.settingsTitle,
      csrfToken: c.get('csrfToken'),
      saved: state.saved === true,
      error: state.zoneForm ? t.zoneNotSaved : state.limit ? t.zoneLimit : (trainingError ?? null),
      gearRefreshed: state.gearRefreshed === true,
      training,
      delivery,
      telegram,
      telegramOff: c.req.query('telegram') === 'off',
      fmtDate: fmt.date,
      zoneForm: {
        lat: state.zoneForm?.lat ?? '',
        lng: state.zoneForm?.lng ?? '',
        radius: state.zoneForm?.radius ?? '500',
        errors: { lat: why('latitude'), lng: why('longitude'), radius: why('radius') },
      },
      units: viewer.settings.units ?? '',
      stravaUnitsLabel: viewer.stravaUnits === 'imperial' ? t.unitsImperial : t.unitsMetric,
      aiNotes: viewer.settings.aiNotes,
      aiConfigured: insightsConfigured(deps),
      zones: zones.map((zone) => ({
        id: zone.id,
        lat: fmt.number(zone.lat, 5),
        lng: fmt.number(zone.lng, 5),
        radius: fmt.meters(zone.radiusM),
      })),
    },
    status,
  );
}

export const settingsRoutes = new Hono<AppEnv>()
  .get('/settings', requireAthlete, async (c) => {
    const error = c.req.query('error');
    return settingsPage(c, {
      saved: c.req.query('saved') === '1',
      limit: error === 'limit',
      ...(error ? { trainingError: error } : {}),
      gearRefreshed: c.req.query('gear') === '1',
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
    const input = { lat: body.lat, lng: body.lng, radiusM: body.radius };
    const errors = zoneFieldErrors(input);
    // A wrong field: the same page again, what was typed kept, each wrong field marked with why.
    if (Object.keys(errors).length > 0) {
      return settingsPage(c, { zoneForm: { lat: body.lat ?? '', lng: body.lng ?? '', radius: body.radius ?? '', errors } }, 400);
    }
    const id = await addZone(c.get('deps').pool, c.get('athlete').id, validateZone(input));
    return c.redirect(id === undefined ? '/settings?error=limit#zones' : '/settings?saved=1#zones', 303);
  })

  .post('/settings/zones/:id/delete', requireAthlete, requireCsrf, async (c) => {
    const id = Number(c.req.param('id'));
    if (Number.isSafeInteger(id)) await deleteZone(c.get('deps').pool, c.get('athlete').id, id);
    return c.redirect('/settings?saved=1#zones', 303);
  });
