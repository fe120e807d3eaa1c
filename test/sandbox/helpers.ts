// Shared helpers for the sandbox tests: a controllable clock, HTTP shortcuts, the consent form, and swagger validators.

import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server.js';

// ---- clock ----

export interface Clock {
  now: () => Date;
  set(iso: string): void;
  advance(seconds: number): void;
  ms(): number;
}

export function fakeClock(iso: string): Clock {
  let ms = Date.parse(iso);
  return {
    now: () => new Date(ms),
    set: (v) => {
      ms = Date.parse(v);
    },
    advance: (seconds) => {
      ms += seconds * 1000;
    },
    ms: () => ms,
  };
}

/** A fixed "now" for deterministic data: a Friday in March, mid-morning UTC. */
export const T0 = '2025-03-14T10:07:00Z';

export async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ port: 0, ...options });
}

// ---- HTTP ----

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function getJson<T = any>(url: string, token?: string): Promise<JsonResponse<T>> {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

export async function postForm<T = any>(url: string, fields: Record<string, string> | URLSearchParams): Promise<JsonResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields instanceof URLSearchParams ? fields : new URLSearchParams(fields),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Walks /athlete/activities until the empty page, the way a client must (there is no total). */
export async function listAll(sb: Sandbox, token: string, perPage = 200): Promise<any[]> {
  const all: any[] = [];
  for (let page = 1; page < 100; page++) {
    const r = await getJson<any[]>(`${sb.apiBaseUrl}/athlete/activities?per_page=${perPage}&page=${page}`, token);
    assert.equal(r.status, 200);
    if (r.body.length === 0) return all;
    all.push(...r.body);
  }
  throw new Error('never reached an empty page');
}

// ---- consent form ----

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface FormInput {
  type: string;
  name: string;
  value: string;
  checked: boolean;
  disabled: boolean;
}

export interface ConsentForm {
  html: string;
  action: string;
  method: string;
  inputs: FormInput[];
  hidden: Array<[string, string]>;
  checkboxes: FormInput[];
}

/** Parses the consent page like a browser would see its form, without a DOM library. */
export function parseConsentForm(html: string): ConsentForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  assert.ok(form, 'consent page has a form');
  const attr = (tag: string, name: string): string | undefined => {
    const m = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag);
    return m ? unescapeHtml(m[1]!) : undefined;
  };
  const inputs: FormInput[] = [...form[2]!.matchAll(/<input\b[^>]*>/gi)].map((m) => ({
    type: attr(m[0], 'type') ?? 'text',
    name: attr(m[0], 'name') ?? '',
    value: attr(m[0], 'value') ?? '',
    checked: /\schecked(\s|>|=)/i.test(m[0]),
    disabled: /\sdisabled(\s|>|=)/i.test(m[0]),
  }));
  return {
    html,
    action: attr(form[1]!, 'action') ?? '',
    method: (attr(form[1]!, 'method') ?? 'get').toLowerCase(),
    inputs,
    hidden: inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value]),
    checkboxes: inputs.filter((i) => i.type === 'checkbox'),
  };
}

/** What a browser submits: hidden fields, the ticked enabled boxes, and the pressed button. */
export function formSubmission(form: ConsentForm, decision: 'approve' | 'deny', untick: string[] = []): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of form.hidden) params.append(k, v);
  for (const box of form.checkboxes) {
    if (box.checked && !box.disabled && !untick.includes(box.value)) params.append(box.name, box.value);
  }
  params.append('decision', decision);
  return params;
}

export function authorizeUrl(sb: Sandbox, params: Record<string, string>): string {
  const q = new URLSearchParams({ client_id: sb.clientId, response_type: 'code', redirect_uri: 'http://localhost:3000/exchange_token', ...params });
  return `${sb.oauthBaseUrl}/authorize?${q.toString()}`;
}

export interface OAuthResult {
  location: string;
  query: URLSearchParams;
}

