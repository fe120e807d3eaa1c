// A typed Strava client: OAuth and the REST endpoints this project uses, with errors by kind and bounded retries.
import {
  StravaError,
  StravaNotFoundError,
  StravaRateLimitError,
  StravaRequestError,
  StravaServerError,
  StravaUnauthorizedError,
  type StravaFault,
} from './errors.js';
import { parseRateLimit } from './rate-limit.js';
import type { DetailedAthlete, RateLimitUsage, Scope, StreamSet, SummaryActivity, TokenExchange, TokenSet } from './types.js';

export interface StravaClientOptions {
  apiBaseUrl: string;
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Extra attempts after a 5xx or network failure; 429 and 4xx are never retried here. */
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
  timeoutMs?: number;
  /** Called with the usage Strava reported on every API answer, so a shared budget can remember it. */
  onRateLimit?: (usage: RateLimitUsage) => void;
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
  private readonly options: Required<Omit<StravaClientOptions, 'onRateLimit'>> & Pick<StravaClientOptions, 'onRateLimit'>;
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

  /** Revokes every token of this athlete for this application. */
  async deauthorize(accessToken: string): Promise<void> {
    await this.send('POST', `${this.options.oauthBaseUrl}/deauthorize`, {
      body: new URLSearchParams({ access_token: accessToken }),
      token: accessToken,
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

  getStreams(accessToken: string, id: number, keys: readonly string[]): Promise<StreamSet> {
    const query = new URLSearchParams({ keys: keys.join(','), key_by_type: 'true' });
    return this.api<StreamSet>(accessToken, `/activities/${encodeURIComponent(String(id))}/streams?${query}`);
  }

  private api<T>(accessToken: string, path: string): Promise<T> {
    return this.send<T>('GET', `${this.options.apiBaseUrl}${path}`, { token: accessToken });
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

  private async send<T>(method: string, url: string, init: { token?: string; body?: URLSearchParams }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, url, init);
      } catch (error) {
        // Only server trouble is worth an immediate retry; a 429 must wait for the window to reset.
        const retryable = error instanceof StravaServerError;
        if (!retryable || attempt >= this.options.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs(attempt + 1)));
      }
    }
  }

  private async once<T>(method: string, url: string, init: { token?: string; body?: URLSearchParams }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method,
        headers,
        ...(init.body ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      throw new StravaServerError(0, undefined, { cause });
    }

    const usage = parseRateLimit(response.headers);
    if (usage) {
      this.lastRateLimit = usage;
      this.options.onRateLimit?.(usage);
    }

    const text = await response.text();
    if (response.ok) {
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new StravaServerError(response.status, undefined, { cause });
      }
    }
    throw toError(response.status, parseFault(text), usage);
  }
}

function parseFault(text: string): StravaFault | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return body !== null && typeof body === 'object' ? (body as StravaFault) : undefined;
  } catch {
    return undefined;
  }
}

function toError(status: number, fault: StravaFault | undefined, usage: RateLimitUsage | undefined): StravaError {
  if (status === 429) return new StravaRateLimitError(fault, usage);
  if (status === 401) return new StravaUnauthorizedError(fault);
  if (status === 404) return new StravaNotFoundError(fault);
  if (status >= 500) return new StravaServerError(status, fault);
  return new StravaRequestError(status, fault);
}
