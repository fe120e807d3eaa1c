// Reads the deployment files (Terraform through @cdktf/hcl2json, app.yaml, the provider schema snapshot) for the deploy tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TERRAFORM_DIR = join(ROOT, 'terraform');
export const MODULE_DIR = join(TERRAFORM_DIR, 'modules', 'trainingroom');
export const SCHEMA_FILE = join(ROOT, 'test', 'fixtures', 'terraform', 'google-provider-schema.json');
/** hashicorp/time, for time_sleep; merged into the google snapshot by loadSchema. */
export const TIME_SCHEMA_FILE = join(ROOT, 'test', 'fixtures', 'terraform', 'time-provider-schema.json');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Body = { [key: string]: Json };

export function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asBodies(value: unknown): Body[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** The one body of a nested block written once (hcl2json always wraps blocks in an array). */
export function block(body: Body | undefined, name: string): Body | undefined {
  return body === undefined ? undefined : asBodies(body[name])[0];
}

export function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Terraform

export interface TfFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  dir: string;
  json: Body;
}

export interface TfBlock {
  kind: 'resource' | 'data';
  type: string;
  name: string;
  body: Body;
  file: string;
  dir: string;
}

export function terraformFilePaths(dir = TERRAFORM_DIR): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue; // .terraform/ holds downloaded modules and providers
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...terraformFilePaths(path));
    else if (name.endsWith('.tf')) out.push(path);
  }
  return out;
}

export async function parseTerraform(filename: string, text: string): Promise<Body> {
  const json: unknown = await parseHcl(filename, text);
  if (!isObject(json)) throw new Error(`${filename}: hcl2json returned no object`);
  return json;
}

let loaded: Promise<TfFile[]> | undefined;

/** Every .tf file under terraform/, parsed once per test process. */
export function loadTerraform(): Promise<TfFile[]> {
  loaded ??= Promise.all(
    terraformFilePaths().map(async (path) => {
      const rel = relative(ROOT, path).split('\\').join('/');
      return { path: rel, dir: rel.slice(0, rel.lastIndexOf('/')), json: await parseTerraform(rel, readFileSync(path, 'utf8')) };
    }),
  );
  return loaded;
}

/** resource and data blocks of the given files. */
export function blocksOf(files: readonly TfFile[]): TfBlock[] {
  const out: TfBlock[] = [];
  for (const file of files) {
    for (const kind of ['resource', 'data'] as const) {
      const byType = file.json[kind];
      if (!isObject(byType)) continue;
      for (const [type, byName] of Object.entries(byType)) {
        if (!isObject(byName)) continue;
        for (const [name, bodies] of Object.entries(byName)) {
          for (const body of asBodies(bodies)) out.push({ kind, type, name, body, file: file.path, dir: file.dir });
        }
      }
    }
  }
  return out;
}

export function resourcesOfType(files: readonly TfFile[], type: string): TfBlock[] {
  return blocksOf(files).filter((b) => b.kind === 'resource' && b.type === type);
}

