// One activity file from a stream: its kind from its name, gunzipped when named .gz, sized within limits, parsed by content.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isFit, parseFit } from './fit.js';
import { LIMITS } from './limits.js';
import type { FileFormat, Track } from './track.js';
import { XmlTrackParser } from './xml.js';

/** A file that cannot be imported, with the reason shown to the athlete. */
export class SkipFileError extends Error {
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
export function unsafeName(name: string): string | undefined {
  if (name.length === 0 || name.length > 1024) return 'the file name is empty or too long';
  if (name.includes('\0')) return 'the file name contains a NUL byte';
  if (name.includes('\\')) return 'the file name contains a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'the file name is an absolute path';
  if (name.split('/').some((part) => part === '..')) return 'the file name climbs out of the archive ("..")';
  return undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Collects a stream into one buffer, refusing it past `limit` bytes without ever holding more. */
async function collect(stream: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new SkipFileError(`${what} is larger than ${Math.round(limit / 1024 ** 2)} MB once unpacked`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Passes bytes through, failing once more than `limit` have gone by: a gzip bomb stops at the limit. */
async function* bounded(stream: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new SkipFileError(`the file is larger than ${Math.round(limit / 1024 ** 2)} MB once unpacked`);
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
      if (error instanceof SkipFileError) throw error;
      throw new SkipFileError(`the file is named .gz but is not valid gzip data (${(error as Error).message})`);
    }
  })();
}

function describe(head: Buffer): string {
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip data';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'a ZIP archive';
  if (isFit(head)) return 'FIT data';
  if (/^\s*</.test(head.toString('utf8', 0, Math.min(head.length, 64)).replace(/^\uFEFF/, ''))) return 'XML';
  return 'data of another kind';
}

/**
 * Reads one activity file. The name decides the format; the content must agree (a .fit holding XML, a .gz that is
 * not gzip, a .gpx that is binary are refused, so a mislabelled file never reaches a parser that expects another).
 */
export async function readActivityFile(name: string, source: Readable | AsyncIterable<Buffer>): Promise<Track> {
  const kind = kindOfName(name);
  if (!kind) throw new SkipFileError('not a FIT, GPX or TCX file');
  let stream: AsyncIterable<Buffer> = source as AsyncIterable<Buffer>;
  if (kind.gzipped) {
    const { head, rest } = await peek(stream, 2);
    if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) throw new SkipFileError(`the file is named .gz but holds ${describe(head)}`);
    stream = gunzip(rest);
  }
  const { head, rest } = await peek(stream, 64);
  if (head.length === 0) throw new SkipFileError('the file is empty');
  if (kind.format === 'fit') {
    if (!isFit(head)) throw new SkipFileError(`the file is named .fit but holds ${describe(head)}`);
    const bytes = await collect(rest, LIMITS.maxFitBytes, 'the FIT file');
    try {
      return parseFit(bytes);
    } catch (error) {
      throw new SkipFileError((error as Error).message);
    }
  }
  const kindOfContent = describe(head);
  if (kindOfContent !== 'XML') throw new SkipFileError(`the file is named .${kind.format} but holds ${kindOfContent}`);
  const parser = new XmlTrackParser(kind.format);
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of bounded(rest, LIMITS.maxEntryBytes)) parser.write(decoder.decode(chunk, { stream: true }));
    parser.write(decoder.decode());
    return parser.close();
  } catch (error) {
    if (error instanceof SkipFileError) throw error;
    throw new SkipFileError((error as Error).message);
  }
}
