// The app wired to a Telegram Bot API stand-in for one test file: the bot's settings in its environment and the webhook set.
import { randomBytes } from 'node:crypto';
import { startTelegramStandIn, type TelegramStandIn, type TelegramStandInOptions } from '../../dev/telegram/server.js';
import { telegramWebhookPath } from '../../shared/telegram/index.js';
import { startTestStack, type TestStack, type TestStackOptions } from './stack.js';

export interface TelegramTestStack {
  standIn: TelegramStandIn;
  stack: TestStack;
  webhookSecret: string;
  close(): Promise<void>;
}

export async function startTelegramTestStack(options: { standIn?: TelegramStandInOptions; stack?: TestStackOptions } = {}): Promise<TelegramTestStack> {
  const standIn = await startTelegramStandIn({ port: 0, ...options.standIn });
  const webhookSecret = randomBytes(18).toString('base64url');
  const stack = await startTestStack({
    ...options.stack,
    env: {
      TELEGRAM_BOT_TOKEN: standIn.token,
      TELEGRAM_API_BASE_URL: standIn.baseUrl,
      TELEGRAM_LINK_BASE_URL: standIn.url,
      TELEGRAM_BOT_USERNAME: standIn.botUsername,
      TELEGRAM_WEBHOOK_SECRET: webhookSecret,
      ...options.stack?.env,
    },
  });
  await stack.deps.telegram!.setWebhook({ url: `${stack.baseUrl}${telegramWebhookPath(webhookSecret)}`, secretToken: webhookSecret });
  return {
    standIn,
    stack,
    webhookSecret,
    async close() {
      await stack.close();
      await standIn.close();
    },
  };
}
