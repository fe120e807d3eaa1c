// A second instance in its own process for the token tests: runs the job, serves token requests, or hangs after Strava
// answers (to be killed). Built by the harness from createServices, as every instance is.
import { createInstance } from '../harness.js';
import { getAccessToken } from '../../shared/tokens/access.js';
import { refreshDueTokens } from '../../shared/tokens/refresh-job.js';
import type { ChildCommand, ChildMessage } from './child-protocol.js';

const env = process.env;
const send = (message: ChildMessage) => process.send!(message);

const instance = await createInstance(
  {
    apiBaseUrl: env.CHILD_STRAVA_API_BASE_URL!,
    oauthBaseUrl: env.CHILD_STRAVA_OAUTH_BASE_URL!,
    clientId: env.CHILD_STRAVA_CLIENT_ID!,
    clientSecret: env.CHILD_STRAVA_CLIENT_SECRET!,
  },
  env.CHILD_DATABASE_URL!,
  env.CHILD_TOKEN_ENCRYPTION_KEY!,
);
const refreshStatuses = () => instance.traffic.refreshes.map((refresh) => refresh.status);

async function run(command: ChildCommand): Promise<unknown> {
  switch (command.type) {
    case 'job':
      return refreshDueTokens(instance, { horizonMs: command.horizonMs, concurrency: command.concurrency, deadlineMs: 60_000, batchSize: 10 });
    case 'tokens':
      return Promise.all(command.athleteIds.map((id) => getAccessToken(instance, id)));
    case 'crash-after-answer':
      return getAccessToken(instance, command.athleteId, {
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
      send({ type: 'done', result, refreshStatuses: refreshStatuses() });
      await instance.close();
      process.disconnect();
    })
    .catch(async (error: unknown) => {
      send({ type: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      process.exitCode = 1;
      await instance.close();
      process.disconnect();
    });
});

// Warm a connection so "go" means the work starts at once.
await instance.pool.query('select 1');
send({ type: 'ready' });
