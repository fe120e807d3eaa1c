// English texts of the Telegram bot, its settings section and the laptop's chat page; telegram-ru.ts has the same keys.

export const telegramEn = {
  tgChatTitle: 'Telegram chat (local stand-in)',
  tgChatLead: (name: string, bot: string) => `You are ${name}, chatting with @${bot}. What you type reaches the bot as Telegram would deliver it.`,
  tgChatPlaceholder: 'Message',
  tgChatSend: 'Send',
  tgChatStart: 'Start',
  tgChatStartLead: 'Press Start to link this chat to the account that opened the link.',
  tgChatEmpty: 'No messages yet. Try /help.',
  tgChatNoWebhook: 'The bot has no webhook set: messages wait until it sets one.',
  tgChatWebhookError: (error: string) => `Last delivery failed: ${error}`,
  tgChatFile: 'File',
};
