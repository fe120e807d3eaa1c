// The operator's deploy scripts: what they write and run is built from terraform output, needs nothing copied by hand, and is safe to run twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { renderDeployYaml } from '../../scripts/deploy-app.mjs';
import { adcPath, impersonatedCredentials, migrateEnvironment } from '../../scripts/deploy-database.mjs';
import { readTfvars, stateBucket } from '../../scripts/deploy-init.mjs';
import { grantHint, output } from '../../scripts/deploy-lib.mjs';
import { planSecrets, SOURCES } from '../../scripts/deploy-secrets.mjs';
import { subscriptionEnvironment } from '../../scripts/deploy-webhook.mjs';
import { KNOWN_ENV_VARS, loadDatabaseConfig } from '../../shared/platform/config.js';
import { SECRET_SPECS } from '../../shared/platform/secrets.js';
import { loadTerraform, localsOf, moduleFiles, namedBlocks, ROOT } from './infra.js';

/** What `terraform output -json` prints for a deployment, in the shape the scripts read. */
const OUTPUTS = {
  project_id: { value: 'club-site-123' },
  app_url: { value: 'https://club-site-123.uc.r.appspot.com' },
  app_service_account: { value: 'app-runtime@club-site-123.iam.gserviceaccount.com' },
  app_engine_env_variables: {
    value: {
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      GOOGLE_CLOUD_PROJECT: 'club-site-123',
      PUBLIC_BASE_URL: 'https://club-site-123.uc.r.appspot.com',
      STRAVA_CLIENT_ID: '012345',
      INSTANCE_CONNECTION_NAME: 'club-site-123:us-central1:trainingroom',
      DATABASE_USER: 'app-runtime@club-site-123.iam',
      DATABASE_NAME: 'training',
      PUBSUB_TOPIC_EVENTS: 'strava-events',
      PUBSUB_TOPIC_BACKFILL: 'strava-backfill',
      ADMIN_ATHLETE_IDS: '',
    },
  },
  instance_connection_name: { value: 'club-site-123:us-central1:trainingroom' },
  database_name: { value: 'training' },
  database_users: { value: { app: 'app-runtime@club-site-123.iam', migrator: 'db-migrator@club-site-123.iam' } },
  migrator_service_account: { value: 'db-migrator@club-site-123.iam.gserviceaccount.com' },
  secret_ids: {
    value: [
      'database-password',
      'openai-api-key',
      'session-secret',
      'strava-client-secret',
      'strava-verify-token',
      'telegram-bot-token',
      'telegram-webhook-secret',
      'token-encryption-key',
      'webhook-path-secret',
    ],
  },
};

const appYaml = readFileSync(join(ROOT, 'app.yaml'), 'utf8');
const files = await loadTerraform();
const mod = moduleFiles(files);
const outputNames = new Set(
  namedBlocks(
    files.filter((f) => f.dir === 'terraform/environments/production'),
    'output',
  ).map((o) => o.name),
);
const scratch = mkdtempSync(join(tmpdir(), 'deploy-scripts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('every output the scripts read exists in the production environment', () => {
  for (const name of Object.keys(OUTPUTS)) {
    it(name, () => assert.ok(outputNames.has(name), `terraform/environments/production has no output ${name}`));
  }
});

describe('scripts/deploy-init.mjs: the project comes from terraform.tfvars, the one file an operator edits', () => {
  const example = readFileSync(join(ROOT, 'terraform', 'environments', 'production', 'terraform.tfvars.example'), 'utf8');

  it('reads project_id and region as the example writes them', () => {
    assert.deepEqual(readTfvars(example.replace('"my-training-site"', '"club-site-123"')), { projectId: 'club-site-123', region: 'us-central1' });
    assert.equal(readTfvars('project_id = "club-site-123"\n').region, 'us-central1');
  });

  it("refuses the example's placeholder and ids Google would refuse", () => {
    assert.throws(() => readTfvars(example), /Set project_id/);
    assert.throws(() => readTfvars('project_id = "Bad_Id"'), /Set project_id/);
  });

  it('names the state bucket the way the backend comment in versions.tf says', () => {
    assert.equal(stateBucket('club-site-123'), 'club-site-123-tfstate');
    assert.match(readFileSync(join(ROOT, 'terraform', 'environments', 'production', 'versions.tf'), 'utf8'), /bucket=<project>-tfstate/);
  });
});

