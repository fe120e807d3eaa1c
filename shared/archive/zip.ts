// Reads a ZIP archive through ranged reads (a bucket object or a file), with yauzl and a small block cache: never the whole archive in memory.
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ArchiveReasonError, because } from './reasons.js';

/** Anything that can hand out byte ranges of one object: a Cloud Storage object, a local file. */
export interface RangeSource {
  readonly size: number;
  /** Bytes [start, end) of the object. */
  read(start: number, end: number): Promise<Buffer>;
}

export interface ArchiveEntry {
  /** Position in the central directory: stable for an archive, so it is the import's cursor. */
  index: number;
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  encrypted: boolean;
  directory: boolean;
  raw: yauzl.Entry;
}

const BLOCK = 2 * 1024 * 1024;

export class ZipError extends ArchiveReasonError {
  override readonly name = 'ZipError';
}

/** Reading the object itself failed (network, bucket): a passing failure, unlike a damaged archive. */
export class SourceReadError extends Error {
  override readonly name = 'SourceReadError';
  constructor(cause: unknown) {
    super(`reading the upload failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
const CACHED_BLOCKS = 4;

/**
 * yauzl asks for many small ranges (46-byte directory records, 30-byte local headers); served from aligned 2 MB
 * blocks they cost one ranged read per block instead of one request each, and memory stays at a few blocks.
 */
class BlockReader extends yauzl.RandomAccessReader {
  readonly #source: RangeSource;
  readonly #blocks = new Map<number, Promise<Buffer>>();
  reads = 0;

  constructor(source: RangeSource) {
    super();
    this.#source = source;
  }

  #block(n: number): Promise<Buffer> {
    let block = this.#blocks.get(n);
    if (block) {
      // Most recently used goes last, so eviction takes the oldest.
      this.#blocks.delete(n);
      this.#blocks.set(n, block);
      return block;
    }
    this.reads++;
    const start = n * BLOCK;
    block = this.#source.read(start, Math.min(this.#source.size, start + BLOCK)).catch((error: unknown) => {
      throw new SourceReadError(error);
    });
    block.catch(() => this.#blocks.delete(n));
    this.#blocks.set(n, block);
    while (this.#blocks.size > CACHED_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value!);
    return block;
  }

  async *#range(start: number, end: number): AsyncGenerator<Buffer> {
    let position = start;
    while (position < end) {
      const n = Math.floor(position / BLOCK);
      const block = await this.#block(n);
      const from = position - n * BLOCK;
      const to = Math.min(block.length, end - n * BLOCK);
      if (to <= from) throw new Error(`the archive ended early at byte ${position}`);
      // A copy: a cached block must not be kept alive by a consumer holding a slice of it.
      yield Buffer.from(block.subarray(from, to));
      position += to - from;
    }
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(this.#range(start, end), { objectMode: false });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    (async () => {
      let written = 0;
      for await (const chunk of this.#range(position, position + length)) {
        chunk.copy(buffer, offset + written);
        written += chunk.length;
      }
    })().then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  }
}

export interface Archive {
  readonly entryCount: number;
  /** Each entry of the central directory, in order; names decoded but not trusted (check them before use). */
  entries(): AsyncGenerator<ArchiveEntry>;
  /** The entry's bytes, decompressed; yauzl checks the length against the declared size as it goes. */
  open(entry: ArchiveEntry): Promise<Readable>;
  /** Ranged reads made so far (for the benchmark's request count). */
  readonly reads: number;
  close(): void;
}

function decodeName(raw: Buffer | string, flags: number): string {
  if (typeof raw === 'string') return raw;
  // Bit 11 says UTF-8; otherwise CP437, which matches ASCII for the names Strava writes.
  return (flags & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1');
}

export async function openArchive(source: RangeSource): Promise<Archive> {
  const reader = new BlockReader(source);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    // decodeStrings off: yauzl would end the whole archive at the first unsafe name; we skip that entry instead.
    // validateEntrySizes off too: yauzl would end the archive at one entry whose sizes disagree; open() checks each instead.
    yauzl.fromRandomAccessReader(
      reader,
      source.size,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false },
      (error, zipfile) => (error ? reject(error instanceof SourceReadError ? error : new ZipError(because('zipUnreadable', error.message))) : resolve(zipfile)),
    );
  });
  return {
    entryCount: zip.entryCount,
    get reads() {
      return reader.reads;
    },
    async *entries() {
      let index = 0;
      for (;;) {
        const next = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
          const onEntry = (entry: yauzl.Entry) => {
            cleanup();
            resolve(entry);
          };
          const onEnd = () => {
            cleanup();
            resolve(undefined);
          };
          const onError = (error: Error) => {
            cleanup();
            reject(error instanceof SourceReadError ? error : new ZipError(because('zipDirectoryDamaged', error.message)));
          };
          const cleanup = () => {
            zip.off('entry', onEntry);
            zip.off('end', onEnd);
            zip.off('error', onError);
          };
          zip.on('entry', onEntry);
          zip.on('end', onEnd);
          zip.on('error', onError);
          zip.readEntry();
        });
        if (!next) return;
        const name = decodeName(next.fileName as unknown as Buffer, next.generalPurposeBitFlag);
        yield {
          index: index++,
          name,
          compressedSize: next.compressedSize,
          uncompressedSize: next.uncompressedSize,
          encrypted: (next.generalPurposeBitFlag & 0x1) !== 0,
          directory: name.endsWith('/'),
          raw: next,
        };
      }
    },
    async open(entry) {
      const stream = await new Promise<Readable>((resolve, reject) => {
        zip.openReadStream(entry.raw, (error, opened) =>
          error ? reject(error instanceof SourceReadError ? error : new ZipError(because('entryDamaged', error.message))) : resolve(opened),
        );
      });
      return Readable.from(declaredLength(stream, entry.uncompressedSize), { objectMode: false });
    },
    close() {
      zip.close();
    },
  };
}

/**
 * Passes an entry's bytes through, failing as soon as they exceed the size the directory declared (which the
 * limits were checked against) or end short of it: a lying entry cannot smuggle a bomb past the checks.
 */
async function* declaredLength(stream: Readable, declared: number): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > declared) throw new ZipError(because('entryTooLong'));
      yield chunk as Buffer;
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof ZipError || error instanceof SourceReadError) throw error;
    throw new ZipError(because('entryDamaged', (error as Error).message));
  }
  if (size < declared) throw new ZipError(because('entryTooShort'));
}

/** A whole object as a stream of ranged reads, for an upload that is one file rather than an archive. */
export async function* readWhole(source: RangeSource, block = BLOCK): AsyncGenerator<Buffer> {
  for (let position = 0; position < source.size; position += block) {
    yield await source.read(position, Math.min(source.size, position + block));
  }
}

export async function isZip(source: RangeSource): Promise<boolean> {
  if (source.size < 4) return false;
  const head = await source.read(0, 4);
  return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}
