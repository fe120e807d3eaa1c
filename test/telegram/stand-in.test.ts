// The Bot API client against the laptop's stand-in: Telegram's answers and errors as a sender meets them, webhook delivery, and the HTML and length helpers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTelegramStandIn, type TelegramStandIn } from '../../dev/telegram/server.js';
import {
  createTelegramBotApi,
  escapeHtml,
  parseTelegramHtml,
  splitMessage,
  TELEGRAM_MESSAGE_LIMIT,
  TelegramApiError,
  type TelegramBotApi,
  trimMessage,
  visibleLength,
} from '../../shared/telegram/index.js';

const CHAT = 42_001;
let standIn: TelegramStandIn;
let api: TelegramBotApi;

async function refusal(promise: Promise<unknown>): Promise<TelegramApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TelegramApiError, `a TelegramApiError, not ${String(error)}`);
    return error;
  }
  assert.fail('the call was accepted');
}

before(async () => {
  standIn = await startTelegramStandIn({ port: 0, rateLimits: { perChat: { limit: 100, windowMs: 1000 } } });
  api = createTelegramBotApi({ baseUrl: standIn.baseUrl, token: standIn.token });
  await standIn.userSays(CHAT, 'hello'); // the chat exists once the person has written to the bot
});
after(() => standIn.close());

