// Runs `npm start`'s dev stack as a child process, as a newcomer would, and waits for the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../shared/paths.js';

export interface DevStack {
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts dev/stack.ts with nothing configured but ports and a fresh data folder (embedded defaults). */
export async function startDevStack(extraEnv: Record<string, string> = {}): Promise<DevStack> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A laptop has none of these; the stack must come up on its embedded defaults.
  for (const name of ['DATABASE_URL', 'STRAVA_CLIENT_ID', 'STRAVA_CLIENT_SECRET', 'SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY', 'NODE_ENV', 'PUBLIC_BASE_URL']) {
    delete env[name];
  }
  Object.assign(env, {
    PORT: String(await freePort()),
    STRAVA_SANDBOX_PORT: String(await freePort()),
    TELEGRAM_PORT: String(await freePort()),
    CHAT_WEBHOOKS_PORT: String(await freePort()),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'stack-data-')),
    ...extraEnv,
  });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'dev/stack.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    // A guard, not a timing assertion: a loaded machine starts the embedded database slowly. On giving up the child is
    // killed, or it would keep the test file (and the whole run) alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dev stack did not print its URL within 180 s:\n${output}`));
    }, 180_000);
    const check = () => {
      const match = /is running: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev stack exited with ${code}:\n${output}`));
    });
  });

  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
