// A second instance in its own process for the token tests: runs the job, serves token requests, or hangs after Strava answers (to be killed).
import pg from 'pg';
import '../../shared/platform/db/pool.js'; // the bigint type parser, as in every real process
import { createLogger } from '../../shared/log.js';
import { StravaClient } from '../../shared/strava/client.js';
import { createTokenCipher } from '../../shared/tokens/cipher.js';
import { getAccessToken } from '../../shared/tokens/access.js';
import { refreshDueTokens } from '../../shared/tokens/refresh-job.js';
import type { TokenDeps } from '../../shared/tokens/refresh.js';

export type ChildCommand =
  | { type: 'job'; horizonMs: number; concurrency: number }
  | { type: 'tokens'; athleteIds: number[] }
  | { type: 'crash-after-answer'; athleteId: number; claimTtlMs: number };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'answered'; athleteId: number }
  | { type: 'done'; result: unknown; refreshStatuses: number[] }
  | { type: 'failed'; error: string };

const env = process.env;
const send = (message: ChildMessage) => process.send!(message);

const pool = new pg.Pool({ connectionString: env.CHILD_DATABASE_URL, max: 10 });
const refreshStatuses: number[] = [];
const strava = new StravaClient({
  apiBaseUrl: env.CHILD_STRAVA_API_BASE_URL!,
  oauthBaseUrl: env.CHILD_STRAVA_OAUTH_BASE_URL!,
  clientId: env.CHILD_STRAVA_CLIENT_ID!,
  clientSecret: env.CHILD_STRAVA_CLIENT_SECRET!,
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith('/oauth/token')) refreshStatuses.push(response.status);
    return response;
  },
});
const deps: TokenDeps = {
  pool,
  strava,
  cipher: createTokenCipher(env.CHILD_TOKEN_ENCRYPTION_KEY!),
  log: createLogger({ format: 'json', level: 'warning', write: (line) => process.stderr.write(`${line}\n`) }),
};

async function run(command: ChildCommand): Promise<unknown> {
  switch (command.type) {
    case 'job':
      return refreshDueTokens(deps, { horizonMs: command.horizonMs, concurrency: command.concurrency, deadlineMs: 60_000, batchSize: 10 });
    case 'tokens':
      return Promise.all(command.athleteIds.map((id) => getAccessToken(deps, id)));
    case 'crash-after-answer':
      return getAccessToken(deps, command.athleteId, {
        claimTtlMs: command.claimTtlMs,
        hooks: {
          // Tell the parent, then hang: the parent kills the process here, before the answer is stored.
          afterStravaAnswer: (athleteId) => {
            send({ type: 'answered', athleteId });
            return new Promise<void>(() => undefined);
          },
        },
      });
  }
}

process.on('message', (command: ChildCommand) => {
  run(command)
    .then(async (result) => {
      send({ type: 'done', result, refreshStatuses });
      await pool.end();
      process.disconnect();
    })
    .catch(async (error: unknown) => {
      send({ type: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      process.exitCode = 1;
      await pool.end();
      process.disconnect();
    });
});

// Warm a connection so "go" means the work starts at once.
await pool.query('select 1');
send({ type: 'ready' });
