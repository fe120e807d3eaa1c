// Strava's webhooks in the sandbox: the one push subscription per application (with the validation round trip) and event pushes with Strava's retries.

import { randomBytes } from 'node:crypto';
import { SandboxError, faults } from './errors.js';
import type { PushSubscriptionRecord, Store } from './state.js';

/** An event exactly as Strava pushes it (API-NOTES.md, "Webhooks"). */
export interface WebhookEvent {
  aspect_type: 'create' | 'update' | 'delete';
  event_time: number;
  object_id: number;
  object_type: 'activity' | 'athlete';
  owner_id: number;
  subscription_id: number;
  updates: Record<string, string>;
}

export interface WebhookDelivery {
  event: WebhookEvent;
  /** HTTP status of each attempt; 0 for a timeout or a connection failure. */
  attempts: number[];
  delivered: boolean;
}

export interface WebhookOptions {
  /** Strava allows two seconds for the validation GET and for each event push. */
  timeoutMs?: number;
  /** Attempts per event, the first included (Strava: three). */
  maxAttempts?: number;
  /** Wait before retry number n. */
  retryDelayMs?: (attempt: number) => number;
}

const MAX_CALLBACK_URL = 255;

export class WebhookService {
  /** Every event the sandbox generated, pushed or not (no subscription, athlete not connected). */
  readonly events: WebhookEvent[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly log: ((line: string) => void) | undefined,
    options: WebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? ((attempt) => 1_000 * attempt);
  }

  get subscription(): PushSubscriptionRecord | null {
    return this.store.pushSubscription;
  }

  /** Strava's create: validate the callback with the hub.challenge GET, then record the subscription. */
  async subscribe(applicationId: number, callbackUrl: string, verifyToken: string): Promise<PushSubscriptionRecord> {
    if (this.store.pushSubscription) throw new SandboxError(400, faults.badRequest('PushSubscription', '', 'already exists'));
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      throw new SandboxError(400, faults.badRequest('PushSubscription', 'callback_url', 'invalid'));
    }
    if (callbackUrl.length > MAX_CALLBACK_URL || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new SandboxError(400, faults.badRequest('PushSubscription', 'callback_url', 'invalid'));
    }
    const challenge = randomBytes(12).toString('hex');
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', verifyToken);
    let echoed: unknown;
    let status = 0;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      status = response.status;
      echoed = status === 200 ? ((await response.json().catch(() => null)) as Record<string, unknown> | null)?.['hub.challenge'] : undefined;
    } catch {
      status = 0;
    }
    if (status !== 200) {
      this.log?.(`webhook validation GET answered ${status || 'nothing'}`);
      throw new SandboxError(400, faults.badRequest('PushSubscription', 'callback url', 'GET to callback URL does not return 200'));
    }
    if (echoed !== challenge) {
      throw new SandboxError(400, faults.badRequest('PushSubscription', 'callback url', 'challenge verification failed'));
    }
    const at = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const record: PushSubscriptionRecord = {
      id: 100_000 + Math.floor(Math.random() * 900_000),
      applicationId,
      callbackUrl,
      verifyToken,
      createdAt: at,
      updatedAt: at,
    };
    this.store.pushSubscription = record;
    this.store.save();
    return record;
  }

  unsubscribe(id: number): boolean {
    if (this.store.pushSubscription?.id !== id) return false;
    this.store.pushSubscription = null;
    this.store.save();
    return true;
  }

  /**
   * Records an event and, when there is a subscription and `deliver` allows it (Strava only pushes events of athletes
   * who authorized the application), pushes it in the background.
   */
  emit(event: Omit<WebhookEvent, 'subscription_id' | 'event_time'> & { event_time?: number }, deliver = true): WebhookEvent {
    const subscription = this.store.pushSubscription;
    const full: WebhookEvent = {
      aspect_type: event.aspect_type,
      event_time: event.event_time ?? Math.floor(this.now().getTime() / 1000),
      object_id: event.object_id,
      object_type: event.object_type,
      owner_id: event.owner_id,
      subscription_id: subscription?.id ?? 0,
      updates: event.updates,
    };
    this.events.push(full);
    if (subscription && deliver) this.push(full, subscription.callbackUrl);
    return full;
  }

  /** Pushes any body to the subscription's callback (tests use it for forged or malformed events). */
  push(body: unknown, callbackUrl = this.store.pushSubscription?.callbackUrl): void {
    if (!callbackUrl) throw new Error('push: there is no webhook subscription');
    const delivery: WebhookDelivery = { event: body as WebhookEvent, attempts: [], delivered: false };
    this.deliveries.push(delivery);
    const work = this.deliver(delivery, callbackUrl);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async deliver(delivery: WebhookDelivery, callbackUrl: string): Promise<void> {
    for (let attempt = 1; attempt <= this.maxAttempts && !this.stopped; attempt++) {
      let status = 0;
      try {
        const response = await fetch(callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(delivery.event),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch {
        status = 0;
      }
      delivery.attempts.push(status);
      if (status === 200) {
        delivery.delivered = true;
        return;
      }
      this.log?.(`webhook push attempt ${attempt} answered ${status || 'nothing'}`);
      if (attempt < this.maxAttempts) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs(attempt)));
    }
  }

  /** The sandbox is closing: no further attempts. */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when every push has been delivered or has used up its attempts. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
