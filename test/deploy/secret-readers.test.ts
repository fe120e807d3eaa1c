// Every entry point loads its secrets as the service Terraform grants them to, so it never asks Secret Manager
// for one it may not read (which would stop it at start-up in production).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromRoot } from '../../shared/paths.js';

const READER_OF: Record<string, string> = {
  'app/server.ts': 'app',
  'functions/process-strava-event.ts': 'process-strava-event',
  'functions/update-tokens.ts': 'update-tokens',
  'functions/backfill.ts': 'backfill',
  'functions/import-archive.ts': 'import-archive',
  'functions/deliver-activities.ts': 'deliver-activities',
};

test('each entry point that loads secrets names its own reader', () => {
  const entryPoints = ['app/server.ts', ...readdirSync(fromRoot('functions')).map((f) => `functions/${f}`)];
  let checked = 0;
  for (const file of entryPoints) {
    const source = readFileSync(fromRoot(file), 'utf8');
    // Calls with their options written out: the helpers that pass them on are not entry points.
    const calls = [...source.matchAll(/(?:loadConfigAndSecrets|openServices|servicesPerInstance)\(\{([\s\S]*?)\}\)/g)];
    for (const [, args] of calls) {
      const reader = /reader:\s*'([^']+)'/.exec(args ?? '')?.[1];
      assert.equal(reader, READER_OF[file], `${file} loads secrets as ${reader ?? 'nobody in particular'}`);
      checked++;
    }
  }
  assert.equal(checked, Object.keys(READER_OF).length, 'every entry point was checked once');
});
