// A typed Strava client: OAuth and the REST endpoints this project uses, with errors by kind and bounded retries.
import { ApiHostSelector } from './api-host.js';
import { parseFault, StravaApplicationInactiveError, StravaServerError, toStravaError } from './errors.js';
import { parseJsonExact } from './json.js';
import { parseRateLimit } from './rate-limit.js';
import type { ActivityStats, DetailedAthlete, RateLimitUsage, Scope, StreamSet, SummaryActivity, TokenExchange, TokenSet } from './types.js';

/** What Strava's answers say about the application itself, for the shared application status. */
export type ApplicationSignal = 'active' | 'inactive';

export interface StravaClientOptions {
  /** A fixed base URL, or the selector that follows Strava's host schedule with a fallback. */
  apiBaseUrl: string | ApiHostSelector;
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Extra attempts after a 5xx or network failure; 429 and 4xx are never retried here. */
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
  timeoutMs?: number;
  /** Called with the usage Strava reported on every API answer, so a shared budget can remember it. */
  onRateLimit?: (usage: RateLimitUsage) => void;
  /** Called with `inactive` on Strava's "application inactive" answer and `active` on every successful answer. */
  onApplicationSignal?: (signal: ApplicationSignal) => void;
  fetch?: typeof fetch;
}

export interface AuthorizeUrlParams {
  redirectUri: string;
  state: string;
  scopes: readonly Scope[];
  approvalPrompt?: 'auto' | 'force';
}

export interface ListActivitiesParams {
  page?: number;
  perPage?: number;
  /** Epoch seconds. */
  before?: number;
  after?: number;
}

export class StravaClient {
  private readonly options: Required<Omit<StravaClientOptions, 'onRateLimit' | 'onApplicationSignal' | 'apiBaseUrl'>> &
    Pick<StravaClientOptions, 'onRateLimit' | 'onApplicationSignal'>;
  /** Where API calls go; OAuth stays on its own base URL. */
  readonly apiHost: ApiHostSelector;
  /** The most recent rate-limit figures seen by this client. */
  lastRateLimit: RateLimitUsage | undefined;

  constructor(options: StravaClientOptions) {
    this.options = {
      retries: 2,
      retryDelayMs: (attempt) => 250 * 4 ** (attempt - 1),
      timeoutMs: 15_000,
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
    };
    this.apiHost = typeof options.apiBaseUrl === 'string' ? new ApiHostSelector({ configured: options.apiBaseUrl }) : options.apiBaseUrl;
  }

  authorizeUrl(params: AuthorizeUrlParams): string {
    const url = new URL(`${this.options.oauthBaseUrl}/authorize`);
    url.search = new URLSearchParams({
      client_id: this.options.clientId,
      redirect_uri: params.redirectUri,
      response_type: 'code',
      approval_prompt: params.approvalPrompt ?? 'auto',
      scope: params.scopes.join(','),
      state: params.state,
    }).toString();
    return url.toString();
  }

  exchangeCode(code: string): Promise<TokenExchange> {
    return this.oauth<TokenExchange>('token', { code, grant_type: 'authorization_code' });
  }

  refreshToken(refreshToken: string): Promise<TokenSet> {
    return this.oauth<TokenSet>('token', { refresh_token: refreshToken, grant_type: 'refresh_token' });
  }

