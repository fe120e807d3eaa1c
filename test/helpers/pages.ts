// Page requests as a signed-in browser makes them: GET a path, POST a form, read the settings page's CSRF token.
import type { CookieClient, HopResponse } from './http.js';
import { hiddenValue } from './oauth.js';

/** `current` is read at each call: the stack and its signed-in client are made in the test file's before(). */
export function pageRequests(current: () => { baseUrl: string; client: CookieClient }) {
  const get = (path: string, c = current().client): Promise<HopResponse> => c.request(current().baseUrl + path);
  const post = (path: string, fields: Record<string, string>, c = current().client): Promise<HopResponse> =>
    c.request(current().baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const csrf = async (c = current().client): Promise<string> => hiddenValue((await get('/settings', c)).text, 'csrf');
  return { get, post, csrf };
}
