// A small ZIP writer for the sandbox's export, the benchmark and the tests: streams entries out, keeps only the directory in memory, and can write the malformed archives the tests need.
import { crc32, deflateRawSync } from 'node:zlib';
import { centralDirectoryEntry, endOfCentralDirectory, localFileHeader, UTF8_NAME, type ZipEntryRecord } from '../../scripts/zip-records.mjs';

export interface ZipEntryOptions {
  /** Deflate (the default) or store. */
  compress?: boolean;
  /** Tests only: the size the directory claims, whatever the data is. */
  declaredSize?: number;
  /** Tests only: the raw bytes of the name, for names no well-behaved writer produces. */
  rawName?: Buffer;
  /** Tests only: mark the entry as encrypted. */
  encrypted?: boolean;
}

type DirectoryRecord = ZipEntryRecord & { offset: number };

/** Writes a ZIP through `write` (a file stream, or chunks collected in memory); call finish() once. */
export class ZipWriter {
  readonly #records: DirectoryRecord[] = [];
  #offset = 0;

  constructor(private readonly write: (chunk: Buffer) => void | Promise<void>) {}

  async add(name: string, data: Buffer, options: ZipEntryOptions = {}): Promise<void> {
    const nameBytes = options.rawName ?? Buffer.from(name, 'utf8');
    const method = options.compress === false ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const size = options.declaredSize ?? data.length;
    // Bit 11: names are UTF-8. Bit 0: encrypted.
    const flags = UTF8_NAME | (options.encrypted ? 1 : 0);
    const record = { name: nameBytes, crc: crc32(data), compressedSize: body.length, size, method, flags };
    const header = localFileHeader(record);
    this.#records.push({ ...record, offset: this.#offset });
    await this.write(header);
    await this.write(body);
    this.#offset += header.length + body.length;
  }

  async finish(): Promise<void> {
    const start = this.#offset;
    let size = 0;
    for (const record of this.#records) {
      const entry = centralDirectoryEntry(record);
      await this.write(entry);
      size += entry.length;
    }
    await this.write(endOfCentralDirectory({ count: this.#records.length, size, offset: start }));
  }
}

/** Builds a whole ZIP in memory (small test archives). */
export async function zipInMemory(entries: { name: string; data: Buffer; options?: ZipEntryOptions }[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const writer = new ZipWriter((chunk) => {
    chunks.push(chunk);
  });
  for (const entry of entries) await writer.add(entry.name, entry.data, entry.options);
  await writer.finish();
  return Buffer.concat(chunks);
}
