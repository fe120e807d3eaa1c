// Telegram's HTML parse mode: escaping athlete text into it, reading it as Telegram does, and its length limits.

/** A message's text, counted after the markup is parsed (UTF-16 code units, as Telegram counts). */
export const TELEGRAM_MESSAGE_LIMIT = 4096;
/** A photo's or document's caption. */
export const TELEGRAM_CAPTION_LIMIT = 1024;

/** Escapes text for parse_mode HTML: the three characters Telegram reads as markup, and quotes for attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type ParsedHtml = { ok: true; text: string } | { ok: false; description: string };

/**
 * Reads parse-mode HTML the way the Bot API does: only its tags, closed in order, and its four named entities plus
 * numeric ones. The failure is worded as Telegram words it ("Bad Request: can't parse entities: …").
 */
export function parseTelegramHtml(html: string): ParsedHtml {
  const open: string[] = [];
  let text = '';
  let i = 0;
  const fail = (what: string) => ({ ok: false as const, description: `Bad Request: can't parse entities: ${what}` });
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index), 'utf8');
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end === -1) return fail(`Unclosed start tag at byte offset ${byteOffset(i)}`);
      const inner = html.slice(i + 1, end);
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim().toLowerCase();
        const expected = open.pop();
        if (expected === undefined || expected !== name) {
          return fail(`Unmatched end tag at byte offset ${byteOffset(i)}, expected "</${expected ?? ''}>", found "</${name}>"`);
        }
      } else {
        const name = /^[a-zA-Z][a-zA-Z0-9-]*/.exec(inner)?.[0]?.toLowerCase();
        if (!name || !TAGS.has(name)) return fail(`Unsupported start tag "${name ?? inner.slice(0, 20)}" at byte offset ${byteOffset(i)}`);
        open.push(name);
      }
      i = end + 1;
    } else if (ch === '&') {
      const match = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/.exec(html.slice(i, i + 12));
      const entity = match?.[1];
      if (entity?.startsWith('#x')) text += String.fromCodePoint(Math.min(Number.parseInt(entity.slice(2), 16), 0x10ffff));
      else if (entity?.startsWith('#')) text += String.fromCodePoint(Math.min(Number.parseInt(entity.slice(1), 10), 0x10ffff));
      else if (entity && NAMED_ENTITIES[entity.toLowerCase()]) text += NAMED_ENTITIES[entity.toLowerCase()];
      else {
        // Telegram keeps an ampersand that starts no entity as it is.
        text += '&';
        i += 1;
        continue;
      }
      i += match![0].length;
    } else {
      text += ch;
      i += 1;
    }
  }
  if (open.length > 0) return fail(`Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  return { ok: true, text };
}

/** How long Telegram counts a message: its text once the markup is read (markup Telegram refuses counts as is). */
export function visibleLength(html: string): number {
  const parsed = parseTelegramHtml(html);
  return parsed.ok ? parsed.text.length : html.length;
}

/**
 * Cuts a long message into messages Telegram accepts, at line ends (the bot's markup never spans lines), and a
 * single line too long for one message at the limit, ending it with "…". Each piece keeps its markup whole.
 */
export function splitMessage(html: string, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const rawLine of html.split('\n')) {
    const line = visibleLength(rawLine) > limit ? trimMessage(rawLine, limit) : rawLine;
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (visibleLength(candidate) <= limit) {
      current = candidate;
      continue;
    }
    if (current !== '') pieces.push(current);
    current = line;
  }
  if (current !== '' || pieces.length === 0) pieces.push(current);
  return pieces;
}

/**
 * Shortens a message to the limit, ending with "…". Markup is dropped from a message that has to be cut (cutting
 * inside a tag or an entity would break it), and its text escaped again, so what is sent always parses.
 */
export function trimMessage(html: string, limit = TELEGRAM_MESSAGE_LIMIT): string {
  if (visibleLength(html) <= limit) return html;
  const parsed = parseTelegramHtml(html);
  const text = parsed.ok ? parsed.text : html;
  // Never leave half of a surrogate pair at the cut.
  let cut = text.slice(0, limit - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${escapeHtml(cut)}…`;
}
