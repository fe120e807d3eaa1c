// Types of deploy-init.mjs for the TypeScript that imports it (the tests).
export const TFVARS: string;
export function readTfvars(text: string): { projectId: string; region: string };
export function stateBucket(projectId: string): string;
