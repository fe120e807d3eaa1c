// update_tokens: the HTTP function Cloud Scheduler calls to refresh every Strava token due before the next run.
import type { Request, Response } from '@google-cloud/functions-framework';
import { loadConfigAndSecrets } from '../shared/boot.js';
import { checkInvoker } from '../shared/invoker.js';
import { createLogger, traceFields } from '../shared/log.js';
import { createRuntime, type Runtime } from '../shared/runtime.js';
import { loadUpdateTokensSettings, type UpdateTokensSettings } from '../shared/tokens/job-config.js';
import { refreshDueTokens, type ResumeStalledImports } from '../shared/tokens/refresh-job.js';

/**
 * Where the history import will plug in its resumer of stalled imports (a separate issue). Until then the job
 * only refreshes tokens and reports `importsResumed: null`.
 */
const resumeStalledImports: ResumeStalledImports | undefined = undefined;

// Built once per instance, on the first call, and kept while the instance lives; a failed build is retried next call.
let settings: UpdateTokensSettings | undefined;
let runtime: Promise<Runtime> | undefined;

function getRuntime(): Promise<Runtime> {
  runtime ??= loadConfigAndSecrets({ need: ['stravaClientSecret', 'tokenEncryptionKey'] })
    .then(({ config, secrets }) => createRuntime(config, secrets))
    .catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
  return runtime;
}

/** Ends the instance's database pool (tests, and an instance being shut down). */
export async function closeUpdateTokensRuntime(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  settings = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
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

  let built: Runtime;
  try {
    built = await getRuntime();
  } catch (error) {
    bootLog.error('update_tokens could not start', { error });
    res.status(500).json({ error: 'update_tokens could not start; see the logs' });
    return;
  }
  const log = built.log.child(traceFields(req.get('x-cloud-trace-context'), built.config.googleCloudProject));
  try {
    const summary = await refreshDueTokens(
      { ...built, log, resumeStalledImports },
      {
        horizonMs: settings.horizonMs,
        concurrency: settings.concurrency,
        deadlineMs: settings.timeBudgetMs,
        batchSize: settings.batchSize,
      },
    );
    // Per-athlete failures are in the summary and retried next run; only a failure of the whole run asks for a retry.
    res.status(200).json(summary);
  } catch (error) {
    log.error('update_tokens failed', { error });
    res.status(500).json({ error: 'update_tokens failed; see the logs' });
  }
}
