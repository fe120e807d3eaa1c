// Findings of the outside review, each as a regression test: NUL input, open redirects, blank zone fields, HEAD headers, the recorded scope, abandoned bodies, log lines.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEMO_ATHLETE_ID } from '../../dev/sandbox/seed.js';
import { createLogger } from '../../shared/log.js';
import { CookieClient, parseForm } from '../helpers/http.js';
import { hiddenValue, signIn } from '../helpers/oauth.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const PATH_SECRET = randomBytes(18).toString('base64url');
let stack: TestStack;
let client: CookieClient;
let csrf: string;

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

before(async () => {
  stack = await startTestStack({ env: { ADMIN_ATHLETE_IDS: String(DEMO_ATHLETE_ID), WEBHOOK_PATH_SECRET: PATH_SECRET } });
  client = new CookieClient();
  await signIn(client, stack.baseUrl);
  csrf = hiddenValue((await client.request(`${stack.baseUrl}/settings`)).text, 'csrf');
});
after(async () => {
  await stack.close();
});

describe('NUL in query parameters and form fields', () => {
  test('answers 400, never 500, and stores nothing', async () => {
    for (const path of ['/activities?q=%00', '/activities?sport=Run%00', '/activities?q=a%00b&sport=Run', '/results?lang=%00']) {
      const response = await client.request(`${stack.baseUrl}${path}`);
      assert.equal(response.status, 400, path);
      assert.match(response.text, /character that is not allowed/);
    }
    const other = stack.sandbox.createAthlete({ activityCount: 1 });
    await signIn(new CookieClient(), stack.baseUrl, {}, other);
    const ban = await client.request(`${stack.baseUrl}/admin/athletes/${other}/ban`, form({ csrf, reason: 'spam\u0000' }));
    assert.equal(ban.status, 400);
    const { rows } = await stack.db.pool.query('select status from athletes where id = $1::bigint', [other]);
    assert.equal(rows[0].status, 'connected');
    assert.ok(!stack.logLines.some((line) => /"severity":"ERROR"/.test(line) && /invalid byte sequence|0x00/.test(line)));
  });
});

describe('redirects stay on this site', () => {
  test('back= accepts only same-site paths', async () => {
    const refused = [
      '//evil.example',
      '/\\evil.example',
      '////evil.example',
      '/%2F%2Fevil.example',
      '/%5Cevil.example',
      'https://evil.example/',
      'http:evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
    ];
    for (const back of refused) {
      const response = await client.request(`${stack.baseUrl}/settings/units`, form({ csrf, units: 'metric', back }));
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/settings?saved=1', `back=${back}`);
    }
    const kept = await client.request(`${stack.baseUrl}/settings/units`, form({ csrf, units: 'metric', back: '/results' }));
    assert.equal(kept.headers.get('location'), '/results');
  });

  test('the language switcher never links off-site from a path starting with // or /\\', async () => {
    for (const path of ['//evil.example/x', '/%5Cevil.example/x', '///evil.example']) {
      const response = await fetch(`${stack.baseUrl}${path}`);
      const links = [...(await response.text()).matchAll(/href="([^"]*lang=[^"]*)"/g)].map((m) => m[1]!);
      assert.ok(links.length > 0, path);
      for (const href of links) assert.match(href, /^\/(?![/\\])/, `${path} gave ${href}`);
    }
  });
});

test('a privacy zone with a blank or missing latitude or longitude is a form error, never a zone at 0,0', async () => {
  for (const fields of [
    { lat: '', lng: '13.4', radius: '200' },
    { lat: '52.5', lng: ' ', radius: '200' },
    { lng: '13.4', radius: '200' },
  ] as Record<string, string>[]) {
    const response = await client.request(`${stack.baseUrl}/settings/zones`, form({ csrf, ...fields }));
    assert.equal(response.status, 400);
    assert.match(response.text, /name="(lat|lng)"[^>]*aria-invalid="true"/);
    assert.match(response.text, /Fill this in\./);
  }
  const { rows } = await stack.db.pool.query('select count(*)::int as n from privacy_zones where athlete_id = $1::bigint', [DEMO_ATHLETE_ID]);
  assert.equal(rows[0].n, 0);
  const page = await client.request(`${stack.baseUrl}/settings?error=latitude`);
  assert.match(page.text, /latitude/i);
});

test('HEAD answers carry the same security headers as GET', async () => {
  const security = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'strict-transport-security'];
  for (const path of ['/', '/results', '/static/style.css', '/no/such/page']) {
    const get = await client.request(`${stack.baseUrl}${path}`);
    const head = await client.request(`${stack.baseUrl}${path}`, { method: 'HEAD' });
    for (const name of security) assert.equal(head.headers.get(name), get.headers.get(name), `${path} ${name}`);
    assert.equal(head.headers.get('cache-control'), get.headers.get('cache-control'), path);
  }
});

test('the scope recorded is what Strava granted, not what the callback URL claims', async () => {
  const athlete = stack.sandbox.createAthlete({ activityCount: 2 });
  const browser = new CookieClient();
  const login = await browser.request(`${stack.baseUrl}/login`);
  const authorize = new URL(login.headers.get('location')!);
  authorize.searchParams.set('athlete_id', String(athlete));
  const consent = (await browser.follow(authorize.toString())).at(-1)!;
  const consentForm = parseForm(consent.text, consent.url);
  const body = new URLSearchParams(consentForm.hidden);
  // Only "read" is ticked at Strava.
  for (const box of consentForm.checkboxes) if (box.value === 'read') body.append(box.name, box.value);
  body.set('decision', 'approve');
  const back = await browser.request(consentForm.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const callback = new URL(back.headers.get('location')!);
  assert.equal(callback.searchParams.get('scope'), 'read');
  callback.searchParams.set('scope', 'read,activity:read_all');
  const landed = await browser.request(callback.toString());
  assert.match(landed.text, /more access/i);
  const { rows } = await stack.db.pool.query('select scopes from athletes where id = $1::bigint', [athlete]);
  assert.deepEqual(rows[0]?.scopes ?? [], ['read']);
});

test('a client that abandons its request body is a warning with a 4xx, not a server error', async () => {
  const { port } = new URL(stack.baseUrl);
  const before = stack.logLines.length;
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /webhook/${PATH_SECRET} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"aspect_type":`);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const lines = stack.logLines.slice(before);
  assert.ok(
    lines.some((line) => line.includes('abandoned the request body') && line.includes('"severity":"WARNING"')),
    lines.join('\n'),
  );
  assert.ok(!lines.some((line) => line.includes('"severity":"ERROR"')), lines.join('\n'));
});

test('the laptop log writes control characters as escapes: one record, one line', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'pretty', write: (line) => lines.push(line) });
  log.warn('GET /x\n12:00:00 ERROR  fake line', { title: 'a\r\nb\u001b[31m', path: '/\u2028' });
  assert.equal(lines.length, 1);
  assert.ok(!/[\n\r\u001b\u2028]/.test(lines[0]!));
  assert.match(lines[0]!, /\\n12:00:00 ERROR/);
  assert.match(lines[0]!, /\\u001b\[31m/);
});
