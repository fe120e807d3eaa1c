// Maps the sport names files and the export use (FIT sport, TCX Sport attribute, GPX type, CSV type) to Strava sport types.

const FIT_SPORTS: Record<string, string> = {
  running: 'Run',
  cycling: 'Ride',
  walking: 'Walk',
  hiking: 'Hike',
  swimming: 'Swim',
  crossCountrySkiing: 'NordicSki',
  alpineSkiing: 'AlpineSki',
  snowboarding: 'Snowboard',
  rowing: 'Rowing',
  standUpPaddleboarding: 'StandUpPaddling',
  kayaking: 'Kayaking',
  paddling: 'Canoeing',
  eBiking: 'EBikeRide',
  training: 'Workout',
  fitnessEquipment: 'Workout',
  rockClimbing: 'RockClimbing',
  iceSkating: 'IceSkate',
  inlineSkating: 'InlineSkate',
  surfing: 'Surfing',
  kitesurfing: 'Kitesurf',
  windsurfing: 'Windsurf',
  golf: 'Golf',
  soccer: 'Soccer',
  tennis: 'Tennis',
  yoga: 'Yoga',
  snowshoeing: 'Snowshoe',
  sailing: 'Sail',
};

const FIT_SUB_SPORTS: Record<string, string> = {
  trail: 'TrailRun',
  virtualActivity: 'VirtualRide',
  indoorCycling: 'VirtualRide',
  mountain: 'MountainBikeRide',
  gravelCycling: 'GravelRide',
  treadmill: 'VirtualRun',
  eBikeMountain: 'EMountainBikeRide',
  indoorRowing: 'Rowing',
};

/** A Strava sport type from a FIT sport and sub-sport (as the SDK names them when converting types to strings). */
export function fitSport(sport: unknown, subSport: unknown): string {
  const s = typeof sport === 'string' ? sport : '';
  const sub = typeof subSport === 'string' ? subSport : '';
  if (s === 'running' && sub === 'trail') return 'TrailRun';
  if (s === 'running' && sub === 'treadmill') return 'VirtualRun';
  if (s === 'cycling' && FIT_SUB_SPORTS[sub]) return FIT_SUB_SPORTS[sub]!;
  return FIT_SPORTS[s] ?? 'Workout';
}

const WORDS: [RegExp, string][] = [
  [/trail\s*run/i, 'TrailRun'],
  [/virtual\s*run|treadmill/i, 'VirtualRun'],
  [/run/i, 'Run'],
  [/virtual\s*ride|indoor\s*cycl/i, 'VirtualRide'],
  [/mountain\s*bike|mtb/i, 'MountainBikeRide'],
  [/gravel/i, 'GravelRide'],
  [/e-?bike/i, 'EBikeRide'],
  [/ride|bik|cycl/i, 'Ride'],
  [/hik/i, 'Hike'],
  [/walk/i, 'Walk'],
  [/swim/i, 'Swim'],
  [/nordic|cross.?country/i, 'NordicSki'],
  [/alpine|ski/i, 'AlpineSki'],
  [/row/i, 'Rowing'],
  [/kayak/i, 'Kayaking'],
  [/yoga/i, 'Yoga'],
];

/** A Strava sport type from free text: TCX's Sport ("Running", "Biking"), GPX's type, or the CSV's "Activity Type". */
export function sportFromText(text: string | undefined | null): string | undefined {
  const value = (text ?? '').trim();
  if (!value) return undefined;
  // Already a Strava sport type ("Run", "NordicSki", "Nordic Ski" in the export).
  const compact = value.replace(/\s+/g, '');
  if (/^[A-Z][A-Za-z]+$/.test(compact) && KNOWN.has(compact)) return compact;
  for (const [pattern, sport] of WORDS) if (pattern.test(value)) return sport;
  return undefined;
}

const KNOWN = new Set([
  ...Object.values(FIT_SPORTS),
  ...Object.values(FIT_SUB_SPORTS),
  'Run', 'TrailRun', 'VirtualRun', 'Ride', 'VirtualRide', 'MountainBikeRide', 'GravelRide', 'EBikeRide', 'Walk', 'Hike',
  'Swim', 'Workout', 'WeightTraining', 'Crossfit', 'Elliptical', 'StairStepper', 'Velomobile', 'Handcycle', 'Wheelchair',
]);
