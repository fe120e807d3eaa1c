// A local stand-in for Cloud Storage's JSON API, for the calls the archive path makes: resumable upload sessions, object metadata, ranged media reads, deletes, and its errors.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: string;
  contentType: string;
  updated: string;
}

interface Session {
  bucket: string;
  name: string;
  size: number | undefined;
  contentType: string;
  origin: string | undefined;
  chunks: Buffer[];
  received: number;
}

export interface FakeCloudStorage {
  url: string;
  objects: Map<string, StoredObject>;
  /** Every request as "METHOD path?query", for asserting what the client asked. */
  requests: string[];
  /** The next `count` requests matching `pattern` answer `status` (as a real outage or throttling would). */
  failNext(pattern: RegExp, status: number, count?: number): void;
  /** The outage is over: failures still pending are dropped. */
  clearFailures(): void;
  /** Called once an upload's last byte lands, as the bucket's OBJECT_FINALIZE notification would be sent. */
  onFinalize?: (object: { bucket: string; name: string; size: number; generation: string }) => Promise<void>;
  put(bucket: string, name: string, data: Buffer): void;
  close(): Promise<void>;
}

const key = (bucket: string, name: string) => `${bucket}/${name}`;

function error(res: ServerResponse, status: number, message: string, reason = 'notFound'): void {
  // Cloud Storage's JSON error body.
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } }));
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function resource(o: StoredObject) {
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    updated: o.updated,
    timeCreated: o.updated,
    storageClass: 'STANDARD',
  };
}

export async function startFakeCloudStorage(): Promise<FakeCloudStorage> {
  const objects = new Map<string, StoredObject>();
  const sessions = new Map<string, Session>();
  const requests: string[] = [];
  const failures: { pattern: RegExp; status: number; count: number }[] = [];
  let generation = 1_700_000_000_000_000;
  let base = '';

  const finalize = async (session: Session): Promise<StoredObject> => {
    const stored: StoredObject = {
      bucket: session.bucket,
      name: session.name,
      data: Buffer.concat(session.chunks),
      generation: String(generation++),
      contentType: session.contentType,
      updated: new Date().toISOString(),
    };
    objects.set(key(stored.bucket, stored.name), stored);
    await fake.onFinalize?.({ bucket: stored.bucket, name: stored.name, size: stored.data.length, generation: stored.generation });
    return stored;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const line = `${req.method} ${url.pathname}${url.search}`;
    requests.push(line);
    const failure = failures.find((f) => f.count > 0 && f.pattern.test(line));
    if (failure) {
      failure.count--;
      await body(req);
      return error(
        res,
        failure.status,
        failure.status === 429 ? 'The rate of change requests to the object is too high.' : 'Backend Error',
        failure.status === 429 ? 'rateLimitExceeded' : 'backendError',
      );
    }
    // CORS preflight, as the bucket's cors rule answers it.
    if (req.method === 'OPTIONS') {
      res.writeHead(200, {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-allow-methods': 'PUT, POST, GET',
        'access-control-allow-headers': 'content-range, content-type',
        'access-control-expose-headers': 'range',
      });
      return void res.end();
    }
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') {
      const metadata = JSON.parse((await body(req)).toString() || '{}') as { name?: string; contentType?: string };
      const name = url.searchParams.get('name') ?? metadata.name;
      if (!name) return error(res, 400, 'Required', 'required');
      if (url.searchParams.get('ifGenerationMatch') === '0' && objects.has(key(upload[1]!, name))) {
        return error(res, 412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
      }
      const declared = req.headers['x-upload-content-length'];
      const id = randomBytes(12).toString('base64url');
      sessions.set(id, {
        bucket: decodeURIComponent(upload[1]!),
        name,
        size: declared === undefined ? undefined : Number(declared),
        contentType: String(req.headers['x-upload-content-type'] ?? metadata.contentType ?? 'application/octet-stream'),
        origin: typeof req.headers.origin === 'string' ? req.headers.origin : undefined,
        chunks: [],
        received: 0,
      });
      res.writeHead(200, {
        location: `${base}/upload/storage/v1/b/${upload[1]}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`,
        'x-guploader-uploadid': id,
      });
      return void res.end();
    }
    const sessionId = url.searchParams.get('upload_id');
    if (upload && sessionId && req.method === 'PUT') {
      const session = sessions.get(sessionId);
      const cors = session?.origin ? { 'access-control-allow-origin': session.origin, 'access-control-expose-headers': 'range' } : {};
      if (!session) {
        await body(req);
        return error(res, 404, 'No such upload session');
      }
      const range = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? ''));
      const data = await body(req);
      if (!range) return error(res, 400, 'Invalid Content-Range', 'invalid');
      const total = range[3] === '*' ? undefined : Number(range[3]);
      if (total !== undefined && session.size !== undefined && total !== session.size) {
        return error(res, 400, 'The total size does not match X-Upload-Content-Length', 'invalid');
      }
      if (range[1] !== undefined) {
        const first = Number(range[1]);
        const last = Number(range[2]);
        if (last - first + 1 !== data.length) return error(res, 400, 'Content-Range does not match the body', 'invalid');
        // Bytes already held are skipped, as Cloud Storage does with an overlapping chunk; a gap is refused.
        if (first > session.received) return error(res, 400, 'Chunk out of order', 'invalid');
        const fresh = data.subarray(session.received - first);
        session.chunks.push(fresh);
        session.received += fresh.length;
        if (total !== undefined && session.received >= total) {
          sessions.delete(sessionId);
          const stored = await finalize(session);
          res.writeHead(200, { 'content-type': 'application/json', ...cors });
          return void res.end(JSON.stringify(resource(stored)));
        }
      }
      res.writeHead(308, { ...cors, ...(session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {}) });
      return void res.end();
    }
    // The JSON API under /storage/v1 (apiEndpoint), or at the root (STORAGE_EMULATOR_HOST, which the client uses as the base URL).
    const object = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object) {
      const stored = objects.get(key(decodeURIComponent(object[1]!), decodeURIComponent(object[2]!)));
      if (req.method === 'DELETE') {
        if (!stored) return error(res, 404, `No such object: ${object[1]}/${decodeURIComponent(object[2]!)}`);
        objects.delete(key(stored.bucket, stored.name));
        res.writeHead(204);
        return void res.end();
      }
      if (req.method === 'GET') {
        if (!stored) return error(res, 404, `No such object: ${object[1]}/${decodeURIComponent(object[2]!)}`);
        if (url.searchParams.get('alt') !== 'media') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify(resource(stored)));
        }
        const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (!range) {
          res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.data.length, 'x-goog-generation': stored.generation });
          return void res.end(stored.data);
        }
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), stored.data.length - 1) : stored.data.length - 1;
        if (start >= stored.data.length) return error(res, 416, 'Requested range not satisfiable', 'requestedRangeNotSatisfiable');
        res.writeHead(206, {
          'content-type': stored.contentType,
          'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${stored.data.length}`,
          'x-goog-generation': stored.generation,
        });
        return void res.end(stored.data.subarray(start, end + 1));
      }
    }
    return error(res, 404, `Not Found: ${req.method} ${url.pathname}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) error(res, 500, String(e), 'internalError');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeCloudStorage = {
    url: base,
    objects,
    requests,
    failNext(pattern, status, count = 1) {
      failures.push({ pattern, status, count });
    },
    clearFailures() {
      failures.length = 0;
    },
    put(bucket, name, data) {
      objects.set(key(bucket, name), {
        bucket,
        name,
        data,
        generation: String(generation++),
        contentType: 'application/octet-stream',
        updated: new Date().toISOString(),
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}
