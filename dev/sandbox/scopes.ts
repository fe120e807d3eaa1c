// OAuth scopes: parsing, Strava's canonical order, and what each one allows.

/** The order Strava lists (and echoes) scopes in. */
export const SCOPES = ['read', 'read_all', 'profile:read_all', 'profile:write', 'activity:read', 'activity:read_all', 'activity:write'] as const;
export type Scope = (typeof SCOPES)[number];

/** Strava will not let the athlete refuse public-profile access; the consent page shows it as required. */
export const REQUIRED_SCOPE: Scope = 'read';

export const SCOPE_LABELS: Record<Scope, string> = {
  read: 'View data about your public profile (required)',
  read_all: 'View data about your private routes, segments, and events',
  'profile:read_all': 'View your complete Strava profile',
  'profile:write': 'Update your weight and Functional Threshold Power (FTP)',
  'activity:read': 'View data about your activities',
  'activity:read_all': 'View data about your private activities',
  'activity:write': 'Upload your activities to Strava',
};

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Parses a scope parameter; null if any entry is unknown. Commas are Strava's separator; spaces are tolerated. */
export function parseScopes(raw: string | undefined | null): Scope[] | null {
  const parts = (raw ?? '').split(/[,\s]+/).filter((s) => s.length > 0);
  if (!parts.every(isScope)) return null;
  return orderScopes(parts as Scope[]);
}

export function orderScopes(scopes: Iterable<string>): Scope[] {
  const set = new Set(scopes);
  return SCOPES.filter((s) => set.has(s));
}

export function formatScopes(scopes: Iterable<string>): string {
  return orderScopes(scopes).join(',');
}

export const canReadActivities = (scopes: readonly string[]): boolean => scopes.includes('activity:read') || scopes.includes('activity:read_all');
export const canReadPrivateActivities = (scopes: readonly string[]): boolean => scopes.includes('activity:read_all');
export const canReadProfile = (scopes: readonly string[]): boolean =>
  scopes.includes('read') || scopes.includes('read_all') || scopes.includes('profile:read_all');
export const canReadFullProfile = (scopes: readonly string[]): boolean => scopes.includes('profile:read_all');
