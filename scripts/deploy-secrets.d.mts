// Types of deploy-secrets.mjs for the TypeScript that imports it (the tests).
export interface SecretSource {
  kind: 'random' | 'ask' | 'optional' | 'none';
  env?: string;
  prompt?: string;
  make?: () => string;
}
export const SOURCES: Record<string, SecretSource>;
export interface SecretStep {
  id: string;
  action: 'keep' | 'skip' | 'generate' | 'from-env' | 'ask';
  why?: string;
  env?: string;
}
export function planSecrets(secretIds: readonly string[], hasValue: ReadonlySet<string>, env?: Record<string, string | undefined>): SecretStep[];
