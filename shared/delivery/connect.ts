// Saving a webhook from settings: the URL checked as the service's own, a test message sent through it, and only then
// stored (encrypted). A URL that cannot take a message is never saved.
import type pg from 'pg';
import { messages, type Locale } from '../i18n/index.js';
import type { TokenCipher } from '../tokens/index.js';
import { saveWebhookDestination } from './destinations.js';
import { escapeDiscord, escapeSlack } from './escape.js';
import { PacedError, waitForSlots } from './pacing.js';
import { type TargetFailure, TargetError, webhookTarget } from './targets.js';
import { parseWebhookUrl, type WebhookOrigins, type WebhookService } from './webhook-url.js';

export class WebhookTestFailedError extends Error {
  override readonly name = 'WebhookTestFailedError';
  constructor(
    readonly service: WebhookService,
    readonly failure: TargetFailure,
  ) {
    super(`the ${service} webhook refused the test message (${failure.kind})`);
  }
}

export interface ConnectWebhookDeps {
  pool: pg.Pool;
  cipher: TokenCipher;
  origins: WebhookOrigins;
  fetch?: typeof fetch;
}

// A person is waiting on the page: a slot further off than this is reported as "too many messages, try again".
const TEST_MAX_WAIT_MS = 3_000;

/** Throws InvalidWebhookUrlError (nothing was sent) or WebhookTestFailedError (nothing was saved). */
export async function connectWebhook(deps: ConnectWebhookDeps, athleteId: number, service: WebhookService, input: string, locale: Locale): Promise<void> {
  const url = parseWebhookUrl(service, input, deps.origins);
  const target = webhookTarget(service, url, deps.fetch);
  const text = messages(locale).deliveryTestMessage;
  try {
    await waitForSlots(deps.pool, target.pacing, TEST_MAX_WAIT_MS, (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    await target.send({ text: service === 'slack' ? escapeSlack(text) : escapeDiscord(text) });
  } catch (error) {
    if (error instanceof TargetError) throw new WebhookTestFailedError(service, error.failure);
    // Paced: the same as the service's own 429, said the same way.
    if (error instanceof PacedError) throw new WebhookTestFailedError(service, { kind: 'rate-limited', retryAfterMs: TEST_MAX_WAIT_MS });
    throw error;
  }
  await saveWebhookDestination(deps.pool, deps.cipher, athleteId, service, url);
}
