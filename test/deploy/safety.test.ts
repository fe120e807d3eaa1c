// Least privilege and no secret values in the deployment files; every Terraform variable typed and described.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KNOWN_ENV_VARS } from '../../shared/platform/config.js';
import { SECRET_SPECS } from '../../shared/platform/secrets.js';
import {
  APP_YAML,
  blocksOf,
  block,
  environmentKeys,
  instancesOfType,
  isObject,
  keys,
  loadAppYaml,
  loadTerraform,
  localsOf,
  looksLikeSecret,
  moduleFiles,
  namedBlocks,
  parseTerraform,
  resourcesOfType,
  ROOT,
  str,
  strings,
  terraformFilePaths,
  TERRAFORM_DIR,
  type Body,
} from './infra.js';

const PRIMITIVE_ROLE = /\broles\/(owner|editor|viewer)\b/;
const TFVARS_EXAMPLES = [join(TERRAFORM_DIR, 'environments', 'production', 'terraform.tfvars.example')];

// Everything these tests read, parsed once up front (node:test registers tests synchronously).
const files = await loadTerraform();
const mod = moduleFiles(files);
const appYaml = loadAppYaml();
const tfvars = await Promise.all(TFVARS_EXAMPLES.map(async (path) => ({ path, json: await parseTerraform(path, readFileSync(path, 'utf8')) })));
const rawFiles = [...terraformFilePaths(), ...TFVARS_EXAMPLES, APP_YAML].map((path) => ({
  path: path.slice(ROOT.length),
  text: readFileSync(path, 'utf8'),
}));

/** Environment variable names that carry secret values and so must never be set in plain config. */
const SECRET_ENV = new Set<string>([
  ...Object.values(SECRET_SPECS).map((s) => s.env),
  ...Object.entries(KNOWN_ENV_VARS)
    .filter(([, spec]) => 'secret' in spec && spec.secret)
    .map(([name]) => name),
  'DATABASE_URL', // may embed a password
]);
// Also catches names the config does not know yet (UPDATE_TOKENS_INVOKER is fine, STRAVA_VERIFY_TOKEN is not).
const SECRET_NAME = /(^|_)(SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|ENCRYPTION_KEY)(_|$)|(^|_)TOKEN$/i;

describe('no primitive roles, anywhere', () => {
  it('no .tf file, tfvars example or app.yaml mentions roles/owner, roles/editor or roles/viewer', () => {
    for (const { path, text } of rawFiles) assert.doesNotMatch(text, PRIMITIVE_ROLE, path);
  });

  it('every role granted is a predefined role, and none is primitive', () => {
    const roles = blocksOf(files).flatMap((b) => ('role' in b.body ? [{ at: `${b.type}.${b.name}`, role: str(b.body.role) }] : []));
    assert.ok(roles.length >= 10, `only ${roles.length} role grants found`);
    for (const { at, role } of roles) {
      assert.ok(role, `${at}: role must be a literal`);
      assert.match(role, /^roles\/[a-zA-Z]+\.[a-zA-Z.]+$/, at);
      assert.doesNotMatch(role, PRIMITIVE_ROLE, at);
    }
  });

  it('project-wide grants are only the few that cannot be scoped to a resource', () => {
    const projectRoles = new Set(resourcesOfType(files, 'google_project_iam_member').map((b) => str(b.body.role)));
    assert.deepEqual([...projectRoles].sort(), [
      'roles/cloudbuild.builds.builder',
      'roles/cloudsql.client',
      'roles/cloudsql.instanceUser',
      'roles/logging.logWriter',
    ]);
    const locals = localsOf(mod);
    for (const b of resourcesOfType(files, 'google_project_iam_member').filter((r) => String(r.body.role).startsWith('roles/cloudsql.'))) {
      const expression = String(block(b.body, 'condition')?.expression).replace(/^\$\{local\.(\w+)\}$/, (_, name: string) => String(locals[name]));
      assert.match(
        expression,
        /resource\.name == 'projects\/\$\{var\.project_id\}\/instances\/\$\{var\.database_instance_name\}'/,
        `${b.name} must be limited to the instance`,
      );
    }
  });

  it('no authoritative IAM resources (they would strip grants Google and operators made)', () => {
    const authoritative = blocksOf(files).filter((b) => /_iam_(binding|policy)$/.test(b.type));
    assert.deepEqual(
      authoritative.map((b) => `${b.type}.${b.name}`),
      [],
    );
  });

  it('nothing is granted to allUsers or allAuthenticatedUsers', () => {
    for (const { path, text } of rawFiles) assert.doesNotMatch(text, /allUsers|allAuthenticatedUsers/, path);
  });
});

