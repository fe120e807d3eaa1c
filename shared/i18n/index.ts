// Languages: which one a request gets (switch, setting, Accept-Language) and its texts.
import { en, type Messages, type SentenceKey } from './en.js';
import { ru } from './ru.js';
import { isLocale, type Locale } from './locales.js';

export { isLocale, LOCALES, type Locale } from './locales.js';
export type { Messages, SentenceKey };

const MESSAGES: Record<Locale, Messages> = { en, ru };

/** The best supported language in an Accept-Language header, by its q-values; English otherwise. */
export function fromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, order) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: (tag ?? '').trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), order };
    })
    .filter((entry) => entry.lang && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const entry of ranked) if (isLocale(entry.lang)) return entry.lang;
  return 'en';
}

/** An explicit choice (the switch's cookie or the athlete's setting) wins over the browser's header. */
export function chooseLocale(choice: string | null | undefined, acceptLanguage: string | undefined): Locale {
  return isLocale(choice) ? choice : fromAcceptLanguage(acceptLanguage);
}

export function messages(locale: Locale): Messages {
  return MESSAGES[locale];
}

export type { ArchiveReason, ArchiveReasonKey, DataKind, NestingReasonKey } from './archive-en.js';
export { createFormatter, type Formatter } from './format.js';
