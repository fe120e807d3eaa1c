// Strava failures as distinct types and one classification (transient or permanent), from whatever body Strava sent.
import type { RateLimitUsage } from './types.js';
import { httpFailureClass } from '../http-failure.js';

export interface StravaFaultItem {
  resource?: string;
  field?: string;
  code?: string;
}

/** Strava's error body, normalised: `errors` is always an array of items whose fields are strings or absent. */
export interface StravaFault {
  message?: string;
  errors?: StravaFaultItem[];
}

/**
 * What a failure means for the caller. One list, so every path (API calls, token refreshes, sign-in, the history
 * import, the event processor) decides the same way.
 */
export type StravaFailureKind =
  /** 429, or 403 saying "rate limit" (Strava before 2017): wait for the window to reset. */
  | 'rate_limited'
  /** 403 Application/Status/Inactive: the application's owner has no Strava subscription. The site's problem, not the athlete's. */
  | 'application_inactive'
  /** 5xx, no answer, or an answer that cannot be read: try again later. */
  | 'unavailable'
  /** 401 about the token: this athlete's access is gone. */
  | 'unauthorized'
  /** 400/401 naming client_id or client_secret: the site's configuration is wrong. */
  | 'application_refused'
  | 'not_found'
  /** Any other 4xx: Strava will keep saying no (bad code, bad refresh token, missing scope). */
  | 'refused';

/** Worth trying again later, without anyone doing anything: the same answer for every caller. */
export function isTransientKind(kind: StravaFailureKind): boolean {
  return kind === 'rate_limited' || kind === 'application_inactive' || kind === 'unavailable';
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

/**
 * Reads any error body without throwing: JSON with `errors` as an array or a string (`{"errors":"Rate Limit
 * Exceeded"}`), an empty body (real 404s), or something that is not JSON at all (an HTML 502 from a proxy).
 */
export function parseFault(body: string): StravaFault | undefined {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
  return normaliseFault(parsed);
}

export function normaliseFault(parsed: unknown): StravaFault | undefined {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const body = parsed as Record<string, unknown>;
  const message = text(body.message);
  let errors: StravaFaultItem[] = [];
  if (Array.isArray(body.errors)) {
    errors = body.errors
      .filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object')
      .map((item) => ({ resource: text(item.resource), field: text(item.field), code: text(item.code) }));
  } else if (typeof body.errors === 'string') {
    errors = [{ code: body.errors }];
  }
  return { ...(message !== undefined ? { message } : {}), errors };
}

const items = (fault: StravaFault | undefined): StravaFaultItem[] => fault?.errors ?? [];

export function isApplicationInactive(fault: StravaFault | undefined): boolean {
  return items(fault).some((e) => e.resource === 'Application' && e.field?.toLowerCase() === 'status' && e.code?.toLowerCase() === 'inactive');
}

/** Strava's rate-limit refusals, whichever status carried them (429 today, 403 until 2017). */
export function mentionsRateLimit(fault: StravaFault | undefined): boolean {
  const words = [fault?.message, ...items(fault).flatMap((e) => [e.field, e.code])].filter(Boolean).join(' ');
  return /rate ?limit/i.test(words);
}

/** A refusal of the application's own credentials, not of an athlete's token. */
export function isApplicationCredentialFault(fault: StravaFault | undefined): boolean {
  return items(fault).some((e) => e.field === 'client_id' || e.field === 'client_secret');
}

export function classifyStravaFailure(status: number, fault: StravaFault | undefined): StravaFailureKind {
  const failure = httpFailureClass(status);
  if (failure === 'unavailable') return 'unavailable';
  if (failure === 'throttled' || (status === 403 && mentionsRateLimit(fault))) return 'rate_limited';
  if (isApplicationInactive(fault)) return 'application_inactive';
  if (isApplicationCredentialFault(fault)) return 'application_refused';
  // A 401 may name the Application with an empty field for a bad token (recorded 2020): still the token.
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  return 'refused';
}

export class StravaError extends Error {
  readonly status: number;
  readonly fault: StravaFault | undefined;
  readonly kind: StravaFailureKind;
  /** Transient failures (rate limit, inactive application, 5xx, network) are worth retrying later; the rest are not. */
  readonly transient: boolean;

  constructor(message: string, status: number, fault: StravaFault | undefined, kind: StravaFailureKind, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.fault = fault;
    this.kind = kind;
    this.transient = isTransientKind(kind);
  }
}

export class StravaRateLimitError extends StravaError {
  readonly usage: RateLimitUsage | undefined;
  constructor(fault: StravaFault | undefined, usage: RateLimitUsage | undefined, status = 429) {
    super('Strava rate limit exceeded', status, fault, 'rate_limited');
    this.usage = usage;
  }
}

/** The application is inactive at Strava (its owner has no subscription): every call fails until the owner fixes it. */
export class StravaApplicationInactiveError extends StravaError {
  constructor(fault: StravaFault | undefined, status = 403) {
    super('Strava says this application is inactive (its owner needs a Strava subscription)', status, fault, 'application_inactive');
  }
}

/** The token is invalid, expired or revoked (the athlete deauthorized the app), or the client credentials are wrong. */
export class StravaUnauthorizedError extends StravaError {
  constructor(fault: StravaFault | undefined) {
    super('Strava refused the access token', 401, fault, isApplicationCredentialFault(fault) ? 'application_refused' : 'unauthorized');
  }

  /** The client id or secret was refused: the site's configuration, not the athlete's access. */
  get applicationFault(): boolean {
    return this.kind === 'application_refused';
  }
}

export class StravaNotFoundError extends StravaError {
  constructor(fault: StravaFault | undefined) {
    super('Strava has no such record', 404, fault, 'not_found');
  }
}

export class StravaServerError extends StravaError {
  constructor(status: number, fault: StravaFault | undefined, options?: { cause?: unknown }) {
    super(status === 0 ? 'Strava could not be reached' : `Strava answered ${status}`, status, fault, 'unavailable', options);
  }
}

/** Any other 4xx: a request Strava will keep refusing (bad code, bad refresh token, missing scope). */
export class StravaRequestError extends StravaError {
  constructor(status: number, fault: StravaFault | undefined) {
    super(`Strava refused the request (${status}${fault?.message ? `: ${fault.message}` : ''})`, status, fault, classifyStravaFailure(status, fault));
  }

  /** Strava's answer to a refresh token that was rotated away or revoked. */
  get invalidRefreshToken(): boolean {
    return items(this.fault).some((e) => e.resource === 'RefreshToken' && e.code === 'invalid');
  }

  get invalidCode(): boolean {
    return items(this.fault).some((e) => e.resource === 'AuthorizationCode' || e.resource === 'RequestToken' || e.field === 'code');
  }
}

/** The one mapping from an HTTP failure to an error, for every Strava caller (API, OAuth, push subscriptions). */
export function toStravaError(status: number, fault: StravaFault | undefined, usage?: RateLimitUsage): StravaError {
  const kind = classifyStravaFailure(status, fault);
  switch (kind) {
    case 'unavailable':
      return new StravaServerError(status, fault);
    case 'rate_limited':
      return new StravaRateLimitError(fault, usage, status);
    case 'application_inactive':
      return new StravaApplicationInactiveError(fault, status);
    default:
      if (status === 401) return new StravaUnauthorizedError(fault);
      if (status === 404) return new StravaNotFoundError(fault);
      return new StravaRequestError(status, fault);
  }
}

/** Whether this failure, or what caused it (a token refresh that failed on it), is Strava's "application inactive". */
export function causedByInactiveApplication(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StravaError && e.kind === 'application_inactive') return true;
  }
  return false;
}
