// A local stand-in for one Cloud SQL for PostgreSQL instance: the Admin API calls the connector makes, and the instance's TLS server on port 3307 in front of a local PostgreSQL.
import { execFile } from 'node:child_process';
import { createPublicKey, randomBytes, randomInt, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { AuthClient } from '@google-cloud/cloud-sql-connector';

const run = promisify(execFile);

/** The connector always dials this port; Cloud SQL's server-side proxy listens on it. */
export const CLOUD_SQL_SERVER_PORT = 3307;

export interface Grant {
  /** The IAM database user this token's principal logs in as (service account email without .gserviceaccount.com). */
  readonly iamUser: string;
  /** Whether the principal holds cloudsql.instances.connect (roles/cloudsql.client); without it the Admin API answers 403. */
  readonly canConnect: boolean;
}

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  /** The bearer token the request carried, if any. */
  readonly token: string | undefined;
  readonly body: unknown;
}

export interface IssuedCert {
  /** The public key the client sent, as sent (PEM). */
  readonly publicKey: string;
  /** Set when the client asked for an IAM-authenticated certificate (access_token in the body). */
  readonly accessToken: string | undefined;
  readonly fingerprint256: string;
  readonly pem: string;
}

export interface ServerConnection {
  /** SHA-256 fingerprint of the client certificate the TLS server verified. */
  readonly clientCertFingerprint256: string;
  readonly user: string;
  readonly database: string;
  /** False when the server refused the login itself (an IAM user without a matching IAM certificate). */
  readonly admitted: boolean;
}

export interface FakeCloudSql {
  /** `project:region:instance`, as INSTANCE_CONNECTION_NAME holds it. */
  readonly connectionName: string;
  /** For the connector's `sqlAdminAPIEndpoint` option. */
  readonly adminApiUrl: string;
  /** The loopback address the instance's TLS server listens on (port 3307), reported as its PRIMARY address. */
  readonly host: string;
  /** PEM of the CA that signed the server's certificate, as connectSettings hands it out. */
  readonly serverCaCert: string;
  readonly requests: AdminRequest[];
  readonly issuedCerts: IssuedCert[];
  readonly connections: ServerConnection[];
  /** TLS sessions the server refused before reading a byte, with OpenSSL's reason (e.g. a certificate from another CA). */
  readonly refusedSessions: string[];
  /** Lets `token` call the Admin API as a principal. Tokens never granted are answered 401. */
  grant(token: string, grant: Grant): void;
  /** An auth client for the connector that presents `token` and sends requests nowhere but this fake. */
  authFor(token: string): AuthClient;
  close(): Promise<void>;
}

export interface FakeCloudSqlOptions {
  project?: string;
  region?: string;
  instance?: string;
  databaseVersion?: string;
  /** Where accepted connections are piped to: a PostgreSQL that trusts local connections. */
  postgres?: { host: string; port: number };
}

