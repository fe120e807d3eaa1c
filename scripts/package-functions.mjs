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

// 1980-01-01 00:00, the earliest MS-DOS date: a constant so the archive depends only on content.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;

/** A zip (deflate, no zip64) of the given entries, in the order given. */
export function createZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    // Stored is smaller for incompressible data; either method is valid.
    const method = compressed.length < data.length ? 8 : 0;
    const body = method === 8 ? compressed : data;
    const crc = crc32(data);
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new PackageError('Archive too large for a plain zip.');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0, so the mode below is honoured
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(UNIX_FILE_0644, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  if (entries.length > 0xffff) throw new PackageError('Too many files for a plain zip.');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, centralDirectory, end]);
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
