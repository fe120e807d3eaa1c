// Each table has one writer, the capability docs/ARCHITECTURE.md names as its owner; app/, functions/ and scripts/ hold
// no SQL at all. Kept by this test rather than by memory: it reads the tables from the migrations, the owners from the
// architecture's capability table, and every statement that writes from the code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fromRoot } from '../../shared/paths.js';

const MIGRATIONS = fromRoot('shared', 'db', 'migrations');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file's text without its comment lines, so a sentence such as "delete from activities when…" is not a statement. */
function codeOf(path: string): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
}

const tables = readdirSync(MIGRATIONS)
  .filter((name) => name.endsWith('.sql'))
  .flatMap((name) =>
    [...readFileSync(join(MIGRATIONS, name), 'utf8').matchAll(/\bcreate table (?:if not exists )?([a-z_]+)/gi)].map((m) => m[1]!.toLowerCase()),
  );

/** Owner of each table, from the "owns" column of the architecture's capability table (`capability/` | `table`, …). */
function ownersFromArchitecture(text: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const row of text.split('\n')) {
    const cells = /^\| `([a-z0-9-]+)\/` \| ([^|]*) \|/.exec(row);
    if (!cells) continue;
    // "no table (reads `activities`)" names a table the capability reads, not one it owns.
    const owns = cells[2]!.replace(/\(reads [^)]*\)/g, '');
    for (const named of owns.matchAll(/`([a-z_]+)`/g)) {
      const table = named[1]!;
      if (!tables.includes(table)) continue;
      const earlier = owners.get(table);
      if (earlier && earlier !== cells[1]) throw new Error(`docs/ARCHITECTURE.md gives ${table} two owners: ${earlier} and ${cells[1]}`);
      owners.set(table, cells[1]!);
    }
  }
  return owners;
}

/** A table name as SQL may write it: bare, quoted, or in the public schema. */
const tableRef = (names: string) => `(?:"?public"?\\.)?"?(${names})"?`;

/** Every statement in a source text that writes a known table, with the table it writes. */
function writesIn(code: string): { table: string; statement: string }[] {
  const names = tables.join('|');
  const statement = new RegExp(
    [
      `\\b(?:insert\\s+into|delete\\s+from(?:\\s+only)?|merge\\s+into|copy)\\s+${tableRef(names)}(?![a-z0-9_])`,
      `\\bupdate\\s+(?:only\\s+)?${tableRef(names)}\\s+(?:(?:as\\s+)?[a-z_][a-z0-9_]*\\s+)?set\\b`,
      // truncate names one table or a list of them
      `\\btruncate\\s+(?:table\\s+)?(?:only\\s+)?((?:(?:"?public"?\\.)?"?[a-z_][a-z0-9_]*"?\\s*,\\s*)*(?:"?public"?\\.)?"?[a-z_][a-z0-9_]*"?)`,
    ].join('|'),
    'gi',
  );
  const writes: { table: string; statement: string }[] = [];
  for (const m of code.matchAll(statement)) {
    const text = m[0].replace(/\s+/g, ' ');
    if (m[3] !== undefined) {
      for (const part of m[3].split(',')) {
        const table = part
          .trim()
          .replace(/^"?public"?\./i, '')
          .replace(/"/g, '')
          .toLowerCase();
        if (tables.includes(table)) writes.push({ table, statement: text });
      }
    } else writes.push({ table: (m[1] ?? m[2])!.toLowerCase(), statement: text });
  }
  return writes;
}

/** Any query that reads a known table (`from activities`, `join tokens`). */
function readsIn(code: string): string[] {
  return [...code.matchAll(new RegExp(`\\b(?:from|join)\\s+${tableRef(tables.join('|'))}(?![a-z0-9_])`, 'gi'))].map((m) => m[0].replace(/\s+/g, ' '));
}

describe('each table has one writer', () => {
  const owners = ownersFromArchitecture(readFileSync(fromRoot('docs', 'ARCHITECTURE.md'), 'utf8'));

  it('the migrations create tables, and the architecture names an owner for each (schema_migrations is the migrator’s)', () => {
    assert.ok(tables.length > 20, `only ${tables.length} tables found in ${relative(fromRoot(), MIGRATIONS)}`);
    const unowned = tables.filter((table) => !owners.has(table) && table !== 'schema_migrations');
    assert.deepEqual(unowned, [], 'tables docs/ARCHITECTURE.md gives no owner');
  });

  it('recognises the ways the code writes a table, and not a sentence about it', () => {
    const sample = [
      'insert into activities (id) values ($1)',
      'delete from tokens where athlete_id = $1',
      'update athletes set status = $2',
      'update imports i\n set state = $1',
      'insert into gear (id) values ($1) on conflict (id) do update set name = excluded.name',
      'update only goals g2 set target = 1',
      'delete from only "insights" where true',
      'insert into public.deliveries as d (id) values (1)',
      'truncate table webhook_events, "public"."tokens"',
      'copy activity_streams from stdin',
    ].join(';\n');
    assert.deepEqual(
      writesIn(sample).map((w) => w.table),
      ['activities', 'tokens', 'athletes', 'imports', 'gear', 'goals', 'insights', 'deliveries', 'webhook_events', 'tokens', 'activity_streams'],
    );
    assert.deepEqual(writesIn('we update activities when an event arrives; delete from the list'), []);
  });

  it('only the owning capability writes a table', () => {
    const strays: string[] = [];
    const written = new Set<string>();
    for (const file of sourceFiles(fromRoot('shared'))) {
      const path = relative(fromRoot(), file);
      if (path.startsWith('shared/db/migrations/')) continue;
      const capability = /^shared\/([^/]+)\//.exec(path)?.[1];
      for (const write of writesIn(codeOf(file))) {
        const owner = write.table === 'schema_migrations' ? 'db' : owners.get(write.table);
        written.add(write.table);
        if (capability !== owner) strays.push(`${path}: "${write.statement}" writes ${write.table}, which ${owner ? `${owner}/ owns` : 'no capability owns'}`);
      }
    }
    assert.deepEqual(strays, []);
    // The scan sees the writes that are there: every table is written by the code somewhere.
    assert.deepEqual(
      tables.filter((table) => !written.has(table)),
      [],
      'tables no statement in shared/ writes',
    );
  });

  it('the app, the functions and the scripts hold no SQL: they call capabilities', () => {
    const found: string[] = [];
    for (const folder of ['app', 'functions', 'scripts']) {
      for (const file of sourceFiles(fromRoot(folder))) {
        const code = codeOf(file);
        for (const write of writesIn(code)) found.push(`${relative(fromRoot(), file)}: "${write.statement}"`);
        for (const statement of readsIn(code)) found.push(`${relative(fromRoot(), file)}: "${statement}"`);
      }
    }
    assert.deepEqual(found, []);
  });
});
