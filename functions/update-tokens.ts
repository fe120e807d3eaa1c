// update_tokens: the HTTP function Cloud Scheduler calls to refresh every Strava token due before the next run.
import type { Request, Response } from '@google-cloud/functions-framework';
import { checkInvoker } from '../shared/platform/invoker.js';
import { createLogger, traceFields } from '../shared/log.js';
import { loadUpdateTokensSettings, type UpdateTokensSettings } from '../shared/platform/job-config.js';
import { refreshDueTokens } from '../shared/tokens/index.js';
import type { Services } from '../shared/services.js';
import { servicesPerInstance } from './instance.js';

/**
 * The job also resumes history imports and archive imports that stalled (rate limit, crash, lost message). Deployed,
 * it publishes a request per import to the backfill or archive topic so those functions do the work; without a Google
 * Cloud project (laptop, tests) there is no Pub/Sub to publish to, so history slices run here within the job's
 * deadline and archive imports are left to the laptop's own timer.
 */
const runtime = servicesPerInstance({ reader: 'update-tokens', bus: 'cloud' });
let settings: UpdateTokensSettings | undefined;

/** Ends the instance's database pool and publisher (tests, and an instance being shut down). */
export async function closeUpdateTokensRuntime(): Promise<void> {
  settings = undefined;
  await runtime.close();
}

// Used only until the runtime (and its configured logger) exists.
const bootLog = createLogger({ format: 'json' });

export async function updateTokens(req: Request, res: Response): Promise<void> {
  try {
    settings ??= loadUpdateTokensSettings();
  } catch (error) {
    bootLog.error('update_tokens is misconfigured', { error });
    res.status(500).json({ error: 'update_tokens is misconfigured; see the logs' });
    return;
  }
  // The caller is checked before secrets or the database are touched.
  if (settings.requireAuth) {
    const check = checkInvoker((name) => req.get(name), settings.invoker!);
    if (!check.ok) {
      bootLog.warn('update_tokens refused a call', { reason: check.reason, status: check.status });
      res.status(check.status).json({ error: check.reason });
      return;
    }
  }
  if (req.method !== 'POST') {
    res.status(405).set('allow', 'POST').json({ error: 'use POST' });
    return;
  }

  let built: Services;
  try {
    built = await runtime.get();
  } catch (error) {
    bootLog.error('update_tokens could not start', { error });
    res.status(500).json({ error: 'update_tokens could not start; see the logs' });
    return;
  }
  const log = built.log.child(traceFields(req.get('x-cloud-trace-context'), built.config.googleCloudProject));
  try {
    const startedAt = Date.now();
    const summary = await refreshDueTokens(
      { ...built, log, resumeStalledImports: built.resumeImports, resumeStalledUploads: built.resumeUploads },
      {
        horizonMs: settings.horizonMs,
        concurrency: settings.concurrency,
        deadlineMs: settings.timeBudgetMs,
        batchSize: settings.batchSize,
      },
    );
    // Delivery notices written by the deferred events it applied go out; a notice that waits loses nothing.
    await built.publishWaitingNotices?.().catch((error: unknown) => log.warn('Delivery notices wait for the next run', { error }));
    // Best efforts come last: tokens, imports and deferred events all go before it, and it spends only what is left.
    let effortsSearched = 0;
    if (!summary.applicationInactive) {
      try {
        const enriched = await built.enrichEfforts({ deadlineAt: startedAt + settings.timeBudgetMs, log });
        effortsSearched = enriched.fromStored + enriched.fetched;
      } catch (error) {
        log.warn('Best efforts enrichment failed; the next run carries on', { error });
      }
    }
    // Per-athlete failures are in the summary and retried next run; only a failure of the whole run asks for a retry.
    res.status(200).json({ ...summary, effortsSearched });
  } catch (error) {
    log.error('update_tokens failed', { error });
    res.status(500).json({ error: 'update_tokens failed; see the logs' });
  }
}
