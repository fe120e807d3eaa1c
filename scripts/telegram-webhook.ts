// `npm run telegram:webhook -- set|view|delete`: where Telegram delivers the bot's updates, for operators.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exitOnStartupError, loadConfigAndSecrets } from '../shared/platform/boot.js';
import { fromRoot } from '../shared/paths.js';
import { telegramBotApiOf } from '../shared/services.js';
import { TelegramApiError, telegramWebhookPath, telegramWebhookUrl, WEBHOOK_SECRET_PATTERN } from '../shared/telegram/index.js';

const HELP = `Usage: npm run telegram:webhook -- <set|view|delete> [--drop-pending]

  set      points the bot's webhook at <PUBLIC_BASE_URL>/telegram/<path from TELEGRAM_WEBHOOK_SECRET>, with the secret
           Telegram sends back in X-Telegram-Bot-Api-Secret-Token (Telegram requires an HTTPS URL)
  view     shows where updates go, how many wait and the last delivery error
  delete   stops the deliveries (updates wait at Telegram for up to 24 hours)

Reads PUBLIC_BASE_URL, TELEGRAM_API_BASE_URL and the secrets TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET from
the environment (and .env), or from Secret Manager when GOOGLE_CLOUD_PROJECT is set.`;

const ALLOWED_UPDATES = ['message', 'callback_query'];

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'drop-pending': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command || !['set', 'view', 'delete'].includes(command)) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  if (existsSync(fromRoot('.env'))) process.loadEnvFile(fromRoot('.env'));
  const { config, secrets } = await loadConfigAndSecrets({
    only: ['telegramBotToken', 'telegramWebhookSecret'],
    need: command === 'set' ? ['telegramBotToken', 'telegramWebhookSecret'] : ['telegramBotToken'],
  });
  const api = telegramBotApiOf(config, secrets)!;
  // The path and the header secret stay off the terminal: the path's secret part is masked.
  const shown = (url: string) => (secrets.telegramWebhookSecret ? url.replace(telegramWebhookPath(secrets.telegramWebhookSecret), '/telegram/•••') : url);

  if (command === 'view') {
    const info = await api.getWebhookInfo();
    console.log(info.url ? `Webhook: ${shown(info.url)}` : 'No webhook: updates wait for getUpdates.');
    console.log(`Pending updates: ${info.pending_update_count}`);
    if (info.last_error_message) console.log(`Last error: ${info.last_error_message} (${new Date((info.last_error_date ?? 0) * 1000).toISOString()})`);
    return;
  }
  if (command === 'delete') {
    await api.deleteWebhook({ dropPendingUpdates: values['drop-pending'] === true });
    console.log('Webhook deleted.');
    return;
  }
  const secret = secrets.telegramWebhookSecret!;
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) {
    throw new Error('TELEGRAM_WEBHOOK_SECRET must be 1–256 of A–Z a–z 0–9 _ - (Telegram refuses other characters).');
  }
  const url = telegramWebhookUrl(config.publicBaseUrl, secret);
  await api.setWebhook({ url, secretToken: secret, allowedUpdates: ALLOWED_UPDATES, dropPendingUpdates: values['drop-pending'] === true });
  console.log(`Webhook set: ${shown(url)}`);
}

main().catch((error: unknown) => {
  if (error instanceof TelegramApiError) {
    process.stderr.write(`Telegram refused: ${error.error_code} ${error.description}\n`);
    process.exit(1);
  }
  exitOnStartupError(error);
});
