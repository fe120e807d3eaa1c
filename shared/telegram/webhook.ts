// Where Telegram delivers updates and how a delivery proves it comes from Telegram: the secret's path and its header.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Telegram's rule for secret_token: 1–256 of A–Z a–z 0–9 _ -. */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The path's secret segment, derived from the webhook secret so the one sent in the header never appears in a URL
 * (request logs hold paths) while the path stays unguessable without it.
 */
export function telegramWebhookPath(webhookSecret: string): string {
  return `/telegram/${createHmac('sha256', webhookSecret).update('telegram webhook path').digest('base64url').slice(0, 32)}`;
}

export function telegramWebhookUrl(publicBaseUrl: string, webhookSecret: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${telegramWebhookPath(webhookSecret)}`;
}

/** Compares in constant time: both sides are hashed first, so neither the length nor a prefix shows. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
