// Plain, JSON-serialisable records the sandbox keeps for athletes and activities.

export interface GeoPoint {
  lat: number;
  lng: number;
}

/** How an activity's streams are synthesised; decided by sport and by whether it had GPS. */
export type StreamKind = 'run' | 'walk' | 'hike' | 'ride' | 'virtual' | 'swim' | 'static' | 'none';

export type Visibility = 'everyone' | 'followers_only' | 'only_me';

export interface ActivityRecord {
  id: number;
  athleteId: number;
  name: string;
  sportType: string;
  /** Epoch milliseconds, UTC. */
  startDate: number;
  /** IANA zone used to derive utc_offset and start_date_local. */
  tzName: string;
  distance: number;
  movingTime: number;
  elapsedTime: number;
  totalElevationGain: number;
  baseAltitude: number;
  manual: boolean;
  visibility: Visibility;
  trainer: boolean;
  commute: boolean;
  workoutType: number | null;
  gearId: string | null;
  deviceName: string | null;
  externalId: string | null;
  uploadId: number | null;
  maxSpeed: number;
  averageHeartrate: number | null;
  maxHeartrate: number | null;
  averageCadence: number | null;
  averageWatts: number | null;
  weightedAverageWatts: number | null;
  maxWatts: number | null;
  deviceWatts: boolean | null;
  calories: number;
  sufferScore: number | null;
  kudosCount: number;
  commentCount: number;
  athleteCount: number;
  achievementCount: number;
  prCount: number;
  totalPhotoCount: number;
  description: string;
  /** Where the GPS track starts (and, being a loop, ends); null when there is no GPS. */
  start: GeoPoint | null;
  streamKind: StreamKind;
  /** Interval session: streams alternate fast and easy blocks. */
  intervals: boolean;
  /** Seeds the track shape, elevation profile and stream noise. */
  shapeSeed: number;
  /** An older record as Strava lists it: no sport_type, start_latlng null, a map without summary_polyline. */
  legacyShape?: boolean;
  /** The list endpoint shows this distance while the detail shows the real one (a real disagreement seen on Strava). */
  listDistance?: number;
}

export interface GearRecord {
  id: string;
  name: string;
  kind: 'bike' | 'shoe';
  primary: boolean;
  /** Retired on Strava: still listed on the profile, marked retired. */
  retired?: boolean;
}

export interface AthleteRecord {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  city: string;
  state: string;
  country: string;
  sex: 'M' | 'F';
  measurementPreference: 'meters' | 'feet';
  weight: number;
  ftp: number | null;
  createdAt: string;
  updatedAt: string;
  followerCount: number;
  friendCount: number;
  summit: boolean;
  home: GeoPoint;
  homeAltitude: number;
  tzName: string;
  gear: GearRecord[];
  /** Seeded history ends here (ISO); fixed per athlete so a restart regenerates identical data. */
  seedAnchor: string;
  /** null: the demo athlete's natural year of training; a number: exactly that many seeded activities. */
  activityCount: number | null;
}
