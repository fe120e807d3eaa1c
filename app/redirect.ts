// Same-site redirect targets only: a path on this site, never another host however it is spelled.

/**
 * `value` when it is a path on this site, otherwise `fallback`. Refused: absolute URLs, protocol-relative `//host`
 * and `////host`, `/\host` (browsers read a backslash as a slash), any percent-encoding (an encoded slash or
 * backslash turns into one of the above after a decode somewhere), control characters and whitespace.
 */
export function sameSitePath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return fallback;
  if (!value.startsWith('/') || value.startsWith('//')) return fallback;
  if (/[\\%\s\u0000-\u001f\u007f]/.test(value)) return fallback;
  // A final check with the URL parser: the target must stay on the origin it is resolved against.
  const base = 'https://same-site.invalid';
  try {
    const resolved = new URL(value, base);
    if (resolved.origin !== base) return fallback;
  } catch {
    return fallback;
  }
  return value;
}

/** A path to build a link from: the request's own path when it is same-site, else the home page. */
export function linkablePath(pathname: string): string {
  return sameSitePath(pathname, '/');
}
