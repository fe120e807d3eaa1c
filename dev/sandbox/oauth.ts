// OAuth routes under /oauth: consent page, code and refresh-token exchange, deauthorization.

import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { avatarUrl, summaryAthlete } from './athletes.js';
import type { SandboxContext, SandboxEnv } from './context.js';
import { SandboxError, faultForStatus, faults } from './errors.js';
import type { AthleteRecord } from './model.js';
import { consentPage } from './pages.js';
import { DEMO_ATHLETE_ID } from './seed.js';
import { REQUIRED_SCOPE, formatScopes, orderScopes, parseScopes, type Scope } from './scopes.js';

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  responseType: string;
  approvalPrompt: 'auto' | 'force';
  scopes: Scope[];
  state: string;
  athlete: AthleteRecord;
}

type Params = Record<string, string | undefined>;

/** localhost and 127.0.0.1 are always allowed, as on Strava; otherwise the host must sit in the callback domain. */
function redirectAllowed(ctx: SandboxContext, uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  if (host === 'localhost' || host === '127.0.0.1') return true;
  const domain = ctx.callbackDomain;
  return domain !== null && (host === domain || host.endsWith(`.${domain}`));
}

function validateAuthorize(ctx: SandboxContext, p: Params): AuthorizeRequest {
  if (p.client_id !== ctx.clientId) throw new SandboxError(400, faults.badRequest('Application', 'client_id'));
  const redirectUri = p.redirect_uri ?? '';
  if (!redirectAllowed(ctx, redirectUri)) throw new SandboxError(400, faults.badRequest('Application', 'redirect_uri'));
  if (p.response_type !== 'code') throw new SandboxError(400, faults.badRequest('Authorize', 'response_type'));
  const approvalPrompt = p.approval_prompt ?? 'auto';
  if (approvalPrompt !== 'auto' && approvalPrompt !== 'force') throw new SandboxError(400, faults.badRequest('Authorize', 'approval_prompt'));
  const parsed = parseScopes(p.scope);
  if (parsed === null) throw new SandboxError(400, faults.badRequest('Authorize', 'scope'));
  const athleteId = p.athlete_id !== undefined && p.athlete_id !== '' ? Number(p.athlete_id) : DEMO_ATHLETE_ID;
  const athlete = Number.isInteger(athleteId) ? ctx.store.athletes.get(athleteId) : undefined;
  if (!athlete) throw new SandboxError(404, faults.notFound('Athlete', 'athlete_id'));
  return {
    clientId: ctx.clientId,
    redirectUri,
    responseType: 'code',
    approvalPrompt,
    // Strava treats a missing scope as "read".
    scopes: parsed.length > 0 ? parsed : ['read'],
    state: p.state ?? '',
    athlete,
  };
}

/** Strava's redirects keep commas and colons literal: `scope=read,activity:read_all`. */
function redirectWith(uri: string, params: Array<[string, string]>): string {
  const enc = (v: string): string => encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
  const hashAt = uri.indexOf('#');
  const base = hashAt >= 0 ? uri.slice(0, hashAt) : uri;
  const query = params.map(([k, v]) => `${k}=${enc(v)}`).join('&');
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

function firstValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return firstValue(v[0]);
  return typeof v === 'string' ? v : undefined;
}

/** Token and deauthorize requests may carry parameters in the query, a form or JSON; Strava accepts all three. */
export async function readParams(c: Context<SandboxEnv>): Promise<Params> {
  const params: Params = { ...c.req.query() };
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    for (const [k, v] of Object.entries(body ?? {})) if (v !== null && v !== undefined) params[k] = String(v);
  } else if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    const body = await c.req.parseBody();
    for (const [k, v] of Object.entries(body)) {
      const s = firstValue(v);
      if (s !== undefined) params[k] = s;
    }
  }
  return params;
}

