// HTML the sandbox renders: the OAuth consent page, the index page and avatars. Every interpolation is escaped.

import type { AthleteRecord } from './model.js';
import { REQUIRED_SCOPE, SCOPE_LABELS, type Scope } from './scopes.js';

export function escapeHtml(value: string | number): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
:root { --orange: #fc5200; --ink: #242428; --muted: #6d6d78; --line: #dfdfe8; --bg: #f7f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 14px 24px; display: flex; align-items: center; gap: 10px; }
.logo { color: var(--orange); font-weight: 900; letter-spacing: 0.08em; font-size: 22px; }
.tag { font-size: 12px; text-transform: uppercase; letter-spacing: 0.1em; color: #fff; background: var(--ink); border-radius: 4px; padding: 2px 6px; }
main { max-width: 520px; margin: 40px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 32px; }
h1 { font-size: 22px; margin: 0 0 16px; line-height: 1.3; }
.who { display: flex; align-items: center; gap: 12px; padding: 12px 0 20px; border-bottom: 1px solid var(--line); margin-bottom: 20px; color: var(--muted); }
.who img { width: 48px; height: 48px; border-radius: 50%; }
.who b { color: var(--ink); }
fieldset { border: 0; margin: 0 0 24px; padding: 0; }
legend { font-weight: 600; margin-bottom: 8px; }
label.scope { display: flex; gap: 10px; align-items: flex-start; padding: 8px 0; }
label.scope input { accent-color: var(--orange); width: 18px; height: 18px; margin-top: 3px; }
.actions { display: flex; gap: 12px; }
button { font: inherit; font-weight: 600; border-radius: 4px; padding: 10px 22px; cursor: pointer; border: 1px solid var(--orange); }
button[value="approve"] { background: var(--orange); color: #fff; }
button[value="approve"]:hover { background: #e34a00; }
button[value="deny"] { background: #fff; color: var(--ink); border-color: var(--line); }
.fine { font-size: 13px; color: var(--muted); margin-top: 24px; }
code { background: var(--bg); padding: 1px 4px; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
td { padding: 6px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td:first-child { color: var(--muted); padding-right: 16px; white-space: nowrap; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><span class="logo">STRAVA</span><span class="tag">sandbox</span></header>
<main>
${body}
</main>
</body>
</html>`;
}

export interface ConsentPage {
  applicationName: string;
  athlete: AthleteRecord;
  avatarUrl: string;
  redirectHost: string;
  scopes: Scope[];
  hidden: Record<string, string>;
}

/** Plain HTML form, no script: the requested scopes as ticked boxes, and Authorize / Cancel. */
export function consentPage(p: ConsentPage): string {
  const hidden = Object.entries(p.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const boxes = p.scopes
    .map((scope) => {
      const label = escapeHtml(SCOPE_LABELS[scope]);
      if (scope === REQUIRED_SCOPE) {
        // A disabled box is not submitted, so the required scope travels in a hidden field instead.
        return `<label class="scope"><input type="checkbox" name="scope" value="${scope}" checked disabled> <span>${label}</span></label>
<input type="hidden" name="scope" value="${scope}">`;
      }
      return `<label class="scope"><input type="checkbox" name="scope" value="${escapeHtml(scope)}" checked> <span>${label}</span></label>`;
    })
    .join('\n');
  const name = `${p.athlete.firstname} ${p.athlete.lastname}`;
  return layout(
    `Authorize ${p.applicationName} | Strava sandbox`,
    `<h1>Authorize <b>${escapeHtml(p.applicationName)}</b> to connect to Strava</h1>
<div class="who"><img src="${escapeHtml(p.avatarUrl)}" alt=""><div>Logged in as <b>${escapeHtml(name)}</b><br><small>athlete ${escapeHtml(p.athlete.id)} · ${escapeHtml(p.athlete.city)}</small></div></div>
<form method="post" action="/oauth/authorize">
${hidden}
<fieldset>
<legend>${escapeHtml(p.applicationName)} would like to:</legend>
${boxes}
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</div>
</form>
<p class="fine">You will be sent back to <code>${escapeHtml(p.redirectHost)}</code>. This is a local stand-in for strava.com: nothing leaves this machine.</p>`,
  );
}

export interface IndexPage {
  origin: string;
  clientId: string;
  demoAthlete: AthleteRecord;
  activityCount: number;
}

export function indexPage(p: IndexPage): string {
  const authorize = `${p.origin}/oauth/authorize?client_id=${encodeURIComponent(p.clientId)}&redirect_uri=${encodeURIComponent('http://localhost/exchange_token')}&response_type=code&approval_prompt=force&scope=read,activity:read_all`;
  return layout(
    'Strava sandbox',
    `<h1>Local Strava sandbox</h1>
<table>
<tr><td>API base</td><td><code>${escapeHtml(p.origin)}/api/v3</code></td></tr>
<tr><td>OAuth base</td><td><code>${escapeHtml(p.origin)}/oauth</code></td></tr>
<tr><td>client_id</td><td><code>${escapeHtml(p.clientId)}</code></td></tr>
<tr><td>Demo athlete</td><td>${escapeHtml(`${p.demoAthlete.firstname} ${p.demoAthlete.lastname}`)} (${escapeHtml(p.demoAthlete.id)}), ${escapeHtml(p.activityCount)} activities</td></tr>
</table>
<p><a href="${escapeHtml(authorize)}">Try the consent page</a></p>
<p><a href="/sandbox/athletes/${escapeHtml(p.demoAthlete.id)}/export.zip">Download the demo athlete’s archive</a> (Strava’s bulk export layout: activities.csv with FIT, GPX and TCX files, gzipped and not), to try Settings → Import your Strava archive.</p>`,
  );
}

const AVATAR_COLOURS = ['#fc5200', '#e0457b', '#2a7ab0', '#3a9d5d', '#8a5cc7', '#c08a1e'];

export function avatarSvg(athlete: AthleteRecord, size: number): string {
  const initials = `${athlete.firstname.charAt(0)}${athlete.lastname.charAt(0)}`.toUpperCase();
  const colour = AVATAR_COLOURS[athlete.id % AVATAR_COLOURS.length]!;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 124 124" role="img" aria-label="${escapeHtml(`${athlete.firstname} ${athlete.lastname}`)}">
<circle cx="62" cy="62" r="62" fill="${colour}"/>
<text x="62" y="62" dy="0.35em" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="48" font-weight="700" fill="#fff">${escapeHtml(initials)}</text>
</svg>`;
}