  /**
   * Revokes the athlete's grant: `token` is their access or refresh token, and revoking either revokes the other
   * (POST /oauth/revoke, since 2026-06-01; oauth/deauthorize is retired after 2027-06-01). The client authenticates
   * with HTTP Basic; the token travels in the form body, never in the URL.
   */
  async revoke(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<void> {
    const basic = Buffer.from(`${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`).toString('base64');
    await this.send('POST', `${this.options.oauthBaseUrl}/revoke`, {
      body: new URLSearchParams({ token, ...(tokenTypeHint ? { token_type_hint: tokenTypeHint } : {}) }),
      basic,
    });
  }

  getAthlete(accessToken: string): Promise<DetailedAthlete> {
    return this.api<DetailedAthlete>(accessToken, '/athlete');
  }

  listActivities(accessToken: string, params: ListActivitiesParams = {}): Promise<SummaryActivity[]> {
    const query = new URLSearchParams();
    if (params.page !== undefined) query.set('page', String(params.page));
    if (params.perPage !== undefined) query.set('per_page', String(params.perPage));
    if (params.before !== undefined) query.set('before', String(params.before));
    if (params.after !== undefined) query.set('after', String(params.after));
    return this.api<SummaryActivity[]>(accessToken, `/athlete/activities?${query}`);
  }

  getActivity(accessToken: string, id: number): Promise<SummaryActivity> {
    return this.api<SummaryActivity>(accessToken, `/activities/${encodeURIComponent(String(id))}`);
  }

  /** All-time, year-to-date and recent totals; Strava answers only for the token's own athlete. */
  getAthleteStats(accessToken: string, athleteId: number): Promise<ActivityStats> {
    return this.api<ActivityStats>(accessToken, `/athletes/${encodeURIComponent(String(athleteId))}/stats`);
  }

  getStreams(accessToken: string, id: number, keys: readonly string[]): Promise<StreamSet> {
    const query = new URLSearchParams({ keys: keys.join(','), key_by_type: 'true' });
    return this.api<StreamSet>(accessToken, `/activities/${encodeURIComponent(String(id))}/streams?${query}`);
  }

  /**
   * A call the application makes as itself (the push subscription endpoints), on the API host in use: its id and
   * secret go in the form of a POST and in the query string otherwise, as Strava reads them. Never retried: a create
   * Strava did take must not be sent twice.
   */
  applicationRequest<T>(method: 'GET' | 'POST' | 'DELETE', path: string, fields?: URLSearchParams, options: { timeoutMs?: number } = {}): Promise<T> {
    const credentials = new URLSearchParams({ client_id: this.options.clientId, client_secret: this.options.clientSecret });
    const target = `${path}${fields ? '' : `?${credentials}`}`;
    return this.onApiHost<T>(method, target, { ...(fields ? { body: new URLSearchParams([...credentials, ...fields]) } : {}), api: true, ...options });
  }

  private api<T>(accessToken: string, path: string): Promise<T> {
    return this.send<T>('GET', path, { token: accessToken, api: true });
  }

  private oauth<T>(endpoint: string, fields: Record<string, string>): Promise<T> {
    return this.send<T>('POST', `${this.options.oauthBaseUrl}/${endpoint}`, {
      body: new URLSearchParams({
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        ...fields,
      }),
    });
  }

  private async send<T>(method: string, target: string, init: RequestInit): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (init.api ? this.onApiHost<T>(method, target, init) : this.once<T>(method, target, init));
      } catch (error) {
        // Only server trouble is worth an immediate retry; a 429 must wait for the window to reset.
        const retryable = error instanceof StravaServerError;
        if (!retryable || attempt >= this.options.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs(attempt + 1)));
      }
    }
  }

  /**
   * An API call on the host in use; when that host cannot be reached at all (no connection, or a redirect, which
   * would drop the Authorization header), the other host is tried once, and kept if it answers.
   */
  private async onApiHost<T>(method: string, path: string, init: RequestInit): Promise<T> {
    const { baseUrl } = this.apiHost.current();
    try {
      return await this.once<T>(method, `${baseUrl}${path}`, init);
    } catch (error) {
      const alternative = this.apiHost.alternative(baseUrl);
      if (!alternative || !(error instanceof HostUnreachableError)) throw unwrap(error);
      try {
        const answer = await this.once<T>(method, `${alternative}${path}`, init);
        this.apiHost.usedFallback(alternative);
        return answer;
      } catch (second) {
        // Any HTTP answer proves the other host is there, even a refusal.
        if (!(second instanceof HostUnreachableError)) this.apiHost.usedFallback(alternative);
        throw unwrap(second);
      }
    }
  }

  private async once<T>(method: string, url: string, init: RequestInit): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // Tokens only ever travel in headers (the only place Strava accepts them from 2027-06-01).
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.basic) headers.authorization = `Basic ${init.basic}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method,
        headers,
        ...(init.body ? { body: init.body } : {}),
        // A redirect between hosts would be followed without the Authorization header: treat it as the wrong host.
        redirect: 'manual',
        signal: AbortSignal.timeout(init.timeoutMs ?? this.options.timeoutMs),
      });
    } catch (cause) {
      throw new HostUnreachableError(cause);
    }

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new HostUnreachableError(new Error(`Strava answered ${response.status} (redirect) at ${new URL(url).host}`));
    }

    const usage = parseRateLimit(response.headers);
    if (usage) {
      this.lastRateLimit = usage;
      this.options.onRateLimit?.(usage);
    }

    const text = await response.text();
    if (response.ok) {
      this.options.onApplicationSignal?.('active');
      if (text === '') return undefined as T;
      try {
        // Ids are 64-bit: one beyond 2^53 comes back as its exact digits, never as a rounded number.
        return parseJsonExact(text) as T;
      } catch (cause) {
        throw new StravaServerError(response.status, undefined, { cause });
      }
    }
    const error = toStravaError(response.status, parseFault(text), usage);
    if (error instanceof StravaApplicationInactiveError) this.options.onApplicationSignal?.('inactive');
    throw error;
  }
}

interface RequestInit {
  token?: string;
  basic?: string;
  body?: URLSearchParams;
  /** `target` is a path on the API host in use rather than a full URL. */
  api?: boolean;
  /** A longer or shorter wait than the client's own for this one call. */
  timeoutMs?: number;
}

/** No HTTP answer from this host (or only a redirect): a reason to try the other API host. */
class HostUnreachableError extends StravaServerError {
  constructor(cause: unknown) {
    super(0, undefined, { cause });
  }
}

/** Callers see the ordinary "could not be reached" error, whichever host it came from. */
function unwrap(error: unknown): unknown {
  return error instanceof HostUnreachableError ? new StravaServerError(0, undefined, { cause: error.cause }) : error;
}
