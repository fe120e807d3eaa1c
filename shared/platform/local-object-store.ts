// The laptop's upload store: a folder under .data/ standing in for the Cloud Storage bucket (gcs-object-store.ts).
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ObjectMissingError, type ObjectStore, type RangeSource } from '../archive/index.js';

/** Called once per object whose last byte arrived, as a bucket's OBJECT_FINALIZE notification. */
export type FinalizeListener = (key: string, size: number) => Promise<void>;

/**
 * The laptop's store: objects are files under one folder, uploads arrive through the app's own endpoint speaking
 * Cloud Storage's resumable protocol, so the browser's code is the same for both.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly #root: string;
  #onFinalize: FinalizeListener | undefined;

  constructor(
    root: string,
    readonly uploadUrl: (key: string) => string,
  ) {
    this.#root = resolve(root);
  }

  onFinalize(listener: FinalizeListener): void {
    this.#onFinalize = listener;
  }

  /** Keys are made by this app, but a path is still checked to stay inside the folder. */
  #path(key: string): string {
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep)) throw new Error(`object key outside the store: ${key}`);
    return path;
  }

  async startUpload(key: string, options: { size: number }): Promise<string> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.session.json`, JSON.stringify({ size: options.size }));
    await writeFile(`${path}.part`, '');
    return this.uploadUrl(key);
  }

  /** The upload's progress: bytes received so far, and the size it was opened for; undefined when no upload is open. */
  async uploadState(key: string): Promise<{ received: number; size: number } | undefined> {
    const path = this.#path(key);
    try {
      const session = JSON.parse(await readFile(`${path}.session.json`, 'utf8')) as { size: number };
      const received = (await stat(`${path}.part`)).size;
      return { received, size: session.size };
    } catch {
      return undefined;
    }
  }

  /**
   * Appends one chunk at `start` (it must follow what arrived: resumable uploads never leave holes) and finalizes the
   * object at its last byte. Returns the bytes received so far.
   */
  async receive(
    key: string,
    start: number,
    chunk: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    maxBytes: number,
  ): Promise<{ received: number; done: boolean }> {
    const state = await this.uploadState(key);
    if (!state) throw new ObjectMissingError('no upload is open for this object');
    if (start !== state.received) return { received: state.received, done: false };
    const path = this.#path(key);
    const handle = await open(`${path}.part`, 'a');
    let received = state.received;
    try {
      for await (const piece of chunk) {
        if (received + piece.length > state.size || piece.length > maxBytes) throw new RangeError('more bytes than the upload was opened for');
        await handle.write(piece);
        received += piece.length;
      }
    } finally {
      await handle.close();
    }
    if (received < state.size) return { received, done: false };
    await rename(`${path}.part`, path);
    await rm(`${path}.session.json`, { force: true });
    await this.#onFinalize?.(key, received);
    return { received, done: true };
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.#path(key))).size;
    } catch {
      return undefined;
    }
  }

  async source(key: string): Promise<RangeSource> {
    const path = this.#path(key);
    const size = await this.size(key);
    if (size === undefined) throw new ObjectMissingError(`no object ${key}`);
    return {
      size,
      async read(start, end) {
        const handle = await open(path, 'r');
        try {
          const buffer = Buffer.alloc(end - start);
          const { bytesRead } = await handle.read(buffer, 0, end - start, start);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      },
    };
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    await Promise.all([rm(path, { force: true }), rm(`${path}.part`, { force: true }), rm(`${path}.session.json`, { force: true })]);
  }
}

export function localStoreRoot(dataDir: string): string {
  return join(dataDir, 'archive-uploads');
}
