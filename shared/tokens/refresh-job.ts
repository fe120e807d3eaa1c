// The update_tokens job: refresh every token due before the next run, in pages, with bounded concurrency, within a deadline.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { claimDueBatch, countDue, releaseClaims, type ClaimResult } from './claims.js';
import { DEFAULT_CLAIM_TTL_MS } from './access.js';
import { causedByInactiveApplication } from '../strava/index.js';
import { refreshClaimed, type RefreshHooks, type TokenDeps } from './refresh.js';

/** What the history import offers the job: pick up imports that stopped part-way. */
export type ResumeStalledImports = (context: { deadlineAt: number; log: Logger }) => Promise<{ resumed: number }>;

/** What the webhook event processor offers the job: apply the events deferred for Strava's budget whose time has come. */
export type RetryDeferredEvents = (context: { deadlineAt: number; log: Logger }) => Promise<{ retried: number }>;

/** What the archive import offers the job: ask again for uploads whose import stopped part-way (it spends no Strava request). */
export type ResumeStalledUploads = (context: { log: Logger }) => Promise<{ resumed: number }>;

export interface RefreshJobDeps extends TokenDeps {
  hooks?: RefreshHooks;
  /**
   * The job also restarts history imports that stalled or paused for the rate limit (shared/imports/resume.ts).
   * Without a resumer the summary says `importsResumed: null`.
   */
  resumeStalledImports?: ResumeStalledImports | undefined;
  /** Webhook events deferred for the rate-limit budget (shared/events/process.ts); without it `eventsRetried: null`. */
  retryDeferredEvents?: RetryDeferredEvents | undefined;
  /** Archive imports that stalled (shared/archive/requests.ts); without it `uploadsResumed: null`. */
  resumeStalledUploads?: ResumeStalledUploads | undefined;
}

export interface RefreshJobOptions {
  /** Refresh tokens that expire within this window: the run interval plus Strava's one-hour rotation rule. */
  horizonMs: number;
  /** At most this many refreshes in flight at once. */
  concurrency: number;
  /** No refresh starts once this many milliseconds have passed since the run began; the rest wait for the next run. */
  deadlineMs: number;
  /**
   * Due athletes are claimed this many at a time, in one statement. Claimed athletes wait in a queue for a worker,
   * and a page view for one of them waits for the job, so keep it near the concurrency (it is capped there).
   */
  batchSize: number;
  /** The clock the deadline is measured with; injectable so a test can move time. */
  now?: () => number;
  claimTtlMs?: number;
  storeRetryDelaysMs?: readonly number[];
}

export interface RefreshJobSummary {
  /** Connected athletes whose tokens were due when the run began. */
  due: number;
  /** Strava answered and the answer was stored (includes `unchanged`). */
  refreshed: number;
  /** Of those, Strava gave the same token back because it still had more than an hour. */
  unchanged: number;
  /** Refresh failed (Strava busy or down, storage failed); they are due again next run. */
  failed: number;
  /** Strava refused the refresh token: marked disconnected, asked to reconnect, not tried again. */
  disconnected: number;
  /**
   * Due athletes this run did not handle: another instance refreshed them or held their claim meanwhile, or the
   * deadline left them for the next run. (due − refreshed − failed − disconnected, never below zero.)
   */
  skipped: number;
  /** The deadline stopped the run before every due athlete was tried. */
  stoppedEarly: boolean;
  /** Stalled history imports resumed; null while no history import is plugged in (or it failed). */
  importsResumed: number | null;
  /** Strava said the application is inactive: the run stopped after that answer and the next run asks again. */
  applicationInactive: boolean;
  /** Deferred webhook events applied (or deferred again); null while no processor is plugged in (or it failed). */
  eventsRetried: number | null;
  /** Stalled archive imports asked for again; null while no archive import is plugged in (or it failed). */
  uploadsResumed: number | null;
  durationMs: number;
}

