// The stand-in's page: each webhook with its URL to paste into settings, and what was posted to it.
import { isLocale, messages } from '../../shared/i18n/index.js';
import { escapeHtml } from '../../shared/telegram/index.js';
import type { Hook } from './hooks.js';

export function hooksPage(hooks: Hook[], lang: string | undefined): string {
  const locale = isLocale(lang) ? lang : 'en';
  const t = messages(locale);
  const sections = hooks
    .map((hook) => {
      const posts = hook.messages
        .map(
          (m) =>
            `<li class="${m.deleted ? 'deleted' : ''}"><pre>${escapeHtml(m.text)}</pre><small>${escapeHtml(new Date(m.postedAt).toISOString())}${m.edited ? ` · ${escapeHtml(t.hooksEdited)}` : ''}${m.deleted ? ` · ${escapeHtml(t.hooksDeleted)}` : ''}</small></li>`,
        )
        .join('');
      return `<section><h2>${escapeHtml(hook.service === 'slack' ? t.deliverySlack : t.deliveryDiscord)} <small>(${escapeHtml(t.hooksStates[hook.state] ?? hook.state)})</small></h2>
<p><code>${escapeHtml(hook.url)}</code></p>${posts ? `<ol>${posts}</ol>` : `<p class="muted">${escapeHtml(t.hooksNoMessages)}</p>`}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>${escapeHtml(t.hooksPageTitle)}</title>
<style>
  body { margin: 0 auto; max-width: 760px; padding: 16px; font: 16px/1.4 system-ui, sans-serif; }
  section { border: 1px solid #ccd; border-radius: 8px; padding: 8px 12px; margin: 12px 0; }
  code, pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  pre { margin: 0; font: inherit; }
  li { margin: 8px 0; }
  li.deleted pre { text-decoration: line-through; color: #777; }
  .muted, small { color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(t.hooksPageTitle)}</h1>
<p>${escapeHtml(t.hooksPageIntro)}</p>
${sections || `<p class="muted">${escapeHtml(t.hooksNone)}</p>`}
</body>
</html>`;
}
