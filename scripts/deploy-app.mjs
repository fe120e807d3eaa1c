// `node scripts/deploy-app.mjs`: writes app.deploy.yaml (app.yaml plus this deployment's service account and environment from `terraform output`) and deploys it to App Engine.
//
// app.yaml in git holds what every deployment shares; the two deployment-specific parts come from Terraform,
// so no value is copied by hand. Safe to run again: the file is rewritten and a new version deployed.
//
// Usage: node scripts/deploy-app.mjs [--write-only] [--outputs FILE]
//   --write-only   write app.deploy.yaml and stop (to read it, or deploy it yourself)
//   --outputs FILE read a saved `terraform output -json` instead of running terraform
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DeployError, exitOnError, gcloud, output, readOutputs, ROOT } from './deploy-lib.mjs';

export const APP_YAML = join(ROOT, 'app.yaml');
export const DEPLOY_YAML_NAME = 'app.deploy.yaml';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const GENERATED_KEYS = ['service_account', 'env_variables'];

/** The deployment-specific settings Terraform provides: the account the app runs as and its environment. */
export function deploymentSettings(outputs) {
  const serviceAccount = output(outputs, 'app_service_account');
  const env = output(outputs, 'app_engine_env_variables');
  if (typeof serviceAccount !== 'string' || !/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/.test(serviceAccount)) {
    throw new DeployError(`app_service_account is not a service account email: ${JSON.stringify(serviceAccount)}`);
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new DeployError('app_engine_env_variables is not a map');
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new DeployError(`app_engine_env_variables has a name App Engine would refuse: ${name}`);
    if (typeof value !== 'string') throw new DeployError(`app_engine_env_variables.${name} is not a string`);
  }
  return { serviceAccount, env };
}

/**
 * app.yaml's text with `service_account` and `env_variables` appended. Values are written as JSON strings,
 * which YAML reads as double-quoted scalars, so no value can break the file or turn into a number or boolean.
 */
export function renderDeployYaml(appYamlText, outputs) {
  for (const key of GENERATED_KEYS) {
    if (new RegExp(`^${key}\\s*:`, 'm').test(appYamlText)) {
      throw new DeployError(`app.yaml sets ${key}, which comes from terraform output: remove it from app.yaml.`);
    }
  }
  const { serviceAccount, env } = deploymentSettings(outputs);
  const lines = [
    '# Written by scripts/deploy-app.mjs from app.yaml and `terraform output`; edit those, not this file.',
    appYamlText.trimEnd(),
    '',
    '# From terraform output app_service_account: the grants of this account are what the app runs with.',
    `service_account: ${JSON.stringify(serviceAccount)}`,
    '# From terraform output app_engine_env_variables.',
    'env_variables:',
    ...Object.keys(env)
      .sort()
      .map((name) => `  ${name}: ${JSON.stringify(env[name])}`),
    '',
  ];
  return lines.join('\n');
}

function main() {
  const { values } = parseArgs({ options: { 'write-only': { type: 'boolean' }, outputs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: node scripts/deploy-app.mjs [--write-only] [--outputs FILE]');
    return;
  }
  const outputs = readOutputs({ from: values.outputs });
  const target = join(ROOT, DEPLOY_YAML_NAME);
  writeFileSync(target, renderDeployYaml(readFileSync(APP_YAML, 'utf8'), outputs));
  console.log(`Wrote ${DEPLOY_YAML_NAME}.`);
  if (values['write-only']) return;
  const project = output(outputs, 'project_id');
  // gcloud deploys the directory that holds the file it is given: the repository root, as .gcloudignore expects.
  gcloud(['app', 'deploy', target, `--project=${project}`, '--quiet']);
  console.log(`Deployed. The site: ${output(outputs, 'app_url')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (error) {
    exitOnError(error);
  }
}
