// A local stand-in for Secret Manager's REST API v1 (versions:access only), for driving the real client in tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;
type AuthClient = NonNullable<ClientOptions['authClient']>;

export type FakeFailure = 403 | 503;

export interface FakeSecretManager {
  /** Host for the client's `apiEndpoint` (the port goes in `port`). */
  readonly endpoint: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:12345. */
  readonly url: string;
  /** Request paths in arrival order, without the query string (e.g. /v1/projects/p/secrets/x/versions/latest:access). */
  readonly requests: string[];
  /** Every URL a client built from `clientOptions()` asked to fetch, query string included. */
  readonly clientUrls: string[];
  /**
   * Options that make the real client talk REST over plain HTTP to this fake, with no credentials and no
   * other destination (`extra` is merged last, e.g. `clientConfig` to shorten retry back-off).
   */
  clientOptions(extra?: ClientOptions): ClientOptions;
  /** Adds a new version with this value, as `gcloud secrets versions add` would. */
  setSecret(id: string, value: string): void;
  /** Makes reads of `id` fail with this HTTP status (`times` reads, default all); `undefined` stops failing. */
  failWith(id: string, status: FakeFailure | undefined, times?: number): void;
  close(): Promise<void>;
}

// Castagnoli polynomial, reflected. node:zlib has no CRC-32C, and the real API sends one with every payload.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const ACCESS_PATH = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Shapes follow https://cloud.google.com/apis/design/errors as Secret Manager returns them over REST.
function sendError(res: ServerResponse, code: number, status: string, message: string, details?: unknown[]): void {
  sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } });
}

export async function startFakeSecretManager(options: { secrets?: Record<string, string> } = {}): Promise<FakeSecretManager> {
  // Every version ever added, oldest first, so numbered versions and "latest" both resolve as in the real service.
  const versions = new Map<string, string[]>();
  const failures = new Map<string, { status: FakeFailure; remaining: number }>();
  const requests: string[] = [];

  const setSecret = (id: string, value: string): void => {
    const list = versions.get(id) ?? [];
    list.push(value);
    versions.set(id, list);
  };
  for (const [id, value] of Object.entries(options.secrets ?? {})) setSecret(id, value);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push(path);
    const match = req.method === 'GET' ? ACCESS_PATH.exec(path) : null;
    if (!match) {
      // Not NOT_FOUND: the code under test maps NOT_FOUND to "unset", which would hide a wrongly built request.
      sendError(res, 501, 'UNIMPLEMENTED', `The fake Secret Manager does not implement ${req.method} ${path}.`);
      return;
    }
    const [, project, secretId, version] = match as unknown as [string, string, string, string];
    const resource = `projects/${project}/secrets/${secretId}`;

    const failure = failures.get(secretId);
    if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      if (failure.status === 403) {
        sendError(
          res,
          403,
          'PERMISSION_DENIED',
          `Permission 'secretmanager.versions.access' denied for resource '${resource}/versions/${version}' (or it may not exist).`,
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
              domain: 'secretmanager.googleapis.com',
              metadata: { permission: 'secretmanager.versions.access', resource: `${resource}/versions/${version}` },
            },
          ],
        );
      } else {
        sendError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
      }
      return;
    }

    const list = versions.get(secretId);
    if (!list || list.length === 0) {
      sendError(res, 404, 'NOT_FOUND', `Secret [${resource}] not found or has no versions.`);
      return;
    }
    const number = version === 'latest' ? list.length : /^\d+$/.test(version) ? Number(version) : NaN;
    const value = Number.isInteger(number) && number >= 1 ? list[number - 1] : undefined;
    if (value === undefined) {
      sendError(res, 404, 'NOT_FOUND', `Secret Version [${resource}/versions/${version}] not found.`);
      return;
    }
    const data = Buffer.from(value, 'utf8');
    sendJson(res, 200, {
      name: `${resource}/versions/${number}`,
      // bytes are base64 in proto3 JSON; int64 is a decimal string.
      payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) },
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clientUrls: string[] = [];

  // With `authClient` set, google-gax's REST stub sends every request through `authClient.fetch` and never builds
  // a GoogleAuth, so nothing looks for credentials (no metadata server, no gcloud, no key files). Native fetch
  // hands non-2xx answers back to the stub, which decodes Google's error JSON into gRPC status codes as the
  // production gRPC transport reports them (a gaxios-based client would throw first, with HTTP codes instead).
  const transport = {
    // The stub only checks that this exists; the fake wants no credentials.
    async getRequestHeaders() {
      return new Headers();
    },
    async fetch(input: string | URL, init?: RequestInit): Promise<Response> {
      const target = new URL(input);
      clientUrls.push(target.href);
      if (target.origin !== url) throw new Error(`Refusing a request outside the fake Secret Manager: ${target.origin}`);
      return fetch(target, init);
    },
  };

  return {
    endpoint: '127.0.0.1',
    port,
    url,
    requests,
    clientUrls,
    clientOptions(extra = {}) {
      return {
        fallback: true,
        protocol: 'http',
        apiEndpoint: '127.0.0.1',
        port,
        // Only the members the REST stub uses exist; the full AuthClient type is a class with private state.
        authClient: transport as unknown as AuthClient,
        ...extra,
      };
    },
    setSecret,
    failWith(id, status, times = Number.POSITIVE_INFINITY) {
      if (status === undefined) failures.delete(id);
      else failures.set(id, { status, remaining: times });
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The client keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
