// Revocable sessions: logout, disconnect and delete, a ban and reconnecting each end every session issued before them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CookieClient } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let host: string;
let admin: number;

before(async () => {
  stack = await startTestStack({ env: { ADMIN_ATHLETE_IDS: '' } });
  host = new URL(stack.baseUrl).host;
});
after(async () => {
  await stack.close();
});

/** Signs a fresh sandbox athlete in; returns the browser and a copy of its session cookie taken now. */
async function signedIn(athleteId: number): Promise<{ client: CookieClient; copied: string }> {
  const client = stack.client();
  await signIn(client, stack.baseUrl, {}, athleteId);
  assert.equal((await client.request(`${stack.baseUrl}/results`)).status, 200);
  return { client, copied: client.cookie(host, 'session')! };
}

/** What a request carrying only `cookie` as its session gets on /results. */
async function withCookie(cookie: string): Promise<number> {
  const other = stack.client();
  other.setCookie(host, 'session', cookie);
  return (await other.request(`${stack.baseUrl}/results`)).status;
}

async function csrfOf(client: CookieClient): Promise<string> {
  return hiddenValue((await client.request(`${stack.baseUrl}/settings`)).text, 'csrf');
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

describe('session revocation', () => {
  test('logout is a CSRF-protected POST: without the token nothing happens, with it every earlier session ends', async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 1 });
    const { client, copied } = await signedIn(athlete);
    const forged = await client.request(`${stack.baseUrl}/logout`, form({ csrf: 'wrong' }));
    assert.equal(forged.status, 403);
    assert.equal(await withCookie(copied), 200, 'a logout without the token changed nothing');
    const done = await client.request(`${stack.baseUrl}/logout`, form({ csrf: await csrfOf(client) }));
    assert.equal(done.status, 303);
    assert.equal((await client.request(`${stack.baseUrl}/results`)).status, 303);
    assert.equal(await withCookie(copied), 303, 'a cookie copied before the logout no longer works');
    // The layout's logout form carries the token.
    const again = await signedIn(athlete);
    assert.match((await again.client.request(`${stack.baseUrl}/results`)).text, /action="\/logout"[^>]*><input type="hidden" name="csrf" value="[^"]+"/);
  });

  test('reconnecting ends the sessions issued before it', async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 1 });
    const first = await signedIn(athlete);
    await signedIn(athlete);
    assert.equal(await withCookie(first.copied), 303);
  });

  test('disconnect and delete ends every session, also after the athlete connects again', async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 1 });
    const { client, copied } = await signedIn(athlete);
    const confirm = await client.request(`${stack.baseUrl}/account/delete`);
    const done = await client.request(`${stack.baseUrl}/account/delete`, form({ csrf: hiddenValue(confirm.text, 'csrf') }));
    assert.equal(done.status, 200);
    assert.equal(await withCookie(copied), 303);
    await signedIn(athlete);
    assert.equal(await withCookie(copied), 303, 'a cookie from before the deletion does not come back to life');
  });

  test("a ban ends the banned athlete's sessions, and unbanning does not revive them", async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 1 });
    const { copied } = await signedIn(athlete);
    admin = stack.sandbox.createAthlete({ activityCount: 1 });
    const adminBrowser = await signedIn(admin);
    // The admin list is read at start-up; the store functions are what the admin page calls.
    const { banAthlete, unbanAthlete } = await import('../../shared/admin/athletes.js');
    assert.equal(await banAthlete(stack.db.pool, admin, athlete, 'test'), true);
    assert.equal(await withCookie(copied), 303);
    await unbanAthlete(stack.db.pool, admin, athlete);
    assert.equal(await withCookie(copied), 303);
    assert.equal(await withCookie(adminBrowser.copied), 200, 'other athletes keep their sessions');
  });

  test('private pages are sent with Cache-Control: no-store', async () => {
    const athlete = stack.sandbox.createAthlete({ activityCount: 1 });
    const { client } = await signedIn(athlete);
    for (const path of ['/results', '/activities', '/settings']) {
      const response = await client.request(`${stack.baseUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('cache-control'), 'no-store', path);
    }
  });
});
