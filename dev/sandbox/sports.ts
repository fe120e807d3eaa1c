// Sport taxonomy: sport_type → the deprecated `type`, stats bucket and stream model.

import type { StreamKind } from './model.js';

/** Strava's ActivityType lacks the newer sport types; they report their parent type. */
const parentType: Record<string, string> = {
  TrailRun: 'Run',
  MountainBikeRide: 'Ride',
  GravelRide: 'Ride',
  EMountainBikeRide: 'EBikeRide',
  VirtualRow: 'Rowing',
  HighIntensityIntervalTraining: 'Workout',
  Pilates: 'Workout',
};

export function activityTypeOf(sportType: string): string {
  return parentType[sportType] ?? sportType;
}

export type StatsBucket = 'ride' | 'run' | 'swim' | null;

export function statsBucketOf(sportType: string): StatsBucket {
  const type = activityTypeOf(sportType);
  if (type === 'Ride' || type === 'VirtualRide' || type === 'EBikeRide') return 'ride';
  if (type === 'Run' || type === 'VirtualRun') return 'run';
  if (type === 'Swim') return 'swim';
  return null;
}

const zeroDistanceSports = new Set(['WeightTraining', 'Workout', 'Yoga', 'Crossfit', 'Pilates', 'HighIntensityIntervalTraining']);

export function isZeroDistanceSport(sportType: string): boolean {
  return zeroDistanceSports.has(sportType);
}

/** Stream model for an activity recorded by a device (manual ones have no streams at all). */
export function streamKindOf(sportType: string, hasGps: boolean): StreamKind {
  if (isZeroDistanceSport(sportType)) return 'static';
  const type = activityTypeOf(sportType);
  if (type === 'VirtualRide') return 'virtual';
  if (type === 'Swim') return 'swim';
  if (!hasGps) return 'static';
  if (type === 'Run' || type === 'VirtualRun') return 'run';
  if (type === 'Ride' || type === 'EBikeRide') return 'ride';
  if (type === 'Hike') return 'hike';
  return 'walk';
}

/** Strava names untitled activities by the local hour they started. */
export function defaultName(sportType: string, localHour: number): string {
  const part =
    localHour >= 5 && localHour < 11
      ? 'Morning'
      : localHour >= 11 && localHour < 14
        ? 'Lunch'
        : localHour >= 14 && localHour < 17
          ? 'Afternoon'
          : localHour >= 17 && localHour < 21
            ? 'Evening'
            : 'Night';
  const noun: Record<string, string> = {
    Run: 'Run',
    TrailRun: 'Trail Run',
    Ride: 'Ride',
    GravelRide: 'Gravel Ride',
    MountainBikeRide: 'Mountain Bike Ride',
    VirtualRide: 'Virtual Ride',
    Hike: 'Hike',
    Walk: 'Walk',
    Swim: 'Swim',
    WeightTraining: 'Weight Training',
    Workout: 'Workout',
    Yoga: 'Yoga',
  };
  return `${part} ${noun[sportType] ?? sportType}`;
}
