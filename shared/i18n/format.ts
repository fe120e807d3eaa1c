// Numbers, distances, durations, paces and dates in the reader's language and units.
import { FEET_PER_METER, formatDuration, METERS_PER_100_YARDS, METERS_PER_MILE, PACE_SPORTS, sportLabel, SWIM_SPORTS, type Units } from '../units.js';
import type { Locale } from './locales.js';

const RU_SPORTS: Record<string, string> = {
  Run: 'Бег',
  TrailRun: 'Трейл',
  VirtualRun: 'Виртуальный бег',
  Ride: 'Велосипед',
  VirtualRide: 'Виртуальный велосипед',
  GravelRide: 'Гравел',
  MountainBikeRide: 'Маунтинбайк',
  EBikeRide: 'Электровелосипед',
  EMountainBikeRide: 'Электромаунтинбайк',
  Swim: 'Плавание',
  Walk: 'Ходьба',
  Hike: 'Поход',
  WeightTraining: 'Силовая',
  Workout: 'Тренировка',
  Yoga: 'Йога',
  Rowing: 'Гребля',
  NordicSki: 'Беговые лыжи',
  AlpineSki: 'Горные лыжи',
  Snowshoe: 'Снегоступы',
  Crossfit: 'Кроссфит',
};

const UNIT_WORDS = {
  en: {
    km: 'km',
    mi: 'mi',
    m: 'm',
    ft: 'ft',
    yd: 'yd',
    kmh: 'km/h',
    mph: 'mph',
    h: 'h',
    min: 'm',
    per100m: '/100 m',
    per100yd: '/100 yd',
    perKm: '/km',
    perMi: '/mi',
  },
  ru: {
    km: 'км',
    mi: 'ми',
    m: 'м',
    ft: 'фт',
    yd: 'ярд',
    kmh: 'км/ч',
    mph: 'ми/ч',
    h: 'ч',
    min: 'мин',
    per100m: '/100 м',
    per100yd: '/100 ярд',
    perKm: '/км',
    perMi: '/ми',
  },
} as const;

export interface Formatter {
  locale: Locale;
  units: Units;
  /** km or mi, in the reader's language. */
  distanceUnit: string;
  elevationUnit: string;
  number(value: number, digits?: number): string;
  distance(meters: number): string;
  distanceValue(meters: number): number;
  elevation(meters: number): string;
  elevationValue(meters: number): number;
  duration(seconds: number): string;
  hours(seconds: number): string;
  paceOrSpeed(sportType: string, distance: number, movingTime: number): string;
  /** Pace sports (swims included) chart pace; the rest chart speed (km/h or mph). */
  usesPace(sportType: string): boolean;
  speedValue(metersPerSecond: number): number;
  speedUnit: string;
  /** Seconds per km or mi, or per 100 m or 100 yd for swims; null when (nearly) standing still. */
  paceValue(metersPerSecond: number, sportType?: string): number | null;
  paceUnit(sportType?: string): string;
  /** What one split covers: 100 m or 100 yd for swims, a km or a mile otherwise. */
  splitMeters(sportType: string): number;
  /** A split's length: "100 m" for swims, "1.0 km" otherwise. */
  splitDistance(meters: number, sportType: string): string;
  /** A length in metres or feet, for radii: "500 m". */
  meters(meters: number): string;
  /** "11 Jun 2025" from "2025-06-11…". */
  date(local: string): string;
  shortDate(local: string): string;
  /**
   * An instant as a wall clock in `timeZone`, the way every page writes a date and a time of day: "1 Dec 2026 07:13"
   * (the date as `date` writes it, then 24-hour time).
   */
  dateTime(instant: Date, timeZone: string): string;
  sport(sportType: string): string;
}

