// `node scripts/deploy-database.mjs`: the one-time database grants (as the built-in postgres user), then `npm run db:migrate` as the migrator service account.
//
// Everything comes from `terraform output`, read first and with the operator's own credentials (the migrator
// may not read the state bucket). Nothing changes the operator's credentials: the migrations run in a child
// process whose Application Default Credentials are a temporary file that impersonates the migrator with the
// operator's own ADC (the same file `gcloud auth application-default login --impersonate-service-account`
// would write, without replacing the operator's). Operators in operator_members may impersonate it.
//
// The postgres user gets a new random password on every run, used for the grants and then forgotten: nothing
// else logs in as postgres. Safe to run again: the grants are idempotent and applied migrations are skipped.
//
// Usage: node scripts/deploy-database.mjs [--outputs FILE] [--skip-grants]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DeployError, exitOnError, gcloud, output, readOutputs, ROOT } from './deploy-lib.mjs';

/** Where the operator's Application Default Credentials are, as Google's client libraries look for them. */
export function adcPath(env = process.env, platform = process.platform) {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return env.GOOGLE_APPLICATION_CREDENTIALS;
  const base = platform === 'win32' ? join(env.APPDATA ?? '', 'gcloud') : join(env.CLOUDSDK_CONFIG ?? join(homedir(), '.config', 'gcloud'));
  return join(base, 'application_default_credentials.json');
}

/**
 * An `impersonated_service_account` credentials file (the format google-auth-library reads from
 * GOOGLE_APPLICATION_CREDENTIALS) acting as `serviceAccount` on the strength of the operator's credentials.
 */
export function impersonatedCredentials(source, serviceAccount) {
  if (source?.type === 'impersonated_service_account') {
    throw new DeployError(
      'Your Application Default Credentials already impersonate an account: run `gcloud auth application-default login` (without --impersonate-service-account) and try again.',
    );
  }
  if (source?.type !== 'authorized_user' && source?.type !== 'service_account') {
    throw new DeployError(
      `Your Application Default Credentials are of type ${JSON.stringify(source?.type)}; run \`gcloud auth application-default login\` and try again.`,
    );
  }
  return {
    type: 'impersonated_service_account',
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken`,
    source_credentials: source,
    delegates: [],
  };
}

/** The environment `npm run db:migrate` needs, from terraform output (GOOGLE_CLOUD_PROJECT empty: migrations read no secrets). */
export function migrateEnvironment(outputs, credentialsFile) {
  return {
    INSTANCE_CONNECTION_NAME: output(outputs, 'instance_connection_name'),
    DATABASE_NAME: output(outputs, 'database_name'),
    DATABASE_USER: output(outputs, 'database_users').migrator,
    GOOGLE_CLOUD_PROJECT: '',
    GOOGLE_APPLICATION_CREDENTIALS: credentialsFile,
  };
}

async function setPostgresPassword(project, instance, password) {
  const token = gcloud(['auth', 'print-access-token'], { quiet: true }).stdout.trim();
  const url = `https://sqladmin.googleapis.com/v1/projects/${project}/instances/${instance}/users?name=postgres`;
  // The password travels in a request body, never on a command line.
  const response = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'postgres', password }),
  });
  if (!response.ok) throw new DeployError(`Setting the postgres password failed: ${response.status} ${await response.text()}`);
  // The change is a long-running operation; wait for it so the login below uses the new password.
  let operation = await response.json();
  for (let i = 0; i < 60 && operation.status !== 'DONE'; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const poll = await fetch(`https://sqladmin.googleapis.com/v1/projects/${project}/operations/${operation.name}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    operation = await poll.json();
  }
  if (operation.status !== 'DONE' || operation.error)
    throw new DeployError(`Setting the postgres password did not finish: ${JSON.stringify(operation.error ?? operation.status)}`);
}

async function applyGrants(outputs) {
  const project = output(outputs, 'project_id');
  const connectionName = output(outputs, 'instance_connection_name');
  const password = randomBytes(24).toString('base64url');
  await setPostgresPassword(project, connectionName.split(':')[2], password);
  // The project's own dependencies (npm ci): the connector presents the client certificate the instance requires.
  const { Connector, AuthTypes, IpAddressTypes } = await import('@google-cloud/cloud-sql-connector');
  const { default: pg } = await import('pg');
  const connector = new Connector();
  const client = new pg.Client({
    ...(await connector.getOptions({ instanceConnectionName: connectionName, ipType: IpAddressTypes.PUBLIC, authType: AuthTypes.PASSWORD })),
    user: 'postgres',
    password,
    database: output(outputs, 'database_name'),
  });
  try {
    await client.connect();
    await client.query(output(outputs, 'database_bootstrap_sql'));
    console.log('Database grants applied.');
  } finally {
    await client.end().catch(() => undefined);
    connector.close();
  }
}

function runMigrations(outputs) {
  const source = adcPath();
  if (!existsSync(source)) throw new DeployError(`No Application Default Credentials at ${source}: run \`gcloud auth application-default login\` first.`);
  const file = join(tmpdir(), `trainingroom-migrator-${randomBytes(6).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(impersonatedCredentials(JSON.parse(readFileSync(source, 'utf8')), output(outputs, 'migrator_service_account'))), {
    mode: 0o600,
  });
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['run', 'db:migrate'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...migrateEnvironment(outputs, file) },
      shell: process.platform === 'win32',
    });
    if (run.status !== 0) {
      throw new DeployError(
        'npm run db:migrate failed. "Permission iam.serviceAccounts.getAccessToken denied" means you are not in operator_members' +
          ' (terraform.tfvars; apply again, and allow a few minutes for the grant to propagate).',
      );
    }
  } finally {
    rmSync(file, { force: true });
  }
}

async function main() {
  const { values } = parseArgs({ options: { outputs: { type: 'string' }, 'skip-grants': { type: 'boolean' } } });
  const outputs = readOutputs({ from: values.outputs });
  if (!values['skip-grants']) await applyGrants(outputs);
  runMigrations(outputs);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch(exitOnError);
}
