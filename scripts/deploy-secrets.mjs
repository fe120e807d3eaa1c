// `node scripts/deploy-secrets.mjs`: adds a first value to every Secret Manager secret Terraform created that has none, and leaves the others alone.
//
// Random values are generated here; the Strava Client Secret is asked for (or read from STRAVA_CLIENT_SECRET),
// the OpenAI key only taken from OPENAI_API_KEY (AI notes are optional), the Telegram bot token only from
// TELEGRAM_BOT_TOKEN (the bot is optional). Values go to gcloud on standard input,
// never on a command line. Safe to run again: a secret that has an enabled version is never touched, which
// matters most for token-encryption-key (a new key would make every stored Strava token unreadable).
//
// Usage: node scripts/deploy-secrets.mjs [--outputs FILE]
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DeployError, exitOnError, gcloud, output, readOutputs } from './deploy-lib.mjs';

/** How each secret gets its first value. Secrets not named here are reported and left empty. */
export const SOURCES = {
  'session-secret': { kind: 'random', make: () => randomBytes(48).toString('base64') },
  'token-encryption-key': { kind: 'random', make: () => randomBytes(32).toString('base64') },
  'strava-verify-token': { kind: 'random', make: () => randomBytes(24).toString('hex') },
  'webhook-path-secret': { kind: 'random', make: () => randomBytes(24).toString('hex') },
  'strava-client-secret': { kind: 'ask', env: 'STRAVA_CLIENT_SECRET', prompt: 'Strava Client Secret (https://www.strava.com/settings/api): ' },
  'openai-api-key': { kind: 'optional', env: 'OPENAI_API_KEY' },
  // The Telegram bot is optional: its token comes from @BotFather; the webhook secret is Telegram's alphabet (hex).
  'telegram-bot-token': { kind: 'optional', env: 'TELEGRAM_BOT_TOKEN' },
  'telegram-webhook-secret': { kind: 'random', make: () => randomBytes(32).toString('hex') },
  // The site logs in to Postgres with IAM database authentication; the secret exists for password setups.
  'database-password': { kind: 'none' },
};

/** What to do with each secret, given which already have an enabled version and the environment. */
export function planSecrets(secretIds, hasValue, env = {}) {
  return secretIds.map((id) => {
    if (hasValue.has(id)) return { id, action: 'keep' };
    const source = SOURCES[id];
    if (!source || source.kind === 'none')
      return { id, action: 'skip', why: source ? 'not used with IAM database authentication' : 'no rule for this secret in scripts/deploy-secrets.mjs' };
    if (source.kind === 'random') return { id, action: 'generate' };
    if (env[source.env]?.trim()) return { id, action: 'from-env', env: source.env };
    if (source.kind === 'optional') return { id, action: 'skip', why: `optional; set ${source.env} and run again to add it` };
    return { id, action: 'ask' };
  });
}

async function main() {
  const { values } = parseArgs({ options: { outputs: { type: 'string' } } });
  const outputs = readOutputs({ from: values.outputs });
  const project = output(outputs, 'project_id');
  const ids = output(outputs, 'secret_ids');
  const hasValue = new Set(
    ids.filter(
      (id) =>
        gcloud(['secrets', 'versions', 'list', id, `--project=${project}`, '--filter=state:ENABLED', '--limit=1', '--format=value(name)'], {
          quiet: true,
        }).stdout.trim() !== '',
    ),
  );
  for (const step of planSecrets(ids, hasValue, process.env)) {
    let value;
    if (step.action === 'keep') console.log(`${step.id}: has a value, kept.`);
    else if (step.action === 'skip') console.log(`${step.id}: left empty (${step.why}).`);
    else if (step.action === 'generate') value = SOURCES[step.id].make();
    else if (step.action === 'from-env') value = process.env[step.env].trim();
    else {
      if (!process.stdin.isTTY) throw new DeployError(`${step.id} has no value: set ${SOURCES[step.id].env} or run this in a terminal.`);
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      value = (await rl.question(SOURCES[step.id].prompt)).trim();
      rl.close();
      if (!value) throw new DeployError(`${step.id} needs a value.`);
    }
    if (value === undefined) continue;
    gcloud(['secrets', 'versions', 'add', step.id, `--project=${project}`, '--data-file=-'], { input: value, quiet: true });
    console.log(`${step.id}: value added.`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch(exitOnError);
}
