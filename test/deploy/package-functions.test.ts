// Checks scripts/package-functions.mjs: the archive's contents, its zip structure, determinism, and that the real sources build from it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ROOT } from './infra.js';

const SCRIPT = join(ROOT, 'scripts', 'package-functions.mjs');
const work = mkdtempSync(join(tmpdir(), 'package-functions-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

interface ZipEntry {
  name: string;
  data: Buffer;
  mode: number;
}

/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) bit by bit: a reference independent of the zlib.crc32
 * the script uses, so a wrong checksum in the archive cannot pass by being computed the same wrong way twice.
 */
function referenceCrc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** An independent reader for the subset the script writes: end record, central directory, local headers. */
function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.length - 22;
  assert.equal(zip.readUInt32LE(end), 0x06054b50, 'end of central directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory header');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const offset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;

    assert.equal(zip.readUInt32LE(offset), 0x04034b50, `local header of ${name}`);
    const localName = zip.subarray(offset + 30, offset + 30 + zip.readUInt16LE(offset + 26)).toString('utf8');
    assert.equal(localName, name);
    const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const body = zip.subarray(start, start + compressedSize);
    const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body);
    assert.ok(method === 0 || method === 8, `${name}: method ${method}`);
    assert.equal(data.length, size, `${name}: size`);
    assert.equal(referenceCrc32(data), crc, `${name}: crc`);
    entries.push({ name, data, mode });
  }
  return entries;
}

function write(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

const PACKAGE_JSON = JSON.stringify({ name: 'x', type: 'module', main: 'dist/functions/index.js', scripts: { build: 'tsc', 'gcp-build': 'npm run build' } });

function fixture(name: string, overrides: Record<string, string> = {}): string {
  const root = join(work, name);
  write(root, {
    'package.json': PACKAGE_JSON,
    'package-lock.json': '{"lockfileVersion":3}',
    'tsconfig.json': '{}',
    'tsconfig.build.json': '{}',
    'functions/index.ts': "import '../shared/config.js';\n",
    'functions/events.ts': 'export const x = 1;\n',
    'shared/config.ts': 'export const y = 2;\n'.repeat(200),
    'shared/db/migrations/001_core.sql': 'create table t (id bigint primary key);\n',
    'shared/data.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1'),
    // Not part of the functions:
    'app/server.ts': 'server',
    'dev/stack.ts': 'dev',
    'test/unit/x.test.ts': 'test',
    'shared/config.test.ts': 'stray test',
    'shared/.DS_Store': 'junk',
    'shared/node_modules/x/index.js': 'nested deps',
    'README.md': 'readme',
    ...overrides,
  });
  return root;
}

