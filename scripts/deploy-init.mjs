// `node scripts/deploy-init.mjs`: creates the versioned Terraform state bucket (<project>-tfstate) unless it exists, and runs terraform init against it.
//
// The project and region come from terraform/environments/production/terraform.tfvars, the one file an
// operator edits, so nothing is typed twice. Safe to run again: an existing bucket is kept as it is and
// terraform init is idempotent.
//
// Usage: node scripts/deploy-init.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeployError, ENVIRONMENT_DIR, exitOnError, gcloud } from './deploy-lib.mjs';

export const TFVARS = join(ENVIRONMENT_DIR, 'terraform.tfvars');

/** project_id and region as terraform.tfvars sets them (simple `name = "value"` lines, as in the example). */
export function readTfvars(text) {
  const value = (name) => new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, 'm').exec(text)?.[1];
  const projectId = value('project_id');
  if (!projectId || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId) || projectId === 'my-training-site') {
    throw new DeployError('Set project_id in terraform/environments/production/terraform.tfvars to your Google Cloud project id.');
  }
  return { projectId, region: value('region') || 'us-central1' };
}

export function stateBucket(projectId) {
  return `${projectId}-tfstate`;
}

function main() {
  if (!existsSync(TFVARS)) {
    throw new DeployError(
      'terraform/environments/production/terraform.tfvars is missing: copy terraform.tfvars.example beside it and fill it in (docs/DEPLOY.md).',
    );
  }
  const { projectId, region } = readTfvars(readFileSync(TFVARS, 'utf8'));
  const bucket = `gs://${stateBucket(projectId)}`;
  const exists =
    gcloud(['storage', 'buckets', 'describe', bucket, `--project=${projectId}`, '--format=value(name)'], { quiet: true, allowFailure: true }).status === 0;
  if (exists) {
    console.log(`${bucket} exists; kept.`);
  } else {
    gcloud([
      'storage',
      'buckets',
      'create',
      bucket,
      `--project=${projectId}`,
      `--location=${region}`,
      '--uniform-bucket-level-access',
      '--public-access-prevention',
    ]);
    // Versioning keeps every earlier state, so a bad apply or a corrupted write can be rolled back.
    gcloud(['storage', 'buckets', 'update', bucket, '--versioning']);
  }
  const init = spawnSync('terraform', [`-chdir=${ENVIRONMENT_DIR}`, 'init', '-input=false', `-backend-config=bucket=${stateBucket(projectId)}`], {
    stdio: 'inherit',
  });
  if (init.error) throw new DeployError(`terraform could not be run (${init.error.message}); install Terraform 1.5 or newer.`);
  if (init.status !== 0) throw new DeployError('terraform init failed (see above).');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (error) {
    exitOnError(error);
  }
}
