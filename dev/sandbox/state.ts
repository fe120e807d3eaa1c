// The sandbox's memory: athletes, activities, grants, codes and tokens, optionally persisted to a JSON file.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ActivityRecord, AthleteRecord } from './model.js';
import { DEMO_ATHLETE_ID, RUNTIME_ACTIVITY_ID_BASE, demoAthlete, generateHistory, makeAthlete, runtimeActivity } from './seed.js';
import { isoSeconds } from './time.js';

export interface Grant {
  athleteId: number;
  clientId: string;
  scopes: string[];
}

export interface AuthorizationCode {
  code: string;
  athleteId: number;
  clientId: string;
  scopes: string[];
  redirectUri: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface AccessTokenRecord {
  token: string;
  athleteId: number;
  clientId: string;
  scopes: string[];
  /** Epoch seconds, as Strava's expires_at. */
  expiresAt: number;
}

export interface RefreshTokenRecord {
  token: string;
  athleteId: number;
  clientId: string;
  scopes: string[];
  /** The access token most recently issued with this refresh token. */
  accessToken: string;
}

interface PersistedState {
  version: 1;
  seed: number;
  demoSeedAnchor: string;
  nextAthleteId: number;
  nextActivityId: number;
  athletes: AthleteRecord[];
  activities: ActivityRecord[];
  grants: Grant[];
  codes: AuthorizationCode[];
  accessTokens: AccessTokenRecord[];
  refreshTokens: RefreshTokenRecord[];
  /** Added with webhooks; absent in older state files. */
  pushSubscription?: PushSubscriptionRecord | null;
  activityEdits?: [number, ActivityEdit][];
  deletedActivityIds?: number[];
}

/** The application's one webhook subscription (Strava allows one per application). */
export interface PushSubscriptionRecord {
  id: number;
  applicationId: number;
  callbackUrl: string;
  verifyToken: string;
  /** ISO, as Strava shows them. */
  createdAt: string;
  updatedAt: string;
}

/** A change made through the control API to an activity; kept apart so seeded activities regenerate with it applied. */
export interface ActivityEdit {
  name?: string;
  sportType?: string;
  visibility?: ActivityRecord['visibility'];
  listDistance?: number;
}

export interface StoreOptions {
  seed: number;
  statePath?: string;
  now: () => Date;
  log?: (line: string) => void;
}

export class Store {
  readonly athletes = new Map<number, AthleteRecord>();
  readonly grants: Grant[] = [];
  readonly codes = new Map<string, AuthorizationCode>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly activities = new Map<number, ActivityRecord>();
  /** Newest first per athlete; rebuilt when an athlete's activities change. */
  private readonly byAthlete = new Map<number, ActivityRecord[]>();
  private readonly runtimeAthletes: AthleteRecord[] = [];
  private readonly runtimeActivities: ActivityRecord[] = [];
  private nextAthleteId = DEMO_ATHLETE_ID + 1;
  private nextActivityId = RUNTIME_ACTIVITY_ID_BASE + 1;
  private demoSeedAnchor: string;
  pushSubscription: PushSubscriptionRecord | null = null;
  private readonly activityEdits = new Map<number, ActivityEdit>();
  private readonly deletedActivityIds = new Set<number>();

  constructor(private readonly options: StoreOptions) {
    const persisted = options.statePath ? readState(options.statePath) : null;
    if (persisted && persisted.seed !== options.seed) {
      options.log?.(`sandbox state at ${options.statePath} was seeded with ${persisted.seed}; regenerating with ${options.seed}`);
    }
    // A persisted anchor keeps seeded ids and dates identical across restarts, so imported data stays valid.
    this.demoSeedAnchor = persisted?.demoSeedAnchor ?? isoSeconds(options.now().getTime());
    // Known before any history is generated, so seeded activities come back edited or not at all.
    for (const [id, edit] of persisted?.activityEdits ?? []) this.activityEdits.set(id, edit);
    for (const id of persisted?.deletedActivityIds ?? []) this.deletedActivityIds.add(id);
    this.pushSubscription = persisted?.pushSubscription ?? null;
    this.addAthlete(demoAthlete(this.demoSeedAnchor));
    if (persisted) {
      this.nextAthleteId = persisted.nextAthleteId;
      this.nextActivityId = persisted.nextActivityId;
      for (const a of persisted.athletes) {
        this.runtimeAthletes.push(a);
        this.addAthlete(a);
      }
      for (const a of persisted.activities) {
        this.runtimeActivities.push(a);
        this.indexActivity(a);
      }
      this.grants.push(...persisted.grants);
      for (const c of persisted.codes) this.codes.set(c.code, c);
      for (const t of persisted.accessTokens) this.accessTokens.set(t.token, t);
      for (const t of persisted.refreshTokens) this.refreshTokens.set(t.token, t);
    }
    this.save();
  }

