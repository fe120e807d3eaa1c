// The share card: an activity's route (already cut by the athlete's privacy zones) and figures, drawn as SVG and rendered to PNG on the server.
import { createRequire } from 'node:module';
import { escapeHtml } from './html.js';

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;
/** Where the route is drawn: the left part of the card. */
export const CARD_ROUTE_BOX = { width: 560, height: 500, padding: 24, minStep: 2 };

export interface CardContent {
  title: string;
  /** "Run · 17 May 2026". */
  subtitle: string;
  /** Up to four label/value pairs. */
  figures: { label: string; value: string }[];
  /** The route's SVG path in CARD_ROUTE_BOX, empty when there is nothing to draw. */
  routePath: string;
  siteName: string;
}

const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** One line at most this many characters, so a long name never runs off the card. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

// Bold DejaVu Sans at 34 px fits about 25 average characters in the 520 px beside the route; 22 leaves room for wide ones.
const TITLE_LINE = 22;

/** The title on at most two lines, broken between words where it can be, the rest cut with "…". */
export function titleLines(title: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of title.trim().split(/\s+/)) {
    const candidate = current ? `${current} ${word}` : word;
    if ([...candidate].length <= TITLE_LINE) current = candidate;
    else {
      if (current) lines.push(current);
      current = word;
      while ([...current].length > TITLE_LINE) {
        lines.push([...current].slice(0, TITLE_LINE).join(''));
        current = [...current].slice(TITLE_LINE).join('');
      }
    }
  }
  if (current) lines.push(current);
  if (lines.length <= 2) return lines;
  return [lines[0]!, clip(`${lines[1]} ${lines[2]}`, TITLE_LINE)];
}

/** The card as SVG: every piece of text is escaped, since activity names are the athlete's (or anyone's) words. */
export function cardSvg(card: CardContent): string {
  const route = card.routePath
    ? `<g transform="translate(40 65)"><rect width="${CARD_ROUTE_BOX.width}" height="${CARD_ROUTE_BOX.height}" rx="24" fill="#1f2a37"/><path d="${escapeHtml(card.routePath)}" fill="none" stroke="#fc5200" stroke-width="7" stroke-linecap="round" stroke-linejoin="round"/></g>`
    : `<g transform="translate(40 65)"><rect width="${CARD_ROUTE_BOX.width}" height="${CARD_ROUTE_BOX.height}" rx="24" fill="#1f2a37"/></g>`;
  const figures = card.figures
    .slice(0, 4)
    .map(
      (figure, i) =>
        `<text x="640" y="${300 + i * 80}" font-size="26" fill="#9fb3c8">${escapeHtml(clip(figure.label, 28))}</text>` +
        `<text x="640" y="${334 + i * 80}" font-size="36" font-weight="bold" fill="#ffffff">${escapeHtml(clip(figure.value, 24))}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}" font-family="DejaVu Sans">
<rect width="100%" height="100%" fill="#111827"/>
${route}
${titleLines(card.title)
  .map((line, i) => `<text x="640" y="${110 + i * 44}" font-size="34" font-weight="bold" fill="#ffffff">${escapeHtml(line)}</text>`)
  .join('')}
<text x="640" y="215" font-size="28" fill="#fc5200">${escapeHtml(clip(card.subtitle, 34))}</text>
${figures}
<text x="1160" y="600" font-size="22" fill="#6b7f95" text-anchor="end">${escapeHtml(card.siteName)}</text>
</svg>`;
}

/** Renders the card to PNG with the fonts shipped with the app (no system fonts: the same picture everywhere). */
export async function renderCardPng(card: CardContent): Promise<Uint8Array> {
  // Loaded when a card is asked for: the native renderer is not needed by anything else.
  const { Resvg } = await import('@resvg/resvg-js');
  const require = createRequire(import.meta.url);
  const fontFiles = FONT_FILES.map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
  const resvg = new Resvg(cardSvg(card), { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'original' } });
  return new Uint8Array(resvg.render().asPng());
}