describe('scripts/deploy-app.mjs: app.deploy.yaml', () => {
  const rendered = parseYaml(renderDeployYaml(appYaml, OUTPUTS)) as Record<string, unknown>;

  it('is app.yaml plus the service account and environment from terraform output', () => {
    const base = parseYaml(appYaml) as Record<string, unknown>;
    for (const [key, value] of Object.entries(base)) assert.deepEqual(rendered[key], value, key);
    assert.equal(rendered.service_account, OUTPUTS.app_service_account.value);
    assert.deepEqual(rendered.env_variables, OUTPUTS.app_engine_env_variables.value);
  });

  it('keeps every value a string: a numeric client id keeps its leading zero, an empty list stays empty', () => {
    const env = rendered.env_variables as Record<string, unknown>;
    assert.equal(env.STRAVA_CLIENT_ID, '012345');
    assert.equal(env.ADMIN_ATHLETE_IDS, '');
    for (const value of Object.values(env)) assert.equal(typeof value, 'string');
  });

  it('no value can break out of its line', () => {
    const hostile = structuredClone(OUTPUTS);
    hostile.app_engine_env_variables.value.ADMIN_ATHLETE_IDS = '1\nservice_account: evil@x.iam.gserviceaccount.com\n"';
    const parsed = parseYaml(renderDeployYaml(appYaml, hostile)) as Record<string, Record<string, unknown>>;
    assert.equal(parsed.service_account as unknown, OUTPUTS.app_service_account.value);
    assert.equal(parsed.env_variables!.ADMIN_ATHLETE_IDS, hostile.app_engine_env_variables.value.ADMIN_ATHLETE_IDS);
  });

  it('refuses an app.yaml that sets what terraform output provides, and outputs that are not what it expects', () => {
    assert.throws(() => renderDeployYaml(`${appYaml}\nservice_account: x@y.iam.gserviceaccount.com\n`, OUTPUTS), /app\.yaml sets service_account/);
    assert.throws(() => renderDeployYaml(`${appYaml}\nenv_variables:\n  A: b\n`, OUTPUTS), /app\.yaml sets env_variables/);
    assert.throws(() => renderDeployYaml(appYaml, { ...OUTPUTS, app_service_account: { value: 'PROJECT_ID' } }), /not a service account email/);
    assert.throws(() => renderDeployYaml(appYaml, { ...OUTPUTS, app_engine_env_variables: { value: { 'bad-name': 'x' } } }), /would refuse: bad-name/);
    const { app_service_account: _, ...without } = OUTPUTS;
    assert.throws(() => renderDeployYaml(appYaml, without), /terraform output has no "app_service_account"/);
  });

  it('writes the file from a saved terraform output without deploying (--write-only), the same each time', () => {
    const saved = join(scratch, 'outputs.json');
    writeFileSync(saved, JSON.stringify(OUTPUTS));
    const target = join(ROOT, 'app.deploy.yaml');
    const runs = [1, 2].map(() => {
      const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'deploy-app.mjs'), '--write-only', '--outputs', saved], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return readFileSync(target, 'utf8');
    });
    rmSync(target, { force: true });
    assert.equal(runs[0], runs[1]);
    assert.equal(runs[0], renderDeployYaml(appYaml, OUTPUTS));
  });
});

describe('scripts/deploy-database.mjs: migrations as the migrator, without touching the operator’s credentials', () => {
  it('gives npm run db:migrate every variable the database configuration needs, from terraform output', () => {
    const env = migrateEnvironment(OUTPUTS, '/tmp/creds.json');
    const config = loadDatabaseConfig({ ...env } as NodeJS.ProcessEnv);
    assert.equal(config.kind, 'cloud-sql');
    assert.equal(env.DATABASE_USER, 'db-migrator@club-site-123.iam');
    assert.equal(env.INSTANCE_CONNECTION_NAME, 'club-site-123:us-central1:trainingroom');
    assert.equal(env.GOOGLE_CLOUD_PROJECT, '', 'migrations read no secrets, and the migrator may read none');
    assert.equal(env.GOOGLE_APPLICATION_CREDENTIALS, '/tmp/creds.json');
  });

  it('the migrator it impersonates is the one Terraform makes the schema owner', () => {
    assert.match(String(localsOf(mod).database_principals), /migrator = google_service_account\.migrator\.email/);
  });

  it('writes impersonation credentials in the format google-auth-library reads, wrapping the operator’s own', () => {
    const user = { type: 'authorized_user', client_id: 'id', client_secret: 'secret', refresh_token: 'token' };
    const creds = impersonatedCredentials(user, 'db-migrator@club-site-123.iam.gserviceaccount.com');
    assert.equal(creds.type, 'impersonated_service_account');
    assert.equal(
      creds.service_account_impersonation_url,
      'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/db-migrator@club-site-123.iam.gserviceaccount.com:generateAccessToken',
    );
    assert.deepEqual(creds.source_credentials, user);
    assert.throws(() => impersonatedCredentials({ ...creds }, 'x@y'), /already impersonate/);
    assert.throws(() => impersonatedCredentials({ type: 'external_account' }, 'x@y'), /gcloud auth application-default login/);
  });

  it("finds the operator's ADC where the client libraries look", () => {
    assert.equal(adcPath({ GOOGLE_APPLICATION_CREDENTIALS: '/k.json' }, 'linux'), '/k.json');
    assert.equal(adcPath({ CLOUDSDK_CONFIG: '/c' }, 'linux'), '/c/application_default_credentials.json');
    assert.equal(
      adcPath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'),
      join('C:\\Users\\a\\AppData\\Roaming', 'gcloud', 'application_default_credentials.json'),
    );
  });
});

