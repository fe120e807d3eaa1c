// The records of a plain ZIP (no ZIP64): each entry's local header, its central directory entry, and the end of the
// central directory. scripts/package-functions.mjs builds the functions' archive from them, dev/archive/zip-writer.ts
// the sandbox's exports and the tests' archives.

// 1980-01-01 00:00, the earliest MS-DOS date: a constant so an archive depends only on its content.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
// Version 2.0: deflate.
const VERSION_NEEDED = 20;

/** Flag bit 11: the entry's name is UTF-8. */
export const UTF8_NAME = 0x0800;

// The fields both headers carry, in the same order: method, time, date, CRC-32, compressed and real size, name length.
function writeEntryFields(header, at, entry) {
  header.writeUInt16LE(entry.method, at);
  header.writeUInt16LE(DOS_TIME, at + 2);
  header.writeUInt16LE(DOS_DATE, at + 4);
  header.writeUInt32LE(entry.crc, at + 6);
  header.writeUInt32LE(entry.compressedSize, at + 10);
  header.writeUInt32LE(entry.size, at + 14);
  header.writeUInt16LE(entry.name.length, at + 18);
}

/** The local file header and name that go before an entry's data. */
export function localFileHeader(entry) {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(entry.flags, 6);
  writeEntryFields(header, 8, entry);
  return Buffer.concat([header, entry.name]);
}

/** The entry's central directory record; with unixMode the archive says it was made on Unix, so unzip applies the mode. */
export function centralDirectoryEntry(entry) {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(entry.unixMode === undefined ? VERSION_NEEDED : (3 << 8) | VERSION_NEEDED, 4);
  header.writeUInt16LE(VERSION_NEEDED, 6);
  header.writeUInt16LE(entry.flags, 8);
  writeEntryFields(header, 10, entry);
  // Extra field, comment, disk number and internal attributes stay 0.
  header.writeUInt32LE(entry.unixMode === undefined ? 0 : ((0o100000 | entry.unixMode) << 16) >>> 0, 38);
  header.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([header, entry.name]);
}

/** The end of central directory record, for `count` entries whose directory of `size` bytes starts at `offset`. */
export function endOfCentralDirectory({ count, size, offset }) {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}