export async function refreshDueTokens(deps: RefreshJobDeps, options: RefreshJobOptions): Promise<RefreshJobSummary> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const pastDeadline = () => now() - startedAt >= options.deadlineMs;
  const log = deps.log.child({ job: 'update_tokens' });
  const claimTtlMs = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const counts = { refreshed: 0, unchanged: 0, failed: 0, disconnected: 0 };
  let stoppedEarly = false;
  let applicationInactive = false;

  const due = await countDue(deps.pool, options.horizonMs);

  // Keyset batches of claimed athletes, claimed when the queue runs dry; one claim is shared by the workers that wait on it.
  const batchSize = Math.max(1, Math.min(options.batchSize, options.concurrency));
  const queue: { claim: ClaimResult; claimId: string }[] = [];
  let cursor = 0;
  let exhausted = false;
  let fetching: Promise<void> | undefined;
  function claimNextBatch(): Promise<void> {
    fetching ??= (async () => {
      const claimId = randomUUID();
      const claims = await claimDueBatch(deps.pool, { claimId, windowMs: options.horizonMs, claimTtlMs, afterId: cursor, limit: batchSize });
      queue.push(...claims.map((claim) => ({ claim, claimId })));
      if (claims.length > 0) cursor = claims[claims.length - 1]!.athleteId;
      if (claims.length < batchSize) exhausted = true;
    })().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  async function nextAthlete(): Promise<{ claim: ClaimResult; claimId: string } | undefined> {
    while (queue.length === 0) {
      if (exhausted) return undefined;
      await claimNextBatch();
    }
    const next = queue.shift();
    // Claim the next batch while this one is worked on, so no worker waits for the claim round trip.
    if (queue.length < batchSize / 2 && !exhausted && !pastDeadline()) claimNextBatch().catch(() => undefined);
    return next;
  }

  async function refreshOne(claim: ClaimResult, claimId: string): Promise<void> {
    const outcome = await refreshClaimed(deps, claim, claimId, {
      hooks: deps.hooks,
      ...(options.storeRetryDelaysMs ? { storeRetryDelaysMs: options.storeRetryDelaysMs } : {}),
    });
    switch (outcome.kind) {
      case 'refreshed':
        counts.refreshed++;
        if (!outcome.rotated) counts.unchanged++;
        break;
      case 'superseded':
        break;
      case 'disconnected':
        counts.disconnected++;
        break;
      case 'failed':
        counts.failed++;
        // One such answer holds for every athlete: asking Strava for the others would only repeat it.
        if (causedByInactiveApplication(outcome.error)) applicationInactive = true;
        break;
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (pastDeadline()) {
        stoppedEarly = true;
        return;
      }
      if (applicationInactive) return;
      const next = await nextAthlete();
      if (next === undefined) return;
      try {
        await refreshOne(next.claim, next.claimId);
      } catch (error) {
        // A database hiccup on one athlete should not end the run for the others.
        counts.failed++;
        log.warn('Token refresh failed', { athleteId: next.claim.athleteId, error });
      }
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => worker()));
  // Claimed but never started (the deadline came first): give them back now rather than when the claims lapse.
  await fetching?.catch(() => undefined);
  const unstarted = queue.splice(0);
  for (const claimId of new Set(unstarted.map((item) => item.claimId))) {
    await releaseClaims(
      deps.pool,
      unstarted.filter((item) => item.claimId === claimId).map((item) => item.claim.athleteId),
      claimId,
    ).catch((error: unknown) => log.warn('Could not release unstarted claims; they lapse on their own', { error }));
  }
  if (stoppedEarly && unstarted.length === 0 && exhausted) stoppedEarly = false;
  // Left for the next run while paused: counted as skipped, their claims given back above.
  if (applicationInactive) stoppedEarly = false;

  // Background work after the tokens, while time is left and Strava serves the application; a failure is logged and
  // counted as not done (null), never failing the tokens' run.
  const afterTokens = async (work: (() => Promise<number>) | undefined, failure: string): Promise<number | null> => {
    if (!work || pastDeadline() || applicationInactive) return null;
    try {
      return await work();
    } catch (error) {
      log.error(failure, { error });
      return null;
    }
  };
  const context = { deadlineAt: startedAt + options.deadlineMs, log };
  const resume = deps.resumeStalledImports;
  const importsResumed = await afterTokens(resume && (async () => (await resume(context)).resumed), 'Resuming stalled history imports failed');
  const retry = deps.retryDeferredEvents;
  const eventsRetried = await afterTokens(retry && (async () => (await retry(context)).retried), 'Retrying deferred webhook events failed');
  // Archive imports read files, not Strava: they are resumed whatever the deadline or Strava's answer.
  let uploadsResumed: number | null = null;
  if (deps.resumeStalledUploads) {
    try {
      uploadsResumed = (await deps.resumeStalledUploads({ log })).resumed;
    } catch (error) {
      log.error('Resuming stalled archive imports failed', { error });
    }
  }

  const handled = counts.refreshed + counts.failed + counts.disconnected;
  const summary: RefreshJobSummary = {
    due,
    refreshed: counts.refreshed,
    unchanged: counts.unchanged,
    failed: counts.failed,
    disconnected: counts.disconnected,
    // Counted by difference: athletes a page view refreshed before this run reached them never show up in its batches.
    skipped: Math.max(0, due - handled),
    stoppedEarly,
    importsResumed,
    applicationInactive,
    eventsRetried,
    uploadsResumed,
    durationMs: now() - startedAt,
  };
  log[summary.failed > 0 || summary.stoppedEarly ? 'warn' : 'info']('update_tokens finished', { ...summary });
  return summary;
}
