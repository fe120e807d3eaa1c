// One activity's message: the same parts in every language and service, written in each service's markup.
import type { ActivityDetail } from '../activities/index.js';
import { createFormatter, messages } from '../i18n/index.js';
import type { DeliveryPreferences } from './destinations.js';
import { escapeDiscord, escapeSlack } from './escape.js';
import type { RenderedMessage } from './targets.js';

export interface MessageParts {
  title: string;
  /** Sport, distance, moving time, climb: "Run · 10.0 km · 45:00 · ↑ 120 m". */
  figures: string;
  link: { url: string; label: string };
}

// Strava allows long names; a message is for a glance, and every service has a length limit of its own.
const MAX_TITLE = 200;

export function messageParts(activity: ActivityDetail, preferences: DeliveryPreferences, publicBaseUrl: string): MessageParts {
  const fmt = createFormatter(preferences.locale, preferences.units);
  const t = messages(preferences.locale);
  const figures = [fmt.sport(activity.sportType)];
  if (activity.distance > 0) figures.push(fmt.distance(activity.distance));
  if (activity.movingTime > 0) figures.push(fmt.duration(activity.movingTime));
  if ((activity.totalElevationGain ?? 0) > 0) figures.push(`\u2191 ${fmt.elevation(activity.totalElevationGain ?? 0)}`);
  const name = activity.name.trim() || t.deliveryUntitled;
  return {
    title: name.length > MAX_TITLE ? `${name.slice(0, MAX_TITLE - 1)}\u2026` : name,
    figures: figures.join(' \u00b7 '),
    link: { url: `${publicBaseUrl.replace(/\/+$/, '')}/activities/${activity.id}`, label: t.deliveryOpenLink },
  };
}

/** Slack mrkdwn: the name bold, the link in Slack's <url|label> form; the URL is the site's own. */
export function slackMessage(parts: MessageParts): RenderedMessage {
  return { text: `*${escapeSlack(parts.title)}*\n${escapeSlack(parts.figures)}\n<${parts.link.url}|${escapeSlack(parts.link.label)}>` };
}

/** Discord markdown: the name bold, the link in angle brackets so no preview unfolds. */
export function discordMessage(parts: MessageParts): RenderedMessage {
  return { text: `**${escapeDiscord(parts.title)}**\n${escapeDiscord(parts.figures)}\n${escapeDiscord(parts.link.label)}: <${parts.link.url}>` };
}

/** Telegram's HTML parse mode, with the escaping its Bot API client provides. */
export function telegramMessage(parts: MessageParts, escapeHtml: (text: string) => string): RenderedMessage {
  return {
    text: `<b>${escapeHtml(parts.title)}</b>\n${escapeHtml(parts.figures)}\n<a href="${escapeHtml(parts.link.url)}">${escapeHtml(parts.link.label)}</a>`,
  };
}
