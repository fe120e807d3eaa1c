// The stand-in's chat page: one person's conversation with the bot, as a phone shows it, in English or Russian.
import { isLocale, messages } from '../../shared/i18n/index.js';
import { escapeHtml } from '../../shared/telegram/index.js';
import type { StandInUser } from './model.js';

export function chatPage(input: { botUsername: string; user: StandInUser; lang: string | undefined; start: string | undefined }): string {
  const locale = isLocale(input.lang) ? input.lang : 'en';
  const t = messages(locale);
  // Telegram's start parameter: the same characters are all the page accepts.
  const start = input.start && /^[A-Za-z0-9_-]{1,64}$/.test(input.start) ? input.start : '';
  const texts = { empty: t.tgChatEmpty, noWebhook: t.tgChatNoWebhook, webhookError: t.tgChatWebhookError('{error}'), file: t.tgChatFile };
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.tgChatTitle)}</title>
<link rel="icon" href="data:,">
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #e6ebee; color: #111; }
  .chat { max-width: 720px; margin: 0 auto; min-height: 100vh; display: flex; flex-direction: column; background: #dfe7ec; }
  header { background: #2f5d82; color: #fff; padding: 12px 16px; }
  header h1 { margin: 0; font-size: 1.05rem; }
  header p { margin: 4px 0 0; font-size: .85rem; }
  .lang { color: #fff; font-size: .85rem; margin-right: 8px; }
  #log { flex: 1; padding: 12px; display: flex; flex-direction: column; gap: 8px; overflow-wrap: anywhere; }
  .bubble { max-width: 88%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; box-shadow: 0 1px 1px rgba(0,0,0,.12); }
  .bot { align-self: flex-start; background: #fff; }
  .user { align-self: flex-end; background: #dcf8c6; }
  .bubble img { display: block; max-width: 100%; height: auto; border-radius: 8px; margin-bottom: 6px; }
  .keyboard { display: grid; gap: 4px; margin-top: 6px; }
  .keyboard .row { display: flex; gap: 4px; }
  .keyboard button { flex: 1; min-height: 40px; border: 0; border-radius: 8px; background: #e8f0f7; color: #1f4466; font: inherit; font-size: .9rem; cursor: pointer; }
  .file { display: inline-block; margin-bottom: 4px; color: #2b5278; font-weight: 600; }
  .note { align-self: center; font-size: .85rem; color: #333; text-align: center; }
  form { display: flex; gap: 8px; padding: 8px; background: #fff; position: sticky; bottom: 0; }
  input { flex: 1; min-width: 0; min-height: 44px; padding: 8px 12px; border: 1px solid #c5d0d8; border-radius: 22px; font: inherit; }
  form button, .start button { min-height: 44px; padding: 0 18px; border: 0; border-radius: 22px; background: #2f5d82; color: #fff; font: inherit; cursor: pointer; }
  .start { padding: 12px; text-align: center; background: #fff; }
  .start p { margin: 0 0 8px; }
  code, pre { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<div class="chat">
  <header>
    <h1>@${escapeHtml(input.botUsername)}</h1>
    <p>${escapeHtml(t.tgChatLead(input.user.firstName, input.botUsername))}</p>
    <p><a class="lang" href="?lang=en${start ? `&amp;start=${start}` : ''}">English</a><a class="lang" href="?lang=ru${start ? `&amp;start=${start}` : ''}">Русский</a></p>
  </header>
  <main id="log" aria-live="polite"></main>
  ${start ? `<div class="start" id="start"><p>${escapeHtml(t.tgChatStartLead)}</p><button type="button" id="start-button">${escapeHtml(t.tgChatStart)}</button></div>` : ''}
  <form id="composer">
    <input id="text" name="text" autocomplete="off" placeholder="${escapeHtml(t.tgChatPlaceholder)}" aria-label="${escapeHtml(t.tgChatPlaceholder)}">
    <button type="submit">${escapeHtml(t.tgChatSend)}</button>
  </form>
</div>
<script>
const chat = ${JSON.stringify(`${input.user.id}&lang=${locale}`)};
const texts = ${JSON.stringify(texts).replace(/</g, '\\u003c')};
const start = ${JSON.stringify(start)};
const log = document.getElementById('log');
let shown = '';
function el(tag, cls, html) { const e = document.createElement(tag); if (cls) e.className = cls; if (html !== undefined) e.innerHTML = html; return e; }
async function refresh() {
  const answer = await fetch('/chat/messages?chat=' + chat).then((r) => r.json());
  const key = JSON.stringify(answer);
  if (key === shown) return;
  shown = key;
  log.replaceChildren();
  if (answer.messages.length === 0) log.append(el('p', 'note', texts.empty));
  for (const m of answer.messages) {
    const bubble = el('div', 'bubble ' + m.from);
    if (m.photo) { const img = el('img'); img.src = m.photo.url; img.alt = m.photo.filename; bubble.append(img); }
    if (m.document) { const a = el('a', 'file'); a.href = m.document.url; a.textContent = '\\u{1F4CE} ' + m.document.filename; a.download = m.document.filename; bubble.append(a, document.createElement('br')); }
    bubble.append(el('span', '', m.html));
    if (m.replyMarkup) {
      const keyboard = el('div', 'keyboard');
      for (const row of m.replyMarkup.inline_keyboard) {
        const line = el('div', 'row');
        for (const b of row) {
          const button = el('button');
          button.type = 'button';
          button.textContent = b.text;
          if (b.url) button.onclick = () => window.open(b.url, '_blank', 'noopener');
          else button.onclick = () => post('/chat/press?chat=' + chat, { messageId: m.messageId, data: b.callback_data });
          line.append(button);
        }
        keyboard.append(line);
      }
      bubble.append(keyboard);
    }
    log.append(bubble);
  }
  if (!answer.webhook) log.append(el('p', 'note', texts.noWebhook));
  else if (answer.webhook.lastError && answer.webhook.pending > 0) { const p = el('p', 'note'); p.textContent = texts.webhookError.replace('{error}', answer.webhook.lastError); log.append(p); }
  window.scrollTo(0, document.body.scrollHeight);
}
async function post(path, body) {
  await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await refresh();
}
document.getElementById('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('text');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  await post('/chat/send?chat=' + chat, { text });
});
if (start) document.getElementById('start-button').addEventListener('click', async () => {
  document.getElementById('start').remove();
  history.replaceState(null, '', location.pathname + '?chat=' + chat);
  await post('/chat/send?chat=' + chat, { text: '/start ' + start });
});
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>`;
}
