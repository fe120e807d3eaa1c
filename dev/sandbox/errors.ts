// Strava-shaped error bodies and the one error type the sandbox throws to produce them.

export interface StravaErrorItem {
  resource: string;
  field: string;
  code: string;
}

export interface StravaFault {
  message: string;
  errors: StravaErrorItem[];
}

/** Thrown anywhere in a handler; the app's onError renders it as Strava would. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly body: StravaFault | null,
    options?: { cause?: unknown },
  ) {
    super(body?.message ?? `HTTP ${status}`, options);
    this.name = 'SandboxError';
  }
}

function fault(message: string, resource: string, field: string, code: string): StravaFault {
  return { message, errors: [{ resource, field, code }] };
}

export const faults = {
  invalidAccessToken: (): StravaFault => fault('Authorization Error', 'Athlete', 'access_token', 'invalid'),
  missingPermission: (permission: string): StravaFault => fault('Authorization Error', 'AccessToken', `${permission}_permission`, 'missing'),
  notFound: (resource: string, field = 'id'): StravaFault => fault('Record Not Found', resource, field, 'invalid'),
  forbidden: (resource: string, field: string): StravaFault => fault('Forbidden', resource, field, 'forbidden'),
  badRequest: (resource: string, field: string, code = 'invalid'): StravaFault => fault('Bad Request', resource, field, code),
  rateLimitExceeded: (): StravaFault => fault('Rate Limit Exceeded', 'Application', 'rate limit', 'exceeded'),
  invalidClientSecret: (): StravaFault => fault('Authorization Error', 'Application', 'client_secret', 'invalid'),
  invalidRefreshToken: (): StravaFault => fault('Bad Request', 'RefreshToken', 'refresh_token', 'invalid'),
  invalidCode: (): StravaFault => fault('Bad Request', 'AuthorizationCode', 'code', 'invalid'),
  /** Since 2026-06-30 for an application whose owner has no Strava subscription (stravalib #730, dreeve #2562). */
  applicationInactive: (): StravaFault => fault('Forbidden', 'Application', 'Status', 'Inactive'),
  /** A 401 that names the application rather than the athlete, with an empty field (recorded by strava-ruby-client, 2020). */
  applicationUnauthorized: (): StravaFault => fault('Authorization Error', 'Application', '', 'invalid'),
};

/** Real 404s from Strava can come with an empty body: thrown as this, the app answers 404 with nothing in it. */
export const emptyNotFound = (): SandboxError => new SandboxError(404, null);

/**
 * The body Strava answers for a bare status, used by fault injection. Statuses
 * with a well-known Strava body get that body so clients exercise real parsing.
 */
export function faultForStatus(status: number): StravaFault {
  switch (status) {
    case 400:
      return { message: 'Bad Request', errors: [] };
    case 401:
      return faults.invalidAccessToken();
    case 403:
      return { message: 'Forbidden', errors: [] };
    case 404:
      return { message: 'Record Not Found', errors: [] };
    case 429:
      return faults.rateLimitExceeded();
    case 500:
      return { message: 'Internal Server Error', errors: [] };
    case 502:
      return { message: 'Bad Gateway', errors: [] };
    case 503:
      return { message: 'Service Unavailable', errors: [] };
    case 504:
      return { message: 'Gateway Timeout', errors: [] };
    default:
      return { message: status >= 500 ? 'Error' : 'Bad Request', errors: [] };
  }
}
