// The README stays true: every variable the config reads is documented, and every command it names exists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KNOWN_ENV_VARS } from '../../shared/platform/config.js';
import { fromRoot } from '../../shared/paths.js';

const readme = readFileSync(fromRoot('README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };

test('every variable the config knows has a row in the configuration table', () => {
  const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
  for (const name of Object.keys(KNOWN_ENV_VARS)) {
    assert.ok(
      rows.some((row) => row.startsWith(`| \`${name}\` |`)),
      `${name} is missing from the README's table`,
    );
  }
});

test('the quick start is exactly the two commands, and every npm run command named exists', () => {
  assert.ok(readme.includes('```sh\nnpm install && npm start\n```'));
  assert.ok(readme.includes('```sh\nnpm install && npm test\n```'));
  const named = new Set([...readme.matchAll(/npm run ([a-z][\w:-]*)/g)].map((match) => match[1]!));
  assert.ok(named.size > 5);
  for (const script of named) assert.ok(pkg.scripts[script], `README names npm run ${script}, which package.json lacks`);
});

test('CI runs the README test command', () => {
  const ci = readFileSync(fromRoot('.ci', 'run'), 'utf8');
  assert.match(ci, /^npm install && npm test$/m);
});
