// A map tile server on a loopback port for the browser tests: generated 256-pixel PNG tiles, and a count of requests.
import { createServer, type Server } from 'node:http';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A map-like tile: a pale land colour that varies by tile, with a street grid, so tiles are told apart in screenshots. */
export function tilePng(z: number, x: number, y: number): Buffer {
  const size = 256;
  const base = [232 - ((x * 7 + z) % 12), 236 - ((y * 5) % 10), 222];
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let row = 0; row < size; row++) {
    const offset = row * (size * 3 + 1);
    raw[offset] = 0;
    for (let col = 0; col < size; col++) {
      const street = row % 64 < 3 || col % 64 < 3;
      const i = offset + 1 + col * 3;
      raw[i] = street ? 255 : base[0]!;
      raw[i + 1] = street ? 255 : base[1]!;
      raw[i + 2] = street ? 255 : base[2]!;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface TileServer {
  /** The MAP_TILE_URL template. */
  template: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startTileServer(): Promise<TileServer> {
  const requests: string[] = [];
  const cache = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const match = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    requests.push(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const key = match.slice(1).join('/');
    let png = cache.get(key);
    if (!png) {
      png = tilePng(Number(match[1]), Number(match[2]), Number(match[3]));
      cache.set(key, png);
    }
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=3600' }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    template: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
