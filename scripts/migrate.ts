// `npm run db:migrate`: applies pending migrations to the configured database (Cloud SQL, a URL, or the embedded one).
import { openDatabase } from '../shared/platform/db/pool.js';
import { migrate } from '../shared/db/index.js';
import { loadDatabaseConfig } from '../shared/platform/config.js';
import { loadSecrets, secretManagerStore } from '../shared/platform/secrets.js';
import { exitOnStartupError } from '../shared/platform/boot.js';

async function main(): Promise<void> {
  // Migrations need the database and nothing else: no Strava, no session secrets.
  const databaseConfig = loadDatabaseConfig();
  const project = process.env.GOOGLE_CLOUD_PROJECT?.trim();
  const store = project ? await secretManagerStore(project) : undefined;
  const secrets = await loadSecrets({ store, only: ['databasePassword'], need: [] });
  const database = await openDatabase(databaseConfig, { max: 1, password: secrets.databasePassword });
  try {
    const applied = await migrate(database.pool);
    console.log(applied.length === 0 ? 'Database is up to date.' : `Applied migrations: ${applied.join(', ')}.`);
  } finally {
    await database.close();
  }
}

main().catch(exitOnStartupError);
