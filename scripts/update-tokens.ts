// `npm run job:update-tokens`: runs the update_tokens job once by hand against the configured database and Strava.
import { existsSync } from 'node:fs';
import { exitOnStartupError } from '../shared/platform/boot.js';
import { fromRoot } from '../shared/paths.js';
import { loadUpdateTokensSettings } from '../shared/platform/job-config.js';
import { openServices } from '../shared/services.js';
import { refreshDueTokens } from '../shared/tokens/index.js';

async function main(): Promise<void> {
  if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
  // A person at a terminal is the caller here; the OIDC check belongs to the HTTP function.
  const settings = loadUpdateTokensSettings({ ...process.env, UPDATE_TOKENS_REQUIRE_AUTH: 'false' });
  const runtime = await openServices({ need: ['stravaClientSecret', 'tokenEncryptionKey'], bus: 'none' }).catch(exitOnStartupError);
  try {
    const summary = await refreshDueTokens(runtime, {
      horizonMs: settings.horizonMs,
      concurrency: settings.concurrency,
      deadlineMs: settings.timeBudgetMs,
      batchSize: settings.batchSize,
    });
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (summary.failed > 0) process.exitCode = 2;
  } catch (error) {
    runtime.log.error('update_tokens failed', { error });
    process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}

main().catch(exitOnStartupError);
