// Runs Node.js commands on the Node.js major the product deploys to (package.json "engines"), so the laptop stack
// and the tests run on what App Engine and Cloud Run functions run, whatever Node started npm.
//
//   node scripts/runtime-node.mjs --install      (npm's postinstall) fetch that Node once if this one is another major
//   node scripts/runtime-node.mjs <node args…>   run `node <node args…>` on it, e.g. `--import tsx dev/stack.ts`
//
// When the Node that runs this script is already that major, nothing is fetched and it runs the command itself:
// someone who has Node 24 never pays for it twice. Otherwise the npm registry's per-platform Node package
// (node-<platform>-<arch>, the binaries behind the registry's `node` package) goes into node_modules/.cache/, which
// `rm -rf node_modules` clears with everything else. The child's PATH starts with that Node's folder, so every `node`
// the command starts (test workers, tsx, the dev stack's children) is the same one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const wanted = /^(\d+)\.x$/.exec(pkg.engines?.node ?? '')?.[1];
if (!wanted) {
  console.error(`package.json "engines.node" must name one major as "<major>.x" (found ${JSON.stringify(pkg.engines?.node)}).`);
  process.exit(1);
}

const platform = process.platform === 'win32' ? 'win' : process.platform;
const packageName = `node-${platform}-${process.arch}`;
const cacheDir = join(root, 'node_modules', '.cache', `node${wanted}`);
const localBinary = join(cacheDir, 'node_modules', packageName, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
const currentMajor = process.versions.node.split('.')[0];

function majorOf(binary) {
  const result = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('.')[0] : undefined;
}

/** Fetches Node `wanted` into the cache unless this Node is already that major; returns the binary to use. */
function ensureRuntime() {
  if (currentMajor === wanted) return process.execPath;
  if (existsSync(localBinary) && majorOf(localBinary) === wanted) return localBinary;
  console.error(
    `This is Node ${process.versions.node}; the product runs on Node ${wanted}. Fetching Node ${wanted} for this project (once) into node_modules/.cache/…`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(
    npm,
    ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', cacheDir, `${packageName}@${wanted}`],
    { stdio: 'inherit', shell: process.platform === 'win32' },
  );
  if (install.status !== 0 || !existsSync(localBinary)) {
    console.error(
      `Could not fetch ${packageName}@${wanted} from the npm registry. Install Node.js ${wanted} yourself (https://nodejs.org, or nvm/fnm) and run npm from it.`,
    );
    process.exit(1);
  }
  console.error(`Node ${wanted} ready: ${localBinary} (v${spawnSync(localBinary, ['-v'], { encoding: 'utf8' }).stdout.trim().slice(1)})`);
  return localBinary;
}

const args = process.argv.slice(2);
if (args[0] === '--install') {
  ensureRuntime();
  process.exit(0);
}

const binary = ensureRuntime();
const env = { ...process.env };
if (binary !== process.execPath) {
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathKey] = [dirname(binary), env[pathKey]].filter(Boolean).join(process.platform === 'win32' ? ';' : ':');
}
const child = spawn(binary, args, { cwd: process.cwd(), env, stdio: 'inherit' });
// Ctrl+C reaches the whole process group, so the child sees it too: wait for it to finish instead of dying first.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signal !== 'SIGINT') child.kill(signal);
  });
}
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
