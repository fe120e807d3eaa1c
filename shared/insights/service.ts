// AI notes for one athlete: read from the cache, or written in the background (never on a page's critical path).
import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type { Queryable } from '../db/index.js';
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { Units } from '../units.js';
import { coachInput, funFactInput } from './inputs.js';
import { NOTE_KINDS, NOTE_SPECS, PROMPT_VERSION, type NoteInput, type NoteKind, type NoteOutput } from './notes.js';
import { claimInsight, finishInsight, readInsight } from './store.js';

/** A small, cheap model is plenty for two sentences; any compatible server may map the name to its own. */
export const NOTE_MODEL = 'gpt-4o-mini';
export const NOTE_TIMEOUT_MS = 20_000;

export interface InsightDeps {
  pool: Queryable;
  log: Logger;
  config: { openaiBaseUrl: string | undefined };
  secrets: { openaiApiKey: string | undefined };
}

export type NoteStatus = 'ready' | 'pending' | 'failed' | 'none';

export interface NoteView {
  kind: NoteKind;
  status: NoteStatus;
  output?: NoteOutput;
}

export function insightsConfigured(deps: Pick<InsightDeps, 'secrets'>): boolean {
  return Boolean(deps.secrets.openaiApiKey);
}

/** The cache key: everything that shapes the answer, and nothing else. */
export function inputHash(kind: NoteKind, input: NoteInput): string {
  return createHash('sha256')
    .update(JSON.stringify({ kind, model: NOTE_MODEL, version: PROMPT_VERSION, input }))
    .digest('hex');
}

const clients = new Map<string, OpenAI>();

/**
 * The SDK is loaded with the first note, not with the module: it is over two hundred modules, a fifth of a second of
 * CPU at every cold start (an App Engine instance, a function, a test process) that never writes a note.
 */
async function clientFor(deps: InsightDeps): Promise<OpenAI> {
  const key = `${deps.config.openaiBaseUrl ?? ''}|${deps.secrets.openaiApiKey}`;
  let client = clients.get(key);
  if (!client) {
    const { default: OpenAI } = await import('openai');
    client = new OpenAI({
      apiKey: deps.secrets.openaiApiKey,
      ...(deps.config.openaiBaseUrl ? { baseURL: deps.config.openaiBaseUrl } : {}),
      timeout: NOTE_TIMEOUT_MS,
      // One quick retry for a blip; a longer outage shows "no note right now" and is retried later.
      maxRetries: 1,
    });
    clients.set(key, client);
  }
  return client;
}

/** One structured-output request; throws on a timeout, an HTTP error or an answer that fails its schema. */
export async function writeNote(deps: InsightDeps, kind: NoteKind, input: NoteInput): Promise<NoteOutput> {
  const spec = NOTE_SPECS[kind];
  const completion = await (await clientFor(deps)).chat.completions.create({
    model: NOTE_MODEL,
    messages: [
      { role: 'system', content: spec.system },
      { role: 'user', content: JSON.stringify(input) },
    ],
    response_format: { type: 'json_schema', json_schema: { name: kind, strict: true, schema: spec.schema } },
    max_tokens: 300,
  });
  const content = completion.choices[0]?.message?.content;
  if (!content) throw new Error('the answer had no content');
  const output = spec.validate(JSON.parse(content));
  if (!output) throw new Error('the answer did not match the schema');
  return output;
}

// Background writers still running, so tests and shutdown can wait for them.
const running = new Set<Promise<void>>();

export async function settleInsights(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

function generate(deps: InsightDeps, athleteId: number, kind: NoteKind, hash: string, input: NoteInput): void {
  const job = (async () => {
    try {
      const output = await writeNote(deps, kind, input);
      await finishInsight(deps.pool, athleteId, kind, hash, { output });
      deps.log.info('AI note written', { athleteId, kind });
    } catch (error) {
      deps.log.warn('AI note failed; the page says "no note right now"', { athleteId, kind, error });
      await finishInsight(deps.pool, athleteId, kind, hash, { error: error instanceof Error ? error.message : String(error) }).catch((cause: unknown) =>
        deps.log.error('Could not record an AI note failure', { athleteId, kind, error: cause }),
      );
    }
  })();
  running.add(job);
  void job.finally(() => running.delete(job));
}

export interface NotesRequest {
  athleteId: number;
  now: Date;
  timeZone: string;
  language: Locale;
  /** The athlete's units: the notes speak of kilometres or miles as the pages do. */
  units: Units;
  /** False: only read what is cached (the fragment poll); true: also start writing what is missing. */
  start: boolean;
}

/** Each note's state for the page. Cheap: two aggregate queries and two cache lookups; writing happens elsewhere. */
export async function notesFor(deps: InsightDeps, request: NotesRequest): Promise<NoteView[]> {
  const inputs: Record<NoteKind, NoteInput | undefined> = {
    fun_fact: await funFactInput(deps.pool, request.athleteId, request.language, request.units),
    coach: await coachInput(deps.pool, request.athleteId, request.now, request.timeZone, request.language, request.units),
  };
  const views: NoteView[] = [];
  for (const kind of NOTE_KINDS) {
    const input = inputs[kind];
    if (!input) {
      views.push({ kind, status: 'none' });
      continue;
    }
    const hash = inputHash(kind, input);
    const row = await readInsight(deps.pool, request.athleteId, kind, hash);
    if (row?.status === 'ready' && row.output) {
      views.push({ kind, status: 'ready', output: row.output });
      continue;
    }
    if (request.start && (await claimInsight(deps.pool, request.athleteId, kind, hash))) {
      generate(deps, request.athleteId, kind, hash, input);
      views.push({ kind, status: 'pending' });
      continue;
    }
    views.push({ kind, status: row?.status === 'failed' ? 'failed' : row ? 'pending' : 'none' });
  }
  return views;
}
