// Authorization codes, access/refresh tokens and grants, with Strava's expiry and rotation rules.

import { randomBytes } from 'node:crypto';
import type { AccessTokenRecord, AuthorizationCode, Store } from './state.js';
import { formatScopes } from './scopes.js';

/** Codes are short-lived on Strava; ten minutes is generous for a human clicking through. */
const CODE_TTL_MS = 10 * 60 * 1000;
/** Strava hands back the same access token on refresh while it has more than an hour to live. */
const REUSE_THRESHOLD_SECONDS = 3600;

export interface TokenAnswer {
  token_type: 'Bearer';
  expires_at: number;
  expires_in: number;
  refresh_token: string;
  access_token: string;
  scope: string;
  athleteId: number;
}

/** Strava tokens are 40 hex characters. */
const newSecret = (): string => randomBytes(20).toString('hex');

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  grantedScopes(athleteId: number, clientId: string): string[] | null {
    return this.store.grants.find((g) => g.athleteId === athleteId && g.clientId === clientId)?.scopes ?? null;
  }

  /** Re-authorizing replaces what the athlete approved before. */
  recordGrant(athleteId: number, clientId: string, scopes: string[]): void {
    const existing = this.store.grants.find((g) => g.athleteId === athleteId && g.clientId === clientId);
    if (existing) existing.scopes = [...scopes];
    else this.store.grants.push({ athleteId, clientId, scopes: [...scopes] });
    this.store.save();
  }

  createCode(athleteId: number, clientId: string, scopes: string[], redirectUri: string): string {
    this.pruneCodes();
    const code = newSecret();
    this.store.codes.set(code, { code, athleteId, clientId, scopes: [...scopes], redirectUri, expiresAt: this.now().getTime() + CODE_TTL_MS });
    this.store.save();
    return code;
  }

  /** Single use: the code is gone whether or not the exchange succeeds afterwards. */
  redeemCode(code: string, clientId: string): AuthorizationCode | null {
    const record = this.store.codes.get(code);
    if (!record) return null;
    this.store.codes.delete(code);
    this.store.save();
    if (record.clientId !== clientId || record.expiresAt <= this.now().getTime()) return null;
    // A grant revoked after the code was issued makes the code worthless too.
    if (this.grantedScopes(record.athleteId, clientId) === null) return null;
    return record;
  }

  issue(athleteId: number, clientId: string, scopes: string[], expiresInSeconds?: number): TokenAnswer {
    const now = this.nowSeconds();
    const ttl = expiresInSeconds ?? this.accessTokenTtlSeconds;
    const access: AccessTokenRecord = { token: newSecret(), athleteId, clientId, scopes: [...scopes], expiresAt: now + ttl };
    const refresh = newSecret();
    this.store.accessTokens.set(access.token, access);
    this.store.refreshTokens.set(refresh, { token: refresh, athleteId, clientId, scopes: [...scopes], accessToken: access.token });
    this.pruneAccessTokens();
    this.store.save();
    return this.answer(access, refresh, now);
  }

  refresh(refreshToken: string, clientId: string): TokenAnswer | null {
    const record = this.store.refreshTokens.get(refreshToken);
    if (!record || record.clientId !== clientId) return null;
    const now = this.nowSeconds();
    const current = this.store.accessTokens.get(record.accessToken);
    if (current && current.expiresAt - now > REUSE_THRESHOLD_SECONDS) return this.answer(current, refreshToken, now);
    // Rotation: a new pair, and the old refresh token dies at once. The old access token lives out its time.
    this.store.refreshTokens.delete(refreshToken);
    return this.issue(record.athleteId, clientId, record.scopes);
  }

  /** A valid, unexpired access token's record, or null. */
  verify(accessToken: string): AccessTokenRecord | null {
    const record = this.store.accessTokens.get(accessToken);
    if (!record || record.expiresAt <= this.nowSeconds()) return null;
    return record;
  }

  /** Revokes the grant and every code and token the athlete holds for this application. */
  deauthorize(athleteId: number, clientId: string): void {
    const mine = (r: { athleteId: number; clientId: string }): boolean => r.athleteId === athleteId && r.clientId === clientId;
    for (const [k, v] of this.store.accessTokens) if (mine(v)) this.store.accessTokens.delete(k);
    for (const [k, v] of this.store.refreshTokens) if (mine(v)) this.store.refreshTokens.delete(k);
    for (const [k, v] of this.store.codes) if (mine(v)) this.store.codes.delete(k);
    const index = this.store.grants.findIndex(mine);
    if (index >= 0) this.store.grants.splice(index, 1);
    this.store.save();
  }

  private answer(access: AccessTokenRecord, refresh: string, now: number): TokenAnswer {
    return {
      token_type: 'Bearer',
      expires_at: access.expiresAt,
      expires_in: Math.max(0, access.expiresAt - now),
      refresh_token: refresh,
      access_token: access.token,
      scope: formatScopes(access.scopes),
      athleteId: access.athleteId,
    };
  }

  private pruneCodes(): void {
    const now = this.now().getTime();
    for (const [k, v] of this.store.codes) if (v.expiresAt <= now) this.store.codes.delete(k);
  }

  /** Drops expired access tokens nobody can refresh any more, so long runs do not grow the state without bound. */
  private pruneAccessTokens(): void {
    const now = this.nowSeconds();
    const live = new Set([...this.store.refreshTokens.values()].map((r) => r.accessToken));
    for (const [k, v] of this.store.accessTokens) if (v.expiresAt <= now && !live.has(k)) this.store.accessTokens.delete(k);
  }
}