describe('the Bot API stand-in', () => {
  test('sends HTML messages with inline keyboards, edits and deletes them, and records what was sent', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'Week', callback_data: 'stats:week' }]] };
    const message = await api.sendMessage(CHAT, '<b>Bold</b> &amp; plain', { replyMarkup: keyboard });
    assert.equal(message.chat.id, CHAT);
    assert.equal(message.text, 'Bold & plain', 'Telegram answers with the parsed text');
    const edited = await api.editMessageText(CHAT, message.message_id, '<i>Edited</i>');
    assert.equal(edited.text, 'Edited');
    const same = await refusal(api.editMessageText(CHAT, message.message_id, '<i>Edited</i>'));
    assert.equal(same.error_code, 400);
    assert.match(same.description, /message is not modified/);
    assert.equal(await api.deleteMessage(CHAT, message.message_id), true);
    const gone = await refusal(api.deleteMessage(CHAT, message.message_id));
    assert.equal(gone.description, 'Bad Request: message to delete not found');
    const methods = standIn.sent.filter((s) => s.messageId === message.message_id).map((s) => s.method);
    assert.deepEqual(methods, ['sendMessage', 'editMessageText', 'deleteMessage']);
    assert.deepEqual(standIn.sent.find((s) => s.method === 'sendMessage' && s.messageId === message.message_id)?.replyMarkup, keyboard);
  });

  test('takes documents and photos as multipart uploads, and refuses a photo that is not an image', async () => {
    const gpx = new TextEncoder().encode('<?xml version="1.0"?><gpx></gpx>');
    const document = await api.sendDocument(CHAT, { filename: 'run.gpx', contentType: 'application/gpx+xml', bytes: gpx }, { captionHtml: '<b>Run</b>' });
    assert.equal((document as unknown as { document: { file_name: string } }).document.file_name, 'run.gpx');
    const record = standIn.sent.at(-1)!;
    assert.equal(record.method, 'sendDocument');
    assert.deepEqual(Buffer.from(record.file!.bytes), Buffer.from(gpx));
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    await api.sendPhoto(CHAT, { filename: 'card.png', contentType: 'image/png', bytes: png });
    assert.equal(standIn.sent.at(-1)!.method, 'sendPhoto');
    const notImage = await refusal(api.sendPhoto(CHAT, { filename: 'card.png', contentType: 'image/png', bytes: gpx }));
    assert.equal(notImage.description, 'Bad Request: IMAGE_PROCESS_FAILED');
    assert.equal(notImage.permanent, true);
  });

  test('answers chat not found (400) and blocked by the user (403) as permanent, chat-unreachable failures', async () => {
    const unknown = await refusal(api.sendMessage(99_999_999, 'hi'));
    assert.deepEqual([unknown.error_code, unknown.description, unknown.reason], [400, 'Bad Request: chat not found', 'chat_not_found']);
    assert.equal(unknown.chatUnreachable, true);
    assert.equal(unknown.transient, false);
    standIn.blockBot(CHAT);
    const blocked = await refusal(api.sendMessage(CHAT, 'hi'));
    assert.deepEqual([blocked.error_code, blocked.description, blocked.reason], [403, 'Forbidden: bot was blocked by the user', 'blocked']);
    assert.equal(blocked.chatUnreachable, true);
    standIn.unblockBot(CHAT);
    const before = standIn.sent.length;
    await refusal(api.sendMessage(99_999_999, 'hi'));
    assert.equal(standIn.sent.length, before, 'nothing refused is recorded as sent');
  });

  test('refuses markup Telegram cannot parse and text over 4,096 characters', async () => {
    const unsupported = await refusal(api.sendMessage(CHAT, 'Morning <script>alert(1)</script>'));
    assert.equal(unsupported.description, `Bad Request: can't parse entities: Unsupported start tag "script" at byte offset 8`);
    const unclosed = await refusal(api.sendMessage(CHAT, '<b>open'));
    assert.match(unclosed.description, /Can't find end tag corresponding to start tag "b"/);
    const tooLong = await refusal(api.sendMessage(CHAT, 'x'.repeat(TELEGRAM_MESSAGE_LIMIT + 1)));
    assert.equal(tooLong.description, 'Bad Request: message is too long');
    // The limit counts text after parsing: markup and entities do not count.
    await api.sendMessage(CHAT, `<b>${'&amp;'.repeat(TELEGRAM_MESSAGE_LIMIT)}</b>`);
    const empty = await refusal(api.sendMessage(CHAT, '   '));
    assert.equal(empty.description, 'Bad Request: message text is empty');
  });

  test('rate-limits with 429 and parameters.retry_after, a transient failure', async () => {
    const limited = await startTelegramStandIn({ port: 0, rateLimits: { perChat: { limit: 2, windowMs: 60_000 } } });
    try {
      const client = createTelegramBotApi({ baseUrl: limited.baseUrl, token: limited.token });
      await limited.userSays(CHAT, 'hi');
      await client.sendMessage(CHAT, 'one');
      await client.sendMessage(CHAT, 'two');
      const third = await refusal(client.sendMessage(CHAT, 'three'));
      assert.equal(third.error_code, 429);
      assert.match(third.description, /^Too Many Requests: retry after \d+$/);
      assert.ok(third.retryAfter !== undefined && third.retryAfter >= 59 && third.retryAfter <= 60, `retry_after ${third.retryAfter}`);
      assert.equal(third.transient, true);
      assert.equal(limited.botMessages(CHAT).length, 2);
    } finally {
      await limited.close();
    }
  });

  test('refuses a wrong token (401), an unknown method (404), and fails on demand with 5xx', async () => {
    const wrong = createTelegramBotApi({ baseUrl: standIn.baseUrl, token: '1:wrong' });
    const unauthorized = await refusal(wrong.getMe());
    assert.deepEqual([unauthorized.error_code, unauthorized.description, unauthorized.reason], [401, 'Unauthorized', 'unauthorized']);
    const response = await fetch(`${standIn.baseUrl}/bot${standIn.token}/noSuchMethod`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { ok: false, error_code: 404, description: 'Not Found' });
    standIn.failNext(1, { errorCode: 502, description: 'Bad Gateway', method: 'sendMessage' });
    const failed = await refusal(api.sendMessage(CHAT, 'hi'));
    assert.deepEqual([failed.error_code, failed.transient], [502, true]);
    await api.sendMessage(CHAT, 'hi again');
    const nobody = createTelegramBotApi({ baseUrl: 'http://127.0.0.1:9', token: standIn.token });
    const network = await refusal(nobody.getMe());
    assert.deepEqual([network.error_code, network.reason, network.transient], [0, 'network', true]);
    assert.doesNotMatch(network.message, new RegExp(standIn.token.split(':')[1]!), 'the token is never in an error');
  });

  test('delivers updates to the webhook with the secret token, keeps a refused one and redelivers it', async () => {
    const received: { secret: string | undefined; body: { update_id: number; message?: { text?: string } } }[] = [];
    let status = 401;
    const hook: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ secret: request.headers['x-telegram-bot-api-secret-token'] as string | undefined, body: JSON.parse(body) });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const local = await startTelegramStandIn({ port: 0, redeliveryDelayMs: 50 });
    try {
      const client = createTelegramBotApi({ baseUrl: local.baseUrl, token: local.token });
      const bad = await refusal(client.setWebhook({ url: 'http://example.com/hook', secretToken: 'abc' }));
      assert.equal(bad.description, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
      const badSecret = await refusal(client.setWebhook({ url: 'https://example.com/hook', secretToken: 'has spaces' }));
      assert.equal(badSecret.description, 'Bad Request: secret token contains unallowed characters');
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/path`;
      assert.equal(await client.setWebhook({ url, secretToken: 'sekret_1' }), true);
      const first = await local.userSays(CHAT, '/help');
      assert.deepEqual(first, { delivered: false, status: 401 });
      const info = await client.getWebhookInfo();
      assert.equal(info.url, url);
      assert.equal(info.pending_update_count, 1);
      assert.equal(info.last_error_message, 'Wrong response from the webhook: 401');
      status = 200;
      const deadline = Date.now() + 5000;
      while ((await client.getWebhookInfo()).pending_update_count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await client.getWebhookInfo()).pending_update_count, 0, 'redelivered once the webhook answers 200');
      assert.equal(received.length, 2);
      assert.equal(received[0]!.body.update_id, received[1]!.body.update_id, 'the same update, redelivered');
      assert.deepEqual(
        received.map((r) => r.secret),
        ['sekret_1', 'sekret_1'],
      );
      assert.equal(received[1]!.body.message?.text, '/help');
      await client.deleteWebhook();
      assert.equal((await client.getWebhookInfo()).url, '');
    } finally {
      await local.close();
      await new Promise((resolve) => hook.close(resolve));
    }
  });
});

describe('HTML and length helpers', () => {
  test('escaping makes hostile names plain text Telegram accepts', () => {
    const name = '<b>Run</b> & "<script>" &amp;';
    const escaped = escapeHtml(name);
    assert.equal(escaped, '&lt;b&gt;Run&lt;/b&gt; &amp; &quot;&lt;script&gt;&quot; &amp;amp;');
    assert.deepEqual(parseTelegramHtml(`<b>${escaped}</b>`), { ok: true, text: name });
  });

  test('long messages are split at line ends, and one line too long is trimmed, each piece valid', () => {
    const line = `<b>${'y'.repeat(100)}</b>`;
    const html = Array.from({ length: 100 }, () => line).join('\n');
    assert.equal(visibleLength(html), 100 * 100 + 99);
    const pieces = splitMessage(html);
    assert.equal(pieces.length, 3);
    for (const piece of pieces) {
      assert.ok(visibleLength(piece) <= TELEGRAM_MESSAGE_LIMIT);
      assert.equal(parseTelegramHtml(piece).ok, true);
    }
    assert.equal(pieces.join('\n'), html, 'nothing lost between pieces');
    const trimmed = trimMessage(`<i>${'ё'.repeat(5000)} &amp;</i>`);
    assert.equal(visibleLength(trimmed), TELEGRAM_MESSAGE_LIMIT);
    assert.ok(trimmed.endsWith('…'));
    assert.equal(trimMessage('<b>short</b>'), '<b>short</b>');
  });
});
