// Sport groups the statistics and charts use: which sport types count as rides and runs, and their colours.

export type SportGroup = 'ride' | 'run' | 'swim' | 'walk' | 'other';
export const SPORT_GROUPS: readonly SportGroup[] = ['ride', 'run', 'swim', 'walk', 'other'];

export const RIDE_TYPES: readonly string[] = [
  'Ride',
  'VirtualRide',
  'EBikeRide',
  'GravelRide',
  'MountainBikeRide',
  'EMountainBikeRide',
  'Velomobile',
  'Handcycle',
];
export const RUN_TYPES: readonly string[] = ['Run', 'TrailRun', 'VirtualRun'];
export const SWIM_TYPES: readonly string[] = ['Swim'];
export const WALK_TYPES: readonly string[] = ['Walk', 'Hike', 'Snowshoe'];

export function sportGroup(sportType: string): SportGroup {
  if (RIDE_TYPES.includes(sportType)) return 'ride';
  if (RUN_TYPES.includes(sportType)) return 'run';
  if (SWIM_TYPES.includes(sportType)) return 'swim';
  if (WALK_TYPES.includes(sportType)) return 'walk';
  return 'other';
}

/** Chart colours, chosen to stay apart for the common kinds of colour blindness. */
export const GROUP_COLOURS: Record<SportGroup, string> = {
  ride: '#0072b2',
  run: '#e69f00',
  swim: '#009e73',
  walk: '#cc79a7',
  other: '#999999',
};
