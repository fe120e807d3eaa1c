// The standard distances best efforts are kept for: runs from 400 m to the marathon, rides from 10 to 100 km.

export type EffortSport = 'run' | 'ride';

export interface EffortDistance {
  key: string;
  sport: EffortSport;
  meters: number;
  /** The names Strava gives this distance in a detailed run's best_efforts. */
  stravaNames: readonly string[];
}

export const EFFORT_DISTANCES: readonly EffortDistance[] = [
  { key: 'run_400m', sport: 'run', meters: 400, stravaNames: ['400m'] },
  { key: 'run_1k', sport: 'run', meters: 1000, stravaNames: ['1k', '1K'] },
  { key: 'run_1mi', sport: 'run', meters: 1609.344, stravaNames: ['1 mile', '1 Mile'] },
  { key: 'run_5k', sport: 'run', meters: 5000, stravaNames: ['5k', '5K'] },
  { key: 'run_10k', sport: 'run', meters: 10000, stravaNames: ['10k', '10K'] },
  { key: 'run_half', sport: 'run', meters: 21097.5, stravaNames: ['Half-Marathon', 'Half Marathon'] },
  { key: 'run_marathon', sport: 'run', meters: 42195, stravaNames: ['Marathon'] },
  { key: 'ride_10k', sport: 'ride', meters: 10000, stravaNames: [] },
  { key: 'ride_20k', sport: 'ride', meters: 20000, stravaNames: [] },
  { key: 'ride_40k', sport: 'ride', meters: 40000, stravaNames: [] },
  { key: 'ride_100k', sport: 'ride', meters: 100000, stravaNames: [] },
];

export const distancesFor = (sport: EffortSport): EffortDistance[] => EFFORT_DISTANCES.filter((d) => d.sport === sport);

/** The shortest effort of each sport: an activity shorter than this cannot hold any, so it is never searched. */
export const SHORTEST: Record<EffortSport, number> = { run: 400, ride: 10000 };
