// `npm run events:replay`: republishes the messages waiting on a topic's dead-letter subscription (or lists them with --list).
import { parseArgs } from 'node:util';
import { exitOnStartupError } from '../shared/platform/boot.js';
import { ConfigError } from '../shared/platform/config.js';
import { listDeadLetters, replayDeadLetters } from '../shared/platform/replay.js';

const HELP = `Usage: npm run events:replay -- [--list] [--max N] [--topic strava-events|strava-backfill|archive-uploads]

Reads the <topic>-dead-letter-inspect subscription (strava-events unless --topic says otherwise). Without
--list each message is republished to the topic (attributes kept: an upload bucket's notification stays
one) and acknowledged once Pub/Sub accepted it; already-applied events, import pages and archive files
change nothing when processed again. --topic activity-deliveries replays delivery notices: a destination that
already has its message is skipped, so nothing is posted twice. Needs GOOGLE_CLOUD_PROJECT (and
PUBSUB_EMULATOR_HOST for the emulator).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      list: { type: 'boolean' },
      max: { type: 'string' },
      topic: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const project = process.env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!project) throw new ConfigError('GOOGLE_CLOUD_PROJECT is missing: the project whose dead-letter subscription to read.');
  const max = values.max === undefined ? 1000 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new ConfigError(`--max must be a positive whole number, got ${values.max}.`);
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: project });
  try {
    const options = { max, ...(values.topic ? { topic: values.topic } : {}) };
    if (values.list) {
      const letters = await listDeadLetters(client, options);
      for (const letter of letters) {
        const reason = letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount;
        console.log(`${letter.id}  ${letter.publishTime.toISOString()}  ${reason ? `after ${reason} deliveries  ` : ''}${letter.data}`);
      }
      console.log(`${letters.length} dead letter(s).`);
    } else {
      const replayed = await replayDeadLetters(client, options);
      console.log(`Replayed ${replayed.length} dead letter(s).`);
    }
  } finally {
    await client.close();
  }
}

main().catch(exitOnStartupError);
