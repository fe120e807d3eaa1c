// update_tokens' resumer of history imports: paused ones whose window reset, and ones a crash or lost request stalled.
import type { ResumeStalledImports } from '../tokens/index.js';
import { handleImportRequest, type BackfillDeps, type ImportRequest } from './requests.js';
import { findResumable } from './store.js';

export interface ResumeOptions {
  /**
   * A pending or running import untouched this long has lost its request or its invocation. Longer than a
   * request takes to arrive and a lease to run out, so a live import is not sent a duplicate.
   */
  stalledAfterMs?: number;
  /** At most this many imports per run. */
  limit?: number;
  clock?: () => number;
}

export const DEFAULT_STALLED_AFTER_MS = 10 * 60_000;

/**
 * With `deps.publish`, each import found gets a request on the backfill topic (the deployed way: backfill
 * instances do the work). Without it the slices run here, one after another, until the job's deadline.
 */
export function createImportResumer(deps: BackfillDeps, options: ResumeOptions = {}): ResumeStalledImports {
  const clock = options.clock ?? Date.now;
  return async ({ deadlineAt, log }) => {
    // No request goes out while the background share is spent: it would only find the budget closed.
    const gate = await deps.budget.checkBackground();
    if (!gate.granted) {
      log.info('History imports not resumed: the background rate-limit budget is spent', { until: gate.retryAt.toISOString() });
      return { resumed: 0 };
    }
    const athleteIds = await findResumable(deps.pool, {
      now: deps.budget.now(),
      stalledAfterMs: options.stalledAfterMs ?? DEFAULT_STALLED_AFTER_MS,
      limit: options.limit ?? 100,
    });
    let resumed = 0;
    for (const athleteId of athleteIds) {
      const remainingMs = deadlineAt - clock();
      if (remainingMs <= 0) break;
      const request: ImportRequest = { athleteId, reason: 'resume' };
      if (deps.publish) {
        await deps.publish(request);
        resumed++;
        continue;
      }
      try {
        const outcome = await handleImportRequest({ ...deps, log }, request, { timeBudgetMs: remainingMs });
        if (outcome.kind === 'done' || outcome.kind === 'more' || outcome.kind === 'waiting') resumed++;
        // The shared budget closed: every other import would stop at once too.
        if (outcome.kind === 'waiting') break;
      } catch (error) {
        log.warn('Resuming a history import failed; the next run tries again', { athleteId, error });
      }
    }
    if (athleteIds.length > 0) log.info('History imports resumed', { found: athleteIds.length, resumed, published: Boolean(deps.publish) });
    return { resumed };
  };
}
