// The sandbox's control API as tests play Strava's part: record, edit and delete activities, and read the event each made.
import assert from 'node:assert/strict';
import type { WebhookEvent } from '../../dev/sandbox/webhooks.js';
import { parseWebhookEvent, type StravaWebhookEvent } from '../../shared/events/index.js';

/** Calls /sandbox<path>; an answer other than 2xx fails the test. */
export async function sandboxControl(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandboxUrl}/sandbox${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  assert.ok(res.ok, `${method} ${path} answered ${res.status}`);
  return res.json();
}

/** The webhook event the sandbox made for a control call, as the receiver would publish it. */
export async function sandboxEvent(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<StravaWebhookEvent> {
  const answer = await sandboxControl(sandboxUrl, method, path, body);
  return parseWebhookEvent({ ...(answer.event as WebhookEvent), subscription_id: 777 });
}