const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$ENV::FAKE_CLOUD_SQL_DNS_NAME
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
`;

async function openssl(dir: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  await run('openssl', args, { cwd: dir, env: { ...process.env, ...env } });
}

/** Error bodies as Google's v1beta4 APIs send them: the gaxios error the connector throws carries `message`. */
function sendError(res: ServerResponse, code: number, status: string, reason: string, message: string): void {
  sendJson(res, code, { error: { code, message, errors: [{ message, domain: 'global', reason }], status } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const PROTOCOL_3 = 196608;

/**
 * The user and database of a PostgreSQL StartupMessage, undefined until the whole packet has arrived, or
 * 'not-startup' for anything else (pg over the connector's TLS stream sends no SSLRequest first).
 */
function parseStartup(buffer: Buffer): { user: string; database: string } | 'not-startup' | undefined {
  if (buffer.length < 8) return undefined;
  const length = buffer.readUInt32BE(0);
  if (buffer.readUInt32BE(4) !== PROTOCOL_3) return 'not-startup';
  if (buffer.length < length) return undefined;
  const fields = buffer
    .subarray(8, length - 1)
    .toString('utf8')
    .split('\0');
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) params.set(fields[i]!, fields[i + 1]!);
  const user = params.get('user') ?? '';
  return { user, database: params.get('database') ?? user };
}

/** A PostgreSQL ErrorResponse, as the server sends it before closing a refused login. */
function fatal(sqlstate: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** Binds the TLS server on a random 127.x.y.z so parallel runs, each needing port 3307, do not collide. */
async function listenOnLoopback(server: tls.Server): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(CLOUD_SQL_SERVER_PORT, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return host;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}

export async function startFakeCloudSql(options: FakeCloudSqlOptions = {}): Promise<FakeCloudSql> {
  const project = options.project ?? 'test-project';
  const region = options.region ?? 'europe-west1';
  const instance = options.instance ?? 'training';
  const databaseVersion = options.databaseVersion ?? 'POSTGRES_16';
  const postgres = options.postgres ?? { host: '127.0.0.1', port: 5432 };
  const connectionName = `${project}:${region}:${instance}`;
  // Cloud SQL names public-IP instances <uid>.<project hash>.<region>.sql.goog. and puts that name in the server certificate.
  const dnsName = `${randomBytes(6).toString('hex')}.${randomBytes(6).toString('hex')}.${region}.sql.goog.`;

  // Two CAs as in Cloud SQL: one signs the server certificate (handed to clients in connectSettings), the other signs
  // the clients' ephemeral certificates (and is the only one the server accepts client certificates from).
  const dir = await mkdtemp(join(tmpdir(), 'fake-cloud-sql-'));
  await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
  const sslEnv = { FAKE_CLOUD_SQL_DNS_NAME: dnsName.replace(/\.$/, '') };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-config', 'openssl.cnf'];
  const certificateAuthority = (name: string, commonName: string) =>
    openssl(
      dir,
      [
        'req',
        '-x509',
        ...ec,
        '-extensions',
        'ca_ext',
        '-days',
        '3650',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-subj',
        `/C=US/O=Google, Inc/CN=${commonName}`,
      ],
      sslEnv,
    );
  await certificateAuthority('server-ca', 'Google Cloud SQL Server CA');
  await certificateAuthority('client-ca', 'Google Cloud SQL Signing CA');
  // The connector checks the SAN against dnsName, falling back to a CN of project:instance (older instances).
  await openssl(
    dir,
    [
      'req',
      '-x509',
      ...ec,
      '-extensions',
      'server_ext',
      '-days',
      '365',
      '-CA',
      'server-ca.pem',
      '-CAkey',
      'server-ca.key',
      '-keyout',
      'server.key',
      '-out',
      'server.pem',
      '-subj',
      `/CN=${project}:${instance}`,
    ],
    sslEnv,
  );
  const serverCaCert = await readFile(join(dir, 'server-ca.pem'), 'utf8');
  const clientCaCert = await readFile(join(dir, 'client-ca.pem'), 'utf8');

  const grants = new Map<string, Grant>();
  const requests: AdminRequest[] = [];
  const issuedCerts: IssuedCert[] = [];
  const connections: ServerConnection[] = [];
  const refusedSessions: string[] = [];
  let serial = 1;

  async function issueCert(publicKey: string, subject: string): Promise<string> {
    const name = `client-${serial}`;
    await writeFile(join(dir, `${name}.pub`), publicKey);
    await openssl(
      dir,
      [
        'x509',
        '-new',
        '-force_pubkey',
        `${name}.pub`,
        '-subj',
        `/CN=${subject}`,
        '-CA',
        'client-ca.pem',
        '-CAkey',
        'client-ca.key',
        '-set_serial',
        String(serial++),
        // OpenSSL 3.0 counts validity in days; Cloud SQL's certificates last an hour, and an IAM token bounds them anyway.
        '-days',
        '1',
        '-extfile',
        'openssl.cnf',
        '-extensions',
        'client_ext',
        '-out',
        `${name}.pem`,
      ],
      sslEnv,
    );
    return readFile(join(dir, `${name}.pem`), 'utf8');
  }

  function sslCert(pem: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const x509 = new X509Certificate(pem);
    return {
      kind: 'sql#sslCert',
      certSerialNumber: BigInt(`0x${x509.serialNumber}`).toString(),
      cert: pem,
      commonName: x509.subject.replace(/\n/g, ','),
      sha1Fingerprint: x509.fingerprint.replace(/:/g, '').toLowerCase(),
      instance,
      createTime: new Date(x509.validFrom).toISOString(),
      expirationTime: new Date(x509.validTo).toISOString(),
      ...extra,
    };
  }

  const API_PATH = /^\/sql\/v1beta4\/projects\/([^/]+)\/instances\/([^/:]+)(\/connectSettings|:generateEphemeralCert)$/;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', path, token, body });

    const match = API_PATH.exec(path);
    const method = match?.[3] === '/connectSettings' ? 'GET' : 'POST';
    if (!match || req.method !== method) {
      // Not 404: that would look like an unknown instance and hide a wrongly built request.
      sendError(res, 501, 'UNIMPLEMENTED', 'notImplemented', `The fake Cloud SQL Admin API does not implement ${req.method} ${path}.`);
      return;
    }
    const grant = token === undefined ? undefined : grants.get(token);
    if (!grant) {
      sendError(
        res,
        401,
        'UNAUTHENTICATED',
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
      return;
    }
    if (!grant.canConnect) {
      sendError(res, 403, 'PERMISSION_DENIED', 'notAuthorized', 'The client is not authorized to make this request.');
      return;
    }
    if (match[1] !== project || match[2] !== instance) {
      sendError(res, 404, 'NOT_FOUND', 'instanceDoesNotExist', 'The Cloud SQL instance does not exist.');
      return;
    }

    if (method === 'GET') {
      sendJson(res, 200, {
        kind: 'sql#connectSettings',
        serverCaCert: sslCert(serverCaCert, { certSerialNumber: '0' }),
        ipAddresses: [{ type: 'PRIMARY', ipAddress: host }],
        region,
        databaseVersion,
        backendType: 'SECOND_GEN',
        pscEnabled: false,
        dnsName,
        serverCaMode: 'GOOGLE_MANAGED_INTERNAL_CA',
      });
      return;
    }

    // The REST API takes proto field names (public_key, access_token) or their JSON names.
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const publicKey = fields.public_key ?? fields.publicKey;
    const accessToken = (fields.access_token ?? fields.accessToken) as string | undefined;
    try {
      if (typeof publicKey !== 'string') throw new Error('missing');
      createPublicKey(publicKey);
    } catch {
      sendError(res, 400, 'INVALID_ARGUMENT', 'invalid', 'Invalid request: the public key is missing or is not a PEM-encoded RSA public key.');
      return;
    }
    if (accessToken !== undefined && !grants.has(accessToken)) {
      sendError(res, 400, 'INVALID_ARGUMENT', 'invalid', 'Invalid request: the access token is not valid.');
      return;
    }
    const pem = await issueCert(publicKey, accessToken !== undefined ? grants.get(accessToken)!.iamUser : 'cloudsqluser');
    issuedCerts.push({ publicKey, accessToken, fingerprint256: new X509Certificate(pem).fingerprint256, pem });
    sendJson(res, 200, { ephemeralCert: sslCert(pem) });
  }

  const api = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, 'INTERNAL', 'internalError', String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    api.once('error', reject);
    api.listen(0, '127.0.0.1', () => resolve());
  });
  const adminApiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`;

  const sockets = new Set<net.Socket>();
  const server = tls.createServer({
    key: await readFile(join(dir, 'server.key')),
    cert: await readFile(join(dir, 'server.pem')),
    // As an instance with ssl_mode TRUSTED_CLIENT_CERTIFICATE_REQUIRED: a certificate from the signing CA or no session.
    ca: clientCaCert,
    requestCert: true,
    // Checked below rather than by Node (which would drop a certificate from another CA without a word), so the
    // fake can say why it refused a session.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  });
  server.on('tlsClientError', (error) => refusedSessions.push((error as NodeJS.ErrnoException).code ?? error.message));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (!socket.authorized) {
      refusedSessions.push(socket.getPeerX509Certificate() ? String(socket.authorizationError) : 'NO_CLIENT_CERTIFICATE');
      socket.destroy();
      return;
    }
    const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
    const issued = issuedCerts.find((cert) => cert.fingerprint256 === fingerprint);
    const iamUsers = new Set([...grants.values()].map((g) => g.iamUser));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const startup = parseStartup(buffered);
      if (startup === undefined) return;
      socket.off('data', onData);
      socket.pause();
      let admitted = true;
      if (startup !== 'not-startup') {
        // Cloud SQL logs IAM users in with the token their ephemeral certificate was issued for; PostgreSQL itself
        // checks built-in users (here it trusts them: local connections).
        const tokenUser = issued?.accessToken !== undefined ? grants.get(issued.accessToken)?.iamUser : undefined;
        admitted = !iamUsers.has(startup.user) || tokenUser === startup.user;
        connections.push({ clientCertFingerprint256: fingerprint, user: startup.user, database: startup.database, admitted });
        if (!admitted) {
          socket.end(fatal('28000', `Cloud SQL IAM user authentication failed for user "${startup.user}"`));
          return;
        }
      }
      const upstream = net.connect(postgres.port, postgres.host);
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        socket.destroy();
      });
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.write(buffered);
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
  const host = await listenOnLoopback(server);

  return {
    connectionName,
    adminApiUrl,
    host,
    serverCaCert,
    requests,
    issuedCerts,
    connections,
    refusedSessions,
    grant(token, grant) {
      grants.set(token, grant);
    },
    authFor(token) {
      return staticTokenAuth(token, adminApiUrl);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      api.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => api.close(() => resolve())), new Promise<void>((resolve) => server.close(() => resolve()))]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An auth client presenting `token` to the Admin API at `adminApiUrl` only (for a process that does not own the fake). */
