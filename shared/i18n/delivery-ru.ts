// Russian texts of the delivery of new activities; the keys are delivery-en.ts's.
import type { deliveryEn } from './delivery-en.js';

export const deliveryRu: typeof deliveryEn = {
  deliveryHeading: 'Новые тренировки в вашем чате',
  deliveryIntro:
    'Когда Strava сообщает сайту о новой тренировке, короткое сообщение (название, вид спорта, дистанция, время, ссылка) может прийти в выбранный вами чат: в ваш личный чат с Telegram-ботом или в канал Slack либо Discord через входящий вебхук, который вы сами там создали. Сайт никогда ничего не публикует туда, где вы его не настроили.',
  deliveryIntroWebhooksOnly:
    'Когда Strava сообщает сайту о новой тренировке, короткое сообщение (название, вид спорта, дистанция, время, ссылка) может прийти в канал Slack или Discord через входящий вебхук, который вы сами там создали. Сайт никогда ничего не публикует туда, где вы его не настроили.',
  deliveryPrivacyNote:
    'Сообщение увидят все, кто читает этот канал. Тренировки, скрытые в Strava («Только вы»), не отправляются никогда, а импорт истории ничего не отправляет.',
  deliveryTelegram: 'Telegram',
  deliveryTelegramOn: 'Отправлять новые тренировки в мой чат с ботом',
  deliveryTelegramNotLinked: 'Сначала подключите Telegram на этой странице — тогда новые тренировки смогут приходить в ваш чат с ботом.',
  deliverySlack: 'Slack',
  deliveryDiscord: 'Discord',
  deliverySlackUrl: 'URL входящего вебхука Slack',
  deliveryDiscordUrl: 'URL вебхука Discord',
  deliverySlackHelp:
    'В Slack добавьте в канал входящий вебхук (приложение с включёнными входящими вебхуками) и скопируйте его URL: он начинается с https://hooks.slack.com/services/.',
  deliveryDiscordHelp:
    'В Discord откройте настройки канала → Интеграция → Вебхуки → Новый вебхук → Копировать URL вебхука: он начинается с https://discord.com/api/webhooks/.',
  deliveryConnect: 'Сохранить и отправить проверочное сообщение',
  deliveryReplace: 'Заменить другим URL',
  deliveryPostingTo: (hint: string) => `Отправка в ${hint}`,
  deliveryRemove: 'Удалить',
  deliveryNone: 'Не настроено.',
  deliverySports: 'Какие виды спорта',
  deliveryAllSports: 'Все виды',
  deliveryChosenSports: 'Только эти:',
  deliverySportsEmpty: 'Ваши виды спорта появятся здесь, когда будут тренировки.',
  deliverySaved: 'Сохранено. Туда отправлено проверочное сообщение.',
  deliveryRemoved: 'Удалено. Туда больше ничего не отправляется.',
  deliverySportsNone: 'Выберите хотя бы один вид спорта или все виды.',
  deliveryDisabled: {
    blocked: 'Отключено: бот заблокирован в Telegram. Разблокируйте его и снова включите отправку.',
    chat_not_found: 'Отключено: Telegram больше не находит ваш чат с ботом. Снова запустите бота и включите отправку.',
    webhook_gone: 'Отключено: сервис сообщает, что этого вебхука больше нет (он удалён или удалено его приложение). Вставьте новый URL.',
    channel_archived: 'Отключено: канал Slack архивирован. Вставьте URL вебхука другого канала.',
    forbidden: 'Отключено: сервис не принимает сообщения от этого вебхука. Вставьте новый URL.',
  } as Record<string, string>,
  deliveryUrlProblem: {
    empty: 'Сначала вставьте URL вебхука.',
    'too-long': 'Это намного длиннее URL вебхука. Скопируйте его ещё раз.',
    'not-a-url': 'Это не веб-адрес. Скопируйте URL вебхука ещё раз, целиком.',
    'not-https': 'Адрес должен начинаться с https://.',
    'wrong-host': 'Это не адрес этого сервиса. Вставьте URL вебхука, который выдал сервис.',
    'wrong-shape': 'Адрес на нужном сайте, но это не URL вебхука. Скопируйте URL целиком ещё раз.',
  } as Record<string, string>,
  deliveryTestProblem: {
    gone: 'Сервис сообщает, что такого вебхука нет. Проверьте, что URL скопирован целиком, или создайте новый вебхук. Ничего не сохранено.',
    'rate-limited': 'Сервис просит подождать. Попробуйте через минуту. Ничего не сохранено.',
    transient: 'Сервис не ответил. Попробуйте через несколько минут. Ничего не сохранено.',
    refused: 'Сервис отклонил проверочное сообщение. Ничего не сохранено.',
    'message-gone': 'Сервис отклонил проверочное сообщение. Ничего не сохранено.',
  } as Record<string, string>,
  deliveryTestMessage: 'Training Room подключён: ваши новые тренировки будут появляться здесь.',
  deliveryOpenLink: 'Открыть в Training Room',
  deliveryUntitled: 'Тренировка без названия',
  hooksPageTitle: 'Вебхуки Slack и Discord (замена на ноутбуке)',
  hooksPageIntro:
    'Вставьте один из этих URL в «Настройки» → «Новые тренировки в вашем чате»; то, что отправит сайт, появится здесь. Страница обновляется каждые несколько секунд.',
  hooksNone: 'Вебхуков пока нет.',
  hooksNoMessages: 'Пока ничего не отправлено.',
  hooksEdited: 'изменено',
  hooksDeleted: 'удалено',
  hooksStates: { live: 'работает', removed: 'удалён', archived: 'канал архивирован' } as Record<string, string>,
};
