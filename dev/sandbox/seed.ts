// Deterministic athletes and their training history: a plausible year of varied activities from a seed.

import type { ActivityRecord, AthleteRecord, GearRecord, GeoPoint, Visibility } from './model.js';
import { Random, mixSeed } from './random.js';
import { defaultName, streamKindOf } from './sports.js';
import { localParts, localToUtc } from './time.js';

export const DEMO_ATHLETE_ID = 1_000_001;
export const DEFAULT_SEED = 20_240_601;
const DAY_MS = 86_400_000;
/** Activity ids encode the local day, so they grow with time like Strava's and never collide between athletes. */
const ID_DAY_EPOCH = Date.UTC(1990, 0, 1);
export const RUNTIME_ACTIVITY_ID_BASE = 60_000_000_000;
const TZ = 'Europe/Berlin';
/** Zwift's fictional island: virtual rides really do carry GPS points in the Solomon Sea. */
const WATOPIA: GeoPoint = { lat: -11.6404, lng: 166.953 };

interface City {
  city: string;
  state: string;
  home: GeoPoint;
  altitude: number;
}

const DEMO_CITY: City = { city: 'Berlin', state: 'Berlin', home: { lat: 52.4889, lng: 13.4006 }, altitude: 48 };
const OTHER_CITIES: City[] = [
  { city: 'Hamburg', state: 'Hamburg', home: { lat: 53.5633, lng: 9.9612 }, altitude: 14 },
  { city: 'Munich', state: 'Bavaria', home: { lat: 48.1296, lng: 11.5583 }, altitude: 521 },
  { city: 'Leipzig', state: 'Saxony', home: { lat: 51.3276, lng: 12.3569 }, altitude: 112 },
  { city: 'Cologne', state: 'North Rhine-Westphalia', home: { lat: 50.9281, lng: 6.9355 }, altitude: 54 },
  { city: 'Dresden', state: 'Saxony', home: { lat: 51.0546, lng: 13.7533 }, altitude: 115 },
  { city: 'Freiburg im Breisgau', state: 'Baden-Württemberg', home: { lat: 47.9947, lng: 7.8498 }, altitude: 280 },
];
const FIRST_NAMES: Array<[string, 'M' | 'F']> = [
  ['Jonas', 'M'],
  ['Mia', 'F'],
  ['Felix', 'M'],
  ['Hannah', 'F'],
  ['Lukas', 'M'],
  ['Emma', 'F'],
  ['Paul', 'M'],
  ['Sophie', 'F'],
  ['Noah', 'M'],
  ['Clara', 'F'],
  ['Elias', 'M'],
  ['Marie', 'F'],
];
const LAST_NAMES = ['Becker', 'Schulz', 'Wagner', 'Fischer', 'Weber', 'Krüger', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', "O'Neill", 'Nowak'];

function gearFor(athleteId: number, demo: boolean): GearRecord[] {
  return [
    { id: `b${athleteId}1`, name: demo ? 'Canyon Endurace CF 7' : 'Road bike', kind: 'bike', primary: true },
    { id: `b${athleteId}2`, name: demo ? 'Rose Backroad' : 'Gravel bike', kind: 'bike', primary: false },
    { id: `g${athleteId}1`, name: demo ? 'Saucony Endorphin Speed 3' : 'Daily trainers', kind: 'shoe', primary: true },
    { id: `g${athleteId}2`, name: demo ? 'ASICS Novablast 4' : 'Long-run shoes', kind: 'shoe', primary: false },
    { id: `g${athleteId}3`, name: demo ? 'Nike Pegasus 39' : 'Old trainers', kind: 'shoe', primary: false, retired: true },
  ];
}

export function demoAthlete(seedAnchor: string): AthleteRecord {
  return {
    id: DEMO_ATHLETE_ID,
    username: 'lena_hoffmann',
    firstname: 'Lena',
    lastname: 'Hoffmann',
    city: DEMO_CITY.city,
    state: DEMO_CITY.state,
    country: 'Germany',
    sex: 'F',
    measurementPreference: 'meters',
    weight: 61,
    ftp: 215,
    createdAt: '2016-04-12T17:22:05Z',
    updatedAt: '2024-11-02T08:14:51Z',
    followerCount: 87,
    friendCount: 112,
    summit: true,
    home: DEMO_CITY.home,
    homeAltitude: DEMO_CITY.altitude,
    tzName: TZ,
    gear: gearFor(DEMO_ATHLETE_ID, true),
    seedAnchor,
    activityCount: null,
  };
}

export function makeAthlete(
  id: number,
  seed: number,
  p: { firstname?: string; lastname?: string; measurementPreference?: 'meters' | 'feet'; activityCount?: number },
  nowIso: string,
): AthleteRecord {
  const rnd = new Random(mixSeed(seed, 'athlete', id));
  const [first, sex] = rnd.pick(FIRST_NAMES);
  const firstname = p.firstname ?? first;
  const lastname = p.lastname ?? rnd.pick(LAST_NAMES);
  const city = rnd.pick(OTHER_CITIES);
  const username = `${firstname}_${lastname}`.toLowerCase().replace(/[^a-z0-9_]/g, '') + String(id % 1000);
  return {
    id,
    username,
    firstname,
    lastname,
    city: city.city,
    state: city.state,
    country: 'Germany',
    sex,
    measurementPreference: p.measurementPreference ?? 'meters',
    weight: Math.round(rnd.range(55, 88) * 10) / 10,
    ftp: rnd.chance(0.5) ? rnd.int(180, 300) : null,
    createdAt: nowIso,
    updatedAt: nowIso,
    followerCount: rnd.int(0, 150),
    friendCount: rnd.int(0, 150),
    summit: rnd.chance(0.4),
    home: city.home,
    homeAltitude: city.altitude,
    tzName: TZ,
    gear: gearFor(id, false),
    seedAnchor: nowIso,
    activityCount: p.activityCount ?? 0,
  };
}

// ---- activity history ----

type Variant =
  | 'easy-run'
  | 'intervals'
  | 'long-run'
  | 'half-marathon'
  | 'race-10k'
  | 'trail-run'
  | 'evening-ride'
  | 'long-ride'
  | 'gravel-ride'
  | 'virtual-ride'
  | 'hike'
  | 'walk'
  | 'swim'
  | 'yoga'
  | 'weights'
  | 'workout';

interface Slot {
  variant: Variant;
  hour: number;
  minute: number;
}

interface DayContext {
  athlete: AthleteRecord;
  rnd: Random;
  /** 0 in mid-January, 1 in mid-July. */
  summer: number;
  holidayHiking: boolean;
}

const ZWIFT_ROUTES = ['Volcano Flat', 'Tempus Fugit', 'Road to Sky', 'Big Loop', 'Hilly Route', 'Jungle Circuit', 'Mountain 8'];
const HIKE_NAMES = ['Schrammsteine loop', 'Bastei & Schwedenlöcher', 'Affensteine – Kleiner Winterberg', 'Pfaffenstein', 'Lilienstein & Elbe'];
const DESCRIPTIONS = [
  'Legs felt heavy after yesterday.',
  'Headwind on the way back — <b>brutal</b> & relentless.',
  'Easy spin, coffee stop at the usual place ☕',
  'New shoes, so far so good.',
  'Felt strong on the last reps!',
  '"Recovery" pace, honestly.',
];

function planDay(ctx: DayContext, weekday: number, month0: number, dayOfMonth: number): Slot[] {
  const { rnd, summer } = ctx;
  const slots: Slot[] = [];
  const evening = (): Pick<Slot, 'hour' | 'minute'> => ({ hour: rnd.int(17, 19), minute: rnd.int(0, 59) });
  const morning = (): Pick<Slot, 'hour' | 'minute'> => ({ hour: rnd.int(6, 7), minute: rnd.int(0, 59) });
  const weekendMorning = (): Pick<Slot, 'hour' | 'minute'> => ({ hour: rnd.int(8, 10), minute: rnd.int(0, 59) });
  if (ctx.holidayHiking) {
    if (rnd.chance(0.85)) slots.push({ variant: rnd.chance(0.15) ? 'trail-run' : 'hike', ...weekendMorning() });
    return slots;
  }
  switch (weekday) {
    case 1: {
      const r = rnd.next();
      if (r < 0.24) slots.push({ variant: 'yoga', hour: 19, minute: rnd.int(15, 45) });
      else if (r < 0.36) slots.push({ variant: 'weights', ...evening() });
      else if (r < 0.48) slots.push({ variant: 'walk', hour: 12, minute: rnd.int(10, 40) });
      break;
    }
    case 2:
      if (rnd.chance(0.8)) slots.push({ variant: 'intervals', ...(rnd.chance(0.2) ? morning() : evening()) });
      break;
    case 3:
      if (rnd.chance(0.15 + 0.45 * summer)) slots.push({ variant: 'evening-ride', ...evening() });
      else if (rnd.chance(0.5 * (1 - summer))) slots.push({ variant: 'virtual-ride', hour: 19, minute: rnd.int(0, 40) });
      if (rnd.chance(0.08)) slots.push({ variant: 'workout', hour: 7, minute: rnd.int(0, 30) });
      break;
    case 4:
      if (rnd.chance(0.75)) slots.push({ variant: 'easy-run', ...(rnd.chance(0.45) ? morning() : evening()) });
      break;
    case 5:
      if (rnd.chance(0.45)) slots.push({ variant: 'swim', ...(rnd.chance(0.5) ? morning() : evening()) });
      else if (rnd.chance(0.15)) slots.push({ variant: 'walk', ...evening() });
      break;
    case 6: {
      if (rnd.chance(0.2 + 0.6 * summer)) slots.push({ variant: rnd.chance(0.2) ? 'gravel-ride' : 'long-ride', ...weekendMorning() });
      else if (rnd.chance(0.55 * (1 - summer))) slots.push({ variant: 'virtual-ride', hour: rnd.int(9, 16), minute: rnd.int(0, 59) });
      else if (summer > 0.4 && rnd.chance(0.3)) slots.push({ variant: 'hike', ...weekendMorning() });
      break;
    }
    case 0: {
      // Berlin's half marathon is on the first Sunday of April; a 10 km race in mid-September.
      if (month0 === 3 && dayOfMonth <= 7) slots.push({ variant: 'half-marathon', hour: 10, minute: 5 });
      else if (month0 === 8 && dayOfMonth >= 8 && dayOfMonth <= 14) slots.push({ variant: 'race-10k', hour: 9, minute: 30 });
      else if (rnd.chance(0.72)) slots.push({ variant: 'long-run', ...weekendMorning() });
      if (rnd.chance(0.2)) slots.push({ variant: 'walk', hour: rnd.int(14, 16), minute: rnd.int(0, 59) });
      if (rnd.chance(0.06)) slots.push({ variant: 'yoga', hour: 20, minute: 0 });
      break;
    }
  }
  return slots;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const r1 = (v: number): number => Math.round(v * 10) / 10;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

interface Built {
  sportType: string;
  name: string | null;
  distance: number;
  movingTime: number;
  elapsedTime: number;
  gainPerKm: number;
  fixedGain?: number;
  start: GeoPoint | null;
  baseAltitude: number;
  hr: [number, number] | null;
  cadence: number | null;
  power: { average: number; weighted: number; max: number; device: boolean } | null;
  maxSpeedFactor: number;
  workoutType: number | null;
  gearKind: 'bike' | 'gravel' | 'shoe' | 'long-shoe' | null;
  device: string | null;
  trainer: boolean;
  commute: boolean;
  intervals: boolean;
  athleteCount: number;
  photos: number;
}

function buildVariant(variant: Variant, ctx: DayContext): Built {
  const { rnd, athlete } = ctx;
  const home = athlete.home;
  const watch = 'Garmin Forerunner 265';
  const base: Omit<Built, 'sportType' | 'distance' | 'movingTime' | 'elapsedTime' | 'gainPerKm' | 'hr'> = {
    name: null,
    start: home,
    baseAltitude: athlete.homeAltitude,
    cadence: null,
    power: null,
    maxSpeedFactor: 1.4,
    workoutType: null,
    gearKind: null,
    device: watch,
    trainer: false,
    commute: false,
    intervals: false,
    athleteCount: 1,
    photos: 0,
  };
  const hr = (avg: number, extra: [number, number]): [number, number] => {
    const a = Math.round(rnd.normal(avg, 3) * 10) / 10;
    return [a, Math.min(196, Math.round(a + rnd.range(extra[0], extra[1])))];
  };
  const run = (distance: number, speed: number): Pick<Built, 'distance' | 'movingTime' | 'elapsedTime'> => {
    const movingTime = Math.round(distance / speed);
    return { distance, movingTime, elapsedTime: movingTime + (rnd.chance(0.6) ? rnd.int(5, 120) : 0) };
  };
  // Hikes happen on trips to the hills: Saxon Switzerland for the demo athlete, 35 km out for others.
  const hillStart = (): GeoPoint =>
    athlete.id === DEMO_ATHLETE_ID
      ? rnd.pick([
          { lat: 50.9206, lng: 14.0706 },
          { lat: 50.9624, lng: 14.0731 },
          { lat: 50.9108, lng: 14.2003 },
        ])
      : { lat: home.lat + 0.25 * Math.sign(rnd.range(-1, 1)), lng: home.lng + 0.3 };
  switch (variant) {
    case 'easy-run': {
      const d = Math.round(clamp(rnd.normal(8500, 1500), 5000, 12500));
      return {
        ...base,
        sportType: 'Run',
        ...run(d, rnd.normal(2.95, 0.08)),
        gainPerKm: rnd.range(2, 6),
        hr: hr(143, [14, 22]),
        cadence: r1(rnd.normal(85, 1.5)),
        workoutType: 0,
        gearKind: 'shoe',
        maxSpeedFactor: rnd.range(1.3, 1.55),
      };
    }
    case 'intervals': {
      const d = Math.round(rnd.range(9000, 11500));
      const reps = Math.min(8, Math.floor((d - 3500) / 1200));
      return {
        ...base,
        sportType: 'Run',
        name: `Intervals ${reps}×800m`,
        ...run(d, rnd.normal(3.2, 0.06)),
        gainPerKm: rnd.range(2, 5),
        hr: hr(156, [20, 28]),
        cadence: r1(rnd.normal(87, 1.5)),
        workoutType: 3,
        gearKind: 'shoe',
        intervals: true,
        maxSpeedFactor: 1.55,
      };
    }
    case 'long-run': {
      const d = Math.round(clamp(rnd.normal(19000, 2500), 15000, 25000));
      return {
        ...base,
        sportType: 'Run',
        name: rnd.chance(0.4) ? 'Sunday long run' : null,
        ...run(d, rnd.normal(2.88, 0.07)),
        gainPerKm: rnd.range(3, 7),
        hr: hr(148, [14, 22]),
        cadence: r1(rnd.normal(84, 1.5)),
        workoutType: 2,
        gearKind: 'long-shoe',
        maxSpeedFactor: rnd.range(1.3, 1.5),
      };
    }
    case 'half-marathon':
      return {
        ...base,
        sportType: 'Run',
        name: 'Berliner Halbmarathon',
        ...run(21097.5, rnd.normal(3.45, 0.04)),
        gainPerKm: 1.5,
        hr: hr(171, [10, 15]),
        cadence: 89,
        workoutType: 1,
        gearKind: 'shoe',
        athleteCount: 12,
        photos: 3,
        maxSpeedFactor: 1.3,
      };
    case 'race-10k':
      return {
        ...base,
        sportType: 'Run',
        name: '10K race — new PB?',
        ...run(10000, rnd.normal(3.7, 0.04)),
        gainPerKm: 2,
        hr: hr(173, [9, 14]),
        cadence: 90,
        workoutType: 1,
        gearKind: 'shoe',
        athleteCount: 6,
        photos: 1,
        maxSpeedFactor: 1.3,
      };
    case 'trail-run': {
      const d = Math.round(rnd.range(9000, 14000));
      return {
        ...base,
        sportType: 'TrailRun',
        start: hillStart(),
        baseAltitude: athlete.homeAltitude + 90,
        ...run(d, rnd.normal(2.35, 0.1)),
        gainPerKm: rnd.range(30, 45),
        hr: hr(150, [18, 26]),
        cadence: r1(rnd.normal(82, 2)),
        workoutType: 0,
        gearKind: 'shoe',
        maxSpeedFactor: 1.8,
      };
    }
    case 'evening-ride': {
      const commute = rnd.chance(0.15);
      const d = Math.round(commute ? rnd.range(9000, 14000) : rnd.range(28000, 48000));
      const v = rnd.normal(commute ? 6.4 : 7.4, 0.25);
      const movingTime = Math.round(d / v);
      const w = Math.round(rnd.range(145, 175) * 10) / 10;
      return {
        ...base,
        sportType: 'Ride',
        name: commute ? 'Commute' : null,
        distance: d,
        movingTime,
        elapsedTime: movingTime + rnd.int(0, commute ? 400 : 300),
        gainPerKm: rnd.range(3, 7),
        hr: hr(135, [22, 32]),
        cadence: r1(rnd.normal(84, 2)),
        power: { average: w, weighted: 0, max: 0, device: false },
        gearKind: 'bike',
        device: 'Garmin Edge 540',
        commute,
        maxSpeedFactor: rnd.range(1.8, 2.2),
      };
    }
    case 'long-ride':
    case 'gravel-ride': {
      const gravel = variant === 'gravel-ride';
      const d = Math.round(clamp(rnd.normal(60000 + 75000 * ctx.summer, 15000), 45000, 165000));
      const v = rnd.normal(gravel ? 6.3 : 7.6, 0.3);
      const movingTime = Math.round(d / v);
      const group = !gravel && rnd.chance(0.35);
      const w = Math.round(rnd.range(140, 170) * 10) / 10;
      return {
        ...base,
        sportType: gravel ? 'GravelRide' : 'Ride',
        name: gravel ? 'Gravel in the Barnim' : group ? 'Saturday group ride' : null,
        distance: d,
        movingTime,
        elapsedTime: movingTime + rnd.int(600, 2400),
        gainPerKm: rnd.range(gravel ? 4 : 5, gravel ? 8 : 9),
        hr: hr(132, [28, 40]),
        cadence: r1(rnd.normal(83, 2)),
        power: { average: w, weighted: 0, max: 0, device: false },
        gearKind: gravel ? 'gravel' : 'bike',
        device: 'Garmin Edge 540',
        athleteCount: group ? rnd.int(2, 8) : 1,
        photos: rnd.chance(0.3) ? rnd.int(1, 3) : 0,
        maxSpeedFactor: rnd.range(1.9, 2.3),
      };
    }
    case 'virtual-ride': {
      const movingTime = rnd.int(45, 90) * 60;
      const v = rnd.normal(8.8, 0.35);
      const avg = Math.round(rnd.normal(188, 8) * 10) / 10;
      return {
        ...base,
        sportType: 'VirtualRide',
        name: `Zwift - ${rnd.pick(ZWIFT_ROUTES)} in Watopia`,
        start: WATOPIA,
        baseAltitude: 5,
        distance: Math.round(movingTime * v * 10) / 10,
        movingTime,
        elapsedTime: movingTime + rnd.int(0, 40),
        gainPerKm: 0,
        fixedGain: Math.round(rnd.range(250, 900)),
        hr: hr(146, [20, 30]),
        cadence: r1(rnd.normal(88, 2)),
        power: { average: avg, weighted: Math.round(avg * rnd.range(1.04, 1.1)), max: rnd.int(450, 720), device: true },
        gearKind: 'bike',
        device: 'Zwift',
        trainer: true,
        maxSpeedFactor: rnd.range(1.8, 2.2),
      };
    }
    case 'hike': {
      const d = Math.round(rnd.range(9000, 19000));
      const movingTime = Math.round(d / rnd.normal(1.2, 0.06));
      return {
        ...base,
        sportType: 'Hike',
        name: athlete.id === DEMO_ATHLETE_ID ? rnd.pick(HIKE_NAMES) : null,
        start: hillStart(),
        baseAltitude: athlete.homeAltitude + 80,
        distance: d,
        movingTime,
        elapsedTime: Math.round(movingTime * rnd.range(1.2, 1.45)),
        gainPerKm: rnd.range(40, 70),
        hr: hr(118, [25, 35]),
        cadence: r1(rnd.normal(54, 2)),
        maxSpeedFactor: 1.9,
        photos: rnd.int(0, 8),
      };
    }
    case 'walk': {
      const d = Math.round(rnd.range(2500, 7000));
      const movingTime = Math.round(d / rnd.normal(1.38, 0.04));
      return {
        ...base,
        sportType: 'Walk',
        distance: d,
        movingTime,
        elapsedTime: Math.round(movingTime * rnd.range(1.03, 1.2)),
        gainPerKm: rnd.range(1, 3),
        hr: rnd.chance(0.7) ? hr(98, [12, 20]) : null,
        cadence: r1(rnd.normal(56, 1.5)),
        device: rnd.chance(0.5) ? 'Strava App' : watch,
        maxSpeedFactor: 1.4,
      };
    }
    case 'swim': {
      const d = rnd.int(30, 64) * 50;
      const movingTime = Math.round(d / rnd.normal(0.72, 0.03));
      // Pool swims have no GPS; the watch counts lengths.
      return {
        ...base,
        sportType: 'Swim',
        start: null,
        distance: d,
        movingTime,
        elapsedTime: Math.round(movingTime * rnd.range(1.15, 1.35)),
        gainPerKm: 0,
        hr: rnd.chance(0.6) ? hr(132, [14, 22]) : null,
        maxSpeedFactor: 1.4,
      };
    }
    case 'yoga':
    case 'weights':
    case 'workout': {
      const sportType = variant === 'yoga' ? 'Yoga' : variant === 'weights' ? 'WeightTraining' : 'Workout';
      const movingTime = rnd.int(variant === 'yoga' ? 45 : 25, variant === 'yoga' ? 75 : 55) * 60;
      const h = variant === 'yoga' ? hr(88, [18, 28]) : variant === 'weights' ? hr(105, [30, 45]) : hr(118, [35, 50]);
      return {
        ...base,
        sportType,
        name: variant === 'workout' ? 'Core & mobility' : null,
        start: null,
        distance: 0,
        movingTime,
        elapsedTime: movingTime,
        gainPerKm: 0,
        hr: h,
        maxSpeedFactor: 0,
      };
    }
  }
}

function dayNumber(year: number, month0: number, day: number): number {
  return Math.round((Date.UTC(year, month0, day) - ID_DAY_EPOCH) / DAY_MS);
}

function seededActivityId(athleteId: number, localDay: number, slot: number): number {
  return 10_000_000_000 + localDay * 1_000_000 + ((athleteId - 1_000_000) % 100_000) * 10 + slot;
}

function toRecord(athlete: AthleteRecord, built: Built, startMs: number, id: number, rnd: Random, localHour: number): ActivityRecord {
  const gain = built.fixedGain ?? Math.round((built.distance / 1000) * built.gainPerKm * 10) / 10;
  const avgSpeed = built.movingTime > 0 ? built.distance / built.movingTime : 0;
  const gear = (() => {
    const bikes = athlete.gear.filter((g) => g.kind === 'bike');
    const shoes = athlete.gear.filter((g) => g.kind === 'shoe');
    switch (built.gearKind) {
      case 'bike':
        return bikes[0]?.id ?? null;
      case 'gravel':
        return bikes[1]?.id ?? bikes[0]?.id ?? null;
      case 'shoe':
        return shoes[0]?.id ?? null;
      case 'long-shoe':
        return shoes[1]?.id ?? shoes[0]?.id ?? null;
      default:
        return null;
    }
  })();
  const weight = athlete.weight;
  const kilojoules = built.power ? Math.round((built.power.average * built.movingTime) / 100) / 10 : null;
  const calories =
    built.power && kilojoules !== null
      ? Math.round(kilojoules * 1.05 * 10) / 10
      : built.distance > 0
        ? Math.round(((built.distance / 1000) * weight * (built.sportType === 'Swim' ? 3.2 : 0.95) + gain * 0.4) * 10) / 10
        : Math.round((built.movingTime / 60) * (built.hr ? (built.hr[0] - 50) / 8 : 5) * 10) / 10;
  const sufferScore = built.hr ? Math.max(1, Math.round((built.movingTime / 60) * ((built.hr[0] - 80) / 70) ** 2 * 1.6)) : null;
  const achievements = built.distance > 0 && rnd.chance(0.35) ? rnd.int(1, 6) : 0;
  const uploadId = id + 1_130_000_000_000;
  const externalId = built.device === 'Zwift' ? `zwift-activity-${id % 10_000_000_000}.fit` : built.device === 'Strava App' ? null : `garmin_ping_${uploadId}`;
  return {
    id,
    athleteId: athlete.id,
    name: built.name ?? defaultName(built.sportType, localHour),
    sportType: built.sportType,
    startDate: startMs,
    tzName: athlete.tzName,
    distance: built.distance,
    movingTime: built.movingTime,
    elapsedTime: built.elapsedTime,
    totalElevationGain: gain,
    baseAltitude: built.baseAltitude,
    manual: false,
    visibility: 'everyone',
    trainer: built.trainer,
    commute: built.commute,
    workoutType: built.workoutType,
    gearId: gear,
    deviceName: built.device,
    externalId,
    uploadId,
    maxSpeed: r3(avgSpeed * built.maxSpeedFactor),
    averageHeartrate: built.hr ? built.hr[0] : null,
    maxHeartrate: built.hr ? built.hr[1] : null,
    averageCadence: built.cadence,
    averageWatts: built.power ? built.power.average : null,
    weightedAverageWatts: built.power?.device ? built.power.weighted : null,
    maxWatts: built.power?.device ? built.power.max : null,
    deviceWatts: built.power ? built.power.device : null,
    calories,
    sufferScore,
    kudosCount: rnd.int(0, 12) + (built.distance > 40_000 ? rnd.int(3, 15) : 0) + (built.workoutType === 1 ? 25 : 0),
    commentCount: rnd.chance(0.2) ? rnd.int(1, 4) : 0,
    athleteCount: built.athleteCount,
    achievementCount: achievements,
    prCount: achievements > 0 ? rnd.int(0, Math.min(3, achievements)) : 0,
    totalPhotoCount: built.photos,
    description: rnd.chance(0.12) ? rnd.pick(DESCRIPTIONS) : '',
    start: built.start,
    streamKind: streamKindOf(built.sportType, built.start !== null),
    intervals: built.intervals,
    shapeSeed: mixSeed(id, 'shape'),
  };
}

/** Turns a recorded activity into one typed in by hand: no device, no GPS, no heart rate. */
function asManual(a: ActivityRecord): ActivityRecord {
  const names: Record<string, string> = { Run: 'Forgot my watch 🙈', Ride: 'Bike commute (no GPS)', Walk: 'Walk with the dog' };
  return {
    ...a,
    name: names[a.sportType] ?? a.name,
    manual: true,
    elapsedTime: a.movingTime,
    deviceName: null,
    externalId: null,
    uploadId: null,
    maxSpeed: 0,
    averageHeartrate: null,
    maxHeartrate: null,
    averageCadence: null,
    averageWatts: null,
    weightedAverageWatts: null,
    maxWatts: null,
    deviceWatts: null,
    sufferScore: null,
    achievementCount: 0,
    prCount: 0,
    start: null,
    streamKind: 'none',
    intervals: false,
  };
}

function generateYear(athlete: AthleteRecord, seed: number, endMs: number, earliestMs: number): ActivityRecord[] {
  const out: ActivityRecord[] = [];
  const yearPlans = new Map<number, { sickStart: number; hikeStart: number }>();
  const planFor = (year: number): { sickStart: number; hikeStart: number } => {
    let p = yearPlans.get(year);
    if (!p) {
      // A cold in late winter and a hiking week in summer break the weekly routine, as in real logs.
      const r = new Random(mixSeed(seed, athlete.id, 'year', year));
      p = { sickStart: dayNumber(year, 1, r.int(1, 20)), hikeStart: dayNumber(year, 6, r.int(1, 40)) };
      yearPlans.set(year, p);
    }
    return p;
  };
  // Walk local calendar days (not 24-hour steps, which skip or repeat a day around DST changes).
  const first = localParts(athlete.tzName, earliestMs);
  const last = localParts(athlete.tzName, endMs);
  const lastDay = dayNumber(last.year, last.month0, last.day);
  for (let localDay = dayNumber(first.year, first.month0, first.day); localDay <= lastDay; localDay++) {
    const date = new Date(ID_DAY_EPOCH + localDay * DAY_MS);
    const lp = { year: date.getUTCFullYear(), month0: date.getUTCMonth(), day: date.getUTCDate(), weekday: date.getUTCDay() };
    const plan = planFor(lp.year);
    if (localDay >= plan.sickStart && localDay < plan.sickStart + 10) continue;
    const rnd = new Random(mixSeed(seed, athlete.id, localDay));
    const dayOfYear = (Date.UTC(lp.year, lp.month0, lp.day) - Date.UTC(lp.year, 0, 1)) / DAY_MS;
    const summer = 0.5 - 0.5 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365);
    const ctx: DayContext = { athlete, rnd, summer, holidayHiking: localDay >= plan.hikeStart && localDay < plan.hikeStart + 6 };
    const slots = planDay(ctx, lp.weekday, lp.month0, lp.day);
    slots.forEach((slot, index) => {
      const built = buildVariant(slot.variant, ctx);
      const startMs = localToUtc(athlete.tzName, lp.year, lp.month0, lp.day, slot.hour, slot.minute) + rnd.int(0, 59) * 1000;
      if (startMs + built.elapsedTime * 1000 > endMs || startMs < earliestMs) return;
      out.push(toRecord(athlete, built, startMs, seededActivityId(athlete.id, localDay, index), rnd, slot.hour));
    });
  }
  return out;
}

/** Ranks activities by a per-activity pseudo-random key, so special cases land on a stable, spread-out few. */
function pickFew(items: ActivityRecord[], seed: number, purpose: string, count: number, eligible: (a: ActivityRecord) => boolean): Set<number> {
  return new Set(
    items
      .filter(eligible)
      .map((a) => ({ id: a.id, key: mixSeed(seed, purpose, a.id) }))
      .sort((x, y) => x.key - y.key)
      .slice(0, count)
      .map((x) => x.id),
  );
}

/**
 * An athlete's seeded history, oldest first. The demo athlete gets one year ending at its anchor; a created
 * athlete gets exactly `activityCount` activities, reaching further back if a year is not enough.
 */
export function generateHistory(athlete: AthleteRecord, seed: number): ActivityRecord[] {
  const endMs = Date.parse(athlete.seedAnchor);
  const target = athlete.activityCount;
  if (target === 0) return [];
  let earliest = endMs - 365 * DAY_MS;
  let all = generateYear(athlete, seed, endMs, earliest);
  for (let years = 1; target !== null && all.length < target && years < 60; years++) {
    const older = generateYear(athlete, seed, earliest - 1, earliest - 365 * DAY_MS);
    earliest -= 365 * DAY_MS;
    all = older.concat(all);
  }
  if (target !== null && all.length > target) {
    const keep = pickFew(all, seed, 'keep', target, () => true);
    all = all.filter((a) => keep.has(a.id));
  }
  all.sort((a, b) => a.startDate - b.startDate);
  const n = all.length;
  const manual = pickFew(all, seed, 'manual', Math.max(1, Math.round(n * 0.016)), (a) => ['Run', 'Ride', 'Walk'].includes(a.sportType) && a.workoutType !== 1);
  const onlyMe = pickFew(all, seed, 'private', Math.max(1, Math.round(n * 0.01)), (a) => !manual.has(a.id) && a.workoutType !== 1);
  const followers = pickFew(all, seed, 'followers', Math.round(n * 0.008), (a) => !manual.has(a.id) && !onlyMe.has(a.id));
  return all.map((a) => {
    let r = manual.has(a.id) ? asManual(a) : a;
    const visibility: Visibility = onlyMe.has(a.id) ? 'only_me' : followers.has(a.id) ? 'followers_only' : 'everyone';
    if (visibility !== 'everyone') r = { ...r, visibility };
    return r;
  });
}

/** An activity added at run time (tests, benchmarks): sensible defaults, a GPS loop unless manual. */
/** What a test or benchmark may say about an activity it adds; the rest is made up. */
export type RuntimeActivityFields = Partial<{
  name: string;
  sport_type: string;
  distance: number;
  moving_time: number;
  start_date: string;
  manual: boolean;
  private: boolean;
  legacy: boolean;
}>;

export function runtimeActivity(athlete: AthleteRecord, id: number, nowMs: number, a: RuntimeActivityFields): ActivityRecord {
  const sportType = a.sport_type ?? 'Run';
  const movingTime = Math.max(1, Math.round(a.moving_time ?? 1800));
  const distance = Math.max(0, a.distance ?? (sportType === 'Run' ? 5000 : 0));
  const startDate = a.start_date !== undefined ? Date.parse(a.start_date) : nowMs - movingTime * 1000;
  if (Number.isNaN(startDate)) throw new Error(`addActivity: start_date is not a date: ${a.start_date}`);
  const rnd = new Random(mixSeed('runtime', id));
  const manual = a.manual ?? false;
  const hasGps = !manual && distance > 0 && streamKindOf(sportType, true) !== 'swim';
  const localHour = localParts(athlete.tzName, startDate).hour;
  const avgSpeed = distance / movingTime;
  const record: ActivityRecord = {
    id,
    athleteId: athlete.id,
    name: a.name ?? defaultName(sportType, localHour),
    sportType,
    startDate,
    tzName: athlete.tzName,
    distance,
    movingTime,
    elapsedTime: movingTime,
    totalElevationGain: Math.round((distance / 1000) * 4 * 10) / 10,
    baseAltitude: athlete.homeAltitude,
    manual,
    visibility: a.private ? 'only_me' : 'everyone',
    trainer: false,
    commute: false,
    workoutType: null,
    gearId: null,
    deviceName: manual ? null : 'Garmin Forerunner 265',
    externalId: manual ? null : `garmin_ping_${id}`,
    uploadId: manual ? null : id + 1_130_000_000_000,
    maxSpeed: manual ? 0 : r3(avgSpeed * 1.4),
    averageHeartrate: manual ? null : 140,
    maxHeartrate: manual ? null : 162,
    averageCadence: null,
    averageWatts: null,
    weightedAverageWatts: null,
    maxWatts: null,
    deviceWatts: null,
    calories: Math.round((distance / 1000) * athlete.weight),
    sufferScore: manual ? null : Math.round(movingTime / 60),
    kudosCount: rnd.int(0, 5),
    commentCount: 0,
    athleteCount: 1,
    achievementCount: 0,
    prCount: 0,
    totalPhotoCount: 0,
    description: '',
    start: hasGps ? athlete.home : null,
    streamKind: manual ? 'none' : streamKindOf(sportType, hasGps),
    intervals: false,
    shapeSeed: mixSeed(id, 'shape'),
    ...(a.legacy ? { legacyShape: true } : {}),
  };
  return record;
}
