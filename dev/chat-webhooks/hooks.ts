// What the Slack and Discord webhook stand-in keeps: its webhooks and what was posted to each (server and page read it).

export type HookService = 'slack' | 'discord';

export interface PostedMessage {
  id: string;
  text: string;
  /** What the request asked of mentions (Discord's allowed_mentions), kept so tests can check nobody is pinged. */
  allowedMentions?: unknown;
  postedAt: number;
  edited: boolean;
  deleted: boolean;
}

export interface Hook {
  service: HookService;
  url: string;
  /** Slack: removed (404 no_service) or its channel archived (410); Discord: deleted (404 Unknown Webhook). */
  state: 'live' | 'removed' | 'archived';
  messages: PostedMessage[];
}
