// Parses Strava's JSON so that an integer beyond 2^53 (a 64-bit id) arrives as its exact digits, never rounded.

/**
 * JSON.parse, except that integers a JavaScript number cannot hold exactly come back as strings of their digits.
 *
 * Why a scan instead of a reviver: `JSON.parse(text, (key, value, context) => context.source)` only exists on
 * Node 21 and later, and by the time a reviver sees the number it has already been rounded, so without
 * `context.source` the original is gone. The scan below is one linear pass that only looks at characters outside
 * strings; text with no long integer is handed to JSON.parse untouched.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

// 16 digits can exceed 2^53 (9007199254740992); 15 never can, so shorter runs are skipped without a BigInt check.
const MIN_UNSAFE_DIGITS = 16;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The text with every unsafe integer literal outside strings wrapped in quotes. Exported for tests. */
export function quoteUnsafeIntegers(text: string): string {
  let out: string[] | undefined;
  let copiedTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      continue;
    }
    const startsNumber = (ch >= 0x30 && ch <= 0x39) || ch === 0x2d; /* 0-9 or - */
    if (!startsNumber) continue;
    let end = i + 1;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) end++;
      else break;
    }
    const literal = text.slice(i, end);
    if (/^-?\d+$/.test(literal) && literal.replace('-', '').length >= MIN_UNSAFE_DIGITS) {
      const value = BigInt(literal);
      if (value > MAX_SAFE || value < -MAX_SAFE) {
        out ??= [];
        out.push(text.slice(copiedTo, i), `"${literal}"`);
        copiedTo = end;
      }
    }
    i = end - 1;
  }
  if (!out) return text;
  out.push(text.slice(copiedTo));
  return out.join('');
}

/** Whether a parsed id is one this project can use as a JavaScript number without losing digits. */
export function isSafeId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** An id beyond 2^53: the site refuses it by name rather than work with a rounded one that belongs to someone else. */
export class UnsafeIdError extends Error {
  readonly ids: string[];
  constructor(kind: string, ids: string[]) {
    super(`Strava sent ${kind} ids beyond 2^53, which this site cannot store exactly: ${ids.join(', ')}`);
    this.name = 'UnsafeIdError';
    this.ids = ids;
  }
}
