// What the token tests' parent and its child instance say to each other over IPC (test/tokens/child-instance.ts).

export type ChildCommand =
  | { type: 'job'; horizonMs: number; concurrency: number }
  | { type: 'tokens'; athleteIds: number[] }
  | { type: 'crash-after-answer'; athleteId: number; claimTtlMs: number };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'answered'; athleteId: number }
  | { type: 'done'; result: unknown; refreshStatuses: number[] }
  | { type: 'failed'; error: string };
