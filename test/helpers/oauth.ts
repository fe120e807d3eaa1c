// Drives the sign-in round trip the way a browser without JavaScript would: app → Strava consent form → app.
import assert from 'node:assert/strict';
import { type CookieClient, parseForm, type HopResponse } from './http.js';

export interface ConsentChoice {
  decision?: 'approve' | 'deny';
  /** Scopes to leave ticked; all of the requested ones by default. */
  scopes?: string[];
}

/**
 * Starts at /login; if Strava shows its consent form, submits it as chosen; follows back to the app.
 * `asAthlete` picks which sandbox athlete is signed in at "Strava" (the demo athlete by default).
 */
export async function signIn(client: CookieClient, baseUrl: string, choice: ConsentChoice = {}, asAthlete?: number): Promise<HopResponse[]> {
  const login = await client.request(`${baseUrl}/login`);
  assert.equal(login.status, 302);
  const authorize = new URL(login.headers.get('location')!);
  if (asAthlete !== undefined) authorize.searchParams.set('athlete_id', String(asAthlete));
  const hops = [login, ...(await client.follow(authorize.toString()))];
  const last = hops.at(-1)!;
  if (new URL(last.url).origin === new URL(baseUrl).origin) return hops; // consent skipped (approval_prompt=auto)
  assert.equal(last.status, 200, `consent page answered ${last.status}: ${last.text.slice(0, 200)}`);
  const form = parseForm(last.text, last.url);
  const body = new URLSearchParams(form.hidden);
  for (const box of form.checkboxes) {
    const keep = choice.scopes ? choice.scopes.includes(box.value) : box.checked;
    if (keep) body.append(box.name, box.value);
  }
  body.set('decision', choice.decision ?? 'approve');
  const back = await client.follow(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return [...hops, ...back];
}

/** The value of a hidden input on a page. */
export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}"\\s+value="([^"]*)"`).exec(html);
  assert.ok(match, `no hidden ${name} field`);
  return match[1]!;
}