/** GET the consent page, submit it as a browser would, and return where Strava redirects. */
export async function consent(
  sb: Sandbox,
  params: Record<string, string>,
  decision: 'approve' | 'deny' = 'approve',
  untick: string[] = [],
): Promise<OAuthResult & { form: ConsentForm }> {
  const page = await fetch(authorizeUrl(sb, params), { redirect: 'manual' });
  assert.equal(page.status, 200, 'consent page shown');
  const form = parseConsentForm(await page.text());
  const res = await fetch(new URL(form.action, sb.url), {
    method: form.method.toUpperCase(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: formSubmission(form, decision, untick),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  assert.equal(res.status, 302, 'submitting the form redirects');
  const location = res.headers.get('location') ?? '';
  return { location, query: new URL(location).searchParams, form };
}

export async function exchangeCode(sb: Sandbox, code: string): Promise<JsonResponse<any>> {
  return postForm(`${sb.oauthBaseUrl}/token`, { client_id: sb.clientId, client_secret: sb.clientSecret, code, grant_type: 'authorization_code' });
}

export async function refresh(sb: Sandbox, refreshToken: string): Promise<JsonResponse<any>> {
  return postForm(`${sb.oauthBaseUrl}/token`, {
    client_id: sb.clientId,
    client_secret: sb.clientSecret,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
  });
}

// ---- swagger validation ----

const swaggerPath = new URL('../fixtures/strava/swagger.json', import.meta.url);
export const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as any;

const SWAGGER_ID = 'strava-swagger.json';
const VALIDATED_PATHS = ['/athlete', '/athlete/activities', '/activities/{id}', '/activities/{id}/streams', '/athletes/{id}/stats'];

function collectExampleKeys(value: unknown, keys: Set<string>, nullKeys: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectExampleKeys(v, keys, nullKeys);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      keys.add(k);
      if (v === null) nullKeys.add(k);
      collectExampleKeys(v, keys, nullKeys);
    }
  }
}

const exampleKeys = new Set<string>();
/**
 * Deviation 1: the spec's own response examples show null for some fields whose schema says string/integer/array
 * (workout_type, start_latlng, summary_polyline, ftp, ...). Real Strava answers do the same, so those may be null.
 */
export const NULLABLE_FROM_EXAMPLES = new Set<string>();
for (const p of VALIDATED_PATHS) {
  collectExampleKeys(swagger.paths[p]?.get?.responses?.['200']?.examples, exampleKeys, NULLABLE_FROM_EXAMPLES);
}
// One nested example has a null `id`; identifiers must never be null, so that one is not taken as licence.
NULLABLE_FROM_EXAMPLES.delete('id');
/** Deviation 2: null where real Strava sends null but the examples happen not to show it (manual uploads, no gear). */
export const EXTRA_NULLABLE = new Set(['external_id', 'upload_id', 'gear_id']);
/** Deviation 3: fields today's Strava returns that the 2018-era spec and its examples do not list. */
export const EXTRA_KEYS = new Set(['visibility', 'heartrate_opt_out', 'display_hide_heartrate_option', 'bio']);

function patchedSwagger(): any {
  const doc = structuredClone(swagger);
  const nullable = new Set([...NULLABLE_FROM_EXAMPLES, ...EXTRA_NULLABLE]);
  const walk = (schema: any): void => {
    if (!schema || typeof schema !== 'object') return;
    if (schema.properties) {
      for (const [name, prop] of Object.entries<any>(schema.properties)) {
        if (nullable.has(name)) schema.properties[name] = { anyOf: [prop, { type: 'null' }] };
        else walk(prop);
      }
    }
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(schema[k])) schema[k].forEach(walk);
    if (schema.items) walk(schema.items);
  };
  for (const def of Object.values(doc.definitions)) walk(def);
  // Deviation 4: activities without GPS carry start_latlng/end_latlng as [] on today's Strava (null in 2018).
  const summaryProps = doc.definitions.SummaryActivity.allOf[1].properties;
  for (const k of ['start_latlng', 'end_latlng']) {
    summaryProps[k] = { anyOf: [{ $ref: '#/definitions/LatLng' }, { type: 'array', maxItems: 0 }, { type: 'null' }] };
  }
  // Deviation 2b: an activity without photos has photos.primary null on Strava, not an object.
  const primary = doc.definitions.PhotosSummary.properties.primary;
  doc.definitions.PhotosSummary.properties.primary = { anyOf: [primary, { type: 'null' }] };
  return doc;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// strict: false only because the swagger document carries non-schema keywords (paths, info, examples);
// types, enums, integer-ness, formats and array bounds are all enforced.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
ajv.addSchema(patchedSwagger(), SWAGGER_ID);

const validators = new Map<string, ValidateFunction>();

export function assertSchema(definition: string, value: unknown, label = definition): void {
  let validate = validators.get(definition);
  if (!validate) {
    validate = ajv.getSchema(`${SWAGGER_ID}#/definitions/${definition}`);
    assert.ok(validate, `swagger has definition ${definition}`);
    validators.set(definition, validate);
  }
  const ok = validate(value);
  assert.ok(ok, `${label} does not match #/definitions/${definition}: ${ajv.errorsText(validate.errors, { separator: '\n  ' })}`);
}

/** Every property a definition declares, following allOf and $ref. */
export function definitionKeys(definition: string): Set<string> {
  const keys = new Set<string>();
  const visit = (schema: any): void => {
    if (!schema) return;
    if (schema.$ref) visit(swagger.definitions[String(schema.$ref).replace('#/definitions/', '')]);
    for (const k of Object.keys(schema.properties ?? {})) keys.add(k);
    for (const s of schema.allOf ?? []) visit(s);
  };
  visit(swagger.definitions[definition]);
  return keys;
}

/**
 * Stricter than the schema (which allows anything extra): every top-level field must be declared by the
 * definition, appear in Strava's own example, or be on the short documented list of newer fields.
 */
export function assertKnownKeys(definition: string, value: Record<string, unknown>, label = definition): void {
  const allowed = definitionKeys(definition);
  const unknown = Object.keys(value).filter((k) => !allowed.has(k) && !exampleKeys.has(k) && !EXTRA_KEYS.has(k));
  assert.deepEqual(unknown, [], `${label} has fields Strava does not send`);
}

export const STREAM_TYPES: string[] = swagger.definitions.StreamType.enum;

export function haversine(a: readonly [number, number], b: readonly [number, number]): number {
  const R = 6_371_008.8;
  const toRad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * toRad;
  const dLng = (b[1] - a[1]) * toRad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * toRad) * Math.cos(b[0] * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(x));
}