describe('scripts/deploy-secrets.mjs: a first value for every secret, never a second', () => {
  const ids = OUTPUTS.secret_ids.value;

  it('knows every secret the code reads', () => {
    assert.deepEqual(
      Object.keys(SOURCES).sort(),
      Object.values(SECRET_SPECS)
        .map((s) => s.secretId)
        .sort(),
    );
  });

  it('generates the random ones, asks for the Strava secret, leaves the optional and unused ones empty', () => {
    const plan = Object.fromEntries(planSecrets(ids, new Set(), {}).map((p) => [p.id, p.action]));
    assert.deepEqual(plan, {
      'database-password': 'skip',
      'openai-api-key': 'skip',
      'session-secret': 'generate',
      'strava-client-secret': 'ask',
      'strava-verify-token': 'generate',
      'telegram-bot-token': 'skip',
      'telegram-webhook-secret': 'generate',
      'token-encryption-key': 'generate',
      'webhook-path-secret': 'generate',
    });
    const fromEnv = planSecrets(ids, new Set(), { STRAVA_CLIENT_SECRET: 's', OPENAI_API_KEY: 'k' });
    assert.equal(fromEnv.find((p) => p.id === 'strava-client-secret')?.action, 'from-env');
    assert.equal(fromEnv.find((p) => p.id === 'openai-api-key')?.action, 'from-env');
    assert.equal(planSecrets(ids, new Set(), { TELEGRAM_BOT_TOKEN: '1:x' }).find((p) => p.id === 'telegram-bot-token')?.action, 'from-env');
  });

  it('a second run keeps every value (a new token-encryption-key would lock out every stored token)', () => {
    const plan = planSecrets(ids, new Set(ids), { STRAVA_CLIENT_SECRET: 's' });
    assert.deepEqual([...new Set(plan.map((p) => p.action))], ['keep']);
  });

  it('generated values are what the config accepts', () => {
    // 32 bytes as base64 for the key; 32+ characters for the session secret; 16+ for the path secret.
    assert.equal(Buffer.from(SOURCES['token-encryption-key']!.make!(), 'base64').length, 32);
    assert.ok(SOURCES['session-secret']!.make!().length >= 32);
    assert.ok(SOURCES['webhook-path-secret']!.make!().length >= 16);
    assert.notEqual(SOURCES['strava-verify-token']!.make!(), SOURCES['strava-verify-token']!.make!());
    // Telegram takes 1–256 of A–Z a–z 0–9 _ - as a webhook secret token.
    assert.match(SOURCES['telegram-webhook-secret']!.make!(), /^[A-Za-z0-9_-]{32,256}$/);
  });
});

describe('scripts/deploy-webhook.mjs: the subscription gets everything from terraform output', () => {
  it('project, Client ID and public URL; the secrets come from Secret Manager in that project', () => {
    assert.deepEqual(subscriptionEnvironment(OUTPUTS), {
      GOOGLE_CLOUD_PROJECT: 'club-site-123',
      STRAVA_CLIENT_ID: '012345',
      PUBLIC_BASE_URL: 'https://club-site-123.uc.r.appspot.com',
    });
    // The subscription script reads these, and nothing else that only a deployment knows.
    const script = readFileSync(join(ROOT, 'scripts', 'strava-subscription.ts'), 'utf8');
    for (const name of ['STRAVA_CLIENT_ID', 'PUBLIC_BASE_URL', 'GOOGLE_CLOUD_PROJECT']) assert.match(script, new RegExp(`env\\.${name}`));
    assert.ok('PUBLIC_BASE_URL' in KNOWN_ENV_VARS);
  });
});

describe('messages that name the missing grant', () => {
  it("App Engine's build account without roles", () => {
    const text =
      'Error code 13, message: Failed to create cloud build: ... invalid bucket "staging.club-site-123.appspot.com"; service account club-site-123@appspot.gserviceaccount.com does not have access to the bucket;AppErrorCode=9';
    assert.match(
      grantHint(text, ['app', 'deploy', '--project=club-site-123']) ?? '',
      /gcloud projects add-iam-policy-binding club-site-123 --member=serviceAccount:club-site-123@appspot\.gserviceaccount\.com --role=roles\/cloudbuild\.builds\.builder/,
    );
  });

  it('a Cloud Build account told to get Storage Object Viewer', () => {
    const text = 'Access to bucket staging.p.appspot.com denied. You must grant Storage Object Viewer permission to 4297@cloudbuild.gserviceaccount.com.';
    assert.match(grantHint(text) ?? '', /--member=serviceAccount:4297@cloudbuild\.gserviceaccount\.com /);
  });

  it('domain-restricted sharing', () => {
    assert.match(
      grantHint('FAILED_PRECONDITION: One or more users named in the policy do not belong to a permitted customer.') ?? '',
      /iam\.allowedPolicyMemberDomains/,
    );
  });

  it('nothing for an unrelated failure', () => {
    assert.equal(grantHint('ERROR: (gcloud.app.deploy) INVALID_ARGUMENT: bad yaml'), undefined);
  });

  it('output() names a missing output', () => {
    assert.throws(() => output({}, 'project_id'), /no "project_id"/);
  });
});
