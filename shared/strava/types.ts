// The parts of Strava's API responses this project reads (see test/fixtures/strava/swagger.json for the full shapes).

export type Scope = 'read' | 'read_all' | 'profile:read_all' | 'profile:write' | 'activity:read' | 'activity:read_all' | 'activity:write';

export interface SummaryAthlete {
  id: number;
  username?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  city?: string | null;
  country?: string | null;
  profile?: string | null;
  profile_medium?: string | null;
}

export interface DetailedAthlete extends SummaryAthlete {
  measurement_preference?: 'meters' | 'feet';
}

export interface TokenSet {
  token_type: 'Bearer';
  access_token: string;
  refresh_token: string;
  /** Seconds since the epoch. */
  expires_at: number;
  expires_in: number;
}

export interface TokenExchange extends TokenSet {
  athlete: SummaryAthlete;
  /** The granted scopes, when the token answer reports them (OAuth 2.0 allows it; Strava's answers seen so far do not). */
  scope?: string;
}

export interface SummaryActivity {
  id: number;
  athlete: { id: number };
  name: string;
  sport_type: string;
  type?: string;
  start_date: string;
  start_date_local: string;
  timezone?: string;
  distance?: number;
  moving_time?: number;
  elapsed_time?: number;
  total_elevation_gain?: number;
  average_speed?: number;
  max_speed?: number;
  average_heartrate?: number;
  max_heartrate?: number;
  manual?: boolean;
  private?: boolean;
  visibility?: string;
  map?: { id?: string; summary_polyline?: string | null; polyline?: string | null } | null;
  [key: string]: unknown;
}

/** One roll-up of GET /athletes/{id}/stats ("ActivityTotal"): metres and seconds. */
export type ActivityTotal = Record<'count' | 'distance' | 'moving_time' | 'elapsed_time' | 'elevation_gain', number> & { achievement_count?: number };

/** GET /athletes/{id}/stats: only activities visible to Everyone, and only runs, rides and swims. */
export interface ActivityStats {
  biggest_ride_distance?: number;
  biggest_climb_elevation_gain?: number;
  recent_ride_totals?: ActivityTotal;
  recent_run_totals?: ActivityTotal;
  recent_swim_totals?: ActivityTotal;
  ytd_ride_totals?: ActivityTotal;
  ytd_run_totals?: ActivityTotal;
  ytd_swim_totals?: ActivityTotal;
  all_ride_totals?: ActivityTotal;
  all_run_totals?: ActivityTotal;
  all_swim_totals?: ActivityTotal;
}

export interface StreamSet {
  [type: string]: { data: unknown[]; series_type?: string; original_size?: number; resolution?: string } | undefined;
}

/** The last rate-limit figures Strava reported ("15-minute,daily" pairs). */
export interface RateLimitUsage {
  overall: { limit15: number; limitDaily: number; usage15: number; usageDaily: number };
  read?: { limit15: number; limitDaily: number; usage15: number; usageDaily: number } | undefined;
  observedAt: Date;
}
