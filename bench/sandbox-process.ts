// The Strava sandbox in a process of its own for benchmarks, as Strava is not in the job's process: seeds athletes over IPC.
import { startSandbox } from '../dev/sandbox/server.js';

export type SandboxCommand =
  | { type: 'seed'; count: number; scopes: string[]; expiresInSeconds: number }
  | { type: 'latency'; ms: number }
  | { type: 'counters' };

export interface SeededAthlete {
  id: number;
  access_token: string;
  refresh_token: string;
  expires_at: number;
}

const sandbox = await startSandbox({ port: 0, rateLimits: { overall: [1e9, 1e9], read: [1e9, 1e9] } });

process.on('message', (command: SandboxCommand) => {
  switch (command.type) {
    case 'seed': {
      const athletes: SeededAthlete[] = [];
      for (let i = 0; i < command.count; i++) {
        const id = sandbox.createAthlete({ activityCount: 0 });
        const tokens = sandbox.issueTokens(id, command.scopes, { expiresInSeconds: command.expiresInSeconds });
        athletes.push({ id, access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_at: tokens.expires_at });
      }
      process.send!({ type: 'seeded', athletes });
      break;
    }
    case 'latency':
      sandbox.setLatency(command.ms);
      process.send!({ type: 'latency-set' });
      break;
    case 'counters':
      process.send!({ type: 'counters', counters: sandbox.counters });
      break;
  }
});

// The parent ends the process when it is done; closing the IPC channel means it went away.
process.on('disconnect', () => void sandbox.close().then(() => process.exit(0)));
process.send!({
  type: 'ready',
  apiBaseUrl: sandbox.apiBaseUrl,
  oauthBaseUrl: sandbox.oauthBaseUrl,
  clientId: sandbox.clientId,
  clientSecret: sandbox.clientSecret,
});