  private addAthlete(athlete: AthleteRecord): void {
    this.athletes.set(athlete.id, athlete);
    for (const a of generateHistory(athlete, this.options.seed)) this.indexActivity(a);
  }

  private indexActivity(a: ActivityRecord): void {
    if (this.deletedActivityIds.has(a.id)) return;
    const edit = this.activityEdits.get(a.id);
    if (edit) applyEdit(a, edit);
    this.activities.set(a.id, a);
    this.byAthlete.delete(a.athleteId);
  }

  createAthlete(p: { firstname?: string; lastname?: string; measurementPreference?: 'meters' | 'feet'; activityCount?: number }): number {
    const id = this.nextAthleteId++;
    const athlete = makeAthlete(id, this.options.seed, p, isoSeconds(this.options.now().getTime()));
    this.runtimeAthletes.push(athlete);
    this.addAthlete(athlete);
    this.save();
    return id;
  }

  addActivity(athleteId: number, partial: Parameters<typeof runtimeActivity>[3]): number {
    const athlete = this.athletes.get(athleteId);
    if (!athlete) throw new Error(`addActivity: no sandbox athlete ${athleteId}`);
    const id = this.nextActivityId++;
    const record = runtimeActivity(athlete, id, this.options.now().getTime(), partial);
    this.runtimeActivities.push(record);
    this.indexActivity(record);
    this.save();
    return id;
  }

  /** Renames, retypes or changes the visibility of an activity; returns it, or undefined when there is none. */
  editActivity(id: number, edit: ActivityEdit): ActivityRecord | undefined {
    const activity = this.activities.get(id);
    if (!activity) return undefined;
    this.activityEdits.set(id, { ...this.activityEdits.get(id), ...edit });
    applyEdit(activity, edit);
    this.byAthlete.delete(activity.athleteId);
    this.save();
    return activity;
  }

  /** Removes an activity for good (Strava never reuses an id); returns it, or undefined when there was none. */
  deleteActivity(id: number): ActivityRecord | undefined {
    const activity = this.activities.get(id);
    if (!activity) return undefined;
    this.activities.delete(id);
    this.byAthlete.delete(activity.athleteId);
    this.deletedActivityIds.add(id);
    this.activityEdits.delete(id);
    const runtimeIndex = this.runtimeActivities.findIndex((a) => a.id === id);
    if (runtimeIndex >= 0) this.runtimeActivities.splice(runtimeIndex, 1);
    this.save();
    return activity;
  }

  activity(id: number): ActivityRecord | undefined {
    return this.activities.get(id);
  }

  /** All of an athlete's activities, newest first (ties broken by id, newest upload first). */
  activitiesOf(athleteId: number): readonly ActivityRecord[] {
    let list = this.byAthlete.get(athleteId);
    if (!list) {
      list = [...this.activities.values()].filter((a) => a.athleteId === athleteId).sort((a, b) => b.startDate - a.startDate || b.id - a.id);
      this.byAthlete.set(athleteId, list);
    }
    return list;
  }

  /** Writes everything not derivable from the seed. Synchronous and atomic (write, then rename): a crash never leaves half a file. */
  save(): void {
    const path = this.options.statePath;
    if (!path) return;
    const state: PersistedState = {
      version: 1,
      seed: this.options.seed,
      demoSeedAnchor: this.demoSeedAnchor,
      nextAthleteId: this.nextAthleteId,
      nextActivityId: this.nextActivityId,
      athletes: this.runtimeAthletes,
      activities: this.runtimeActivities,
      grants: this.grants,
      codes: [...this.codes.values()],
      accessTokens: [...this.accessTokens.values()],
      refreshTokens: [...this.refreshTokens.values()],
      pushSubscription: this.pushSubscription,
      activityEdits: [...this.activityEdits.entries()],
      deletedActivityIds: [...this.deletedActivityIds],
    };
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 1));
    renameSync(tmp, path);
  }
}

function applyEdit(activity: ActivityRecord, edit: ActivityEdit): void {
  if (edit.name !== undefined) activity.name = edit.name;
  if (edit.sportType !== undefined) activity.sportType = edit.sportType;
  if (edit.visibility !== undefined) activity.visibility = edit.visibility;
  if (edit.listDistance !== undefined) activity.listDistance = edit.listDistance;
}

function readState(path: string): PersistedState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const state = JSON.parse(text) as PersistedState;
  if (state.version !== 1) throw new Error(`sandbox state file ${path} has unsupported version ${String(state.version)}`);
  return state;
}
