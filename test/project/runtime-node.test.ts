// The project runs on the Node.js major it deploys to: the tests themselves, the `node` their children start, and
// scripts/runtime-node.mjs, which fetches that Node only when the one running npm is another major.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../shared/paths.js';

const LAUNCHER = join(projectRoot, 'scripts', 'runtime-node.mjs');
const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const deployMajor = /^(\d+)\.x$/.exec(pkg.engines.node)?.[1];

describe('the Node.js runtime', () => {
  it('package.json names one major, the one app.yaml and the functions deploy to', () => {
    assert.ok(deployMajor, `engines.node is ${pkg.engines.node}`);
    const appYaml = readFileSync(join(projectRoot, 'app.yaml'), 'utf8');
    assert.match(appYaml, new RegExp(`^runtime: nodejs${deployMajor}$`, 'm'));
  });

  it('runs this test suite on that major', () => {
    assert.equal(process.versions.node.split('.')[0], deployMajor);
  });

  it('puts that major first on PATH, so `node dist/app/server.js` (as app.yaml starts it) runs on it too', () => {
    const onPath = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    assert.equal(onPath.split('.')[0], deployMajor);
  });

  it('runs every command that executes project code through the launcher', () => {
    for (const name of ['start', 'test', 'db:migrate', 'strava:subscription', 'events:replay', 'job:update-tokens']) {
      assert.match(pkg.scripts[name] ?? '', /^node scripts\/runtime-node\.mjs /, name);
    }
    assert.equal(pkg.scripts.postinstall, 'node scripts/runtime-node.mjs --install');
  });

  it('fetches nothing when the Node running it is already that major (no npm needed, nothing printed)', () => {
    const result = spawnSync(process.execPath, [LAUNCHER, '--install'], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout + result.stderr, '');
    const ran = spawnSync(process.execPath, [LAUNCHER, '-p', 'process.execPath'], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), process.execPath, 'runs the command on the Node it was started with');
  });

  it('runs a command on the project-local Node when started by another major, passing arguments and exit codes through', (t) => {
    const other = ['/usr/bin/node', '/usr/local/bin/node'].find(
      (path) => existsSync(path) && spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0] !== deployMajor,
    );
    if (!other) {
      t.skip('no Node of another major on this machine');
      return;
    }
    const version = spawnSync(other, [LAUNCHER, '-p', 'process.versions.node'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim().split('.')[0], deployMajor);
    const childNode = spawnSync(other, [LAUNCHER, '-e', "process.stdout.write(require('node:child_process').execFileSync('node', ['-v']).toString())"], {
      encoding: 'utf8',
    });
    assert.match(childNode.stdout, new RegExp(`^v${deployMajor}\\.`), 'children that start `node` get the same one');
    const failing = spawnSync(other, [LAUNCHER, '-e', 'process.exit(7)'], { encoding: 'utf8' });
    assert.equal(failing.status, 7);
  });
});
