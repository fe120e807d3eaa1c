// Runs the update_tokens job on a timer in the laptop stack, standing in for Cloud Scheduler.
import type { Runtime } from '../shared/platform/runtime.js';
import type { Services } from '../shared/services.js';
import { REFRESH_WINDOW_MS } from '../shared/tokens/index.js';
import { refreshDueTokens, type RefreshJobSummary } from '../shared/tokens/index.js';

export interface TokenTimer {
  /** Runs the job now (or joins the run in progress) and resolves with its summary; undefined if it failed. */
  runNow(): Promise<RefreshJobSummary | undefined>;
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/** The runtime, and whichever of the deployed job's background steps this stack offers (the services offer them all). */
export type TokenTimerDeps = Runtime &
  Partial<Pick<Services, 'resumeImports' | 'resumeUploads' | 'enrichEfforts' | 'publishWaitingNotices' | 'retryDeferredEvents'>>;

/**
 * Runs once right away, then `intervalMs` after each run ends, so runs never overlap. Like the deployed job it
 * also retries webhook events deferred for Strava's budget, resumes stalled or rate-limited history imports and
 * stalled archive imports, and searches the history for best efforts, when the services offer them.
 */
export function startTokenTimer(deps: TokenTimerDeps, intervalMs: number): TokenTimer {
  const { resumeImports, resumeUploads, enrichEfforts, publishWaitingNotices } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RefreshJobSummary | undefined> | undefined;
  let stopped = false;

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => void runNow(), delayMs);
    // The stack's server keeps the process alive; the timer should not on its own.
    timer.unref();
  }

  function runNow(): Promise<RefreshJobSummary | undefined> {
    clearTimeout(timer);
    running ??= refreshDueTokens(
      {
        ...deps,
        resumeStalledImports: resumeImports,
        resumeStalledUploads: resumeUploads,
      },
      {
        // Same rule as the deployed job: the interval plus Strava's one-hour rotation window.
        horizonMs: intervalMs + REFRESH_WINDOW_MS,
        concurrency: 4,
        deadlineMs: Math.max(intervalMs / 2, 10_000),
        batchSize: 200,
      },
    )
      // Then best efforts from the history, as the deployed job does, in what is left of the run's time.
      .then(async (summary) => {
        // Delivery notices written by the deferred events it applied go out, as the deployed job publishes them.
        await publishWaitingNotices?.().catch((error: unknown) => deps.log.warn('Delivery notices wait for the next tick', { error }));
        if (enrichEfforts && summary && !summary.applicationInactive) {
          await enrichEfforts({ deadlineAt: Date.now() + Math.max(intervalMs / 2, 10_000) }).catch((error: unknown) =>
            deps.log.warn('Best efforts enrichment failed; the next tick carries on', { error }),
          );
        }
        return summary;
      })
      .catch((error: unknown) => {
        deps.log.error('Token timer run failed; trying again at the next tick', { error });
        return undefined;
      })
      .finally(() => {
        running = undefined;
        schedule(intervalMs);
      });
    return running;
  }

  schedule(0);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
