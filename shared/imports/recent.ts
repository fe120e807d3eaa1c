// The first import on connect: the most recent page of activities in one API call and one upsert.
import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import { withoutDeletedActivities } from '../events/index.js';
import type { StravaClient } from '../strava/index.js';
import { upsertActivities } from '../activities/index.js';

/** Strava's largest page. */
export const RECENT_PAGE_SIZE = 200;

export async function importRecentActivities(pool: pg.Pool, strava: StravaClient, athleteId: number, accessToken: string): Promise<number> {
  const fetchedAt = new Date();
  const activities = await strava.listActivities(accessToken, { page: 1, perPage: RECENT_PAGE_SIZE });
  // Strava only lists the token owner's activities; the filter guards against a confused caller.
  const own = activities.filter((activity) => activity.athlete?.id === undefined || activity.athlete.id === athleteId);
  // Reconnecting must not bring back what the athlete deleted while connected (see withoutDeletedActivities).
  return withTransaction(pool, async (client) => {
    const kept = await withoutDeletedActivities(client, own);
    await upsertActivities(client, athleteId, kept, fetchedAt);
    return kept.length;
  });
}
