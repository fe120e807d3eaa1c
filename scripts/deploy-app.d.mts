// Types of deploy-app.mjs for the TypeScript that imports it (the tests).
import type { TerraformOutputs } from './deploy-lib.mjs';
export const APP_YAML: string;
export const DEPLOY_YAML_NAME: string;
export function deploymentSettings(outputs: TerraformOutputs): { serviceAccount: string; env: Record<string, string> };
export function renderDeployYaml(appYamlText: string, outputs: TerraformOutputs): string;
