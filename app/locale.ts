// The request's language (switch link, its cookie, Accept-Language) and what every page's layout needs to show it.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { chooseLocale, isLocale, LOCALES, messages, type Locale, type Messages } from '../shared/i18n/index.js';
import type { AppEnv } from './env.js';
import { linkablePath } from './redirect.js';

const LANG_COOKIE = 'lang';

/**
 * `?lang=ru` on any page switches language and remembers it in a cookie. A link rather than a form: it
 * changes only how pages read, nothing about the athlete's data, so it needs no CSRF token.
 */
export const localeMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const asked = c.req.query('lang');
  let choice = getCookie(c, LANG_COOKIE);
  if (isLocale(asked)) {
    choice = asked;
    setCookie(c, LANG_COOKIE, asked, {
      path: '/',
      sameSite: 'Lax',
      httpOnly: true,
      secure: c.get('deps').config.secureCookies,
      maxAge: 365 * 24 * 3600,
    });
  }
  c.set('locale', chooseLocale(choice, c.req.header('accept-language')));
  await next();
};

function safeGet<K extends keyof AppEnv['Variables']>(c: Context<AppEnv>, key: K): AppEnv['Variables'][K] | undefined {
  try {
    return c.get(key);
  } catch {
    return undefined;
  }
}

export function localeOf(c: Context<AppEnv>): Locale {
  return safeGet(c, 'locale') ?? 'en';
}

export function textsOf(c: Context<AppEnv>): Messages {
  return messages(localeOf(c));
}

/** What the layout uses on every page: texts, the switch's links to this same page, and the admin link. */
export function pageLocals(c: Context<AppEnv>): Record<string, unknown> {
  const locale = localeOf(c);
  const url = new URL(c.req.url);
  const langLinks = LOCALES.map((code) => {
    const params = new URLSearchParams(url.search);
    params.set('lang', code);
    // A path like //evil.example would make the link protocol-relative, off this site.
    return { code, name: messages(code).langName, href: `${linkablePath(url.pathname)}?${params}`, current: code === locale };
  });
  const athlete = safeGet(c, 'athlete');
  const deps = safeGet(c, 'deps');
  return {
    locale,
    t: messages(locale),
    langLinks,
    currentPath: url.pathname,
    isAdmin: Boolean(athlete && deps?.config.adminAthleteIds.includes(athlete.id)),
    // The layout's logout form needs it on every signed-in page.
    csrfToken: safeGet(c, 'csrfToken'),
  };
}
