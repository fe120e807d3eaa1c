// Types of deploy-database.mjs for the TypeScript that imports it (the tests).
import type { TerraformOutputs } from './deploy-lib.mjs';
export function adcPath(env?: Record<string, string | undefined>, platform?: string): string;
export function impersonatedCredentials(
  source: { type?: string; [key: string]: unknown } | undefined,
  serviceAccount: string,
): { type: 'impersonated_service_account'; service_account_impersonation_url: string; source_credentials: unknown; delegates: string[] };
export function migrateEnvironment(outputs: TerraformOutputs, credentialsFile: string): Record<string, string>;
