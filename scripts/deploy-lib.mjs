// What the deploy scripts share: reading `terraform output -json`, running gcloud, and the messages that name a missing grant.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENVIRONMENT_DIR = join(ROOT, 'terraform', 'environments', 'production');

/** A failure the operator can act on: printed without a stack trace. */
export class DeployError extends Error {}

/**
 * The outputs of the production environment as `terraform output -json` prints them ({ name: { value } }),
 * read with the operator's own credentials (the state bucket is theirs), or from a file saved earlier.
 */
export function readOutputs({ from, dir = ENVIRONMENT_DIR } = {}) {
  let text;
  if (from) {
    text = readFileSync(from, 'utf8');
  } else {
    const run = spawnSync('terraform', [`-chdir=${dir}`, 'output', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.error) throw new DeployError(`terraform could not be run (${run.error.message}); install Terraform 1.5 or newer.`);
    if (run.status !== 0)
      throw new DeployError(`terraform output failed:\n${run.stderr.trim()}\nRun terraform apply (docs/DEPLOY.md) first, with your own credentials.`);
    text = run.stdout;
  }
  const parsed = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).length === 0) {
    throw new DeployError('terraform output is empty: run terraform apply (docs/DEPLOY.md) first.');
  }
  return parsed;
}

/** One output's value; a missing one means the state predates this version of the Terraform. */
export function output(outputs, name) {
  const entry = outputs[name];
  if (!entry || !('value' in entry)) throw new DeployError(`terraform output has no "${name}": run terraform apply with this version of the repository first.`);
  return entry.value;
}

/** Runs gcloud with the given arguments; stdout and stderr are returned (and shown, unless quiet). */
export function gcloud(args, { input, quiet = false, allowFailure = false } = {}) {
  const run = spawnSync('gcloud', args, {
    encoding: 'utf8',
    input,
    stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new DeployError(`gcloud could not be run (${run.error.message}); install the Google Cloud CLI.`);
  if (!quiet) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
  }
  if (run.status !== 0 && !allowFailure) {
    throw new DeployError(`gcloud ${args.slice(0, 3).join(' ')} failed (exit ${run.status}).${grantHint(`${run.stdout}\n${run.stderr}`, args) ?? ''}`);
  }
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

function projectOf(args) {
  return args.find((a) => a.startsWith('--project='))?.slice('--project='.length) ?? 'PROJECT_ID';
}

/**
 * The grant to add when Google's answer shows an organisation policy left an account without a role, or a
 * domain-restricted-sharing refusal; undefined when the text shows neither. Messages from docs/DEPLOY.md.
 */
export function grantHint(text, args = []) {
  const project = projectOf(args);
  const bucket =
    /service account (\S+@\S+?) does not have access to the bucket/.exec(text) ??
    /You must grant [\w ]+? permission to (\S+@\S+?)\.?(?:\s|$)/.exec(text) ??
    /(\S+@\S+?) does not have storage\.objects\.\w+ access/.exec(text);
  if (bucket) {
    const account = bucket[1].replace(/[.,;]+$/, '');
    return (
      `\n\nThe build ran as ${account}, which holds no role that lets it build: an organisation policy` +
      ` (iam.automaticIamGrantsForDefaultServiceAccounts) stops Google granting default accounts roles. Add the grant, then run this again:\n` +
      `  gcloud projects add-iam-policy-binding ${project} --member=serviceAccount:${account} --role=roles/cloudbuild.builds.builder --condition=None`
    );
  }
  if (/allowedPolicyMemberDomains|One or more users named in the policy do not belong to a permitted customer/.test(text)) {
    return (
      '\n\nAn organisation policy (iam.allowedPolicyMemberDomains, domain-restricted sharing) refused an IAM member from outside your' +
      ' organisation. docs/DEPLOY.md, "What an organisation policy can block", says what to ask your administrator for.'
    );
  }
  return undefined;
}

/** Prints a DeployError plainly and exits 1; anything else keeps its stack trace. */
export function exitOnError(error) {
  if (error instanceof DeployError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
