// Activity names are the athlete's free text: each service's markup is escaped so a name can neither format, link nor
// mention anyone (Slack mrkdwn control characters, Discord markdown and mentions).

/** One line: a name's newlines would otherwise start markdown blocks (headings, quotes, lists) on the next line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
}

/** Slack mrkdwn: &, < and > are its only control characters (they make links and <!channel> mentions). */
export function escapeSlack(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Discord markdown: every character that formats, links, quotes or starts a mention or an emoji is backslash-escaped.
 * The payload also sets allowed_mentions to none, so even text that reads like @everyone notifies nobody.
 */
export function escapeDiscord(text: string): string {
  return oneLine(text).replace(/[\\*_~`|>#\-[\]()<@:!.+=]/g, (char) => `\\${char}`);
}