export function resource(files: readonly TfFile[], type: string, name: string): TfBlock {
  const found = resourcesOfType(files, type).find((b) => b.name === name);
  if (!found) throw new Error(`Terraform has no ${type}.${name}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// for_each instances: the resources Terraform will actually manage, with each.key and each.value filled in

export interface TfInstance extends TfBlock {
  /** The name as declared, without the instance key. */
  declared: string;
  /** The instance key, when the block has a for_each. */
  key?: string;
  /** Set when the block has a for_each this reader cannot resolve; then the block is returned as declared. */
  unresolved?: boolean;
}

/**
 * The for_each map of a block when it is `local.<name>`, or `merge(local.<a>, local.<b>, …)`, and each of those
 * locals is a literal map or object, or a grant list flattened from one (pairsMap).
 */
export function forEachMap(body: Body, locals: Body): Body | undefined {
  const expression = /^\$\{([\s\S]*)\}$/.exec(str(body.for_each) ?? '')?.[1]?.trim() ?? '';
  const merged = /^merge\(([\s\S]*)\)$/.exec(expression)?.[1];
  const parts = merged === undefined ? [expression] : merged.split(',').map((part) => part.trim());
  const maps = parts.map((part) => {
    const name = /^local\.([A-Za-z0-9_]+)$/.exec(part)?.[1];
    const map = name === undefined ? undefined : locals[name];
    return isObject(map) ? map : typeof map === 'string' ? pairsMap(map, locals) : undefined;
  });
  return maps.every((map) => map !== undefined) ? Object.assign({}, ...maps) : undefined;
}

// merge([for outer, value in local.<map> : { for inner in value[.attribute] : "${outer}/${inner}" => { a = outer, b = inner } }]...)
const PAIRS =
  /^\$\{merge\(\[\s*for (\w+), (\w+) in local\.(\w+)\s*:\s*\{\s*for (\w+) in \2((?:\.\w+)?)\s*:\s*"\$\{\1\}\/\$\{\4\}"\s*=>\s*\{([^{}]*)\}\s*\}\s*\]\.\.\.\)\}$/;

/**
 * The map a local builds by pairing each key of a literal map with each item of its list (one grant per pair, keyed
 * "key/item"), the one shape of for expression the module uses; undefined for any other expression.
 */
export function pairsMap(expression: string, locals: Body): Body | undefined {
  const match = PAIRS.exec(expression.trim());
  if (!match) return undefined;
  const [, outer, , source, inner, attribute, fields] = match as unknown as [string, string, string, string, string, string, string];
  const map = locals[source];
  if (!isObject(map)) return undefined;
  const assignments = fields.split(',').map((field) => /^\s*(\w+)\s*=\s*(\w+)\s*$/.exec(field));
  if (assignments.some((a) => a === null || (a[2] !== outer && a[2] !== inner))) return undefined;
  const out: Body = {};
  for (const [key, value] of Object.entries(map)) {
    const items = stringList(attribute === '' ? value : isObject(value) ? value[attribute.slice(1)] : undefined);
    if (!items) return undefined;
    for (const item of items) {
      out[`${key}/${item}`] = Object.fromEntries(assignments.map((a) => [a![1]!, a![2] === outer ? key : item]));
    }
  }
  return out;
}

/** The value a reference like each.value.a.b names, or undefined when the path does not exist. */
function eachValue(key: string, value: Json, kind: string, path: string): Json | undefined {
  if (kind === 'key') return path === '' ? key : undefined;
  let here: Json | undefined = value;
  for (const part of path.split('.').filter((p) => p !== '')) here = isObject(here) ? here[part] : undefined;
  return here;
}

/** A value as Terraform expression text, the way it would read written inline (hcl2json's strings hold `${expr}`). */
export function hclExpression(value: Json): string {
  if (typeof value === 'string') {
    if (value.startsWith('${') && value.endsWith('}') && !value.includes('${', 2)) return value.slice(2, -1);
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(hclExpression).join(', ')}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => `  ${/^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k)} = ${hclExpression(v)}`);
  return `{\n${lines.join('\n')}\n}`;
}

const EACH_WHOLE = /^\$\{\s*each\.(key|value)((?:\.[A-Za-z_][\w-]*)*)\s*\}$/;
const EACH_INTERPOLATION = /\$\{\s*each\.(key|value)((?:\.[A-Za-z_][\w-]*)*)\s*\}/g;
const EACH_REFERENCE = /(?<![\w.])each\.(key|value)((?:\.[A-Za-z_][\w-]*)*)/g;

/**
 * A block body with each.key and each.value references replaced by what they name for one instance:
 * an attribute that is just the reference takes the value itself (number, string, map, expression),
 * a template interpolation of a literal becomes its text, and a reference inside a larger expression
 * becomes the value's expression text. References to paths the value lacks are left as they are.
 */
export function substituteEach(body: Json, key: string, value: Json): Json {
  if (typeof body === 'string') {
    const whole = EACH_WHOLE.exec(body);
    if (whole) return eachValue(key, value, whole[1]!, whole[2]!) ?? body;
    return body
      .replace(EACH_INTERPOLATION, (m, kind: string, path: string) => {
        const v = eachValue(key, value, kind, path);
        if (v === undefined) return m;
        if (typeof v === 'string') return v; // a literal's text, or an expression's own ${…}
        return typeof v === 'object' && v !== null ? `\${${hclExpression(v)}}` : String(v);
      })
      .replace(EACH_REFERENCE, (m, kind: string, path: string) => {
        const v = eachValue(key, value, kind, path);
        return v === undefined ? m : hclExpression(v);
      });
  }
  if (Array.isArray(body)) return body.map((item) => substituteEach(item, key, value));
  if (isObject(body)) return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, substituteEach(v, key, value)]));
  return body;
}

/** One block as the instances Terraform creates from it: one per for_each key, named type.name["key"]. */
export function expand(b: TfBlock, locals: Body): TfInstance[] {
  if (!('for_each' in b.body)) return [{ ...b, declared: b.name }];
  const map = forEachMap(b.body, locals);
  if (!map) return [{ ...b, declared: b.name, unresolved: true }];
  return Object.entries(map).map(([key, value]) => {
    const rest: Body = { ...b.body };
    delete rest.for_each; // an instance is one of the set, not a set
    return { ...b, name: `${b.name}[${JSON.stringify(key)}]`, declared: b.name, key, body: substituteEach(rest, key, value) as Body };
  });
}

/** The resource instances of a type, for_each expanded against the locals of each block's own directory. */
export function instancesOfType(files: readonly TfFile[], type: string): TfInstance[] {
  return resourcesOfType(files, type).flatMap((b) => expand(b, localsOf(files.filter((f) => f.dir === b.dir))));
}

/** One resource instance by its address within the type: `name` or `name["key"]`. */
export function instance(files: readonly TfFile[], type: string, name: string): TfInstance {
  const found = instancesOfType(files, type).find((b) => b.name === name);
  if (!found) throw new Error(`Terraform has no ${type}.${name}`);
  return found;
}

/** Matches a resource address, with an optional instance key: the type, the name and the key. */
export const ADDRESS = /^(data\.)?(google_[a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\["([^"]*)"\])?$/;

/**
 * Problems with the moved blocks of each directory: every `to` must be an instance the directory
 * declares, every `from` an address it no longer declares (or the moves would fight the config), and
 * no address may be moved from or to twice.
 */
export function movedProblems(files: readonly TfFile[]): string[] {
  const errors: string[] = [];
  const dirs = new Set(files.map((f) => f.dir));
  for (const dir of dirs) {
    const group = files.filter((f) => f.dir === dir);
    const locals = localsOf(group);
    const declared = blocksOf(group).filter((b) => b.kind === 'resource');
    const instances = new Set(declared.flatMap((b) => expand(b, locals).map((i) => `${i.type}.${i.name}`)));
    const seen = { from: new Set<string>(), to: new Set<string>() };
    for (const file of group) {
      for (const moved of asBodies(file.json.moved)) {
        for (const side of ['from', 'to'] as const) {
          const address = /^\$\{([\s\S]*)\}$/.exec(str(moved[side]) ?? '')?.[1]?.trim() ?? '';
          const where = `${file.path}: moved ${side} ${address || String(moved[side])}`;
          const m = ADDRESS.exec(address);
          if (!m || m[1]) {
            errors.push(`${where}: not a resource address`);
            continue;
          }
          if (seen[side].has(address)) errors.push(`${where}: moved ${side} twice`);
          seen[side].add(address);
          const block = declared.find((b) => b.type === m[2] && b.name === m[3]);
          if (side === 'to') {
            const unresolved = block !== undefined && m[4] !== undefined && expand(block, locals).some((i) => i.unresolved);
            if (unresolved) errors.push(`${where}: the for_each of ${m[2]}.${m[3]} is not a literal local map, so the key cannot be checked`);
            // A whole resource may move onto a for_each resource; then its keys carry over as they are.
            else if (!(m[4] === undefined ? block !== undefined : instances.has(address)))
              errors.push(`${where}: no such resource instance is declared in ${dir}`);
          } else if (block && (m[4] === undefined || instances.has(address))) {
            errors.push(`${where}: still declared in ${dir}`);
          }
        }
      }
    }
  }
  return errors;
}

/** All locals of the given files, merged (Terraform forbids duplicates within a module). */
export function localsOf(files: readonly TfFile[]): Body {
  const out: Body = {};
  for (const file of files) for (const body of asBodies(file.json.locals)) Object.assign(out, body);
  return out;
}

/** Named top-level blocks with a single label: variable, output, module. */
export function namedBlocks(files: readonly TfFile[], kind: 'variable' | 'output' | 'module'): { name: string; body: Body; file: string }[] {
  const out: { name: string; body: Body; file: string }[] = [];
  for (const file of files) {
    const byName = file.json[kind];
    if (!isObject(byName)) continue;
    for (const [name, bodies] of Object.entries(byName)) for (const body of asBodies(bodies)) out.push({ name, body, file: file.path });
  }
  return out;
}

export function moduleFiles(files: readonly TfFile[]): TfFile[] {
  const dir = relative(ROOT, MODULE_DIR).split('\\').join('/');
  return files.filter((f) => f.dir === dir);
}

/** Every string anywhere in a JSON value, with a path for messages. */
export function* strings(value: Json | undefined, path = ''): Generator<{ path: string; value: string }> {
  if (typeof value === 'string') yield { path, value };
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (isObject(value)) for (const [key, item] of Object.entries(value)) yield* strings(item, path ? `${path}.${key}` : key);
}

/** Every key anywhere in a JSON value. */
export function* keys(value: Json | undefined, path = ''): Generator<{ path: string; key: string; value: Json }> {
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* keys(item, `${path}[${i}]`);
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      yield { path: here, key, value: item };
      yield* keys(item, here);
    }
  }
}

/** A literal list of strings (hcl2json keeps literals as JSON), or undefined for an expression. */
export function stringList(value: Json | undefined): string[] | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  return value as string[];
}

/**
 * The variable names an `environment_variables` value sets: a literal map, or merge() of
 * locals that are literal maps and inline `{ NAME = ... }` objects. Anything else is reported as
 * unresolvable, so a check built on this cannot be silently skipped.
 */
export function environmentKeys(value: Json | undefined, locals: Body): { keys: string[]; unresolved: string[] } {
  if (isObject(value)) return { keys: Object.keys(value), unresolved: [] };
  const expression = str(value);
  if (expression === undefined) return { keys: [], unresolved: [String(value)] };
  const match = /^\$\{merge\(([\s\S]*)\)\}$/.exec(expression.trim());
  if (!match) return { keys: [], unresolved: [expression] };
  const found: string[] = [];
  const unresolved: string[] = [];
  // Comments survive in hcl2json's expression text; they set nothing.
  let rest = match[1]!.replace(/(^|\s)(#|\/\/)[^\n]*/g, '$1');
  rest = rest.replace(/\{([^{}]*)\}/g, (_, inner: string) => {
    for (const line of inner.split(/[\n,]/)) {
      const key = /^\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s*=/.exec(line);
      if (key) found.push(key[1]!);
      else if (line.trim() !== '') unresolved.push(line.trim());
    }
    return '';
  });
  for (const part of rest
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const local = /^local\.([A-Za-z0-9_]+)$/.exec(part);
    const map = local ? locals[local[1]!] : undefined;
    if (isObject(map)) found.push(...Object.keys(map));
    else unresolved.push(part);
  }
  return { keys: found, unresolved };
}

// ---------------------------------------------------------------------------------------------
// Provider schema snapshot and the block checker

export interface AttributeSchema {
  type: string;
  required?: boolean;
}

export interface BlockSchema {
  list?: boolean;
  required?: boolean;
  attributes?: Record<string, AttributeSchema>;
  blocks?: Record<string, BlockSchema>;
}

export interface ProviderSchema {
  source: string;
  /** Resource types by name; data sources as `data.<type>`. */
  resources: Record<string, BlockSchema>;
}

/** The google provider snapshot with the time provider's resources added (the module uses both). */
export function loadSchema(): ProviderSchema {
  const google = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as ProviderSchema;
  const time = JSON.parse(readFileSync(TIME_SCHEMA_FILE, 'utf8')) as ProviderSchema;
  return { source: google.source, resources: { ...google.resources, ...time.resources } };
}

/** Valid on every resource and data block whatever the provider says. */
export const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

const DYNAMIC_KEYS = new Set(['for_each', 'iterator', 'labels', 'content']);

/** Problems with one block body against its schema, recursing into nested and dynamic blocks. */
export function checkBody(schema: BlockSchema, body: Body, where: string, topLevel = false): string[] {
  const errors: string[] = [];
  const attributes = schema.attributes ?? {};
  const blocks = schema.blocks ?? {};
  const present = new Set<string>();

  for (const [key, value] of Object.entries(body)) {
    if (topLevel && META_ARGUMENTS.has(key)) continue;

    if (key === 'dynamic' && !('dynamic' in attributes) && !('dynamic' in blocks)) {
      if (!isObject(value)) {
        errors.push(`${where}: malformed dynamic block`);
        continue;
      }
      for (const [name, uses] of Object.entries(value)) {
        const nested = blocks[name];
        if (!nested) {
          errors.push(`${where}: unknown block "${name}" (in a dynamic block)`);
          continue;
        }
        present.add(name);
        for (const use of asBodies(uses)) {
          for (const k of Object.keys(use)) if (!DYNAMIC_KEYS.has(k)) errors.push(`${where}.dynamic.${name}: unknown argument "${k}"`);
          if (!('for_each' in use)) errors.push(`${where}.dynamic.${name}: for_each is required`);
          const contents = asBodies(use.content);
          if (contents.length !== 1) errors.push(`${where}.dynamic.${name}: needs exactly one content block`);
          for (const content of contents) errors.push(...checkBody(nested, content, `${where}.dynamic.${name}.content`));
        }
      }
      continue;
    }

    const attribute = attributes[key];
    if (attribute) {
      present.add(key);
      // A block-shaped value for a non-list attribute means `name { }` was written instead of `name = { }`.
      if (Array.isArray(value) && !/^(list|set)\b/.test(attribute.type) && value.some(isObject)) {
        errors.push(`${where}: "${key}" is an attribute of type ${attribute.type}, written as a block`);
      }
      continue;
    }

    const nested = blocks[key];
    if (nested) {
      present.add(key);
      if (!Array.isArray(value)) {
        errors.push(`${where}: "${key}" is a block, written as an attribute`);
        continue;
      }
      if (!nested.list && value.length > 1) errors.push(`${where}: block "${key}" may appear only once`);
      value.forEach((item, i) => {
        if (!isObject(item)) errors.push(`${where}.${key}: not a block body`);
        else errors.push(...checkBody(nested, item, value.length > 1 ? `${where}.${key}[${i}]` : `${where}.${key}`));
      });
      continue;
    }

    errors.push(`${where}: unknown attribute or block "${key}"`);
  }

  for (const [name, attribute] of Object.entries(attributes)) {
    if (attribute.required && !present.has(name)) errors.push(`${where}: missing required attribute "${name}"`);
  }
  for (const [name, nested] of Object.entries(blocks)) {
    if (nested.required && !present.has(name)) errors.push(`${where}: missing required block "${name}"`);
  }
  return errors;
}

/** Problems with every resource and data block of the given files against the schema. */
export function checkAgainstSchema(schema: ProviderSchema, files: readonly TfFile[]): string[] {
  const errors: string[] = [];
  for (const b of blocksOf(files)) {
    const key = b.kind === 'data' ? `data.${b.type}` : b.type;
    const where = `${b.file}: ${b.kind === 'data' ? 'data.' : ''}${b.type}.${b.name}`;
    const typeSchema = schema.resources[key];
    if (!typeSchema) {
      errors.push(
        `${where}: type not in the provider schema snapshot (extend test/fixtures/terraform/google-provider-schema.json from the provider rather than guessing)`,
      );
      continue;
    }
    errors.push(...checkBody(typeSchema, b.body, where, true));
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// References inside one module

const REFERENCE = /(?<![\w.])(data\.)?((?:google|time)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)|(?<![\w.])(var|local|module)\.([A-Za-z0-9_]+)/g;

/** References to resources, data sources, variables, locals and modules that the directory does not declare. */
export function danglingReferences(files: readonly TfFile[]): string[] {
  const byDir = new Map<string, TfFile[]>();
  for (const f of files) byDir.set(f.dir, [...(byDir.get(f.dir) ?? []), f]);
  const errors: string[] = [];
  for (const [dir, group] of byDir) {
    const declared = new Set<string>();
    for (const b of blocksOf(group)) declared.add(`${b.kind === 'data' ? 'data.' : ''}${b.type}.${b.name}`);
    for (const v of namedBlocks(group, 'variable')) declared.add(`var.${v.name}`);
    for (const m of namedBlocks(group, 'module')) declared.add(`module.${m.name}`);
    for (const name of Object.keys(localsOf(group))) declared.add(`local.${name}`);
    for (const file of group) {
      for (const { path, value } of strings(file.json)) {
        // A moved block's from names an address that is gone on purpose; movedProblems checks both ends.
        if (!value.includes('${') || /^moved\[/.test(path)) continue;
        for (const m of value.matchAll(REFERENCE)) {
          const ref = m[2] ? `${m[1] ?? ''}${m[2]}.${m[3]}` : `${m[4]}.${m[5]}`;
          if (!declared.has(ref)) errors.push(`${file.path} (${path}): ${ref} is not declared in ${dir}`);
        }
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// app.yaml

export interface AppYaml {
  runtime?: string;
  entrypoint?: string;
  service_account?: string;
  instance_class?: string;
  automatic_scaling?: Record<string, unknown>;
  handlers?: Array<Record<string, unknown>>;
  env_variables?: Record<string, unknown>;
  [key: string]: unknown;
}

export const APP_YAML = join(ROOT, 'app.yaml');

export function loadAppYaml(): AppYaml {
  return parseYaml(readFileSync(APP_YAML, 'utf8')) as AppYaml;
}

// ---------------------------------------------------------------------------------------------
// Secret-looking strings

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a string looks like a key, token or password: a long run of key-alphabet characters
 * (base64, base64url or hex) that is dense in entropy and mixes character classes. Names, paths,
 * URLs, cron expressions and Terraform expressions do not qualify.
 */
export function looksLikeSecret(text: string): boolean {
  for (const token of text.split(/[\s"'`,;:=()[\]{}<>|\\]+/)) {
    if (token.length < 20 || token.includes('${')) continue;
    if (!/^[A-Za-z0-9+/_=-]+$/.test(token)) continue;
    const hex = /^[0-9a-fA-F]+$/.test(token);
    if (hex && token.length >= 32 && entropy(token) > 3) return true;
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(token)).length;
    if (classes >= 3 && entropy(token) > 4) return true;
  }
  return false;
}
