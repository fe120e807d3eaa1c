// Renders eta templates from app/views with the layout's shared data; output is HTML-escaped by default.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Eta } from 'eta';
import { messages } from '../shared/i18n/index.js';
import { fromRoot } from '../shared/paths.js';
import type { AppEnv } from './env.js';
import { pageLocals } from './locale.js';

const eta = new Eta({ views: fromRoot('app', 'views'), cache: true, autoEscape: true });

export interface PageData {
  title: string;
  [key: string]: unknown;
}

// Pages rendered without a request context (or before the locale is known) read in English.
const ENGLISH = { locale: 'en', t: messages('en'), langLinks: [], isAdmin: false };

export function renderPage(template: string, data: PageData): string {
  return eta.render(template, { ...ENGLISH, ...data });
}

export function page(c: Context<AppEnv>, template: string, data: PageData, status: ContentfulStatusCode = 200) {
  let athlete: unknown;
  try {
    athlete = c.get('athlete');
  } catch {
    athlete = undefined;
  }
  return c.html(renderPage(template, { athlete, ...pageLocals(c), ...data }), status);
}
