// A small cookie-keeping HTTP client that follows redirects one hop at a time, like a browser without JavaScript.
export interface HopResponse {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

/** An app answered in this process (Hono's `app.request`), for the requests to its origin: no socket in between. */
export interface InProcessApp {
  origin: string;
  fetch(request: Request): Response | Promise<Response>;
}

export class CookieClient {
  private readonly jar = new Map<string, Map<string, string>>();

  /** With `app`, requests to its origin are answered in process; every other origin (the sandbox) over HTTP. */
  constructor(private readonly app?: InProcessApp) {}

  /** One request, no automatic redirects; cookies are stored per host:port. */
  async request(url: string, init: RequestInit = {}): Promise<HopResponse> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = this.jar.get(target.host);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response =
      this.app && target.origin === this.app.origin
        ? await this.app.fetch(new Request(target, { ...init, headers, redirect: 'manual' }))
        : await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target.host, line);
    return { url: target.toString(), status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Follows redirects (GET after 302/303) until a non-redirect answer, returning every hop. */
  async follow(url: string, init: RequestInit = {}, maxHops = 10): Promise<HopResponse[]> {
    const hops: HopResponse[] = [];
    let next: { url: string; init: RequestInit } | undefined = { url, init };
    while (next && hops.length < maxHops) {
      const hop = await this.request(next.url, next.init);
      hops.push(hop);
      const location = hop.headers.get('location');
      next = hop.status >= 300 && hop.status < 400 && location ? { url: new URL(location, hop.url).toString(), init: {} } : undefined;
    }
    return hops;
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, value);
  }

  clear(host: string, name: string): void {
    this.jar.get(host)?.delete(name);
  }

  private store(host: string, line: string): void {
    const [pair, ...attributes] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    if (expired) this.jar.get(host)!.delete(name);
    else this.jar.get(host)!.set(name, value);
  }
}

export interface ParsedForm {
  action: string;
  method: string;
  hidden: Record<string, string>;
  checkboxes: { name: string; value: string; checked: boolean }[];
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? decode(match[2] ?? match[3] ?? match[4] ?? '') : undefined;
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Reads the first form of an HTML page: where it posts, its hidden fields and its checkboxes. */
export function parseForm(html: string, pageUrl: string): ParsedForm {
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!formTag) throw new Error('no form on the page');
  const form: ParsedForm = {
    action: new URL(attribute(formTag, 'action') ?? pageUrl, pageUrl).toString(),
    method: (attribute(formTag, 'method') ?? 'get').toUpperCase(),
    hidden: {},
    checkboxes: [],
  };
  for (const tag of html.match(/<input\b[^>]*>/gi) ?? []) {
    const type = (attribute(tag, 'type') ?? 'text').toLowerCase();
    const name = attribute(tag, 'name');
    if (!name) continue;
    if (type === 'hidden') form.hidden[name] = attribute(tag, 'value') ?? '';
    if (type === 'checkbox') form.checkboxes.push({ name, value: attribute(tag, 'value') ?? 'on', checked: /\bchecked\b/i.test(tag) });
  }
  return form;
}
