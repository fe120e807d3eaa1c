// The athlete's results page: totals by sport and period, the latest activity, recent activities.
import { Hono } from 'hono';
import { latestActivityWithDistance, recentActivities, type ActivityRow } from '../../shared/activities/store.js';
import { athleteTimeZone, PERIODS, totalsByPeriod, type Period } from '../../shared/stats/totals.js';
import {
  formatDistance,
  formatDuration,
  formatElevation,
  formatHours,
  formatPaceOrSpeed,
  sportLabel,
  unitsFor,
  type Units,
} from '../../shared/units.js';
import type { AppEnv } from '../env.js';
import { requireAthlete } from '../session.js';
import { page } from '../views.js';

const RECENT_LIMIT = 20;
const PERIOD_LABELS: Record<Period, string> = { week: 'This week', month: 'This month', year: 'This year', all: 'All time' };

function activityView(activity: ActivityRow, units: Units, stravaWebUrl: string) {
  return {
    id: activity.id,
    name: activity.name,
    sport: sportLabel(activity.sportType),
    date: activity.startDateLocal.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
    distance: activity.distance > 0 ? formatDistance(activity.distance, units) : '—',
    movingTime: formatDuration(activity.movingTime),
    pace: formatPaceOrSpeed(activity.sportType, activity.distance, activity.movingTime, units),
    elevation: activity.totalElevationGain > 0 ? formatElevation(activity.totalElevationGain, units) : '—',
    stravaUrl: `${stravaWebUrl}/activities/${activity.id}`,
  };
}

export const resultsRoutes = new Hono<AppEnv>().get('/results', requireAthlete, async (c) => {
  const { pool, config, now } = c.get('deps');
  const athlete = c.get('athlete');
  const units = unitsFor(athlete.measurementPreference);
  const stravaWebUrl = new URL(config.strava.oauthBaseUrl).origin;

  const timeZone = await athleteTimeZone(pool, athlete.id);
  const [totals, latest, recent] = await Promise.all([
    totalsByPeriod(pool, athlete.id, now?.() ?? new Date(), timeZone),
    latestActivityWithDistance(pool, athlete.id),
    recentActivities(pool, athlete.id, RECENT_LIMIT),
  ]);

  return page(c, 'results', {
    title: `${athlete.firstname} ${athlete.lastname}`.trim() || 'Your results',
    csrfToken: c.get('csrfToken'),
    needsReconnect: athlete.status === 'disconnected',
    periods: PERIODS.map((period) => ({
      label: PERIOD_LABELS[period],
      rows: totals[period].map((row) => ({
        sport: sportLabel(row.sportType),
        count: row.count.toLocaleString('en-US'),
        distance: row.distance > 0 ? formatDistance(row.distance, units) : '—',
        time: formatHours(row.movingTime),
        elevation: row.elevationGain > 0 ? formatElevation(row.elevationGain, units) : '—',
      })),
    })),
    latest: latest ? activityView(latest, units, stravaWebUrl) : undefined,
    recent: recent.map((activity) => activityView(activity, units, stravaWebUrl)),
    unitsLabel: units === 'imperial' ? 'miles and feet' : 'kilometres and metres',
  });
});
