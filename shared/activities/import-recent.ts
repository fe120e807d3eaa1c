// The first import on connect: the most recent page of activities in one API call and one upsert.
import type { Queryable } from '../db/types.js';
import type { StravaClient } from '../strava/client.js';
import { upsertActivities } from './store.js';

/** Strava's largest page. */
export const RECENT_PAGE_SIZE = 200;

export async function importRecentActivities(
  db: Queryable,
  strava: StravaClient,
  athleteId: number,
  accessToken: string,
): Promise<number> {
  const fetchedAt = new Date();
  const activities = await strava.listActivities(accessToken, { page: 1, perPage: RECENT_PAGE_SIZE });
  // Strava only lists the token owner's activities; the filter guards against a confused caller.
  const own = activities.filter((activity) => activity.athlete?.id === undefined || activity.athlete.id === athleteId);
  await upsertActivities(db, athleteId, own, fetchedAt);
  return own.length;
}
