// A small ZIP writer for the sandbox's export, the benchmark and the tests: streams entries out, keeps only the directory in memory, and can write the malformed archives the tests need.
import { crc32, deflateRawSync } from 'node:zlib';

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

interface DirectoryRecord {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  method: number;
  flags: number;
  offset: number;
}

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
    const flags = 0x800 | (options.encrypted ? 1 : 0);
    const crc = crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(flags, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0x21, 12); // 1980-01-01
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    this.#records.push({ name: nameBytes, crc, compressedSize: body.length, size, method, flags, offset: this.#offset });
    await this.write(header);
    await this.write(nameBytes);
    await this.write(body);
    this.#offset += header.length + nameBytes.length + body.length;
  }

  async finish(): Promise<void> {
    const start = this.#offset;
    let size = 0;
    for (const r of this.#records) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(r.flags, 8);
      h.writeUInt16LE(r.method, 10);
      h.writeUInt16LE(0, 12);
      h.writeUInt16LE(0x21, 14);
      h.writeUInt32LE(r.crc, 16);
      h.writeUInt32LE(r.compressedSize, 20);
      h.writeUInt32LE(r.size, 24);
      h.writeUInt16LE(r.name.length, 28);
      h.writeUInt32LE(r.offset, 42);
      await this.write(h);
      await this.write(r.name);
      size += h.length + r.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.#records.length, 8);
    end.writeUInt16LE(this.#records.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
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
