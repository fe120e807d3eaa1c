// Athlete JSON as Strava shapes it (summary, detailed) and the rolled-up stats of GET /athletes/{id}/stats.

import type { ActivityRecord, AthleteRecord, GearRecord } from './model.js';
import { statsBucketOf } from './sports.js';
import { localParts } from './time.js';

export function avatarUrl(origin: string, athleteId: number, size: 'medium' | 'large'): string {
  return `${origin}/sandbox/avatar/${athleteId}.svg${size === 'medium' ? '?size=62' : ''}`;
}

/** resource_state 2: what the token exchange returns, and what GET /athlete returns without profile scopes. */
export function summaryAthlete(a: AthleteRecord, origin: string): Record<string, unknown> {
  return {
    id: a.id,
    username: a.username,
    resource_state: 2,
    firstname: a.firstname,
    lastname: a.lastname,
    bio: '',
    city: a.city,
    state: a.state,
    country: a.country,
    sex: a.sex,
    premium: a.summit,
    summit: a.summit,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    badge_type_id: a.summit ? 1 : 0,
    weight: a.weight,
    profile_medium: avatarUrl(origin, a.id, 'medium'),
    profile: avatarUrl(origin, a.id, 'large'),
    friend: null,
    follower: null,
  };
}

/** A piece of gear as Strava summarises it, in an athlete's profile and in an activity's detail. */
export function summaryGear(g: GearRecord, athlete: AthleteRecord, distanceM: number): Record<string, unknown> {
  const distance = Math.round(distanceM);
  return {
    id: g.id,
    primary: g.primary,
    name: g.name,
    nickname: g.name,
    resource_state: 2,
    retired: g.retired === true,
    distance,
    converted_distance: Math.round((athlete.measurementPreference === 'feet' ? distance / 1609.344 : distance / 1000) * 10) / 10,
  };
}

/**
 * resource_state 3. Gear and clubs are only listed for tokens with profile:read_all, as on Strava,
 * where the rest of the detailed profile comes with the ordinary read scope.
 */
export function detailedAthlete(a: AthleteRecord, origin: string, withGear: boolean, gearDistance: (gearId: string) => number): Record<string, unknown> {
  const gear = (kind: 'bike' | 'shoe'): Array<Record<string, unknown>> =>
    a.gear.filter((g) => g.kind === kind).map((g) => summaryGear(g, a, gearDistance(g.id)));
  return {
    ...summaryAthlete(a, origin),
    resource_state: 3,
    follower_count: a.followerCount,
    friend_count: a.friendCount,
    mutual_friend_count: 0,
    athlete_type: 1,
    date_preference: '%m/%d/%Y',
    measurement_preference: a.measurementPreference,
    ftp: a.ftp,
    ...(withGear ? { clubs: [], bikes: gear('bike'), shoes: gear('shoe') } : {}),
  };
}

interface Total {
  count: number;
  distance: number;
  moving_time: number;
  elapsed_time: number;
  elevation_gain: number;
  achievement_count?: number;
}

const emptyTotal = (withAchievements: boolean): Total => ({
  count: 0,
  distance: 0,
  moving_time: 0,
  elapsed_time: 0,
  elevation_gain: 0,
  ...(withAchievements ? { achievement_count: 0 } : {}),
});

/** Stats count only activities visible to Everyone, as Strava documents. */
export function athleteStats(a: AthleteRecord, activities: readonly ActivityRecord[], nowMs: number): Record<string, unknown> {
  const recentFrom = nowMs - 28 * 86_400_000;
  const thisYear = localParts(a.tzName, nowMs).year;
  const totals = {
    recent: { ride: emptyTotal(true), run: emptyTotal(true), swim: emptyTotal(true) },
    ytd: { ride: emptyTotal(false), run: emptyTotal(false), swim: emptyTotal(false) },
    all: { ride: emptyTotal(false), run: emptyTotal(false), swim: emptyTotal(false) },
  };
  let biggestRide = 0;
  let biggestClimb = 0;
  const add = (t: Total, x: ActivityRecord): void => {
    t.count++;
    t.distance += x.distance;
    t.moving_time += x.movingTime;
    t.elapsed_time += x.elapsedTime;
    t.elevation_gain += x.totalElevationGain;
    if (t.achievement_count !== undefined) t.achievement_count += x.achievementCount;
  };
  for (const x of activities) {
    if (x.visibility !== 'everyone' || x.startDate > nowMs) continue;
    const bucket = statsBucketOf(x.sportType);
    if (!bucket) continue;
    add(totals.all[bucket], x);
    if (localParts(a.tzName, x.startDate).year === thisYear) add(totals.ytd[bucket], x);
    if (x.startDate >= recentFrom) add(totals.recent[bucket], x);
    if (bucket === 'ride') {
      biggestRide = Math.max(biggestRide, x.distance);
      biggestClimb = Math.max(biggestClimb, x.totalElevationGain);
    }
  }
  const tidy = (t: Total): Total => ({ ...t, distance: Math.round(t.distance * 10) / 10, elevation_gain: Math.round(t.elevation_gain * 10) / 10 });
  return {
    biggest_ride_distance: Math.round(biggestRide * 10) / 10,
    biggest_climb_elevation_gain: Math.round(biggestClimb * 10) / 10,
    recent_ride_totals: tidy(totals.recent.ride),
    all_ride_totals: tidy(totals.all.ride),
    recent_run_totals: tidy(totals.recent.run),
    all_run_totals: tidy(totals.all.run),
    recent_swim_totals: tidy(totals.recent.swim),
    all_swim_totals: tidy(totals.all.swim),
    ytd_ride_totals: tidy(totals.ytd.ride),
    ytd_run_totals: tidy(totals.ytd.run),
    ytd_swim_totals: tidy(totals.ytd.swim),
  };
}
