// Types of zip-records.mjs for the TypeScript that imports it (dev/archive/zip-writer.ts).
export interface ZipEntryRecord {
  /** The name's bytes, as stored. */
  name: Buffer;
  /** 0 stored, 8 deflate. */
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
}
export const UTF8_NAME: number;
export function localFileHeader(entry: ZipEntryRecord): Buffer;
export function centralDirectoryEntry(entry: ZipEntryRecord & { offset: number; unixMode?: number }): Buffer;
export function endOfCentralDirectory(directory: { count: number; size: number; offset: number }): Buffer;
