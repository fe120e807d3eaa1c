// Production entry point (App Engine runs `node dist/app/server.js`): config, secrets, database, then serve.
import { createArchiveStore } from '../shared/archive/index.js';
import { createBus } from '../shared/events/pubsub-bus.js';
import { createRuntime } from '../shared/runtime.js';
import { exitOnStartupError, loadConfigAndSecrets } from '../shared/boot.js';
import { createApp } from './app.js';
import { requireWebhookPathSecret, subscriptionCache } from './routes/webhook.js';
import { closeServer, listen } from './serve.js';

async function main(): Promise<void> {
  const { config, secrets } = await loadConfigAndSecrets({ reader: 'app' });
  // Strava does not sign webhook events: without an unguessable callback path anyone could post them.
  requireWebhookPathSecret(secrets.webhookPathSecret ?? config.webhookPathSecret);
  const runtime = await createRuntime(config, secrets);
  const bus = await createBus(config, { log: runtime.log });
  const archiveStore = await createArchiveStore(config);
  const deps = { ...runtime, bus, ...(archiveStore ? { archiveStore } : {}) };
  // The subscription id is known before the first event is answered (read from the database, bounded wait).
  await Promise.race([subscriptionCache(deps).ready(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  const { server, port } = await listen(createApp(deps), config.port, config.host);
  runtime.log.info(`Listening on port ${port}`, { publicBaseUrl: config.publicBaseUrl });

  const stop = async (signal: string) => {
    runtime.log.info(`Received ${signal}, shutting down`);
    await closeServer(server);
    await bus.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch(exitOnStartupError);