describe('no secret values in the deployment files', () => {
  it('no secret versions, secret data or passwords in Terraform', () => {
    const versions = blocksOf(files).filter((b) => b.type === 'google_secret_manager_secret_version');
    assert.deepEqual(
      versions.map((b) => `${b.kind}.${b.name}`),
      [],
    );
    const forbidden = new Set(['secret_data', 'secret_data_wo', 'password', 'password_wo', 'root_password', 'oauth2_client_secret']);
    for (const file of files) {
      for (const { path, key } of keys(file.json)) assert.ok(!forbidden.has(key), `${file.path}: ${path}`);
    }
  });

  it('secrets are not injected into the functions (the code reads Secret Manager with its own identity)', () => {
    for (const fn of instancesOfType(files, 'google_cloudfunctions2_function')) {
      const service = block(fn.body, 'service_config');
      assert.equal(service?.secret_environment_variables, undefined, fn.name);
      assert.equal(service?.secret_volumes, undefined, fn.name);
    }
  });

  it('no environment block sets a secret variable', () => {
    const locals = localsOf(mod);
    const sets: { where: string; names: string[] }[] = [{ where: 'app.yaml env_variables', names: Object.keys(appYaml.env_variables ?? {}) }];
    for (const fn of instancesOfType(files, 'google_cloudfunctions2_function')) {
      for (const part of ['service_config', 'build_config']) {
        const env = environmentKeys(block(fn.body, part)?.environment_variables, locals);
        sets.push({ where: `${fn.name}.${part}`, names: env.keys });
      }
    }
    for (const output of namedBlocks(files, 'output')) {
      // Outputs keyed by environment variable names are pasted into app.yaml.
      if (isObject(output.body.value)) {
        const names = Object.keys(output.body.value).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k));
        sets.push({ where: `output ${output.name}`, names });
      }
    }
    for (const { where, names } of sets) {
      for (const name of names) {
        assert.ok(!SECRET_ENV.has(name) && !SECRET_NAME.test(name), `${where} sets ${name}, which holds a secret: put it in Secret Manager`);
      }
    }
  });

  it('no variable or tfvars entry carries a secret (values never pass through Terraform state)', () => {
    for (const v of namedBlocks(files, 'variable')) assert.doesNotMatch(v.name, /secret|password|api_key|private_key|encryption_key/i, v.file);
    for (const { path, json } of tfvars) {
      for (const name of Object.keys(json)) assert.doesNotMatch(name, /secret|password|api_key|private_key|encryption_key/i, path);
    }
  });

  it('no key-like string in any .tf file, tfvars example or app.yaml', () => {
    const found: string[] = [];
    for (const { path, text } of rawFiles) {
      text.split('\n').forEach((line, i) => {
        if (looksLikeSecret(line)) found.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    for (const file of files) for (const s of strings(file.json)) if (looksLikeSecret(s.value)) found.push(`${file.path}: ${s.path}`);
    assert.deepEqual(found, []);
  });

  it('the key detector flags real-looking keys and passes ordinary configuration', () => {
    const keysLike = [
      randomBytes(32).toString('base64'),
      randomBytes(32).toString('hex'),
      randomBytes(24).toString('base64url'),
      `SESSION_SECRET: ${randomBytes(30).toString('base64')}`,
      `token = "${randomBytes(20).toString('hex')}"`,
    ];
    for (const k of keysLike) assert.ok(looksLikeSecret(k), k);
    const ordinary = [
      'cloudsql.iam_authentication',
      'https://www.strava.com/api/v3',
      '${google_cloudfunctions2_function.process_strava_event.service_config[0].uri}/projects/${var.project_id}/topics/x',
      '${google_cloudfunctions2_function.function["process-strava-event"].service_config[0].uri}/projects/${var.project_id}/topics/x',
      'fn-process-strava-event',
      '*/30 * * * *',
      'roles/secretmanager.secretAccessor',
      "resource.type == 'sqladmin.googleapis.com/Instance'",
      'INSTANCE_CONNECTION_NAME: PROJECT_ID:REGION:trainingroom',
      'app-runtime@PROJECT_ID.iam.gserviceaccount.com',
      'functions-source-${filemd5(var.functions_source_zip)}.zip',
      'strava-backfill-dead-letter-inspect',
    ];
    for (const s of ordinary) assert.ok(!looksLikeSecret(s), s);
  });

  it('secret-looking variable names are recognised', () => {
    for (const name of ['STRAVA_VERIFY_TOKEN', 'WEBHOOK_PATH_SECRET', 'DATABASE_PASSWORD', 'OPENAI_API_KEY', 'TOKEN_ENCRYPTION_KEY', 'SECRET']) {
      assert.match(name, SECRET_NAME);
    }
    for (const name of ['UPDATE_TOKENS_INVOKER', 'UPDATE_TOKENS_INTERVAL_MINUTES', 'STRAVA_CLIENT_ID', 'PUBLIC_BASE_URL']) {
      assert.doesNotMatch(name, SECRET_NAME);
    }
  });
});

describe('every Terraform variable is typed and described, every output described', () => {
  it('variables', () => {
    const variables = namedBlocks(files, 'variable');
    assert.ok(variables.length >= 20);
    // An environment input that only passes through to the module is typed and described there, once: the
    // environment hands it on unchanged under the same name, and null (its default) means the module's default.
    const moduleVariables = new Map(namedBlocks(mod, 'variable').map((v) => [v.name, v.body]));
    const passedThrough = (file: string, name: string) =>
      namedBlocks(files, 'module').some(
        (call) => call.file.slice(0, call.file.lastIndexOf('/')) === file.slice(0, file.lastIndexOf('/')) && call.body[name] === `\${var.${name}}`,
      );
    for (const v of variables) {
      const where = v.body.type === undefined && passedThrough(v.file, v.name) ? moduleVariables.get(v.name) : v.body;
      assert.ok(where, `${v.file}: variable "${v.name}" is passed to no module input`);
      assert.ok(typeof where.type === 'string' && where.type.startsWith('${'), `${v.file}: variable "${v.name}" has no type`);
      const description = str(where.description);
      assert.ok(description && description.trim().length >= 10, `${v.file}: variable "${v.name}" has no description`);
      if (where !== v.body && 'default' in v.body && v.body.default === null) {
        assert.ok(
          'default' in where && where.nullable === false,
          `${v.file}: "${v.name}" passes null, so the module's input needs a default and nullable = false`,
        );
      }
    }
  });

  it('outputs', () => {
    for (const o of namedBlocks(files, 'output')) {
      const description = str(o.body.description);
      assert.ok(description && description.trim().length >= 10, `${o.file}: output "${o.name}" has no description`);
    }
  });

  it('each environment passes only variables the module declares, and every one it requires', () => {
    const moduleVariables = new Map(namedBlocks(mod, 'variable').map((v) => [v.name, v.body]));
    const calls = namedBlocks(files, 'module');
    assert.ok(calls.length >= 1);
    for (const call of calls) {
      const args = Object.keys(call.body).filter((k) => !['source', 'version', 'providers', 'count', 'for_each', 'depends_on'].includes(k));
      for (const arg of args) assert.ok(moduleVariables.has(arg), `${call.file}: module "${call.name}" passes unknown ${arg}`);
      for (const [name, body] of moduleVariables) {
        if (!('default' in body)) assert.ok(args.includes(name), `${call.file}: module "${call.name}" must set ${name}`);
      }
    }
  });

  it('the tfvars example sets only declared variables, and every one without a default', () => {
    for (const { path, json } of tfvars) {
      const dir = path.slice(ROOT.length, path.lastIndexOf('/'));
      const declared = new Map(
        namedBlocks(
          files.filter((f) => f.dir === dir),
          'variable',
        ).map((v) => [v.name, v.body as Body]),
      );
      assert.ok(declared.size > 0, `no variables next to ${path}`);
      for (const name of Object.keys(json)) assert.ok(declared.has(name), `${path}: ${name} is not a variable`);
      for (const [name, body] of declared) if (!('default' in body)) assert.ok(name in json, `${path} must show ${name}`);
    }
  });
});