/** "YYYY-MM-DDTHH:MM" of an instant on the wall clock of `timeZone` (UTC when the zone is unknown). */
export function wallClock(instant: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  const options: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    parts = new Intl.DateTimeFormat('en-CA', { ...options, timeZone }).formatToParts(instant);
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', { ...options, timeZone: 'UTC' }).formatToParts(instant);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

export function createFormatter(locale: Locale, units: Units): Formatter {
  const intl = locale === 'ru' ? 'ru-RU' : 'en-US';
  const words = UNIT_WORDS[locale];
  const imperial = units === 'imperial';
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const number = (value: number, digits = 0) => {
    let f = numberFormats.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(intl, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      numberFormats.set(digits, f);
    }
    return f.format(value);
  };
  const duration = formatDuration;
  const dateFormat = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const shortDateFormat = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const asUtc = (local: string) => new Date(`${local.slice(0, 10)}T00:00:00Z`);
  const distanceValue = (meters: number) => (imperial ? meters / METERS_PER_MILE : meters / 1000);
  const elevationValue = (meters: number) => (imperial ? meters * FEET_PER_METER : meters);
  return {
    locale,
    units,
    distanceUnit: imperial ? words.mi : words.km,
    elevationUnit: imperial ? words.ft : words.m,
    number,
    distance: (meters) => `${number(distanceValue(meters), 1)} ${imperial ? words.mi : words.km}`,
    distanceValue,
    elevation: (meters) => `${number(elevationValue(meters), 0)} ${imperial ? words.ft : words.m}`,
    elevationValue,
    duration,
    hours: (seconds) => {
      const minutes = Math.round(seconds / 60);
      return `${number(Math.floor(minutes / 60), 0)}${words.h} ${String(minutes % 60).padStart(2, '0')}${words.min}`;
    },
    paceOrSpeed: (sportType, distance, movingTime) => {
      if (distance <= 0 || movingTime <= 0) return '—';
      const mps = distance / movingTime;
      if (SWIM_SPORTS.has(sportType)) return `${duration((imperial ? METERS_PER_100_YARDS : 100) / mps)} ${imperial ? words.per100yd : words.per100m}`;
      if (PACE_SPORTS.has(sportType)) return `${duration((imperial ? METERS_PER_MILE : 1000) / mps)} ${imperial ? words.perMi : words.perKm}`;
      return `${number(imperial ? (mps * 3600) / METERS_PER_MILE : mps * 3.6, 1)} ${imperial ? words.mph : words.kmh}`;
    },
    usesPace: (sportType) => PACE_SPORTS.has(sportType) || SWIM_SPORTS.has(sportType),
    speedValue: (mps) => (imperial ? (mps * 3600) / METERS_PER_MILE : mps * 3.6),
    speedUnit: imperial ? words.mph : words.kmh,
    paceValue: (mps, sportType = '') => {
      if (SWIM_SPORTS.has(sportType)) return mps > 0.1 ? (imperial ? METERS_PER_100_YARDS : 100) / mps : null;
      return mps > 0.3 ? (imperial ? METERS_PER_MILE : 1000) / mps : null;
    },
    paceUnit: (sportType = '') => (SWIM_SPORTS.has(sportType) ? (imperial ? words.per100yd : words.per100m) : imperial ? words.perMi : words.perKm),
    splitMeters: (sportType) => (SWIM_SPORTS.has(sportType) ? (imperial ? METERS_PER_100_YARDS : 100) : imperial ? METERS_PER_MILE : 1000),
    splitDistance: (meters, sportType) =>
      SWIM_SPORTS.has(sportType)
        ? imperial
          ? `${number(meters / 0.9144, 0)} ${words.yd}`
          : `${number(meters, 0)} ${words.m}`
        : `${number(distanceValue(meters), 2)} ${imperial ? words.mi : words.km}`,
    meters: (meters) => `${number(meters, 0)} ${words.m}`,
    date: (local) => dateFormat.format(asUtc(local)),
    shortDate: (local) => shortDateFormat.format(asUtc(local)),
    dateTime: (instant, timeZone) => {
      const local = wallClock(instant, timeZone);
      return `${dateFormat.format(asUtc(local))} ${local.slice(11, 16)}`;
    },
    sport: (sportType) => {
      if (locale === 'ru' && RU_SPORTS[sportType]) return RU_SPORTS[sportType]!;
      return sportLabel(sportType);
    },
  };
}
