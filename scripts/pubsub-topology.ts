// `npm run pubsub:topology -- --processor-url URL`: creates on the Pub/Sub emulator what Terraform creates in the cloud (pubsub.tf).
import { parseArgs } from 'node:util';
import { exitOnStartupError } from '../shared/platform/boot.js';
import { ConfigError } from '../shared/platform/config.js';
import { ensureEventsTopology } from '../shared/platform/topology.js';

const HELP = `Usage: PUBSUB_EMULATOR_HOST=127.0.0.1:8085 GOOGLE_CLOUD_PROJECT=demo \\
  npm run pubsub:topology -- --processor-url http://127.0.0.1:8081 [--topic strava-events] [--max-delivery-attempts 10]

Creates strava-events, strava-events-dead-letter, the push subscription strava-events-to-processor (to
<processor-url>/projects/<project>/topics/strava-events, retry policy 10 s..600 s, dead-letter topic) and
strava-events-dead-letter-inspect. --topic activity-deliveries does the same for the delivery function (its URL as
--processor-url). Existing parts are left alone. Emulator only: in the cloud Terraform owns them.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'processor-url': { type: 'string' },
      'max-delivery-attempts': { type: 'string' },
      topic: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!process.env.PUBSUB_EMULATOR_HOST)
    throw new ConfigError('PUBSUB_EMULATOR_HOST is missing: this script only sets up the emulator (Terraform owns the cloud topology).');
  const project = process.env.GOOGLE_CLOUD_PROJECT?.trim();
  if (!project) throw new ConfigError('GOOGLE_CLOUD_PROJECT is missing: the emulator project to create the topology in.');
  const processorUrl = values['processor-url'];
  if (!processorUrl || !/^https?:\/\//.test(processorUrl))
    throw new ConfigError('--processor-url is missing: where the Functions Framework serves processStravaEvent.');
  const attempts = values['max-delivery-attempts'] === undefined ? 10 : Number(values['max-delivery-attempts']);
  if (!Number.isInteger(attempts) || attempts < 5 || attempts > 100) throw new ConfigError('--max-delivery-attempts must be a whole number from 5 to 100.');
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: project });
  try {
    const topology = await ensureEventsTopology(client, {
      projectId: project,
      processorUrl,
      maxDeliveryAttempts: attempts,
      ...(values.topic ? { topic: values.topic } : {}),
    });
    console.log(
      `Topic ${topology.topic} pushes to ${topology.pushEndpoint}; dead letters go to ${topology.deadLetterTopic} (${topology.deadLetterSubscription}).`,
    );
  } finally {
    await client.close();
  }
}

main().catch(exitOnStartupError);
