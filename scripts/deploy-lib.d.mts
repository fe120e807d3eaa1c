// Types of deploy-lib.mjs for the TypeScript that imports it (the tests).
export type TerraformOutputs = Record<string, { value?: unknown } | undefined>;
export const ROOT: string;
export const ENVIRONMENT_DIR: string;
export class DeployError extends Error {}
export function readOutputs(options?: { from?: string; dir?: string }): TerraformOutputs;
export function output(outputs: TerraformOutputs, name: string): any;
export function gcloud(args: string[], options?: { input?: string; quiet?: boolean; allowFailure?: boolean }): { status: number; stdout: string; stderr: string };
export function grantHint(text: string, args?: string[]): string | undefined;
export function exitOnError(error: unknown): never;
