// Loads config and secrets the way every deployed entry point does: environment first, then Secret Manager.
import { loadConfig, type Config } from './config.js';
import { loadSecrets, secretManagerStore, type LoadSecretsOptions, type Secrets } from './secrets.js';

/** `reader` names the service, so only the secrets it is granted are fetched. */
export async function loadConfigAndSecrets(options: Pick<LoadSecretsOptions, 'reader' | 'need' | 'only'> = {}): Promise<{ config: Config; secrets: Secrets }> {
  const config = loadConfig();
  const store = config.googleCloudProject ? await secretManagerStore(config.googleCloudProject) : undefined;
  const secrets = await loadSecrets({ store, ...options });
  return { config, secrets };
}

/** Prints a start-up failure as one clear line (config and secret errors name what is missing) and exits. */
export function exitOnStartupError(error: unknown): never {
  let message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) message += ` (${cause.message})`;
  process.stderr.write(`Cannot start: ${message}\n`);
  process.exit(1);
}
