// History import requests: published on connect, handled by the backfill function (or the in-process bus on a laptop).
import type { Queryable } from '../db/index.js';
import { getAthlete } from '../athletes/index.js';
import type { Logger } from '../log.js';
import { runImportSlice, type ImportDeps, type ImportSliceOptions, type SliceOutcome } from './run.js';
import { getImport, requestImport } from './store.js';

/** The message on the backfill topic. */
export interface ImportRequest {
  athleteId: number;
  /** Start over from the newest activity even if the import finished (an operator's re-import). */
  restart?: boolean;
  /** Why it was sent, for the logs: connect, continue, resume, restart. */
  reason?: string;
}

/**
 * A backfill invocation's own time budget. The function may run 540 s and Pub/Sub waits 600 s for the ack; a
 * page takes a second or two, so stopping new pages at 420 s leaves room for the slowest one and the save.
 */
export const DEFAULT_SLICE_BUDGET_MS = 420_000;

export interface BackfillDeps extends ImportDeps {
  /** Sends another request when a slice ran out of time with history left; without it update_tokens picks it up. */
  publish?: (request: ImportRequest) => Promise<unknown>;
}

/** A message on the backfill topic that is not an import request: permanent, never worth a retry. */
export class InvalidImportRequestError extends Error {
  override readonly name = 'InvalidImportRequestError';
}

export function parseImportRequest(data: unknown): ImportRequest {
  const body = data as Partial<ImportRequest> | null;
  const athleteId = typeof body?.athleteId === 'string' ? Number(body.athleteId) : body?.athleteId;
  if (typeof athleteId !== 'number' || !Number.isSafeInteger(athleteId) || athleteId <= 0) {
    throw new InvalidImportRequestError('an import request needs a positive integer athleteId');
  }
  return {
    athleteId,
    ...(body?.restart === true ? { restart: true } : {}),
    ...(typeof body?.reason === 'string' ? { reason: body.reason } : {}),
  };
}

/** Handles one request: makes sure the import exists, runs a slice, and queues the next slice if time ran out. */
export async function handleImportRequest(deps: BackfillDeps, request: ImportRequest, options: Partial<ImportSliceOptions> = {}): Promise<SliceOutcome> {
  const { athleteId } = request;
  if (request.restart || !(await getImport(deps.pool, athleteId))) {
    // A request can come before (or without) the connect flow's row, e.g. from an operator: create it if the athlete is here.
    const athlete = await getAthlete(deps.pool, athleteId);
    if (athlete?.status !== 'connected') return { kind: 'missing' };
    await requestImport(deps.pool, athleteId, { restart: request.restart === true });
  }
  const outcome = await runImportSlice(deps, athleteId, { timeBudgetMs: DEFAULT_SLICE_BUDGET_MS, ...options });
  if (outcome.kind === 'more' && deps.publish) {
    // If this publish fails the handler throws, the request is redelivered and carries on from the saved cursor.
    await deps.publish({ athleteId, reason: 'continue' });
  }
  return outcome;
}

export interface StartImportDeps {
  pool: Queryable;
  log: Logger;
  /** Sends the request to the backfill topic; without it update_tokens starts the pending import. */
  publishImport?: ((request: ImportRequest) => Promise<unknown>) | undefined;
}

/**
 * Called after an athlete connects: makes sure their history import exists and asks for it to run. Never throws:
 * signing in must not fail because the import could not be queued (update_tokens picks up a pending import).
 */
export async function startHistoryImport(deps: StartImportDeps, athleteId: number): Promise<boolean> {
  try {
    const { shouldRun } = await requestImport(deps.pool, athleteId);
    if (!shouldRun || !deps.publishImport) return false;
    await deps.publishImport({ athleteId, reason: 'connect' });
    return true;
  } catch (error) {
    deps.log.warn('Could not queue the history import; update_tokens will start it', { athleteId, error });
    return false;
  }
}