export function staticTokenAuth(token: string, adminApiUrl: string): AuthClient {
  return new StaticTokenClient(token, new URL(adminApiUrl).origin);
}

/**
 * google-auth-library's AuthClient with a fixed access token, as the connector's `auth` option takes it. Requests go
 * through the base class's own gaxios transport (the one Google's clients use), so Admin API errors reach the
 * connector exactly as from Google; anything addressed elsewhere than the fake is refused, so no test talks to Google.
 */
class StaticTokenClient extends AuthClient {
  constructor(
    private readonly token: string,
    private readonly origin: string,
  ) {
    super();
    // A token valid for an hour, as the metadata server hands them out; the connector bounds IAM certificates by it.
    this.credentials = { access_token: token, expiry_date: Date.now() + 3600_000 };
  }

  override async getAccessToken(): Promise<{ token: string }> {
    return { token: this.token };
  }

  override async getRequestHeaders(): Promise<Headers> {
    return new Headers({ authorization: `Bearer ${this.token}` });
  }

  override async request<T>(options: Parameters<AuthClient['request']>[0]) {
    const url = new URL(String(options.url));
    if (url.origin !== this.origin) throw new Error(`Refusing a request outside the fake Cloud SQL Admin API: ${url.href}`);
    const headers = new Headers(options.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    return this.transporter.request<T>({ ...options, headers });
  }
}