describe('package:functions', () => {
  it('the reference CRC-32 is CRC-32: the standard check value and an empty input', () => {
    assert.equal(referenceCrc32(Buffer.from('123456789', 'ascii')), 0xcbf43926);
    assert.equal(referenceCrc32(Buffer.alloc(0)), 0);
  });

  it('archives the manifests, TypeScript configs, functions/ and shared/ (SQL included), nothing else', () => {
    const root = fixture('ok');
    const out = join(work, 'ok.zip');
    const result = run(['--root', root, '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /9 files, \d+ bytes, md5 [0-9a-f]{32}/);
    const entries = readZip(readFileSync(out));
    assert.deepEqual(
      entries.map((e) => e.name),
      [
        'functions/events.ts',
        'functions/index.ts',
        'package-lock.json',
        'package.json',
        'shared/config.ts',
        'shared/data.bin',
        'shared/db/migrations/001_core.sql',
        'tsconfig.build.json',
        'tsconfig.json',
      ],
    );
    for (const e of entries) {
      assert.deepEqual(e.data, readFileSync(join(root, e.name)), `${e.name} content`);
      assert.equal(e.mode, 0o100644, `${e.name} mode`);
    }
  });

  it("carries the files package.json's install scripts start, and refuses to build without them", () => {
    const withPostinstall = JSON.stringify({
      ...JSON.parse(PACKAGE_JSON),
      scripts: { ...JSON.parse(PACKAGE_JSON).scripts, postinstall: 'node scripts/setup.mjs --install' },
    });
    const root = fixture('postinstall', { 'package.json': withPostinstall, 'scripts/setup.mjs': 'export {};\n', 'scripts/other.mjs': 'no' });
    const result = run(['--root', root, '--out', join(work, 'postinstall.zip')]);
    assert.equal(result.status, 0, result.stderr);
    const names = readZip(readFileSync(join(work, 'postinstall.zip'))).map((e) => e.name);
    assert.ok(names.includes('scripts/setup.mjs'));
    assert.ok(!names.includes('scripts/other.mjs'));
    rmSync(join(root, 'scripts', 'setup.mjs'));
    const missing = run(['--root', root, '--out', join(work, 'postinstall-missing.zip')]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /scripts\/setup\.mjs is missing/);
  });

  it('is deterministic: the same sources give the same bytes (so Terraform redeploys only on change)', () => {
    const root = fixture('ok');
    run(['--root', root, '--out', join(work, 'a.zip')]);
    run(['--root', root, '--out', join(work, 'b.zip')]);
    assert.deepEqual(readFileSync(join(work, 'a.zip')), readFileSync(join(work, 'b.zip')));
    write(root, { 'shared/config.ts': 'changed' });
    run(['--root', root, '--out', join(work, 'c.zip')]);
    assert.notDeepEqual(readFileSync(join(work, 'a.zip')), readFileSync(join(work, 'c.zip')));
  });

  it('unzip accepts the archive (when unzip is installed)', (t) => {
    if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0) {
      t.skip('unzip is not installed');
      return;
    }
    const out = join(work, 'unzip.zip');
    run(['--root', fixture('ok'), '--out', out]);
    execFileSync('unzip', ['-tq', out], { stdio: 'pipe' });
  });

  it('refuses a tree the functions could not start from', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no-main', { 'package.json': JSON.stringify({ scripts: { 'gcp-build': 'tsc' } }) }, /"main" must be "dist\/functions\/index\.js"/],
      ['no-build', { 'package.json': JSON.stringify({ main: 'dist/functions/index.js' }) }, /no "gcp-build" script/],
    ];
    for (const [name, overrides, message] of cases) {
      const result = run(['--root', fixture(name, overrides), '--out', join(work, `${name}.zip`)]);
      assert.equal(result.status, 1, name);
      assert.match(result.stderr, message);
    }
    const noIndex = fixture('no-index');
    rmSync(join(noIndex, 'functions', 'index.ts'));
    const result = run(['--root', noIndex, '--out', join(work, 'no-index.zip')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /functions\/index\.ts is missing/);
    assert.equal(existsSync(join(work, 'no-index.zip')), false);
  });
});

describe('the real sources in the archive', () => {
  function sources(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
      return /\.[cm]?ts$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('every relative import in functions/ and shared/ stays inside functions/ and shared/', () => {
    const problems: string[] = [];
    const files = [...sources(join(ROOT, 'functions')), ...sources(join(ROOT, 'shared'))];
    assert.ok(files.length > 0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = join(dirname(file), m[1]!);
        const rel = relative(ROOT, target).split('\\').join('/');
        const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target.replace(/\.cjs$/, '.cts')];
        if (!/^(functions|shared)\//.test(rel)) problems.push(`${relative(ROOT, file)} imports ${m[1]} (outside the archive)`);
        else if (!candidates.some((c) => existsSync(c))) problems.push(`${relative(ROOT, file)} imports ${m[1]} (missing)`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('builds in the layout Cloud Build sees: npm ci, gcp-build, then main exists', (_t) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main?: string; scripts: Record<string, string> };
    assert.equal(pkg.main, 'dist/functions/index.js');
    assert.ok(existsSync(join(ROOT, 'functions', 'index.ts')));
    const out = join(work, 'real.zip');
    const result = run(['--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const dir = join(work, 'real');
    for (const entry of readZip(readFileSync(out))) {
      mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
      writeFileSync(join(dir, entry.name), entry.data);
    }
    // The installed dependencies stand in for `npm ci` (no network here).
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // `npm ci` runs the postinstall script: it must find its files in the archive (and do nothing on the runtime's Node).
    const postinstall = pkg.scripts.postinstall;
    if (postinstall) execFileSync('sh', ['-c', postinstall], { cwd: dir, stdio: 'pipe' });
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe' });
    assert.ok(existsSync(join(dir, 'dist', 'functions', 'index.js')));
  });

  it('package.json runs this script as package:functions', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    assert.match(pkg.scripts?.['package:functions'] ?? '', /^node scripts\/runtime-node\.mjs scripts\/package-functions\.mjs$/);
  });
});
