// The languages the site speaks; apart from the texts so the formatter can name them without a cycle.
export type Locale = 'en' | 'ru';
export const LOCALES: readonly Locale[] = ['en', 'ru'];

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ru';
}