export function oauthRoutes(ctx: SandboxContext): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();

  app.use('*', async (c, next) => {
    const injected = ctx.faults.take(c.req.method, c.req.path);
    if (injected !== null) return c.json(faultForStatus(injected), injected as ContentfulStatusCode);
    // An inactive application gets nothing from Strava: no tokens, no refreshes, no revocations.
    if (ctx.application.status === 'inactive' && c.req.method === 'POST' && c.req.path !== '/oauth/authorize') {
      throw new SandboxError(403, faults.applicationInactive());
    }
    await next();
  });

  /** Deauthorization and revocation count toward the application's usage, as Strava counts them. */
  const charge = (c: Context<SandboxEnv>): void => {
    for (const [k, v] of Object.entries(ctx.limiter.hit(false).headers)) c.header(k, v);
  };

  app.get('/authorize', (c) => {
    const req = validateAuthorize(ctx, c.req.query());
    if (req.approvalPrompt === 'auto') {
      const granted = ctx.tokens.grantedScopes(req.athlete.id, req.clientId);
      if (granted && req.scopes.every((s) => granted.includes(s))) {
        const code = ctx.tokens.createCode(req.athlete.id, req.clientId, req.scopes, req.redirectUri);
        return c.redirect(
          redirectWith(req.redirectUri, [
            ['state', req.state],
            ['code', code],
            ['scope', formatScopes(req.scopes)],
          ]),
          302,
        );
      }
    }
    const html = consentPage({
      applicationName: ctx.applicationName,
      athlete: req.athlete,
      avatarUrl: avatarUrl(ctx.origin, req.athlete.id, 'medium'),
      redirectHost: new URL(req.redirectUri).host,
      scopes: req.scopes,
      hidden: {
        client_id: req.clientId,
        redirect_uri: req.redirectUri,
        response_type: req.responseType,
        approval_prompt: req.approvalPrompt,
        state: req.state,
        athlete_id: String(req.athlete.id),
        requested_scope: formatScopes(req.scopes),
      },
    });
    c.header('Cache-Control', 'no-store');
    return c.html(html);
  });

  app.post('/authorize', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const one = (k: string): string | undefined => firstValue(body[k]);
    const req = validateAuthorize(ctx, {
      client_id: one('client_id'),
      redirect_uri: one('redirect_uri'),
      response_type: one('response_type'),
      approval_prompt: one('approval_prompt'),
      scope: one('requested_scope'),
      state: one('state'),
      athlete_id: one('athlete_id'),
    });
    if (one('decision') !== 'approve') {
      return c.redirect(
        redirectWith(req.redirectUri, [
          ['state', req.state],
          ['error', 'access_denied'],
        ]),
        302,
      );
    }
    // A full application turns a new athlete away ("Limit of connected athletes exceeded"); what reaches the site is a
    // callback without a code, as athletes of such applications reported (strava-to-fittrackee #25).
    const limit = ctx.application.athleteLimit;
    const alreadyAuthorized = ctx.tokens.grantedScopes(req.athlete.id, req.clientId) !== null;
    if (limit !== null && !alreadyAuthorized && ctx.store.grants.filter((g) => g.clientId === req.clientId).length >= limit) {
      return c.redirect(redirectWith(req.redirectUri, [['state', req.state]]), 302);
    }
    const rawTicked = body.scope;
    const ticked = new Set((Array.isArray(rawTicked) ? rawTicked : [rawTicked]).filter((v): v is string => typeof v === 'string'));
    // Only what was asked for can be granted, and the required scope cannot be refused.
    const granted = orderScopes(req.scopes.filter((s) => ticked.has(s) || s === REQUIRED_SCOPE));
    ctx.tokens.recordGrant(req.athlete.id, req.clientId, granted);
    const code = ctx.tokens.createCode(req.athlete.id, req.clientId, granted, req.redirectUri);
    return c.redirect(
      redirectWith(req.redirectUri, [
        ['state', req.state],
        ['code', code],
        ['scope', formatScopes(granted)],
      ]),
      302,
    );
  });

  app.post('/token', async (c) => {
    const p = await readParams(c);
    if (p.client_id !== ctx.clientId) throw new SandboxError(400, faults.badRequest('Application', 'client_id'));
    if (p.client_secret !== ctx.clientSecret) throw new SandboxError(401, faults.invalidClientSecret());
    const grantType = p.grant_type ?? (p.code !== undefined ? 'authorization_code' : undefined);
    if (grantType === 'authorization_code') {
      ctx.counters.tokenExchanges++;
      const code = p.code ? ctx.tokens.redeemCode(p.code, ctx.clientId) : null;
      if (!code) throw new SandboxError(400, faults.invalidCode());
      const athlete = ctx.store.athletes.get(code.athleteId);
      if (!athlete) throw new SandboxError(400, faults.invalidCode());
      const t = ctx.tokens.issue(code.athleteId, ctx.clientId, code.scopes);
      return c.json({
        token_type: t.token_type,
        expires_at: t.expires_at,
        expires_in: t.expires_in,
        refresh_token: t.refresh_token,
        access_token: t.access_token,
        athlete: summaryAthlete(athlete, ctx.origin),
      });
    }
    if (grantType === 'refresh_token') {
      ctx.counters.tokenRefreshes++;
      const t = p.refresh_token ? ctx.tokens.refresh(p.refresh_token, ctx.clientId) : null;
      if (!t) throw new SandboxError(400, faults.invalidRefreshToken());
      return c.json({
        token_type: t.token_type,
        access_token: t.access_token,
        expires_at: t.expires_at,
        expires_in: t.expires_in,
        refresh_token: t.refresh_token,
      });
    }
    throw new SandboxError(400, faults.badRequest('Application', 'grant_type'));
  });

  // Revoking by either endpoint ends the whole grant, and Strava tells the application through its webhook, whoever
  // asked for the revocation.
  const endGrant = (record: { athleteId: number; clientId: string }) => {
    ctx.tokens.deauthorize(record.athleteId, record.clientId);
    ctx.webhooks.emit({
      aspect_type: 'update',
      object_type: 'athlete',
      object_id: record.athleteId,
      owner_id: record.athleteId,
      updates: { authorized: 'false' },
    });
  };

  // RFC 7009 style: HTTP Basic with the client id and secret; `token` is the access or the refresh token, and revoking
  // either revokes the whole grant. A token Strava does not know is answered 200 as well: it is revoked either way.
  app.post('/revoke', async (c) => {
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64')
          .toString('utf8')
          .split(':')
          .map((part) => decodeURIComponent(part))
      : [];
    if (id !== ctx.clientId || secret !== ctx.clientSecret) throw new SandboxError(401, faults.invalidClientSecret());
    charge(c);
    const p = await readParams(c);
    const token = p.token;
    if (!token) throw new SandboxError(400, faults.badRequest('Token', 'token', 'missing'));
    const record = ctx.tokens.verify(token) ?? ctx.store.refreshTokens.get(token) ?? null;
    if (record && record.clientId === ctx.clientId) endGrant(record);
    return c.body(null, 200);
  });

  app.post('/deauthorize', async (c) => {
    charge(c);
    const p = await readParams(c);
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const token = p.access_token ?? bearer;
    const record = token ? ctx.tokens.verify(token) : null;
    if (!token || !record) throw new SandboxError(401, faults.invalidAccessToken());
    endGrant(record);
    return c.json({ access_token: token });
  });

  return app;
}
