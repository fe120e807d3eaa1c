// Settings → New activities in your chat: the athlete's Telegram chat, Slack and Discord webhooks, and which sports.
// Every change is a CSRF-protected form; a refused URL or test message redirects back with a reason and changes nothing.
import { Hono, type Context } from 'hono';
import { athleteSports } from '../../shared/activities/index.js';
import {
  connectWebhook,
  type DestinationView,
  enableTelegramDestination,
  getDeliveryPreferences,
  InvalidWebhookUrlError,
  listDestinations,
  removeDestination,
  saveDeliveryPreferences,
  WebhookTestFailedError,
  type WebhookService,
} from '../../shared/delivery/index.js';
import { linkedChatId } from '../../shared/telegram/index.js';
import type { AppEnv } from '../env.js';
import { requireAthlete, requireCsrf } from '../session.js';
import { type Viewer, viewerOf } from '../viewer.js';

const WEBHOOK_SERVICES: readonly WebhookService[] = ['slack', 'discord'];
const isWebhookService = (value: string | undefined): value is WebhookService => WEBHOOK_SERVICES.includes(value as WebhookService);

/** What the settings page shows of the section; `query` is the page's own ?delivery=… after a form. */
export async function deliverySettingsData(c: Context<AppEnv>, viewer: Viewer) {
  const { pool, delivery } = c.get('deps');
  const { t, fmt } = viewer;
  const athleteId = viewer.athlete.id;
  const [destinations, preferences, sports, chatId] = await Promise.all([
    listDestinations(pool, athleteId),
    getDeliveryPreferences(pool, athleteId),
    athleteSports(pool, athleteId),
    delivery.telegram ? linkedChatId(pool, athleteId) : Promise.resolve(null),
  ]);
  const view = (destination: DestinationView | undefined) =>
    destination && {
      enabled: destination.enabled,
      postingTo: destination.urlHint ? t.deliveryPostingTo(destination.urlHint) : '',
      disabledWhy: destination.disabledReason ? (t.deliveryDisabled[destination.disabledReason] ?? '') : '',
    };
  const of = (service: string) => view(destinations.find((d) => d.service === service));
  const chosen = new Set(preferences.sports ?? []);
  return {
    telegram: { offered: delivery.telegram !== undefined, linked: chatId !== null, destination: of('telegram') },
    webhooks: WEBHOOK_SERVICES.map((service) => ({
      service,
      name: service === 'slack' ? t.deliverySlack : t.deliveryDiscord,
      label: service === 'slack' ? t.deliverySlackUrl : t.deliveryDiscordUrl,
      help: service === 'slack' ? t.deliverySlackHelp : t.deliveryDiscordHelp,
      placeholder: service === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://discord.com/api/webhooks/…',
      destination: of(service),
    })),
    allSports: preferences.sports === null,
    sports: sports.map((sport) => ({ value: sport, label: fmt.sport(sport), checked: chosen.has(sport) })),
    notice: deliveryNotice(viewer, c.req.query('delivery')),
  };
}

/** The banner after a delivery form: only known codes become text, so the query cannot put words on the page. */
function deliveryNotice(viewer: Viewer, code: string | undefined): { ok: boolean; text: string } | null {
  const { t } = viewer;
  if (!code) return null;
  if (code === 'saved') return { ok: true, text: t.deliverySaved };
  if (code === 'removed') return { ok: true, text: t.deliveryRemoved };
  if (code === 'settings') return { ok: true, text: t.settingsSaved };
  if (code === 'no-sports') return { ok: false, text: t.deliverySportsNone };
  if (code === 'not-linked') return { ok: false, text: t.deliveryTelegramNotLinked };
  const [kind, problem = ''] = code.split(':');
  const text = kind === 'url' ? t.deliveryUrlProblem[problem] : kind === 'test' ? t.deliveryTestProblem[problem] : undefined;
  return text ? { ok: false, text } : null;
}

async function form(c: Context<AppEnv>): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') fields[key] = value;
    else if (Array.isArray(value)) fields[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return fields;
}

const back = (code: string) => `/settings?delivery=${encodeURIComponent(code)}#delivery`;

/** Messages follow the language and units of the page the athlete last saved them from. */
async function savePreferences(c: Context<AppEnv>, viewer: Viewer, sports?: string[] | null): Promise<void> {
  const { pool } = c.get('deps');
  const current = await getDeliveryPreferences(pool, viewer.athlete.id);
  await saveDeliveryPreferences(pool, viewer.athlete.id, {
    sports: sports === undefined ? current.sports : sports,
    locale: viewer.locale,
    units: viewer.units,
  });
}

export const deliveryRoutes = new Hono<AppEnv>()
  .post('/settings/delivery/telegram', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    const viewer = await viewerOf(c);
    const { pool, delivery } = c.get('deps');
    if (body.telegram === 'on') {
      if (!delivery.telegram || (await linkedChatId(pool, viewer.athlete.id)) === null) return c.redirect(back('not-linked'), 303);
      await enableTelegramDestination(pool, viewer.athlete.id);
    } else {
      await removeDestination(pool, viewer.athlete.id, 'telegram');
    }
    await savePreferences(c, viewer);
    return c.redirect(back('settings'), 303);
  })

  .post('/settings/delivery/sports', requireAthlete, requireCsrf, async (c) => {
    const body = await form(c);
    const viewer = await viewerOf(c);
    if (body.sports === 'all') {
      await savePreferences(c, viewer, null);
      return c.redirect(back('settings'), 303);
    }
    // Only sports the athlete has: anything else in the form is dropped, not stored.
    const known = new Set(await athleteSports(c.get('deps').pool, viewer.athlete.id));
    const picked = [body.sport ?? []].flat().filter((sport) => known.has(sport));
    if (picked.length === 0) return c.redirect(back('no-sports'), 303);
    await savePreferences(c, viewer, [...new Set(picked)]);
    return c.redirect(back('settings'), 303);
  })

  .post('/settings/delivery/:service', requireAthlete, requireCsrf, async (c) => {
    const service = c.req.param('service');
    if (!isWebhookService(service)) return c.notFound();
    const body = await form(c);
    const viewer = await viewerOf(c);
    const deps = c.get('deps');
    const url = typeof body.url === 'string' ? body.url : '';
    try {
      await connectWebhook(deps.delivery, viewer.athlete.id, service, url, viewer.locale);
    } catch (error) {
      if (error instanceof InvalidWebhookUrlError) return c.redirect(back(`url:${error.problem}`), 303);
      if (error instanceof WebhookTestFailedError) {
        // Never the URL itself in a log line: it is a credential.
        c.get('log').info('A webhook refused its test message', { service, failure: error.failure.kind });
        return c.redirect(back(`test:${error.failure.kind}`), 303);
      }
      throw error;
    }
    await savePreferences(c, viewer);
    c.get('log').info('Delivery webhook saved', { athleteId: viewer.athlete.id, service });
    return c.redirect(back('saved'), 303);
  })

  .post('/settings/delivery/:service/remove', requireAthlete, requireCsrf, async (c) => {
    const service = c.req.param('service');
    if (!isWebhookService(service)) return c.notFound();
    await removeDestination(c.get('deps').pool, c.get('athlete').id, service);
    return c.redirect(back('removed'), 303);
  });
