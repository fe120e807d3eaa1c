// One activity file from a stream: its kind from its name, gunzipped when named .gz, sized within limits, parsed by content.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ArchiveReason, DataKind } from '../i18n/index.js';
import { isFit, parseFit } from './fit.js';
import { LIMITS } from './limits.js';
import { ArchiveReasonError, because } from './reasons.js';
import type { FileFormat, Track } from './track.js';
import { XmlTrackParser } from './xml.js';

/** A file that cannot be imported, with the reason shown to the athlete. */
export class SkipFileError extends ArchiveReasonError {
  override readonly name = 'SkipFileError';
}

export interface FileKind {
  format: FileFormat;
  gzipped: boolean;
}

/** What an entry's name says it holds; undefined for files an export carries that are not activities. */
export function kindOfName(name: string): FileKind | undefined {
  const m = /\.(fit|gpx|tcx)(\.gz)?$/i.exec(name);
  if (!m) return undefined;
  return { format: m[1]!.toLowerCase() as FileFormat, gzipped: Boolean(m[2]) };
}

/**
 * Refuses names that would escape a folder if ever written out (absolute, drive letters, "..", NUL, backslashes),
 * whatever we do with them: an archive carrying one was not made by Strava.
 */
export function unsafeName(name: string): ArchiveReason | undefined {
  if (name.length === 0 || name.length > 1024) return because('nameEmptyOrLong');
  if (name.includes('\0')) return because('nameNul');
  if (name.includes('\\')) return because('nameBackslash');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return because('nameAbsolute');
  if (name.split('/').some((part) => part === '..')) return because('nameClimbsOut');
  return undefined;
}

/** A failure while reading a file as a reason to skip it: a parser's own reason, or `otherwise` with a library's message. */
function skipFor(error: unknown, otherwise: (why: string) => ArchiveReason): SkipFileError {
  if (error instanceof SkipFileError) return error;
  // The cause stays, so a failing read of the store under a parser is still told apart from a bad file (run.ts).
  return new SkipFileError(error instanceof ArchiveReasonError ? error.reason : otherwise((error as Error)?.message ?? String(error)), { cause: error });
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Collects a stream into one buffer, refusing it past `limit` bytes without ever holding more. */
async function collect(stream: AsyncIterable<Buffer>, limit: number, tooLarge: 'fileTooLarge' | 'fitTooLarge'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new SkipFileError(because(tooLarge, Math.round(limit / 1024 ** 2)));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Passes bytes through, failing once more than `limit` have gone by: a gzip bomb stops at the limit. */
async function* bounded(stream: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new SkipFileError(because('fileTooLarge', Math.round(limit / 1024 ** 2)));
    yield chunk;
  }
}

/** Peeks the first bytes of a stream and hands back a stream that still yields them. */
async function peek(stream: AsyncIterable<Buffer>, count: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = stream[Symbol.asyncIterator]();
  const buffered: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < count) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(buffered);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, rest: rest() };
}

function gunzip(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const gz = createGunzip();
  // Piped by hand so an error on either side ends both.
  (async () => {
    try {
      for await (const chunk of stream) if (!gz.write(chunk)) await new Promise((resolve) => gz.once('drain', resolve));
      gz.end();
    } catch (error) {
      gz.destroy(error as Error);
    }
  })();
  return (async function* () {
    try {
      for await (const chunk of gz) yield chunk as Buffer;
    } catch (error) {
      throw error instanceof SkipFileError ? error : new SkipFileError(because('gzipInvalid', (error as Error)?.message ?? String(error)), { cause: error });
    }
  })();
}

function describe(head: Buffer): DataKind {
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if (isFit(head)) return 'fit';
  if (/^\s*</.test(head.toString('utf8', 0, Math.min(head.length, 64)).replace(/^\uFEFF/, ''))) return 'xml';
  return 'other';
}

/**
 * Reads one activity file. The name decides the format; the content must agree (a .fit holding XML, a .gz that is
 * not gzip, a .gpx that is binary are refused, so a mislabelled file never reaches a parser that expects another).
 */
export async function readActivityFile(name: string, source: Readable | AsyncIterable<Buffer>): Promise<Track> {
  const kind = kindOfName(name);
  if (!kind) throw new SkipFileError(because('notActivityFile'));
  let stream: AsyncIterable<Buffer> = source as AsyncIterable<Buffer>;
  if (kind.gzipped) {
    const { head, rest } = await peek(stream, 2);
    if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) throw new SkipFileError(because('misnamed', 'gz', describe(head)));
    stream = gunzip(rest);
  }
  const { head, rest } = await peek(stream, 64);
  if (head.length === 0) throw new SkipFileError(because('fileEmpty'));
  if (kind.format === 'fit') {
    if (!isFit(head)) throw new SkipFileError(because('misnamed', 'fit', describe(head)));
    const bytes = await collect(rest, LIMITS.maxFitBytes, 'fitTooLarge');
    try {
      return parseFit(bytes);
    } catch (error) {
      throw skipFor(error, (why) => because('fitUndecodable', why));
    }
  }
  const kindOfContent = describe(head);
  if (kindOfContent !== 'xml') throw new SkipFileError(because('misnamed', kind.format, kindOfContent));
  const parser = new XmlTrackParser(kind.format);
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of bounded(rest, LIMITS.maxEntryBytes)) parser.write(decoder.decode(chunk, { stream: true }));
    parser.write(decoder.decode());
    return parser.close();
  } catch (error) {
    throw skipFor(error, (why) => because('fileUnreadable', why));
  }
}
