// `npm run package:functions`: writes the source archive Terraform uploads for the Cloud Functions (functions-source.zip).
//
// The archive holds what the Node.js buildpack needs to run `npm ci`, then `gcp-build` (tsc to dist/), then
// start package.json's main (dist/functions/index.js): the manifests, the TypeScript configs, functions/ and
// shared/ (SQL included). Entries are sorted and carry a fixed timestamp, so the same sources give the same
// bytes and the same md5, and Terraform redeploys only when something really changed.
//
// Usage: node scripts/package-functions.mjs [--root DIR] [--out FILE]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { centralDirectoryEntry, endOfCentralDirectory, localFileHeader, UTF8_NAME } from './zip-records.mjs';

const ROOT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const SOURCE_DIRS = ['functions', 'shared'];
const MAIN = 'dist/functions/index.js';

// Tests live in test/, but a stray one beside the code must not ship (nor break the cloud build).
const EXCLUDED = [/(^|\/)\./, /(^|\/)node_modules\//, /\.test\.[cm]?[jt]s$/, /(^|\/)dist\//];

class PackageError extends Error {}

function parseArgs(argv) {
  const options = { root: resolve(dirname(fileURLToPath(import.meta.url)), '..'), out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--root' || arg === '--out') && value !== undefined) {
      options[arg.slice(2)] = resolve(value);
      i++;
    } else {
      throw new PackageError(`Unknown argument ${arg}. Usage: node scripts/package-functions.mjs [--root DIR] [--out FILE]`);
    }
  }
  options.out ??= join(options.root, 'functions-source.zip');
  return options;
}

function walk(root, dir) {
  const files = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = `${dir}/${name}`;
    const stat = statSync(join(root, path));
    const tested = stat.isDirectory() ? `${path}/` : path;
    if (EXCLUDED.some((pattern) => pattern.test(tested))) continue;
    if (stat.isDirectory()) files.push(...walk(root, path));
    else if (stat.isFile()) files.push(path);
  }
  return files;
}

/** The archive's file list (forward slashes, sorted), after checking the result could start in the cloud. */
export function collectFiles(root) {
  for (const file of ROOT_FILES) {
    if (!existsSync(join(root, file))) throw new PackageError(`${file} is missing in ${root}: the buildpack needs it.`);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (pkg.main !== MAIN) {
    throw new PackageError(`package.json "main" must be "${MAIN}" (the functions' entry module), found ${JSON.stringify(pkg.main)}.`);
  }
  if (!pkg.scripts?.['gcp-build']) {
    throw new PackageError('package.json has no "gcp-build" script: the buildpack would not compile the TypeScript.');
  }
  if (!existsSync(join(root, 'functions', 'index.ts'))) {
    throw new PackageError(`functions/index.ts is missing: it compiles to ${MAIN}, which the functions start from.`);
  }
  // `npm ci` in the cloud runs the install lifecycle scripts too, so every file they start must travel along.
  const installScripts = ['preinstall', 'install', 'postinstall'].map((name) => pkg.scripts?.[name]).filter(Boolean);
  const scriptFiles = installScripts.flatMap((command) => [...command.matchAll(/\bnode\s+(\S+\.[cm]?js)\b/g)].map((m) => m[1]));
  for (const file of scriptFiles) {
    if (!existsSync(join(root, file))) throw new PackageError(`${file} is missing in ${root}: package.json's install scripts run it.`);
  }
  const files = [...ROOT_FILES, ...scriptFiles];
  for (const dir of SOURCE_DIRS) {
    if (existsSync(join(root, dir))) files.push(...walk(root, dir));
  }
  return files.map((file) => file.split(sep).join('/')).sort();
}

// CRC-32 (IEEE), which every zip entry carries; zlib.crc32 computes exactly that (Node 22.2 / 20.15 and later).
function crc32(data) {
  return zlib.crc32(data) >>> 0;
}

/** A zip (deflate, no zip64) of the given entries, in the order given. */
export function createZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    // Stored is smaller for incompressible data; either method is valid.
    const method = compressed.length < data.length ? 8 : 0;
    const body = method === 8 ? compressed : data;
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new PackageError('Archive too large for a plain zip.');
    const entry = { name: Buffer.from(name, 'utf8'), method, flags: UTF8_NAME, crc: crc32(data), compressedSize: body.length, size: data.length };
    const local = localFileHeader(entry);
    locals.push(local, body);
    // Made on Unix with mode 0644, so unzip honours it.
    centrals.push(centralDirectoryEntry({ ...entry, offset, unixMode: 0o644 }));
    offset += local.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  if (entries.length > 0xffff) throw new PackageError('Too many files for a plain zip.');
  return Buffer.concat([...locals, centralDirectory, endOfCentralDirectory({ count: entries.length, size: centralDirectory.length, offset })]);
}

function main() {
  const { root, out } = parseArgs(process.argv.slice(2));
  const files = collectFiles(root);
  const zip = createZip(files.map((name) => ({ name, data: readFileSync(join(root, name)) })));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip);
  const md5 = createHash('md5').update(zip).digest('hex');
  const where = relative(process.cwd(), out) || out;
  console.log(`Wrote ${where}: ${files.length} files, ${zip.length} bytes, md5 ${md5}.`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    console.error(`package:functions: ${error.message}`);
    process.exit(1);
  }
}
