// Laptop secrets: generated once and kept in the data folder, so restarts keep sessions and stored tokens readable.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface DevSecrets {
  SESSION_SECRET: string;
  TOKEN_ENCRYPTION_KEY: string;
  STRAVA_VERIFY_TOKEN: string;
  WEBHOOK_PATH_SECRET: string;
  TELEGRAM_WEBHOOK_SECRET: string;
}

export async function ensureDevSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = join(dataDir, 'dev-secrets.json');
  let saved: Partial<DevSecrets> = {};
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as Partial<DevSecrets>;
  } catch {
    // First start: nothing saved yet.
  }
  const secrets: DevSecrets = {
    SESSION_SECRET: saved.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    TOKEN_ENCRYPTION_KEY: saved.TOKEN_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
    STRAVA_VERIFY_TOKEN: saved.STRAVA_VERIFY_TOKEN ?? randomBytes(16).toString('base64url'),
    // The laptop's webhook is guarded like production's: events are accepted only on /webhook/<this>.
    WEBHOOK_PATH_SECRET: saved.WEBHOOK_PATH_SECRET ?? randomBytes(24).toString('base64url'),
    // Checked on every update the Telegram stand-in (or Telegram) delivers to the laptop's bot.
    TELEGRAM_WEBHOOK_SECRET: saved.TELEGRAM_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  for (const [name, value] of Object.entries(secrets)) env[name] ??= value;
}
