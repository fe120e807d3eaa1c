// Why a file or an upload was refused, as a key and its values: stored as JSON text, said in the reader's language.
import { type ArchiveReason, type ArchiveReasonKey, messages, type Messages, type NestingReasonKey } from '../i18n/index.js';

type ReasonTexts = Messages['archiveReasons'];
type ParamsOf<K extends ArchiveReasonKey> = Extract<ArchiveReason, { key: K }>['params'];

/** The reasons whose one value is another reason; a Record, so the compiler insists on every nesting key. */
const NESTING: Record<NestingReasonKey, true> = { refused: true, matchedByTimeInstead: true };

const isNesting = (key: ArchiveReasonKey): key is NestingReasonKey => Object.hasOwn(NESTING, key);

/** A reason from its key and values, checked by the compiler against the texts' parameters. */
export function because<K extends ArchiveReasonKey>(key: K, ...params: ParamsOf<K>): ArchiveReason {
  return { key, params } as ArchiveReason;
}

/** The reason in the texts' language; a nested reason is said first, in the same language. */
export function archiveReasonText(t: Pick<Messages, 'archiveReasons'>, reason: ArchiveReason): string {
  const values = isNesting(reason.key) ? [archiveReasonText(t, reason.params[0] as ArchiveReason)] : reason.params;
  // The compiler has checked each reason's values against its text (because()); here they are only passed on.
  const text = t.archiveReasons[reason.key] as string | ((...values: unknown[]) => string);
  return typeof text === 'string' ? text : text(...values);
}

/** English, for error messages and logs. */
export function englishReason(reason: ArchiveReason): string {
  return archiveReasonText(messages('en'), reason);
}

/** What goes into archive_files.reason and archive_uploads.error: compact JSON, no sentence in any language. */
export function encodeReason(reason: ArchiveReason): string {
  return JSON.stringify({ key: reason.key, params: reason.params });
}

function asReason(value: unknown): ArchiveReason | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, params } = value as { key?: unknown; params?: unknown };
  const texts: ReasonTexts = messages('en').archiveReasons;
  if (typeof key !== 'string' || !Object.hasOwn(texts, key) || !Array.isArray(params)) return undefined;
  const known = key as ArchiveReasonKey;
  const text: string | ((...values: never[]) => string) = texts[known];
  if (params.length !== (typeof text === 'string' ? 0 : text.length)) return undefined;
  const valid = isNesting(known) ? asReason(params[0]) !== undefined : params.every((param) => typeof param === 'string' || typeof param === 'number');
  return valid ? ({ key: known, params } as ArchiveReason) : undefined;
}

/** A stored reason back as a key and its values; undefined for anything else (an English sentence of an earlier version). */
export function decodeReason(stored: string): ArchiveReason | undefined {
  if (!stored.startsWith('{')) return undefined;
  try {
    return asReason(JSON.parse(stored));
  } catch {
    return undefined;
  }
}

/** A stored reason as the page says it: in the texts' language when it is one we wrote as JSON, as stored otherwise. */
export function describeArchiveReason(t: Pick<Messages, 'archiveReasons' | 'archiveReasonUnknown'>, stored: string): string {
  const reason = decodeReason(stored);
  if (reason) return archiveReasonText(t, reason);
  // A reason this version cannot read (a key renamed since it was stored) is never shown as raw JSON.
  return stored.startsWith('{"key"') ? t.archiveReasonUnknown : stored;
}

/** An error whose message is the English of its reason, so logs read as before and the reason itself is stored. */
export class ArchiveReasonError extends Error {
  constructor(
    readonly reason: ArchiveReason,
    options?: ErrorOptions,
  ) {
    super(englishReason(reason), options);
  }
}
