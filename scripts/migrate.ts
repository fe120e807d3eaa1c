// `npm run db:migrate`: applies pending migrations to the configured database (Cloud SQL, a URL, or the embedded one).
import { openDatabase } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';
import { loadConfig } from '../shared/config.js';
import { loadSecrets, secretManagerStore } from '../shared/secrets.js';
import { exitOnStartupError } from '../shared/boot.js';

async function main(): Promise<void> {
  // Migrations need only the database; a placeholder client id keeps the config check from asking for Strava.
  const config = loadConfig({ STRAVA_CLIENT_ID: 'unused-by-migrations', ...process.env });
  const store = config.googleCloudProject ? await secretManagerStore(config.googleCloudProject) : undefined;
  const secrets = await loadSecrets({ store, only: ['databasePassword'], need: [] });
  const database = await openDatabase(config.database, { max: 1, password: secrets.databasePassword });
  try {
    const applied = await migrate(database.pool);
    console.log(applied.length === 0 ? 'Database is up to date.' : `Applied migrations: ${applied.join(', ')}.`);
  } finally {
    await database.close();
  }
}

main().catch(exitOnStartupError);
