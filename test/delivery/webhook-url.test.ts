// Which pasted URLs are accepted as Slack or Discord webhooks (and hostile ones that are not), and how names are escaped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeDiscord, escapeSlack, parseWebhookUrl, webhookOrigins, type WebhookService } from '../../shared/delivery/index.js';
import { escapeHtml } from '../../shared/telegram/index.js';
import { loadConfig } from '../../shared/platform/config.js';

const SLACK = 'https://hooks.slack.com/services/T01ABCDEF/B02GHIJKLM/abcdefghijklmnopqrstuvwx';
const DISCORD = `https://discord.com/api/webhooks/123456789012345678/${'A'.repeat(34)}_${'b'.repeat(33)}`;

function problem(service: WebhookService, url: string, origins = webhookOrigins()): string {
  try {
    parseWebhookUrl(service, url, origins);
  } catch (error) {
    return (error as { problem: string }).problem;
  }
  return 'accepted';
}

describe('webhook URLs', () => {
  it("accepts the services' own webhook URLs, canonicalised", () => {
    assert.equal(parseWebhookUrl('slack', `  ${SLACK}  `).href, SLACK);
    assert.equal(parseWebhookUrl('discord', DISCORD).href, DISCORD);
    for (const host of ['discordapp.com', 'ptb.discord.com', 'canary.discord.com']) {
      assert.equal(problem('discord', DISCORD.replace('discord.com', host)), 'accepted', host);
    }
    assert.equal(problem('discord', DISCORD.replace('/api/webhooks/', '/api/v10/webhooks/')), 'accepted');
    // The default port written out is the same origin.
    assert.equal(parseWebhookUrl('slack', SLACK.replace('.com/', '.com:443/')).href, SLACK);
  });

  it('refuses hostile and wrong URLs, each with the reason settings shows', () => {
    const cases: [WebhookService, string, string][] = [
      ['slack', '', 'empty'],
      ['slack', `${SLACK}${'a'.repeat(300)}`, 'too-long'],
      ['slack', 'hooks.slack.com/services/T01ABCDEF/B02GHIJKLM/abcdefghijklmnopqrstuvwx', 'not-a-url'],
      ['slack', SLACK.replace('https:', 'http:'), 'not-https'],
      ['slack', SLACK.replace('hooks.slack.com', 'hooks.slack.com.evil.example'), 'wrong-host'],
      ['slack', SLACK.replace('hooks.slack.com', 'evil.example/hooks.slack.com'), 'wrong-host'],
      ['slack', SLACK.replace('https://', 'https://hooks.slack.com@evil.example/'), 'wrong-host'],
      ['slack', SLACK.replace('https://', 'https://user:pass@'), 'wrong-host'],
      ['slack', SLACK.replace('hooks.slack.com', 'hooks.slack.com:8443'), 'wrong-host'],
      ['slack', SLACK.replace('hooks.slack.com', 'HOOKS.SLACK.COM.'), 'wrong-host'],
      ['slack', SLACK.replace('hooks.slack.com', 'xn--hooks-slck-t7a.com'), 'wrong-host'],
      ['slack', SLACK.replace('hooks.slack.com', '127.0.0.1'), 'wrong-host'],
      ['slack', 'https://169.254.169.254/services/T01ABCDEF/B02GHIJKLM/abcdefghijklmnopqrstuvwx', 'wrong-host'],
      ['slack', 'javascript:alert(1)//hooks.slack.com/services/', 'wrong-host'],
      ['slack', 'file:///etc/passwd', 'wrong-host'],
      ['slack', SLACK.replace('/services/', '/services/../../admin/'), 'wrong-shape'],
      ['slack', SLACK.replace('/services/', '/services/%2e%2e/'), 'wrong-shape'],
      ['slack', `${SLACK}?redirect=https://evil.example`, 'wrong-shape'],
      ['slack', `${SLACK}#x`, 'wrong-shape'],
      ['slack', `${SLACK}/extra`, 'wrong-shape'],
      ['slack', 'https://hooks.slack.com/', 'wrong-shape'],
      ['slack', 'https://hooks.slack.com/workflows/T01ABCDEF/A02GHIJKL/123/abcdefghijklmnop', 'wrong-shape'],
      ['slack', SLACK.replace('https://', 'https:\\\\'), 'not-a-url'],
      ['slack', `${SLACK}\n`.replace('\n', '%0a\r\nHost: evil'), 'not-a-url'],
      ['slack', SLACK.replace('services', 'serv\u0000ices'), 'not-a-url'],
      ['slack', DISCORD, 'wrong-host'],
      ['discord', SLACK, 'wrong-host'],
      ['discord', DISCORD.replace('discord.com', 'discord.com.evil.example'), 'wrong-host'],
      ['discord', DISCORD.replace('discord.com', 'evildiscord.com'), 'wrong-host'],
      ['discord', DISCORD.replace('123456789012345678', 'abc'), 'wrong-shape'],
      ['discord', DISCORD.replace('/webhooks/', '/webhooks/../channels/'), 'wrong-shape'],
      ['discord', `${DISCORD}/messages/1`, 'wrong-shape'],
      ['discord', `${DISCORD}?wait=true`, 'wrong-shape'],
      ['discord', 'https://discord.com/api/oauth2/authorize', 'wrong-shape'],
    ];
    for (const [service, url, expected] of cases) assert.equal(problem(service, url), expected, `${service} ${JSON.stringify(url)}`);
  });

  it("a laptop's stand-in is accepted only where configured, and production refuses to configure one", () => {
    const standIn = 'http://127.0.0.1:8092/services/T01ABCDEF/B02GHIJKLM/abcdefghijklmnopqrstuvwx';
    assert.equal(problem('slack', standIn), 'wrong-host');
    assert.equal(problem('slack', standIn, webhookOrigins({ slack: 'http://127.0.0.1:8092' })), 'accepted');
    assert.equal(problem('slack', standIn.replace('8092', '8093'), webhookOrigins({ slack: 'http://127.0.0.1:8092' })), 'wrong-host');
    const base = { STRAVA_CLIENT_ID: '1', DATABASE_URL: 'postgres://x@127.0.0.1/x', PUBLIC_BASE_URL: 'https://club.example' };
    assert.equal(loadConfig({ ...base, SLACK_WEBHOOK_BASE_URL: 'http://127.0.0.1:8092' }).delivery.slackWebhookBaseUrl, 'http://127.0.0.1:8092');
    assert.throws(() => loadConfig({ ...base, NODE_ENV: 'production', SLACK_WEBHOOK_BASE_URL: 'http://127.0.0.1:8092' }), /SLACK_WEBHOOK_BASE_URL is set/);
    assert.throws(
      () => loadConfig({ ...base, K_SERVICE: 'deliver-activities', DISCORD_WEBHOOK_BASE_URL: 'http://127.0.0.1:8092' }),
      /DISCORD_WEBHOOK_BASE_URL/,
    );
  });
});

