// English texts of the delivery of new activities (settings → New activities in your chat, and the messages themselves); delivery-ru.ts has the same keys.

export const deliveryEn = {
  deliveryHeading: 'New activities in your chat',
  deliveryIntro:
    'When Strava tells this site about a new activity, a short message (name, sport, distance, time, a link) can go to a chat you choose: your own chat with the Telegram bot, or a Slack or Discord channel through an incoming webhook you create there yourself. Nothing is ever posted anywhere you did not set up here.',
  deliveryIntroWebhooksOnly:
    'When Strava tells this site about a new activity, a short message (name, sport, distance, time, a link) can go to a Slack or Discord channel through an incoming webhook you create there yourself. Nothing is ever posted anywhere you did not set up here.',
  deliveryPrivacyNote:
    'Whoever reads that channel sees the message. Activities you keep to yourself on Strava (Only You) are never sent, and imported history sends nothing.',
  deliveryTelegram: 'Telegram',
  deliveryTelegramOn: 'Send new activities to my chat with the bot',
  deliveryTelegramNotLinked: 'Connect Telegram on this page first; then your new activities can go to your chat with the bot.',
  deliverySlack: 'Slack',
  deliveryDiscord: 'Discord',
  deliverySlackUrl: 'Slack incoming-webhook URL',
  deliveryDiscordUrl: 'Discord webhook URL',
  deliverySlackHelp:
    'In Slack, add an incoming webhook to the channel (an app with Incoming Webhooks turned on) and copy its URL: it starts with https://hooks.slack.com/services/.',
  deliveryDiscordHelp:
    'In Discord, open the channel\u2019s settings \u2192 Integrations \u2192 Webhooks \u2192 New Webhook \u2192 Copy Webhook URL: it starts with https://discord.com/api/webhooks/.',
  deliveryConnect: 'Save and send a test message',
  deliveryReplace: 'Replace with another URL',
  deliveryPostingTo: (hint: string) => `Posting to ${hint}`,
  deliveryRemove: 'Remove',
  deliveryNone: 'Not set up.',
  deliverySports: 'Which sports',
  deliveryAllSports: 'Every sport',
  deliveryChosenSports: 'Only these:',
  deliverySportsEmpty: 'Your sports appear here once you have activities.',
  deliverySaved: 'Saved. A test message was sent there.',
  deliveryRemoved: 'Removed. Nothing more goes there.',
  deliverySportsNone: 'Choose at least one sport, or every sport.',
  deliveryDisabled: {
    blocked: 'Switched off: the bot was blocked in Telegram. Unblock it, then switch this on again.',
    chat_not_found: 'Switched off: Telegram no longer finds your chat with the bot. Start the bot again, then switch this on again.',
    webhook_gone: 'Switched off: the service says this webhook no longer exists (deleted, or its app removed). Paste a new URL.',
    channel_archived: 'Switched off: the Slack channel was archived. Paste the webhook URL of another channel.',
    forbidden: 'Switched off: the service refuses messages from this webhook. Paste a new URL.',
  } as Record<string, string>,
  deliveryUrlProblem: {
    empty: 'Paste the webhook URL first.',
    'too-long': 'That is far longer than a webhook URL. Copy it again.',
    'not-a-url': 'That is not a web address. Copy the webhook URL again, as it is.',
    'not-https': 'The address must start with https://.',
    'wrong-host': 'That is not an address of this service. Paste the webhook URL the service gave you.',
    'wrong-shape': 'That address is on the right site but is not a webhook URL. Copy the whole URL again.',
  } as Record<string, string>,
  deliveryTestProblem: {
    gone: 'The service says this webhook does not exist. Check that you copied the whole URL, or create a new webhook. Nothing was saved.',
    'rate-limited': 'The service asks for a pause. Try again in a minute. Nothing was saved.',
    transient: 'The service did not answer. Try again in a few minutes. Nothing was saved.',
    refused: 'The service refused the test message. Nothing was saved.',
    'message-gone': 'The service refused the test message. Nothing was saved.',
  } as Record<string, string>,
  deliveryTestMessage: 'Training Room is connected: your new activities will appear here.',
  deliveryOpenLink: 'Open in Training Room',
  deliveryUntitled: 'Untitled activity',
  hooksPageTitle: 'Slack and Discord webhooks (laptop stand-in)',
  hooksPageIntro:
    'Paste one of these URLs into Settings \u2192 New activities in your chat; what the site posts shows up here. The page refreshes every few seconds.',
  hooksNone: 'No webhooks yet.',
  hooksNoMessages: 'Nothing posted yet.',
  hooksEdited: 'edited',
  hooksDeleted: 'deleted',
  hooksStates: { live: 'live', removed: 'deleted', archived: 'channel archived' } as Record<string, string>,
};
