// Strava failures as distinct types, so callers decide per kind: retry later, reconnect, or give up.
import type { RateLimitUsage } from './types.js';

export interface StravaFault {
  message?: string;
  errors?: { resource?: string; field?: string; code?: string }[];
}

export class StravaError extends Error {
  readonly status: number;
  readonly fault: StravaFault | undefined;
  /** Transient failures (429, 5xx, network) are worth retrying later; the rest are not. */
  readonly transient: boolean;

  constructor(message: string, status: number, fault: StravaFault | undefined, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.fault = fault;
    this.transient = transient;
  }
}

export class StravaRateLimitError extends StravaError {
  readonly usage: RateLimitUsage | undefined;
  constructor(fault: StravaFault | undefined, usage: RateLimitUsage | undefined) {
    super('Strava rate limit exceeded', 429, fault, true);
    this.usage = usage;
  }
}

/** The token is invalid, expired or revoked (the athlete deauthorized the app). */
export class StravaUnauthorizedError extends StravaError {
  constructor(fault: StravaFault | undefined) {
    super('Strava refused the access token', 401, fault, false);
  }
}

export class StravaNotFoundError extends StravaError {
  constructor(fault: StravaFault | undefined) {
    super('Strava has no such record', 404, fault, false);
  }
}

export class StravaServerError extends StravaError {
  constructor(status: number, fault: StravaFault | undefined, options?: { cause?: unknown }) {
    super(status === 0 ? 'Strava could not be reached' : `Strava answered ${status}`, status, fault, true, options);
  }
}

/** Any other 4xx: a request Strava will keep refusing (bad code, bad refresh token, missing scope). */
export class StravaRequestError extends StravaError {
  constructor(status: number, fault: StravaFault | undefined) {
    super(`Strava refused the request (${status}${fault?.message ? `: ${fault.message}` : ''})`, status, fault, false);
  }

  /** Strava's answer to a refresh token that was rotated away or revoked. */
  get invalidRefreshToken(): boolean {
    return this.fault?.errors?.some((e) => e.resource === 'RefreshToken' && e.code === 'invalid') ?? false;
  }

  get invalidCode(): boolean {
    return this.fault?.errors?.some((e) => e.resource === 'AuthorizationCode' || e.field === 'code') ?? false;
  }
}