describe('escaping activity names', () => {
  const hostile = 'Run <!channel> & <@U123|boss> <https://evil.example|click> @everyone **bold** [x](https://evil.example) `code`\n# heading';

  it('Slack: & < > escaped, so no link, mention or channel ping; one line', () => {
    const escaped = escapeSlack(hostile);
    assert.doesNotMatch(escaped, /[<>\n]/);
    assert.equal(
      escaped,
      'Run &lt;!channel&gt; &amp; &lt;@U123|boss&gt; &lt;https://evil.example|click&gt; @everyone **bold** [x](https://evil.example) `code` # heading',
    );
  });

  it('Discord: every markdown and mention character backslash-escaped; one line', () => {
    const escaped = escapeDiscord(hostile);
    assert.doesNotMatch(escaped, /\n/);
    // No unescaped character that formats, links or mentions is left.
    assert.doesNotMatch(escaped.replace(/\\./g, ''), /[*_~`|>#[\]()<@:-]/);
    assert.match(escaped, /\\@everyone/);
    assert.match(escaped, /\\\[x\\\]\\\(https\\:\/\/evil\\\.example\\\)/);
  });

  it('Telegram: HTML special characters escaped', () => {
    assert.equal(escapeHtml('<b>&</b>'), '&lt;b&gt;&amp;&lt;/b&gt;');
  });
});
