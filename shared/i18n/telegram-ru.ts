// Russian texts of the Telegram bot, its settings section and the laptop's chat page; the keys are telegram-en.ts's.
import type { telegramEn } from './telegram-en.js';

export const telegramRu: typeof telegramEn = {
  tgChatTitle: 'Чат Telegram (локальная замена)',
  tgChatLead: (name, bot) => `Вы — ${name}, в чате с @${bot}. Всё, что вы пишете, попадает к боту так, как его доставил бы Telegram.`,
  tgChatPlaceholder: 'Сообщение',
  tgChatSend: 'Отправить',
  tgChatStart: 'Старт',
  tgChatStartLead: 'Нажмите «Старт», чтобы связать этот чат с аккаунтом, открывшим ссылку.',
  tgChatEmpty: 'Сообщений пока нет. Попробуйте /help.',
  tgChatNoWebhook: 'У бота не задан вебхук: сообщения ждут, пока он его задаст.',
  tgChatWebhookError: (error) => `Последняя доставка не удалась: ${error}`,
  tgChatFile: 'Файл',
};
