// Types of deploy-webhook.mjs for the TypeScript that imports it (the tests).
import type { TerraformOutputs } from './deploy-lib.mjs';
export function subscriptionEnvironment(outputs: TerraformOutputs): Record<string, string>;
