// The two AI notes: their prompts, JSON schemas for structured output, and the checks their answers must pass.
import type { CoachInput, FunFactInput } from './inputs.js';

export type NoteKind = 'fun_fact' | 'coach';
export const NOTE_KINDS: readonly NoteKind[] = ['fun_fact', 'coach'];

/** Bumped whenever a prompt or schema changes, so cached notes from the old wording are not reused. */
export const PROMPT_VERSION = 2;

export interface FunFactNote {
  text: string;
  from: string;
  to: string;
}

export interface CoachNote {
  text: string;
  trend: 'up' | 'down' | 'steady';
}

export type NoteOutput = FunFactNote | CoachNote;

export interface NoteSpec {
  kind: NoteKind;
  system: string;
  schema: Record<string, unknown>;
  validate(value: unknown): NoteOutput | undefined;
}

const shortText = (value: unknown, max: number): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= max;

export const NOTE_SPECS: Record<NoteKind, NoteSpec> = {
  fun_fact: {
    kind: 'fun_fact',
    system:
      'You write one playful sentence for an athlete about the distance of their latest activity, comparing it with ' +
      'the distance between two well-known places (cities, landmarks) that are about that far apart by road or as ' +
      'the crow flies: "That is about the distance from A to B." Use the language given in "language" (en: English, ' +
      'ru: Russian). Write the distance exactly as "distance_text" gives it (the athlete\'s units and the language\'s ' +
      'number format); never convert it to other units. Name the two places in "from" and "to". No more than 200 ' +
      'characters in "text".',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['text', 'from', 'to'],
      properties: { text: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    },
    validate(value) {
      const v = value as Partial<FunFactNote> | null;
      if (!v || !shortText(v.text, 400) || !shortText(v.from, 120) || !shortText(v.to, 120)) return undefined;
      return { text: v.text.trim(), from: v.from.trim(), to: v.to.trim() };
    },
  },
  coach: {
    kind: 'coach',
    system:
      "You are a friendly, careful endurance coach. Compare the athlete's last four weeks with the four weeks " +
      'before, per sport (activities, distance, moving hours, climbing), in two or three short sentences: what ' +
      'changed and one practical suggestion. No medical advice. Use the language given in "language" (en: English, ' +
      'ru: Russian). Write every figure exactly as the "_text" fields give it (the athlete\'s units and the ' +
      'language\'s number format); never convert units. "trend" is the overall training volume: up, down or steady. ' +
      'No more than 400 characters in "text".',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['text', 'trend'],
      properties: { text: { type: 'string' }, trend: { type: 'string', enum: ['up', 'down', 'steady'] } },
    },
    validate(value) {
      const v = value as Partial<CoachNote> | null;
      if (!v || !shortText(v.text, 800) || (v.trend !== 'up' && v.trend !== 'down' && v.trend !== 'steady')) return undefined;
      return { text: v.text.trim(), trend: v.trend };
    },
  },
};

export type NoteInput = FunFactInput | CoachInput;
